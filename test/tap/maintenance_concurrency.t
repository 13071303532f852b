#!/usr/bin/env bash
# Maintenance over a large history while editors keep writing, with real
# concurrent sessions: 200 sections with 1,000 versions each (200,000
# history rows, 60 days old) are pruned by run_maintenance while 8 pgbench
# clients patch random sections with compare-and-swap and retry. Editors
# never fail, and everything that must be kept is: for every section the
# newest versions, the published one and the snapshot before them, with no
# gap, and every kept version still rebuilds. Throughput is printed, not
# asserted (that is the benchmark's job).
set -euo pipefail
db=draft_mode_maintenance_load
sections=200
versions=1000
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
sql >/dev/null <<SQL
CREATE EXTENSION draft_mode;
SELECT draft_mode.create_section('load', 's' || i, jsonb_build_object('n', 0))
  FROM generate_series(1, $sections) AS i;
-- Versions 2..$versions: no-op patches, a snapshot every 50 versions, all
-- 60 days old; every version's content is the created one.
INSERT INTO draft_mode.history (tenant, section, version, kind, actor, created_at,
                                forward_patch, inverse_patch, snapshot)
SELECT 'load', 's' || i, v, 'patch', 'loader', now() - interval '60 days', '[]', '[]',
       CASE WHEN v % 50 = 0 THEN jsonb_build_object('n', 0) END
  FROM generate_series(1, $sections) AS i, generate_series(2, $versions) AS v;
UPDATE draft_mode.history SET created_at = now() - interval '60 days' WHERE tenant = 'load';
UPDATE draft_mode.sections SET version = $versions, published_version = $versions WHERE tenant = 'load';
-- An editor's edit of section s: compare-and-swap, retried on PT409.
CREATE FUNCTION edit_with_retry(s int) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE
    current int8;
BEGIN
    LOOP
        SELECT version INTO current FROM draft_mode.get_section('load', 's' || s);
        BEGIN
            PERFORM draft_mode.patch_draft('load', 's' || s,
                jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/n', 'value', current)),
                current);
            RETURN;
        EXCEPTION WHEN SQLSTATE 'PT409' THEN
            NULL;
        END;
    END LOOP;
END
\$\$;
SQL
rows_before=$(sql -c "SELECT count(*) FROM draft_mode.history")
printf '\\set s random(1, %d)\nSELECT edit_with_retry(:s);\n' "$sections" >"$work/edit.sql"

echo "1..6"
echo "# history rows before: $rows_before"
pgbench -n -c 8 -j 2 -T 20 -f "$work/edit.sql" "$db" >"$work/pgbench.log" 2>&1 &
editors=$!
sleep 2
maintenance_started=$(date +%s.%N)
sql -c "CALL draft_mode.run_maintenance(force => true)" >"$work/summary" 2>"$work/maintenance.err" && maintained=ok || maintained=failed
maintenance_seconds=$(echo "$(date +%s.%N) - $maintenance_started" | bc)
wait "$editors" && edited=ok || edited=failed

[ "$maintained" = ok ] && echo "ok 1 - run_maintenance finished while editors wrote" \
  || { echo "not ok 1 - run_maintenance finished while editors wrote"; sed 's/^/# /' "$work/maintenance.err"; }
if [ "$edited" = ok ] && ! grep -qi "error\|abort" "$work/pgbench.log"; then
  echo "ok 2 - no editor failed ($(grep -o 'number of transactions actually processed: [0-9]*' "$work/pgbench.log"))"
else
  echo "not ok 2 - no editor failed"; sed 's/^/# /' "$work/pgbench.log"
fi
removed=$(sql -c "SELECT ($rows_before + (SELECT sum(version) - $sections * $versions FROM draft_mode.sections WHERE tenant = 'load')) - count(*) FROM draft_mode.history")
[ "$removed" -gt 0 ] && echo "ok 3 - maintenance removed $removed history rows" || echo "not ok 3 - maintenance removed history rows (removed $removed)"
echo "# maintenance: $(cat "$work/summary"), $removed rows in ${maintenance_seconds}s"

# For every section: versions from a snapshot up to the current one, no gap,
# the newest 50 and the published version among them.
broken=$(sql -c "
  SELECT count(*) FROM draft_mode.sections AS s,
         LATERAL (SELECT min(h.version) AS low, max(h.version) AS high, count(*) AS n
                    FROM draft_mode.history AS h
                   WHERE h.tenant = s.tenant AND h.section = s.section) AS kept
   WHERE s.tenant = 'load'
     AND (kept.high <> s.version OR kept.n <> kept.high - kept.low + 1
          OR kept.low > s.version - 49 OR kept.low > s.published_version
          OR NOT EXISTS (SELECT FROM draft_mode.history AS h
                          WHERE h.tenant = s.tenant AND h.section = s.section
                            AND h.version = kept.low AND h.snapshot IS NOT NULL))")
[ "$broken" = 0 ] && echo "ok 4 - every section kept a contiguous run from a snapshot, newest 50 and published included" \
  || echo "not ok 4 - every section kept what it must ($broken sections broken)"
mismatched=$(sql -c "
  SELECT count(*) FROM draft_mode.sections AS s
   WHERE s.tenant = 'load'
     AND draft_mode.content_at('load', s.section, s.version) <> coalesce(s.draft_content, s.published_content)")
[ "$mismatched" = 0 ] && echo "ok 5 - every section's current version rebuilds from history" \
  || echo "not ok 5 - every section's current version rebuilds from history ($mismatched differ)"
oldest=$(sql -c "
  SELECT count(*) FROM draft_mode.sections AS s
   WHERE s.tenant = 'load'
     AND draft_mode.content_at('load', s.section,
           (SELECT min(version) FROM draft_mode.history AS h
             WHERE h.tenant = s.tenant AND h.section = s.section)) IS NULL")
[ "$oldest" = 0 ] && echo "ok 6 - every section's oldest kept version rebuilds" \
  || echo "not ok 6 - every section's oldest kept version rebuilds ($oldest fail)"
