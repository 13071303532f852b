#!/usr/bin/env bash
# No lost updates under contention, with real concurrent sessions: 16 pgbench
# clients (2 threads) each append 25 items {"client": c, "i": i} to the same
# section's array through compare-and-swap: read the version with
# get_section, patch_draft with expected_version => that version, and on a
# version conflict (PT409) read again and retry. Afterwards the array holds
# every (client, i) exactly once and each client's items in its own order,
# and the version and history count exactly one change per success.
# Connects with PGHOST, PGPORT and PGUSER from the environment, in its own
# database, dropped at the end.
set -euo pipefail

clients=16
per_client=25
successes=$((clients * per_client))
db=draft_mode_lost_update
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT

sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
sql <<'SQL'
\o /dev/null
CREATE EXTENSION draft_mode;
SELECT draft_mode.create_section('lost', 'list', '{"items": []}');
-- One row per version conflict a client saw (and retried).
CREATE TABLE conflicts (client int NOT NULL, i int NOT NULL);
-- Appends {"client": client, "i": i} to /items with compare-and-swap: read
-- the version, patch against it, and on a conflict record it and start over
-- from a fresh read. Each statement of this function sees what was
-- committed before it started (READ COMMITTED), so a retry reads the
-- winner's version.
CREATE FUNCTION append_with_retry(client int, i int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    patch jsonb := jsonb_build_array(jsonb_build_object(
        'op', 'add', 'path', '/items/-', 'value', jsonb_build_object('client', client, 'i', i)));
    current_version int8;
BEGIN
    LOOP
        SELECT g.version INTO current_version FROM draft_mode.get_section('lost', 'list') AS g;
        BEGIN
            PERFORM draft_mode.patch_draft('lost', 'list', patch,
                                           expected_version => current_version);
            RETURN;
        EXCEPTION WHEN SQLSTATE 'PT409' THEN
            INSERT INTO conflicts VALUES (client, i);
        END;
    END LOOP;
END
$$;
SQL

# pgbench keeps each client's variables across its transactions: i counts
# that client's appends from 1 (-D i=0); client_id runs from 0 to 15.
cat >"$work/append.sql" <<'SCRIPT'
\set i :i + 1
SELECT append_with_retry(:client_id, :i);
SCRIPT

echo "1..7"

if pgbench -n -c "$clients" -j 2 -t "$per_client" -D i=0 -f "$work/append.sql" "$db" \
     >"$work/pgbench.log" 2>&1 \
   && grep -q "number of transactions actually processed: $successes/$successes" "$work/pgbench.log"; then
  echo "ok 1 - $clients clients x $per_client appends all succeeded"
else
  echo "not ok 1 - $clients clients x $per_client appends all succeeded"
  sed 's/^/# /' "$work/pgbench.log"
fi

# check NUMBER DESCRIPTION EXPECTED QUERY: ok when the query prints EXPECTED.
check() {
  local number=$1 description=$2 expected=$3 query=$4 actual
  actual=$(sql -c "$query" 2>&1) || true
  if [ "$actual" = "$expected" ]; then
    echo "ok $number - $description"
  else
    echo "not ok $number - $description"
    echo "#   expected: $expected"
    echo "#        got: $actual" | sed '2,$s/^/# /'
  fi
}

check 2 "the array holds $successes items" "$successes" \
  "SELECT jsonb_array_length(content -> 'items') FROM draft_mode.get_section('lost', 'list')"

# Pairs missing, duplicated or unexpected: none.
check 3 "every (client, i) appears exactly once" "0" \
  "WITH expected AS (
     SELECT c AS client, n AS i FROM generate_series(0, $clients - 1) AS c,
                                     generate_series(1, $per_client) AS n
   ), actual AS (
     SELECT (item ->> 'client')::int AS client, (item ->> 'i')::int AS i, count(*) AS copies
       FROM draft_mode.get_section('lost', 'list') AS g,
            jsonb_array_elements(g.content -> 'items') AS item
      GROUP BY 1, 2
   )
   SELECT count(*) FROM expected FULL JOIN actual USING (client, i)
    WHERE actual.copies IS DISTINCT FROM 1 OR expected.client IS NULL"

# A client appends i + 1 only after its append i committed.
check 4 "each client's items are in the order it appended them" "0" \
  "SELECT count(*) FROM (
     SELECT (item ->> 'i')::int AS i,
            lag((item ->> 'i')::int) OVER (PARTITION BY item ->> 'client' ORDER BY position) AS before
       FROM draft_mode.get_section('lost', 'list') AS g,
            jsonb_array_elements(g.content -> 'items') WITH ORDINALITY AS e (item, position)
   ) AS ordered WHERE i <> coalesce(before, 0) + 1"

check 5 "the version is $((successes + 1)): one per success, after the create" "$((successes + 1))" \
  "SELECT version FROM draft_mode.get_section('lost', 'list')"

check 6 "history has $((successes + 1)) rows: the create and one patch per success" \
  "$((successes + 1))|1|$successes|1|$((successes + 1))" \
  "SELECT count(*), count(*) FILTER (WHERE kind = 'create'), count(*) FILTER (WHERE kind = 'patch'),
          min(version), max(version)
     FROM draft_mode.history WHERE tenant = 'lost' AND section = 'list'"

check 7 "history replays to the final content" "t" \
  "SELECT draft_mode.content_at('lost', 'list', g.version) = g.content
     FROM draft_mode.get_section('lost', 'list') AS g"

echo "# version conflicts seen and retried: $(sql -c 'SELECT count(*) FROM conflicts')"
echo "# $(grep -E '^(tps|latency average)' "$work/pgbench.log" | tr '\n' ' ')"
