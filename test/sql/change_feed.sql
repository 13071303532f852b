-- The change feed: changes() returns a tenant's committed changes in a
-- stable order with a cursor per change; passing the last cursor returns
-- what came after it; feed_end() is where a consumer that has just read
-- every section starts; a cursor older than what retention kept is refused
-- (DM401); consumers keep their position in the database. Tenant: 'cf'.
SET draft_mode.tenant = 'cf';
SET draft_mode.actor = 'writer';
\set VERBOSITY terse

SELECT draft_mode.feed_end('cf') AS empty_end;
SELECT * FROM draft_mode.changes('cf');
SELECT version FROM draft_mode.create_section('cf', 'a', '{"n": 0}');
SELECT version FROM draft_mode.create_draft('cf', 'b', '{"x": 19.90}');
SELECT version FROM draft_mode.patch_draft('cf', 'a', '[{"op": "replace", "path": "/n", "value": 1}]', 1);
SELECT version FROM draft_mode.publish('cf', 'a');
SELECT version FROM draft_mode.patch_draft('cf', 'b', '[{"op": "replace", "path": "/x", "value": 20.00}]', 1);
SELECT cursor, section, version, kind, actor, patch FROM draft_mode.changes('cf');
-- Pages: the last cursor of one page starts the next.
SELECT cursor, section, version FROM draft_mode.changes('cf', max_rows => 2);
SELECT cursor, section, version FROM draft_mode.changes('cf', after => 'c2', max_rows => 2);
SELECT cursor, section, version FROM draft_mode.changes('cf', after => 'c4', max_rows => 2);
SELECT cursor, section, version FROM draft_mode.changes('cf', after => 'c5');
SELECT draft_mode.feed_end('cf') AS end_cursor;
-- A change whose transaction rolls back takes no position.
BEGIN;
SELECT version FROM draft_mode.patch_draft('cf', 'a', '[{"op": "replace", "path": "/n", "value": 99}]', 3);
ROLLBACK;
SELECT version FROM draft_mode.patch_draft('cf', 'a', '[{"op": "replace", "path": "/n", "value": 2}]', 3);
SELECT cursor, section, version, kind FROM draft_mode.changes('cf', after => 'c5');
-- Bad arguments.
SELECT * FROM draft_mode.changes('cf', after => 'not a cursor');
SELECT * FROM draft_mode.changes('cf', after => 'c999');
SELECT * FROM draft_mode.changes('cf', max_rows => 10001);
CREATE ROLE cf_editor IN ROLE draft_mode_editor;
SET ROLE cf_editor;
SELECT * FROM draft_mode.changes('other');
SELECT draft_mode.feed_end('other');
SELECT draft_mode.consumer_cursor('other', 'deployer');
RESET ROLE;
DROP ROLE cf_editor;

-- Consumers: a named worker's position, advanced in its transaction.
SELECT draft_mode.consumer_cursor('cf', 'deployer') AS first_cursor;
BEGIN;
SELECT count(*) AS to_deploy FROM draft_mode.changes('cf', draft_mode.consumer_cursor('cf', 'deployer'));
SELECT draft_mode.advance_consumer('cf', 'deployer', 'c4');
COMMIT;
SELECT draft_mode.consumer_cursor('cf', 'deployer') AS after_commit;
BEGIN;
SELECT draft_mode.advance_consumer('cf', 'deployer', 'c6');
ROLLBACK;
SELECT draft_mode.consumer_cursor('cf', 'deployer') AS after_rollback;
SELECT draft_mode.advance_consumer('cf', 'deployer', 'c2');
SELECT draft_mode.advance_consumer('cf', 'deployer', 'c99');
SELECT draft_mode.consumer_cursor('cf', repeat('w', 201));

-- Retention: pruning history removes the feed positions of what it
-- removes; a cursor before them is refused with DM401, which says where the
-- feed ends now.
SET draft_mode.history_keep_versions = 1;
SET draft_mode.history_retention = 0;
SET draft_mode.snapshot_interval = 1;
SET draft_mode.undo_steps = 1;
SELECT version FROM draft_mode.create_section('cf', 'p', '{"n": 0}');
SELECT count(*) FROM (SELECT draft_mode.patch_draft('cf', 'p', jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/n', 'value', i)), i)
                        FROM generate_series(1, 2) AS i) AS edits;
SELECT version FROM draft_mode.publish('cf', 'p');
SELECT version FROM draft_mode.patch_draft('cf', 'p', '[{"op": "replace", "path": "/n", "value": 3}]', 4);
SELECT draft_mode.feed_end('cf') AS end_before;
CALL draft_mode.prune_history(100, '10 seconds');
SELECT f.section, f.version, f.position FROM draft_mode.feed AS f WHERE f.tenant = 'cf' AND f.section = 'p' ORDER BY f.position;
SELECT pruned_through FROM draft_mode.feed_counters WHERE tenant = 'cf';
\set VERBOSITY default
SELECT cursor, section, version FROM draft_mode.changes('cf', after => 'c8');
\set VERBOSITY terse
SELECT cursor, section, version FROM draft_mode.changes('cf', after => 'c10');
SELECT cursor, section, version FROM draft_mode.changes('cf', after => draft_mode.feed_end('cf'));
RESET draft_mode.history_keep_versions;
RESET draft_mode.history_retention;
RESET draft_mode.snapshot_interval;
RESET draft_mode.undo_steps;

-- Leave nothing behind for the tests that count every tenant's rows.
DELETE FROM draft_mode.sections WHERE tenant = 'cf';
DELETE FROM draft_mode.feed_counters WHERE tenant = 'cf';
DELETE FROM draft_mode.feed_consumers WHERE tenant = 'cf';
