-- The section store, part 5: NOTIFY on channel draft_mode.
--
-- psql prints a notification with the sending backend's PID, which varies
-- from run to run, so this session never LISTENs. A second connection
-- (dblink, to this same database) listens instead, and pg_temp.received
-- reads what it got. To know that everything sent so far has arrived, this
-- session then sends NOTIFY draft_mode, 'end': notifications arrive in commit
-- order, so when 'end' is in, all earlier ones are too, and a change that
-- sent nothing shows as nothing before 'end'. Tenant: 'notify'.
CREATE EXTENSION IF NOT EXISTS dblink;

\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all

-- The payloads the listener received on channel draft_mode before 'end', in
-- order, and whether this session sent them; waits up to 30 s for 'end'.
CREATE FUNCTION pg_temp.received()
RETURNS TABLE (payload text, from_this_session bool)
LANGUAGE plpgsql AS $$
DECLARE
    notification record;
BEGIN
    FOR attempt IN 1..3000 LOOP
        FOR notification IN SELECT * FROM dblink_get_notify('listener') LOOP
            IF notification.notify_name <> 'draft_mode' THEN
                CONTINUE;
            END IF;
            IF notification.extra = 'end' THEN
                RETURN;
            END IF;
            payload := notification.extra;
            from_this_session := notification.be_pid = pg_backend_pid();
            RETURN NEXT;
        END LOOP;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RAISE EXCEPTION 'no end marker within 30 s';
END
$$;

-- The listener connects the way this session did: over TCP to the same
-- address, else through the server's (first) Unix socket directory.
SELECT dblink_connect('listener', format('dbname=''%s'' user=''%s'' host=''%s'' port=%s',
    current_database(), current_user,
    coalesce(host(inet_server_addr()),
             split_part(current_setting('unix_socket_directories'), ',', 1)),
    current_setting('port')));
SELECT dblink_exec('listener', 'LISTEN draft_mode');

--
-- A notification carries no content by default (any role that can connect
-- may LISTEN): tenant, section, version, kind and cursor only. Only a
-- superuser lets the forward patch go out, with draft_mode.notify_patches.
-- Tenant: 'notify_doorbell'.
--
SELECT draft_mode.setting('draft_mode.notify') AS notify;
SELECT draft_mode.setting('draft_mode.notify_patches') AS notify_patches;
SELECT version FROM draft_mode.create_section('notify_doorbell', 'prices', '{"next": "unreleased price"}');
NOTIFY draft_mode, 'end';
SELECT payload, payload LIKE '%unreleased%' AS shows_content FROM pg_temp.received();
CREATE ROLE notify_editor IN ROLE draft_mode_editor;
SET ROLE notify_editor;
SET draft_mode.notify_patches = on;
RESET ROLE;
DROP ROLE notify_editor;
SET draft_mode.notify_patches = on;

--
-- One notification per change, on commit, with tenant, section, version,
-- kind and the forward patch
--
SELECT version FROM draft_mode.create_section('notify', 'hero', '{"title": "Hi", "price": 9.90}');
SHOW draft_mode.notify;
SELECT version FROM draft_mode.patch_draft('notify', 'hero',
    '[{"op": "replace", "path": "/price", "value": 8.90}]', 1);
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Hello"}', 2);
SELECT version FROM draft_mode.save_draft('notify', 'hero', '{"title": "Hello", "price": 8.90, "new": true}', 3);
SELECT version FROM draft_mode.publish('notify', 'hero');
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"new": null}', 5);
SELECT version FROM draft_mode.discard('notify', 'hero');
SELECT version FROM draft_mode.restore('notify', 'hero', 1, 7);
SELECT version FROM draft_mode.undo('notify', 'hero', 8);
SELECT version FROM draft_mode.redo('notify', 'hero', 9);
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();
-- each payload is JSON with exactly these keys
SELECT version FROM draft_mode.patch_draft('notify', 'hero',
    '[{"op": "add", "path": "/tags", "value": ["a", "b"]}]', 10);
NOTIFY draft_mode, 'end';
SELECT p::jsonb ->> 'tenant' AS tenant, p::jsonb ->> 'section' AS section,
       jsonb_typeof(p::jsonb -> 'version') AS version_type, p::jsonb -> 'patch' AS patch,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(p::jsonb) AS k) AS keys
  FROM (SELECT payload FROM pg_temp.received()) AS r(p);

-- several changes in one transaction: all of them, at commit, in order
BEGIN;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "One"}', 11);
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Two"}', 12);
SELECT version FROM draft_mode.create_section('notify', 'footer', '[]');
COMMIT;
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();

--
-- Nothing is sent for what did not happen
--
-- a change that changes nothing
SELECT version, changed FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Two"}', 13);
SELECT version, changed FROM draft_mode.publish('notify', 'footer');
-- a change that fails
SELECT code FROM pg_temp.try($$SELECT draft_mode.merge_draft('notify', 'hero', '{"title": "Late"}', 1)$$);
SELECT code FROM pg_temp.try($$SELECT draft_mode.patch_draft('notify', 'hero',
    '[{"op": "test", "path": "/title", "value": "One"}]', 13)$$);
-- a change that is rolled back
BEGIN;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Rolled back"}', 13);
ROLLBACK;
-- a change rolled back to a savepoint (the rest of the transaction commits)
BEGIN;
SAVEPOINT before_change;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Undone by savepoint"}', 13);
ROLLBACK TO SAVEPOINT before_change;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Kept"}', 13);
COMMIT;
-- changes made with draft_mode.notify off
SET draft_mode.notify = off;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Quiet"}', 14);
SELECT version FROM draft_mode.create_section('notify', 'quiet', '{}');
SELECT version FROM draft_mode.publish('notify', 'hero');
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();
-- and on again
SET draft_mode.notify = on;
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"title": "Loud"}', 16);
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();

--
-- NOTIFY payloads are limited to 8000 bytes: a bigger patch is left out and
-- "patch_omitted": true says so
--
SELECT version FROM draft_mode.save_draft('notify', 'hero',
    jsonb_build_object('title', 'Big', 'body', repeat('x', 9000)), 17);
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();
-- the inverse way too: removing the big value makes a small patch again
SELECT version FROM draft_mode.merge_draft('notify', 'hero', '{"body": null}', 18);
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();
-- a patch just under the limit is sent whole; the payload stays below 8000 bytes
SELECT version FROM draft_mode.merge_draft('notify', 'hero',
    jsonb_build_object('body', repeat('y', 7700)), 19);
NOTIFY draft_mode, 'end';
SELECT octet_length(payload) < 8000 AS fits, payload::jsonb ? 'patch' AS has_patch,
       payload::jsonb - 'patch' AS without_patch
  FROM pg_temp.received();
-- many small operations that add up to more than 8000 bytes
SELECT version FROM draft_mode.save_draft('notify', 'hero',
    (SELECT jsonb_object_agg('field' || i, i) FROM generate_series(1, 1000) AS i), 20);
NOTIFY draft_mode, 'end';
SELECT octet_length(payload) < 8000 AS fits, payload FROM pg_temp.received();

--
-- publish_many and publish_tenant: one notification per published section
--
SELECT version FROM draft_mode.merge_draft('notify', 'footer', '["link"]', 1);
SELECT version FROM draft_mode.merge_draft('notify', 'quiet', '{"a": 1}', 1);
SELECT count(*) FROM draft_mode.publish_many('notify', ARRAY['quiet', 'footer', 'hero']);
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();
SELECT version FROM draft_mode.merge_draft('notify', 'quiet', '{"a": 2}', 3);
SELECT count(*) FROM draft_mode.publish_tenant('notify');
NOTIFY draft_mode, 'end';
SELECT * FROM pg_temp.received();

SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
