-- The draft_mode.* settings: who may change them, the time settings'
-- interval syntax and minimums, and values set before the library loads.
SELECT draft_mode.jsonb_pointer_get('{}', '') AS library_loaded;

-- Settings that affect other tenants, retention, storage or server memory
-- are for superusers; tenant, actor, notify and delegate_edits are per session.
SELECT name, context FROM pg_settings WHERE name LIKE 'draft_mode.%' ORDER BY name;
CREATE ROLE settings_plain_role;
SET ROLE settings_plain_role;
SET draft_mode.max_document_size = '255MB';
\echo :SQLSTATE
SET draft_mode.max_patch_operations = 1000000;
\echo :SQLSTATE
SET draft_mode.max_depth = 5000;
\echo :SQLSTATE
SET draft_mode.snapshot_interval = 100000;
\echo :SQLSTATE
SET draft_mode.history_retention = 0;
\echo :SQLSTATE
SET draft_mode.tenant = 'acme';
SET draft_mode.actor = 'alice';
SET draft_mode.notify = off;
RESET ROLE;
RESET draft_mode.tenant;
RESET draft_mode.actor;
RESET draft_mode.notify;
-- a superuser may set them for a role
ALTER ROLE settings_plain_role SET draft_mode.max_depth = 20;

-- Time settings take interval syntax; SHOW prints the short form
SHOW draft_mode.draft_ttl;
SHOW draft_mode.idempotency_key_ttl;
SHOW draft_mode.history_retention;
SHOW draft_mode.maintenance_batch_time;
SET draft_mode.draft_ttl = '1 second';
SHOW draft_mode.draft_ttl;
SET draft_mode.draft_ttl = '90 minutes';
SHOW draft_mode.draft_ttl;
SET draft_mode.draft_ttl = '1 day 12 hours';
SHOW draft_mode.draft_ttl;
SET draft_mode.draft_ttl = 'P2D';
SHOW draft_mode.draft_ttl;
SET draft_mode.draft_ttl = '7d';
SHOW draft_mode.draft_ttl;
-- a bare number is in the setting's unit: seconds ...
SET draft_mode.draft_ttl = 3600;
SHOW draft_mode.draft_ttl;
-- ... and milliseconds for maintenance_batch_time
SET draft_mode.maintenance_batch_time = 250;
SHOW draft_mode.maintenance_batch_time;
SET draft_mode.maintenance_batch_time = '2 seconds';
SHOW draft_mode.maintenance_batch_time;
-- the shown value is what maintenance reads, as an interval
SELECT draft_mode.setting('draft_mode.draft_ttl')::interval AS draft_ttl,
       draft_mode.setting('draft_mode.maintenance_batch_time')::interval AS batch_time;
-- the minimum of draft_ttl is 1 second, as for set_draft_ttl()
SET draft_mode.draft_ttl = '0.5 seconds';
\echo :SQLSTATE
SET draft_mode.draft_ttl = 'forever';
\echo :SQLSTATE
SET draft_mode.maintenance_batch_time = '2 minutes';
\echo :SQLSTATE
SET draft_mode.idempotency_key_ttl = '1 second';
SHOW draft_mode.idempotency_key_ttl;
RESET draft_mode.draft_ttl;
RESET draft_mode.maintenance_batch_time;
RESET draft_mode.idempotency_key_ttl;

-- A value set before the library loads is checked only when it loads;
-- Postgres then warns and keeps the default. draft_mode remembers it and
-- refuses to run until the setting is set again.
\c
SET draft_mode.max_depth = 'deep';
SET draft_mode.draft_ttl = '10 parsecs';
SELECT draft_mode.jsonb_patch('{}', '[]');
\echo :SQLSTATE
SELECT draft_mode.setting('draft_mode.draft_ttl');
\echo :SQLSTATE
-- setting a valid value clears it
SET draft_mode.max_depth = 100;
SELECT draft_mode.jsonb_patch('{}', '[]') AS limits_fixed;
-- the JSON functions only care about the limits; the store about every setting
SELECT draft_mode.setting('draft_mode.draft_ttl');
\echo :SQLSTATE
RESET draft_mode.draft_ttl;
SELECT draft_mode.setting('draft_mode.draft_ttl') AS draft_ttl_fixed;
-- a non-superuser's value for a superuser setting is rejected the same way
\c
SET ROLE settings_plain_role;
SET draft_mode.max_document_size = '255MB';
SELECT draft_mode.jsonb_diff('{}', '{}');
\echo :SQLSTATE
RESET ROLE;
\c
DROP ROLE settings_plain_role;
-- setting() of a name that is no setting: 42704 with a JSON DETAIL
\set VERBOSITY default
SELECT draft_mode.setting('draft_mode.no_such_setting');
\echo :SQLSTATE
