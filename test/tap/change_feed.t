#!/usr/bin/env bash
# The change feed under real concurrency.
# 1. Eight pgbench clients edit 20 sections of one tenant for 15 seconds
#    (compare-and-swap with retry, each transaction held open a random few
#    milliseconds after its edit, so commits land out of the order edits were
#    made) while a reader polls changes() with its last cursor every 50 ms.
#    The reader sees every committed version exactly once, each section's in
#    version order, and nothing that history does not have.
# 2. A deploy worker (the README's pattern: consumer_cursor, changes,
#    side effect, advance_consumer, one transaction per batch) is killed in
#    the middle of a batch, then run again: every publish is deployed exactly
#    once (the side-effect table's unique key would fail a duplicate).
# Connects with PGHOST, PGPORT and PGUSER from the environment, in its own
# database, dropped at the end.
set -euo pipefail

db=draft_mode_change_feed
sections=20
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT

sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
sql <<SQL
\o /dev/null
CREATE EXTENSION draft_mode;
SELECT draft_mode.create_section('feed', 's' || i, '{"n": 0}') FROM generate_series(1, $sections) AS i;
-- Patches section s<section>'s n with compare-and-swap, retrying conflicts.
CREATE FUNCTION edit_with_retry(section int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
    current_version int8;
BEGIN
    LOOP
        SELECT g.version INTO current_version FROM draft_mode.get_section('feed', 's' || section) AS g;
        BEGIN
            PERFORM draft_mode.patch_draft('feed', 's' || section,
                jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/n', 'value', current_version)),
                expected_version => current_version);
            RETURN;
        EXCEPTION WHEN SQLSTATE 'PT409' THEN
            NULL;
        END;
    END LOOP;
END
\$\$;
SQL
start_cursor=$(sql -c "SELECT draft_mode.feed_end('feed')")
printf '\\set s random(1, %d)\nBEGIN;\nSELECT edit_with_retry(:s);\nSELECT pg_sleep(random() * 0.01);\nCOMMIT;\n' \
  "$sections" >"$work/edit.sql"

echo "1..7"
pgbench -n -c 8 -j 2 -T 15 -f "$work/edit.sql" "$db" >"$work/pgbench.log" 2>&1 &
editors=$!

# The reader: one page per poll, from its last cursor.
cursor=$start_cursor
: >"$work/seen"
read_page() {
  sql -F ' ' -c "SELECT cursor, section, version FROM draft_mode.changes('feed', '$cursor', 1000)" >"$work/page"
  cat "$work/page" >>"$work/seen"
  if [ -s "$work/page" ]; then
    cursor=$(tail -n 1 "$work/page" | cut -d ' ' -f 1)
  fi
}
polls=0
while kill -0 "$editors" 2>/dev/null; do
  read_page
  polls=$((polls + 1))
  sleep 0.05
done
wait "$editors" && edited=ok || edited=failed
read_page

[ "$edited" = ok ] && echo "ok 1 - eight editors ran ($(grep -o 'number of transactions actually processed: [0-9]*' "$work/pgbench.log"))" \
  || { echo "not ok 1 - eight editors ran"; sed 's/^/# /' "$work/pgbench.log"; }

sql -c "SELECT section || ' ' || version FROM draft_mode.history WHERE tenant = 'feed' AND version > 1 ORDER BY 1" \
  >"$work/expected"
cut -d ' ' -f 2,3 "$work/seen" | sort >"$work/seen_sorted"
changes=$(wc -l <"$work/expected")
if [ "$changes" -gt 100 ] && cmp -s "$work/expected" "$work/seen_sorted"; then
  echo "ok 2 - the reader saw every one of $changes committed changes, in $polls polls"
else
  echo "not ok 2 - the reader saw every committed change ($changes in history, $(wc -l <"$work/seen") seen)"
  diff "$work/expected" "$work/seen_sorted" | head -n 20 | sed 's/^/# /'
fi
duplicates=$(cut -d ' ' -f 2,3 "$work/seen" | sort | uniq -d | wc -l)
[ "$duplicates" -eq 0 ] && echo "ok 3 - no change was seen twice" || echo "not ok 3 - no change was seen twice ($duplicates were)"
out_of_order=$(awk '{ if (($2 in last) && $3 <= last[$2]) bad++; last[$2] = $3 } END { print bad + 0 }' "$work/seen")
[ "$out_of_order" -eq 0 ] && echo "ok 4 - each section's changes came in version order" \
  || echo "not ok 4 - each section's changes came in version order ($out_of_order did not)"

# 2. The deploy worker.
sql <<'SQL'
\o /dev/null
SELECT draft_mode.create_draft('deploy', 'bot' || i, jsonb_build_object('name', 'bot ' || i)) FROM generate_series(1, 30) AS i;
SELECT draft_mode.publish('deploy', 'bot' || i) FROM generate_series(1, 30) AS i;
-- The side effect: one row per deployed publish; a second one is an error.
CREATE TABLE deployed (section text, version int8, UNIQUE (section, version));
-- The worker: a batch per transaction, its position moved in the same
-- transaction as its side effects; slow (100 ms per change) so it can be
-- killed in the middle of one.
CREATE PROCEDURE deploy_worker() LANGUAGE plpgsql AS $$
DECLARE
    change record;
    last_cursor text;
BEGIN
    LOOP
        last_cursor := NULL;
        FOR change IN
            SELECT * FROM draft_mode.changes('deploy', draft_mode.consumer_cursor('deploy', 'deployer'), 5)
        LOOP
            IF change.kind = 'publish' THEN
                INSERT INTO deployed VALUES (change.section, change.version);
                PERFORM pg_sleep(0.1);
            END IF;
            last_cursor := change.cursor;
        END LOOP;
        EXIT WHEN last_cursor IS NULL;
        PERFORM draft_mode.advance_consumer('deploy', 'deployer', last_cursor);
        COMMIT;
    END LOOP;
END
$$;
SQL
psql -X -q -d "dbname=$db application_name=deploy_worker" -c "CALL deploy_worker()" >"$work/worker1.log" 2>&1 &
worker=$!
sleep 1.2
killed=$(sql -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'deploy_worker'")
wait "$worker" || true
deployed_at_kill=$(sql -c "SELECT count(*) FROM deployed")
position_at_kill=$(sql -c "SELECT position FROM draft_mode.feed_consumers WHERE tenant = 'deploy'")
if [ "$killed" -eq 1 ] && [ "$deployed_at_kill" -gt 0 ] && [ "$deployed_at_kill" -lt 30 ]; then
  echo "ok 5 - the worker was killed mid-run ($deployed_at_kill of 30 deployed, position $position_at_kill)"
else
  echo "not ok 5 - the worker was killed mid-run (killed $killed, deployed $deployed_at_kill)"
  sed 's/^/# /' "$work/worker1.log"
fi
if sql -c "CALL deploy_worker()" >"$work/worker2.log" 2>&1; then
  echo "ok 6 - the worker resumed and finished"
else
  echo "not ok 6 - the worker resumed and finished"
  sed 's/^/# /' "$work/worker2.log"
fi
result=$(sql -c "SELECT count(*) || ' ' || count(DISTINCT (section, version)) || ' ' ||
                        (SELECT count(*) FROM draft_mode.history WHERE tenant = 'deploy' AND kind = 'publish')
                   FROM deployed")
read -r rows distinct publishes <<<"$result"
if [ "$rows" -eq 30 ] && [ "$distinct" -eq 30 ] && [ "$publishes" -eq 30 ]; then
  echo "ok 7 - every publish was deployed exactly once (30)"
else
  echo "not ok 7 - every publish was deployed exactly once (rows $rows, distinct $distinct, publishes $publishes)"
fi
