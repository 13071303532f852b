-- Retention: run_maintenance expires drafts past their lifetime (restorably),
-- prunes history without losing what must be kept, counts what it removes
-- into daily_stats, honours dry_run, the safety cap and batch sizes, and
-- schedule_maintenance explains what to do without pg_cron. Ages are set
-- by UPDATE, never by waiting. Tenant: 'ret'.

-- Runs maintenance and shows its summary without the timing.
CREATE PROCEDURE pg_temp.maintain(dry_run bool DEFAULT false, force bool DEFAULT false)
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
BEGIN
    CALL draft_mode.run_maintenance(dry_run, force, result);
    RAISE NOTICE 'summary: %', result - 'seconds';
END
$$;

-- Versions, drafts and history of the tenant's sections.
CREATE FUNCTION pg_temp.ret_state()
RETURNS TABLE (section text, version int8, has_draft bool, published_version int8,
               history_rows int8, oldest_version int8)
LANGUAGE sql AS $$
    SELECT s.section, s.version, s.draft_content IS NOT NULL, s.published_version,
           count(h.version), min(h.version)
      FROM draft_mode.sections AS s LEFT JOIN draft_mode.history AS h USING (tenant, section)
     WHERE s.tenant = 'ret' GROUP BY 1, 2, 3, 4 ORDER BY 1
$$;

SET draft_mode.snapshot_interval = 10;
SET draft_mode.undo_steps = 5;
SELECT version FROM draft_mode.create_section('ret', 'old-draft', '{"v": 0}');
SELECT version FROM draft_mode.patch_draft('ret', 'old-draft', '[{"op": "replace", "path": "/v", "value": 1}]', 1);
SELECT version FROM draft_mode.create_section('ret', 'short-lived', '{"v": 0}', 'teaser');
SELECT version FROM draft_mode.patch_draft('ret', 'short-lived', '[{"op": "replace", "path": "/v", "value": 1}]', 1);
SELECT version FROM draft_mode.create_section('ret', 'recent-draft', '{"v": 0}');
SELECT version FROM draft_mode.patch_draft('ret', 'recent-draft', '[{"op": "replace", "path": "/v", "value": 1}]', 1);
SELECT version FROM draft_mode.create_section('ret', 'busy', '{"n": 0}');
SELECT count(*) FROM (SELECT draft_mode.patch_draft('ret', 'busy',
           jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/n', 'value', i)), i)
      FROM generate_series(1, 28) AS i) AS edits;
SELECT version, published_version FROM draft_mode.publish('ret', 'busy');
SELECT count(*) FROM (SELECT draft_mode.patch_draft('ret', 'busy',
           jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/n', 'value', 100 + i)), 29 + i)
      FROM generate_series(1, 31) AS i) AS edits;
SELECT * FROM pg_temp.ret_state();

-- lifetimes: the default 30 days, one day for section type 'teaser'
SELECT draft_mode.set_draft_ttl('teaser', '1 day');
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '31 days'
 WHERE tenant = 'ret' AND section = 'old-draft';
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '2 days'
 WHERE tenant = 'ret' AND section = 'short-lived';
-- history of busy is 60 days old: only the keep rules hold it
UPDATE draft_mode.history SET created_at = now() - interval '60 days'
 WHERE tenant = 'ret' AND section = 'busy';
SET draft_mode.history_keep_versions = 10;
SELECT tenant, section, version, ttl FROM draft_mode.expired_drafts ORDER BY section;
SELECT count(*) AS prunable, min(version), max(version) FROM draft_mode.prunable_history;
SELECT sum(changes) AS changes_before FROM draft_mode.daily_activity WHERE tenant = 'ret';

-- dry run: reports, changes nothing
CALL pg_temp.maintain(dry_run => true);
SELECT * FROM pg_temp.ret_state();

-- the safety cap refuses a run that would remove too large a share
SET draft_mode.maintenance_max_share = 0.1;
CALL pg_temp.maintain();
SELECT * FROM pg_temp.ret_state();

-- within the cap (and in batches of 3 rows) everything due goes
SET draft_mode.maintenance_max_share = 0.5;
SET draft_mode.maintenance_batch_size = 3;
CALL pg_temp.maintain();
SELECT * FROM pg_temp.ret_state();
-- busy keeps the published version (30, which has a snapshot) and every
-- later one, the undo stack's included; older versions are gone (DM105)
SELECT draft_mode.content_at('ret', 'busy', 30) AS at_30, draft_mode.content_at('ret', 'busy', 45) AS at_45,
       draft_mode.content_at('ret', 'busy', 61) AS at_61;
SELECT count(*) AS kept_versions_rebuilt
  FROM (SELECT h.version FROM draft_mode.history AS h
         WHERE h.tenant = 'ret' AND h.section = 'busy' OFFSET 0) AS kept -- (no content_at of other rows)
 WHERE draft_mode.content_at('ret', 'busy', kept.version) IS NOT NULL;
\set VERBOSITY terse
SELECT draft_mode.content_at('ret', 'busy', 29);
\set VERBOSITY default
-- the removed rows' counts moved to daily_stats (create and 28 patches):
-- the activity total is the 67 changes from before plus the 2 expirations
SELECT changes, edits, publishes FROM draft_mode.daily_stats WHERE tenant = 'ret';
SELECT sum(changes) AS changes_after FROM draft_mode.daily_activity WHERE tenant = 'ret';

-- the expired drafts are recorded as kind expire and can be restored
SELECT version, kind FROM draft_mode.history('ret', 'old-draft', max_rows => 1);
SELECT content FROM draft_mode.content_at('ret', 'old-draft', 2) AS content;
SELECT version, has_draft FROM draft_mode.restore('ret', 'old-draft', 2, 3);
SELECT content FROM draft_mode.get_section('ret', 'old-draft');
SELECT version, kind FROM draft_mode.undo('ret', 'short-lived', 3);
SELECT content, has_draft FROM draft_mode.get_section('ret', 'short-lived');

-- nothing left to do
CALL pg_temp.maintain();

-- One section that fails does not stop the run: a draft nested deeper than
-- the maintenance session's draft_mode.max_depth cannot be expired (its
-- inverse patch cannot be computed). The run reports it in "failures",
-- leaves it as it is, and expires the other draft.
SET draft_mode.max_depth = 200;
SELECT version FROM draft_mode.create_section('ret', 'deep', '{}');
SELECT version FROM draft_mode.save_draft('ret', 'deep', (repeat('{"a": ', 150) || '1' || repeat('}', 150))::jsonb, 1);
SELECT version FROM draft_mode.create_section('ret', 'plain', '{"v": 0}');
SELECT version FROM draft_mode.patch_draft('ret', 'plain', '[{"op": "replace", "path": "/v", "value": 1}]', 1);
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '400 days'
 WHERE tenant = 'ret' AND section IN ('deep', 'plain');
SET draft_mode.max_depth = 100;
CALL pg_temp.maintain(force => true);
RESET draft_mode.max_depth;
SELECT section, version, draft_content IS NOT NULL AS has_draft FROM draft_mode.sections
 WHERE tenant = 'ret' AND section IN ('deep', 'plain') ORDER BY section;

-- inside a transaction block it refuses at once, even with nothing to do
BEGIN;
CALL draft_mode.run_maintenance(dry_run => true);
ROLLBACK;

-- without pg_cron in this database
SELECT draft_mode.schedule_maintenance();
SELECT draft_mode.unschedule_maintenance() AS removed;
