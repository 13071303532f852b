#!/usr/bin/env bash
# No lost updates under contention, with real concurrent sessions: 16 pgbench
# clients each append 25 items to the same section's array through
# compare-and-swap (patch_draft with expected_version), retrying on the
# version conflict (PT409). Afterwards the array holds every item exactly
# once, and the version and history count one change per success.
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
CREATE SEQUENCE item_seq;
CREATE TABLE conflicts (client int NOT NULL);
-- Appends one item with compare-and-swap, retrying on PT409: read the
-- version, patch against it, and on a conflict record it and read again.
CREATE FUNCTION append_with_retry(client int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    item jsonb := jsonb_build_object('client', client, 'seq', nextval('item_seq'));
    current int8;
BEGIN
    LOOP
        SELECT version INTO current FROM draft_mode.get_section('lost', 'list');
        BEGIN
            PERFORM draft_mode.patch_draft('lost', 'list',
                jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/items/-', 'value', item)),
                current);
            RETURN;
        EXCEPTION WHEN SQLSTATE 'PT409' THEN
            INSERT INTO conflicts VALUES (client);
        END;
    END LOOP;
END
$$;
SQL
echo 'SELECT append_with_retry(:client_id);' >"$work/append.sql"

echo "1..6"
if pgbench -n -c "$clients" -j 2 -t "$per_client" -f "$work/append.sql" "$db" >"$work/pgbench.log" 2>&1; then
  echo "ok 1 - $clients clients x $per_client appends ran without an error"
else
  echo "not ok 1 - pgbench failed"
  sed 's/^/# /' "$work/pgbench.log"
fi

check() {
  local number=$1 description=$2 expected=$3 actual
  actual=$(sql -c "$4")
  if [ "$actual" = "$expected" ]; then
    echo "ok $number - $description"
  else
    echo "not ok $number - $description"
    echo "#   expected: $expected"
    echo "#        got: $actual"
  fi
}
check 2 "the array holds $successes items" "$successes" \
  "SELECT jsonb_array_length(content -> 'items') FROM draft_mode.get_section('lost', 'list')"
check 3 "every item appears exactly once, $per_client per client" "$successes|$successes|$clients|$per_client|$per_client" \
  "SELECT count(*), count(DISTINCT i ->> 'seq'), count(DISTINCT i ->> 'client'),
          min(n), max(n)
     FROM draft_mode.get_section('lost', 'list') AS g,
          jsonb_array_elements(g.content -> 'items') AS i,
          LATERAL (SELECT count(*) AS n FROM jsonb_array_elements(g.content -> 'items') AS j
                    WHERE j ->> 'client' = i ->> 'client') AS per"
check 4 "the version is one past the $successes changes" "$((successes + 1))" \
  "SELECT version FROM draft_mode.get_section('lost', 'list')"
check 5 "history has one row per change" "$((successes + 1))" \
  "SELECT count(*) FROM draft_mode.history WHERE tenant = 'lost'"
check 6 "history replays to the final content" "t" \
  "SELECT draft_mode.content_at('lost', 'list', $((successes + 1))) = content
     FROM draft_mode.get_section('lost', 'list')"
echo "# version conflicts retried: $(sql -c 'SELECT count(*) FROM conflicts')"
