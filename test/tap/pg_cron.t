#!/usr/bin/env bash
# Scheduling with pg_cron for real: in the database pg_cron runs in (the
# test cluster preloads it with cron.database_name = postgres),
# schedule_maintenance registers the job, pg_cron runs it (at most once a
# minute, so this waits up to about two minutes), the run expires an aged
# draft, and unschedule_maintenance removes the job; a superuser's
# unschedule_maintenance leaves a non-superuser administrator's own job.
set -euo pipefail
db=postgres
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
cleanup() {
  sql -c "SELECT draft_mode.unschedule_maintenance()" >/dev/null 2>&1 || true
  psql -X -q -At -d "$db" -U cron_admin -c "SELECT draft_mode.unschedule_maintenance()" >/dev/null 2>&1 || true
  sql -c "DROP ROLE IF EXISTS cron_admin" >/dev/null 2>&1 || true
  sql -c "DROP EXTENSION IF EXISTS draft_mode CASCADE" -c "DROP EXTENSION IF EXISTS pg_cron" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "1..7"
sql >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION draft_mode;
SELECT draft_mode.create_section('cron', 'page', '{"v": 0}');
SELECT draft_mode.patch_draft('cron', 'page', '[{"op": "replace", "path": "/v", "value": 1}]', 1);
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '31 days' WHERE tenant = 'cron';
-- two fresh drafts, so the expired one is within the safety cap's share
SELECT draft_mode.create_section('cron', 'fresh-' || i, '{"v": 0}') FROM generate_series(1, 2) AS i;
SELECT draft_mode.patch_draft('cron', 'fresh-' || i, '[{"op": "replace", "path": "/v", "value": 1}]', 1)
  FROM generate_series(1, 2) AS i;
SQL

job=$(sql -c "SELECT draft_mode.schedule_maintenance('* * * * *')")
[ -n "$job" ] && echo "ok 1 - schedule_maintenance returned job $job" || echo "not ok 1 - schedule_maintenance returned a job id"
row=$(sql -c "SELECT jobname || '|' || schedule || '|' || command FROM cron.job WHERE jobid = $job")
expected='draft_mode_maintenance|* * * * *|CALL draft_mode.run_maintenance()'
[ "$row" = "$expected" ] && echo "ok 2 - the job is in cron.job" || { echo "not ok 2 - the job is in cron.job"; echo "# got: $row"; }

status=""
for _ in $(seq 1 65); do
  status=$(sql -c "SELECT status FROM cron.job_run_details WHERE jobid = $job AND status IN ('succeeded', 'failed') ORDER BY start_time DESC LIMIT 1")
  [ -n "$status" ] && break
  sleep 2
done
if [ "$status" = succeeded ]; then
  echo "ok 3 - pg_cron ran the job"
else
  echo "not ok 3 - pg_cron ran the job (status '${status:-none after 130 s}')"
  sql -c "SELECT status || ': ' || coalesce(return_message, '') FROM cron.job_run_details WHERE jobid = $job" | sed 's/^/# /'
fi
effect=$(sql -c "SELECT has_draft::text || '|' || (SELECT kind FROM draft_mode.history('cron', 'page', 1)) FROM draft_mode.get_section('cron', 'page')")
[ "$effect" = "false|expire" ] && echo "ok 4 - the run expired the aged draft" || { echo "not ok 4 - the run expired the aged draft"; echo "# got: $effect"; }
removed=$(sql -c "SELECT draft_mode.unschedule_maintenance()")
left=$(sql -c "SELECT count(*) FROM cron.job WHERE jobname = 'draft_mode_maintenance'")
[ "$removed|$left" = "t|0" ] && echo "ok 5 - unschedule_maintenance removed the job" || echo "not ok 5 - unschedule_maintenance removed the job (got $removed|$left)"

# Another role's job (a non-superuser administrator's) is its own: a superuser, who sees every
# row of cron.job, removes only its own (before 0.5.0 it removed every role's).
sql -c "CREATE ROLE cron_admin LOGIN IN ROLE draft_mode_admin" -c "GRANT USAGE ON SCHEMA cron TO cron_admin" >/dev/null
admin() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -U cron_admin "$@"; }
admin -c "SELECT draft_mode.schedule_maintenance('0 3 * * *')" >/dev/null
sql -c "SELECT draft_mode.schedule_maintenance('0 4 * * *')" >/dev/null
removed=$(sql -c "SELECT draft_mode.unschedule_maintenance()")
left=$(sql -c "SELECT string_agg(username || ' ' || schedule, ',') FROM cron.job WHERE jobname = 'draft_mode_maintenance'")
[ "$removed|$left" = "t|cron_admin 0 3 * * *" ] && echo "ok 6 - a superuser's unschedule_maintenance removes its own job only" || echo "not ok 6 - a superuser's unschedule_maintenance removes its own job only (got $removed|$left)"
removed=$(admin -c "SELECT draft_mode.unschedule_maintenance()")
left=$(sql -c "SELECT count(*) FROM cron.job WHERE jobname = 'draft_mode_maintenance'")
[ "$removed|$left" = "t|0" ] && echo "ok 7 - the administrator's unschedule_maintenance removes its job" || echo "not ok 7 - the administrator's unschedule_maintenance removes its job (got $removed|$left)"
