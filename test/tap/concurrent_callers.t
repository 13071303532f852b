#!/usr/bin/env bash
# Idempotency keys and rebase under real concurrency. Each round starts N
# pgbench clients (one call each) that all wait on an advisory lock a
# separate session holds until every client is waiting, then release them
# at once:
# - 50 identical patch_draft calls with one idempotency key: exactly one
#   change, 50 identical results;
# - 8 editors patch distinct members from the same base version with
#   rebase => true: all 8 applied, none lost;
# - 8 editors replace the same member from the same base version with
#   rebase => true: the first to lock the row applies (its base is
#   current), the 7 others get the version conflict with the overlapping
#   path in DETAIL and change nothing.
# Connects with PGHOST, PGPORT and PGUSER from the environment, in its own
# database, dropped at the end.
set -euo pipefail

db=draft_mode_concurrent_callers
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
sql <<'SQL'
\o /dev/null
CREATE EXTENSION draft_mode;
-- What each client got: its result (a draft_mode.change) or its error.
CREATE TABLE outcomes (round text, client int, result text, sqlstate text, detail jsonb);
-- Waits for the starting gun (advisory lock 42, held by start_round), then
-- runs call and records its outcome.
CREATE FUNCTION after_gun(round text, client int, call text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    result text;
    state text;
    detail text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(42);
    EXECUTE 'SELECT c::text FROM ' || call || ' AS c' INTO result;
    INSERT INTO outcomes VALUES (round, client, result, NULL, NULL);
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
    INSERT INTO outcomes VALUES (round, client, NULL, state, detail::jsonb);
END
$$;
SELECT draft_mode.create_section('cc', 'idem', '{"count": 0}');
SELECT draft_mode.create_section('cc', 'disjoint', '{"fields": {}}');
SELECT draft_mode.create_section('cc', 'overlap', '{"title": "base"}');
SQL

# Runs pgbench with script for clients clients, one call each, released at
# once: a session holds advisory lock 42 until all of them wait for it.
start_round() {
  local clients=$1 script=$2
  psql -X -q -At -d "$db" >"$work/gun.log" 2>&1 <<SQL &
SELECT pg_advisory_lock(42);
DO \$\$
BEGIN
    -- Up to 60 s for every client to connect and wait.
    FOR i IN 1..600 LOOP
        EXIT WHEN (SELECT count(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND objid = 42 AND NOT granted) >= $clients;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
\$\$;
SELECT pg_advisory_unlock(42);
SQL
  local gun=$!
  until [ "$(sql -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42 AND granted")" = 1 ]; do
    sleep 0.1
  done
  pgbench -n -c "$clients" -j 2 -t 1 -f "$script" "$db" >"$work/pgbench.log" 2>&1 || {
    sed 's/^/# /' "$work/pgbench.log"
    return 1
  }
  wait "$gun"
}

check() { # check N DESCRIPTION EXPECTED QUERY
  local got
  got=$(sql -c "$4")
  if [ "$got" = "$3" ]; then
    echo "ok $1 - $2"
  else
    echo "not ok $1 - $2"
    echo "# expected: $3"
    echo "# got:      $got"
  fi
}

echo "1..9"

cat >"$work/idem.sql" <<'SCRIPT'
SELECT after_gun('idem', :client_id, $$draft_mode.patch_draft('cc', 'idem', '[{"op": "replace", "path": "/count", "value": 1}]', 1, idempotency_key => 'retry-1')$$);
SCRIPT
start_round 50 "$work/idem.sql"
check 1 "50 identical idempotent calls: 50 results, all identical, no error" "50|1|0" \
  "SELECT count(*), count(DISTINCT result), count(sqlstate) FROM outcomes WHERE round = 'idem'"
check 2 "... and exactly one change" "2|2|{\"count\": 1}" \
  "SELECT g.version, (SELECT count(*) FROM draft_mode.history WHERE section = 'idem'), g.content
     FROM draft_mode.get_section('cc', 'idem') AS g"
check 3 "... whose result every caller got" "(cc,idem,2,patch,t,t,1,f,)" \
  "SELECT DISTINCT result FROM outcomes WHERE round = 'idem'"

cat >"$work/disjoint.sql" <<'SCRIPT'
SELECT after_gun('disjoint', :client_id, format($$draft_mode.patch_draft('cc', 'disjoint', '[{"op": "add", "path": "/fields/f%s", "value": %s}]', 1, rebase => true)$$, :client_id, :client_id));
SCRIPT
start_round 8 "$work/disjoint.sql"
check 4 "8 editors, disjoint patches from base version 1: all applied, no error" "8|0" \
  "SELECT count(result), count(sqlstate) FROM outcomes WHERE round = 'disjoint'"
check 5 "... none lost: every field is there, version 9, 8 patch rows" \
  '{"f0": 0, "f1": 1, "f2": 2, "f3": 3, "f4": 4, "f5": 5, "f6": 6, "f7": 7}|9|8' \
  "SELECT g.content -> 'fields', g.version,
          (SELECT count(*) FROM draft_mode.history WHERE section = 'disjoint' AND kind = 'patch')
     FROM draft_mode.get_section('cc', 'disjoint') AS g"
check 6 "... 7 of them rebased (the first ran on its own base), recorded in history" "7|7" \
  "SELECT (SELECT count(*) FROM outcomes WHERE round = 'disjoint' AND result LIKE '%,t,)'),
          (SELECT count(*) FROM draft_mode.history
            WHERE section = 'disjoint' AND detail ->> 'rebased_from' = '1')"

cat >"$work/overlap.sql" <<'SCRIPT'
SELECT after_gun('overlap', :client_id, format($$draft_mode.patch_draft('cc', 'overlap', '[{"op": "replace", "path": "/title", "value": "by %s"}]', 1, rebase => true)$$, :client_id));
SCRIPT
start_round 8 "$work/overlap.sql"
check 7 "8 editors, same member from base version 1: one applied, 7 version conflicts" "1|7" \
  "SELECT count(result), count(*) FILTER (WHERE sqlstate = 'PT409') FROM outcomes
    WHERE round = 'overlap'"
check 8 "... each conflict names the overlapping path and the change" "7" \
  "SELECT count(*) FROM outcomes
    WHERE round = 'overlap' AND detail -> 'conflicts'
          @> '[{\"path\": \"/title\", \"changed_path\": \"/title\", \"version\": 2}]'
      AND detail ->> 'reason' = 'overlap'"
check 9 "... and none of them was applied: version 2, the winner's title" "2|1|t" \
  "SELECT g.version,
          (SELECT count(*) FROM draft_mode.history WHERE section = 'overlap' AND kind = 'patch'),
          g.content ->> 'title' = (SELECT 'by ' || client FROM outcomes
                                    WHERE round = 'overlap' AND result IS NOT NULL)
     FROM draft_mode.get_section('cc', 'overlap') AS g"
