-- Hostile roles (hardening, 0.3.0): the owner of a registered validator, an
-- editor who shadows functions and operators in a schema of its own, a role
-- bound to a tenant that names another, an editor probing another tenant's
-- sections and lease tokens, a non-superuser administrator. Each attempt
-- fails, changes nothing and learns nothing. Roles are created inside the
-- transaction and rolled back with it.
\set ECHO none
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS draft_mode;
SELECT plan(70);

CREATE ROLE hr_attacker IN ROLE draft_mode_editor;
CREATE ROLE hr_editor IN ROLE draft_mode_editor;
CREATE ROLE hr_viewer IN ROLE draft_mode_viewer;
CREATE ROLE hr_admin IN ROLE draft_mode_admin;
CREATE ROLE hr_bound IN ROLE draft_mode_editor;
CREATE ROLE hr_bound_other IN ROLE draft_mode_editor;
CREATE ROLE hr_unbound IN ROLE draft_mode_editor;
GRANT hr_unbound TO hr_bound;

-- Helper: the SQLSTATE, message and DETAIL a statement raises, as one text.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ': ' || message || ' / ' || detail;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.error_of(text) TO PUBLIC;

--
-- 1. The owner of a validator, with functions and operators of its own
--
CREATE SCHEMA hr_evil AUTHORIZATION hr_attacker;
SET LOCAL ROLE hr_attacker;
CREATE TABLE hr_evil.ran (who name, what text);
GRANT INSERT ON hr_evil.ran TO PUBLIC;
-- Shadows of what the store's statements and bodies call: each records that
-- it ran, and as whom, and tries to make the attacker a superuser.
CREATE FUNCTION hr_evil.escalate(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hr_evil.ran VALUES (current_user, what);
    BEGIN
        EXECUTE 'ALTER ROLE hr_attacker SUPERUSER';
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
END
$$;
CREATE FUNCTION hr_evil.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM hr_evil.escalate('now'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION hr_evil.jsonb_array_length(jsonb) RETURNS int LANGUAGE plpgsql AS $$
BEGIN PERFORM hr_evil.escalate('jsonb_array_length'); RETURN pg_catalog.jsonb_array_length($1); END $$;
CREATE FUNCTION hr_evil.cardinality(anyarray) RETURNS int LANGUAGE plpgsql AS $$
BEGIN PERFORM hr_evil.escalate('cardinality'); RETURN pg_catalog.cardinality($1); END $$;
CREATE FUNCTION hr_evil.text_eq(text, text) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN PERFORM hr_evil.escalate('='); RETURN pg_catalog.texteq($1, $2); END $$;
CREATE OPERATOR hr_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hr_evil.text_eq);
-- The validator puts the attacker's schema first, for the rest of the
-- session (not LOCAL), and tries to switch tenant.
CREATE FUNCTION hr_evil.validator(content jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hr_evil.ran VALUES (current_user, 'validator');
    PERFORM pg_catalog.set_config('search_path', 'hr_evil, pg_catalog, pg_temp', false);
    PERFORM pg_catalog.set_config('draft_mode.tenant', 'hr_b', false);
    RETURN '{}';
END
$$;
RESET ROLE;

-- A non-superuser administrator may not register a function whose owner's
-- privileges it does not have: the validator would run as that owner.
SET LOCAL ROLE hr_admin;
SELECT throws_ok($$SELECT draft_mode.set_validator('hr_type', 'hr_evil.validator(jsonb)')$$, '42501', NULL,
                 'admin: registering another role''s function as a validator is refused');
RESET ROLE;
SELECT draft_mode.set_validator('hr_type', 'hr_evil.validator(jsonb)');
SELECT current_setting('search_path') AS path_before \gset

SET LOCAL ROLE hr_attacker;
SET LOCAL draft_mode.tenant = 'hr_a';
SELECT lives_ok($$SELECT draft_mode.create_section('hr_a', 'page', '{"n": 1}', 'hr_type')$$, 'attacker: create_section runs its validator');
SELECT lives_ok($$SELECT draft_mode.create_section('hr_a', 'other', '{"n": 1}', 'hr_type')$$, 'attacker: a second section');
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 2}]', 1);
SELECT lives_ok($$SELECT draft_mode.publish('hr_a', 'page')$$, 'attacker: publish runs its validator');
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 3}]', 3);
SELECT draft_mode.patch_draft('hr_a', 'other', '[{"op": "replace", "path": "/n", "value": 3}]', 1);
SELECT lives_ok($$SELECT * FROM draft_mode.publish_many('hr_a', ARRAY['page', 'other'])$$, 'attacker: publish_many runs its validator');
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 4}]', 5);
SELECT lives_ok($$SELECT * FROM draft_mode.publish_tenant('hr_a')$$, 'attacker: publish_tenant runs its validator');
SELECT is(current_setting('search_path'), :'path_before', 'attacker: the validator''s search_path did not outlive it');
SELECT is(current_setting('draft_mode.tenant'), 'hr_a', 'attacker: the validator''s tenant switch did not outlive it');
RESET ROLE;
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'hr_attacker'), false, 'attacker is not a superuser');
SELECT is((SELECT string_agg(DISTINCT what, ',') FROM hr_evil.ran), 'validator', 'no shadow function or operator ran, only the validator');
SELECT is((SELECT string_agg(DISTINCT who::text, ',') FROM hr_evil.ran), 'hr_attacker', 'the validator ran as its owner only');

-- Another editor and the superuser publishing run the validator as its
-- owner, never with their own rights.
TRUNCATE hr_evil.ran;
SET LOCAL ROLE hr_editor;
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 5}]', 7);
SELECT draft_mode.publish('hr_a', 'page');
RESET ROLE;
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 6}]', 9);
SELECT draft_mode.publish('hr_a', 'page');
SELECT is((SELECT string_agg(DISTINCT who::text, ',') FROM hr_evil.ran), 'hr_attacker', 'an editor''s and a superuser''s publish run the validator as its owner');
SELECT is((SELECT count(*) FROM hr_evil.ran), 2::int8, 'the validator ran once per publish');

-- A validator cannot change role: it runs as a security-restricted operation.
SET LOCAL ROLE hr_attacker;
CREATE OR REPLACE FUNCTION hr_evil.validator(content jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMPORARY TABLE hr_smuggled (x int);
    RETURN '{}';
END
$$;
SELECT draft_mode.patch_draft('hr_a', 'page', '[{"op": "replace", "path": "/n", "value": 7}]', 11);
SELECT throws_ok($$SELECT draft_mode.publish('hr_a', 'page')$$, '42501', NULL, 'a validator runs as a security-restricted operation');
-- Editors cannot call any function with a validator's signature directly.
SELECT throws_ok($$SELECT draft_mode.call_validator('hr_evil.validator(jsonb)', '{}')$$, '42501', NULL, 'editors cannot call call_validator');

-- A validator cannot use draft_mode itself: inside it the session's role is
-- whoever publishes, so reading sections or history, taking leases and
-- moving feed consumers would happen with the publisher's tenant and rights
-- (found by an adversarial review). Each attempt of this spy records its
-- outcome; another tenant's editor and the superuser then publish.
CREATE TABLE hr_evil.loot (attempt text, outcome text);
GRANT INSERT ON hr_evil.loot TO PUBLIC;
CREATE OR REPLACE FUNCTION hr_evil.validator(content jsonb) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    state text;
    detail text;
BEGIN
    FOR attempt IN 1 .. 5 LOOP
        BEGIN
            CASE attempt
            WHEN 1 THEN
                INSERT INTO hr_evil.loot SELECT 'read sections', coalesce(string_agg(tenant || '/' || section, ','), 'none')
                  FROM draft_mode.sections;
            WHEN 2 THEN
                INSERT INTO hr_evil.loot SELECT 'read history', count(*)::text FROM draft_mode.history;
            WHEN 3 THEN
                INSERT INTO hr_evil.loot SELECT 'get_section', s.content::text FROM draft_mode.get_section('hr_b', 'secret') AS s;
            WHEN 4 THEN
                INSERT INTO hr_evil.loot SELECT 'acquire_lease', l.holder FROM draft_mode.acquire_lease('hr_b', 'secret', '1 day') AS l;
            ELSE
                PERFORM draft_mode.advance_consumer('hr_b', 'deployer', draft_mode.feed_end('hr_b'));
                INSERT INTO hr_evil.loot VALUES ('advance_consumer', 'moved');
            END CASE;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL;
            INSERT INTO hr_evil.loot VALUES (CASE attempt WHEN 1 THEN 'read sections' WHEN 2 THEN 'read history'
                                                WHEN 3 THEN 'get_section' WHEN 4 THEN 'acquire_lease' ELSE 'advance_consumer' END,
                                             state || ' ' || coalesce(detail, ''));
        END;
    END LOOP;
    RETURN '{}';
END
$$;
RESET ROLE;
SET LOCAL draft_mode.tenant = 'hr_b';
SELECT draft_mode.create_section('hr_b', 'secret', '{"card": "4111"}');
SET LOCAL ROLE hr_editor;
SELECT lives_ok($$SELECT draft_mode.create_draft('hr_b', 'landing', '{"y": 1}', 'hr_type')$$, 'another tenant''s editor: a draft of the spy''s section type');
SELECT lives_ok($$SELECT draft_mode.publish('hr_b', 'landing')$$, 'another tenant''s editor: publish runs the spy validator');
RESET ROLE;
SELECT draft_mode.patch_draft('hr_b', 'landing', '[{"op": "add", "path": "/z", "value": 2}]', 2);
SELECT lives_ok($$SELECT draft_mode.publish('hr_b', 'landing')$$, 'the superuser: publish runs the spy validator');
RESET draft_mode.tenant;
SELECT is((SELECT count(*) FROM hr_evil.loot), 10::int8, 'the spy tried five things in each of two publishes');
SELECT is((SELECT count(*) FROM hr_evil.loot WHERE outcome <> '42501 {"reason":"inside_validator"}'), 0::int8,
          'each was refused: 42501, inside_validator (no section, history, lease or consumer reached)');
SELECT is((SELECT lease_holder FROM draft_mode.sections WHERE tenant = 'hr_b' AND section = 'secret'), NULL,
          'no lease was taken on the other tenant''s section');
RESET ROLE;
SELECT draft_mode.remove_validator('hr_type');

--
-- 4. Tenants bound to roles
--
SELECT draft_mode.create_section('hr_b', 'page', '{"owner": "b"}');
SELECT draft_mode.create_section('hr_b', 'leased', '{}');
SELECT token AS b_token FROM draft_mode.acquire_lease('hr_b', 'leased') \gset
SELECT draft_mode.bind_tenant('hr_bound', 'hr_a');
SELECT draft_mode.bind_tenant('hr_bound_other', 'hr_b');
SET LOCAL ROLE hr_editor;
SELECT throws_ok($$SELECT draft_mode.bind_tenant('hr_editor', 'hr_b')$$, '42501', NULL, 'editors cannot bind tenants');
RESET ROLE;

SET LOCAL ROLE hr_bound;
RESET draft_mode.tenant;
SELECT is(draft_mode.current_tenant(), 'hr_a', 'bound role: works for its tenant with no session state');
SET LOCAL draft_mode.actor = 'mallory';
SELECT is((draft_mode.patch_draft('hr_a', 'other', '[{"op": "replace", "path": "/n", "value": 9}]', 3)).version, 4::int8, 'bound role: edits its tenant');
SELECT is((SELECT actor FROM draft_mode.history WHERE tenant = 'hr_a' AND section = 'other' AND version = 4), 'hr_bound', 'bound role: history records the role, not draft_mode.actor');
SET LOCAL draft_mode.tenant = 'hr_b';
SELECT throws_ok($$SELECT draft_mode.get_section('hr_b', 'page')$$, '42501', NULL, 'bound role: draft_mode.tenant naming another tenant is refused');
SELECT throws_ok($$SELECT draft_mode.get_section('hr_a', 'page')$$, '42501', NULL, 'bound role: a mismatching setting is refused even for its own tenant');
SELECT throws_ok($$SELECT count(*) FROM draft_mode.sections$$, '42501', NULL, 'bound role: direct reads refuse a mismatching setting');
RESET draft_mode.tenant;
SET LOCAL request.jwt.claims = '{"tenant": "hr_b", "sub": "alice"}';
SELECT throws_ok($$SELECT draft_mode.get_section('hr_b', 'page')$$, '42501', NULL, 'bound role: a forged JWT claim is refused');
RESET request.jwt.claims;
SELECT is((SELECT string_agg(DISTINCT tenant, ',') FROM draft_mode.sections), 'hr_a', 'bound role: direct reads see its tenant only');
-- SET ROLE to an unbound role keeps the binding of the session's role.
RESET ROLE;
SET LOCAL SESSION AUTHORIZATION hr_bound;
SET LOCAL ROLE hr_unbound;
SET LOCAL draft_mode.tenant = 'hr_b';
SELECT throws_ok($$SELECT draft_mode.get_section('hr_b', 'page')$$, '42501', NULL, 'bound login: SET ROLE to an unbound role keeps the binding');
RESET draft_mode.tenant;
RESET SESSION AUTHORIZATION;
RESET ROLE;

-- draft_mode.tenant_from_session = off: unbound roles get no tenant from
-- session state; only a superuser may set it.
SET LOCAL ROLE hr_unbound;
SELECT throws_ok($$SET draft_mode.tenant_from_session = on$$, '42501', NULL, 'editors cannot set draft_mode.tenant_from_session');
RESET ROLE;
SET LOCAL draft_mode.tenant_from_session = off;
SET LOCAL ROLE hr_unbound;
SET LOCAL draft_mode.tenant = 'hr_a';
SELECT throws_ok($$SELECT draft_mode.get_section('hr_a', 'page')$$, '42501', 'no tenant is set for this session', 'tenant_from_session off: an unbound role has no tenant');
RESET ROLE;
SET LOCAL ROLE hr_bound;
SELECT is((draft_mode.get_section('hr_a', 'page')).version, 12::int8, 'tenant_from_session off: a bound role works');
RESET ROLE;
SET LOCAL draft_mode.tenant_from_session = on;

--
-- 5. No cross-tenant oracles
--
SET LOCAL ROLE hr_editor;
SET LOCAL draft_mode.tenant = 'hr_a';
SELECT is(pg_temp.error_of($$SELECT * FROM draft_mode.history('hr_b', 'page')$$),
          pg_temp.error_of($$SELECT * FROM draft_mode.history('hr_b', 'no such section')$$),
          'history: the same refusal whether or not the other tenant''s section exists');
SELECT throws_ok($$SELECT * FROM draft_mode.history('hr_b', 'no such section')$$, '42501', NULL, 'history: a missing section of another tenant is refused');
SELECT throws_ok($$SELECT * FROM draft_mode.history('hr_b', 'page', before_version => 1)$$, '42501', NULL, 'history: before_version learns nothing of another tenant');
SELECT is(replace(pg_temp.error_of(format('SELECT draft_mode.renew_lease(%s)', :b_token)), :'b_token', 'N'),
          replace(pg_temp.error_of(format('SELECT draft_mode.renew_lease(%s)', :b_token + 1000000)), (:b_token + 1000000)::text, 'N'),
          'renew_lease: another tenant''s token is answered as a token nobody has');
SELECT unalike(pg_temp.error_of(format('SELECT draft_mode.renew_lease(%s)', :b_token)), '%hr_b%', 'renew_lease: the refusal does not name the other tenant');
SELECT is(draft_mode.release_lease(:b_token), false, 'release_lease: another tenant''s token releases nothing');
RESET draft_mode.tenant;
SELECT throws_ok($$SELECT * FROM draft_mode.history('hr_b', 'no such section')$$, '42501', 'no tenant is set for this session', 'history: no tenant set is refused before anything is read');
SELECT throws_ok(format('SELECT draft_mode.renew_lease(%s)', :b_token), '42501', 'no tenant is set for this session', 'renew_lease: no tenant set is refused');
RESET ROLE;
SELECT is((SELECT lease_token FROM draft_mode.sections WHERE tenant = 'hr_b' AND section = 'leased'), :b_token::int8, 'the other tenant''s lease is untouched');

--
-- 7, 13. Leases: the TTL cap holds on the calendar; a stale token after a
-- take-over is reported as superseded everywhere.
--
SET LOCAL ROLE hr_editor;
SET LOCAL draft_mode.tenant = 'hr_a';
SELECT throws_ok($$SELECT draft_mode.acquire_lease('hr_a', 'page', ttl => '1200 months -36000 days 23 hours')$$, '22023', NULL, 'acquire_lease: a ttl past 24 hours by calendar months is refused');
SELECT throws_ok($$SELECT draft_mode.acquire_lease('hr_a', 'page', ttl => '-1 month 31 days')$$, '22023', NULL, 'acquire_lease: a ttl of less than a second by calendar is refused');
SELECT throws_ok($$SELECT draft_mode.acquire_lease('hr_a', 'page', ttl => '2147483647 months')$$, '22023', NULL, 'acquire_lease: an enormous ttl is refused with the documented error');
SELECT token AS old_token FROM draft_mode.acquire_lease('hr_a', 'page') \gset
SELECT token AS new_token FROM draft_mode.take_over('hr_a', 'page') \gset
SELECT throws_like(format('SELECT draft_mode.renew_lease(%s)', :old_token), '%is not the current lease of section "page"%', 'renew_lease(old token) after a take-over names the section');
SELECT alike(pg_temp.error_of(format('SELECT draft_mode.renew_lease(%s)', :old_token)), '%"reason":"lease_superseded"%', 'renew_lease(old token): lease_superseded, as writes say');
SELECT alike(pg_temp.error_of(format($$SELECT draft_mode.renew_lease('hr_a', 'page', %s)$$, :old_token)), '%"reason":"lease_superseded"%', 'renew_lease(tenant, section, old token): lease_superseded');
SELECT alike(pg_temp.error_of(format($$SELECT draft_mode.patch_draft('hr_a', 'page', '[]', 12, lease_token => %s)$$, :old_token)), '%"reason":"lease_superseded"%', 'a write with the old token: lease_superseded');
SELECT is(draft_mode.release_lease('hr_a', 'page', :old_token), false, 'release_lease(tenant, section, old token) releases nothing');
SELECT is((draft_mode.renew_lease('hr_a', 'page', :new_token)).token, :new_token::int8, 'renew_lease(tenant, section, token) renews the current lease');
SELECT is(draft_mode.release_lease('hr_a', 'page', :new_token), true, 'release_lease(tenant, section, token) releases it');

--
-- 13. Arguments too long are refused with a documented error, not the
-- table's check.
--
SELECT alike(pg_temp.error_of($$SELECT draft_mode.patch_draft('hr_a', 'page', '[]', 13, idempotency_key => repeat('k', 201))$$),
            '22023: argument "idempotency_key" must be 1 to 200 bytes long / {"argument":"idempotency_key","reason":"length"%', 'patch_draft: a long idempotency key');
SELECT alike(pg_temp.error_of($$SELECT * FROM draft_mode.publish_many('hr_a', ARRAY['page'], idempotency_key => repeat('k', 201))$$),
            '22023: argument "idempotency_key" must be 1 to 200 bytes long%', 'publish_many: a long idempotency key');
SELECT alike(pg_temp.error_of($$SELECT draft_mode.create_section('hr_a', repeat('s', 1001), '{}')$$),
            '22023: argument "section" must be 1 to 1000 bytes long%', 'create_section: a long section name');
RESET ROLE;

--
-- 6. Maintenance re-checks the locked row: a draft changed or leased since
-- maintenance chose it stays.
--
SET LOCAL ROLE hr_admin;
SELECT is((draft_mode.expire_draft('hr_a', 'page', 1)).changed, false, 'expire_draft with a stale version changes nothing (no PT409)');
RESET ROLE;
SELECT token AS page_token FROM draft_mode.acquire_lease('hr_a', 'page') \gset
SET LOCAL ROLE hr_admin;
SELECT is((draft_mode.expire_draft('hr_a', 'page', (SELECT version FROM draft_mode.sections WHERE tenant = 'hr_a' AND section = 'page'))).changed,
          false, 'expire_draft leaves a leased draft');
SELECT throws_ok($$CALL draft_mode.run_maintenance(dry_run => true)$$, '2D000', 'run_maintenance cannot run inside a transaction block', 'run_maintenance refuses a transaction block at once, even with nothing to do');

--
-- 9. Administrators cannot rewrite history; viewers do not learn who edits.
--
SELECT throws_ok($$UPDATE draft_mode.history SET actor = 'someone' WHERE tenant = 'hr_a'$$, '42501', NULL, 'admin: no direct UPDATE of history');
SELECT throws_ok($$UPDATE draft_mode.sections SET draft_content = '{}' WHERE tenant = 'hr_a'$$, '42501', NULL, 'admin: no direct UPDATE of content (only of lease columns, for maintenance)');
SELECT throws_ok($$UPDATE draft_mode.feed_counters SET position = 0$$, '42501', NULL, 'admin: feed positions cannot be rewritten');
RESET ROLE;
SET LOCAL ROLE hr_viewer;
SET LOCAL draft_mode.tenant = 'hr_a';
SELECT is((SELECT row(updated_at, updated_by)::text FROM draft_mode.get_section('hr_a', 'page', 'published')), '(,)', 'viewer: published reads carry neither updated_at nor updated_by');
RESET ROLE;
SELECT is((SELECT version > published_version AND has_draft FROM draft_mode.get_section('hr_a', 'page')), true,
          'hr_a/page has a draft past its published version (the setting of the next test)');
SET LOCAL ROLE hr_viewer;
SELECT is((SELECT row(version = published_version, has_draft IS NULL)::text FROM draft_mode.get_section('hr_a', 'page', 'published')),
          '(t,t)', 'viewer: published reads give the published version and no has_draft (nothing of the draft)');
RESET ROLE;
-- Names no section can have are refused as the C entry points refuse them,
-- not quoted back whole in a DM101 (a review found a 1 MB name echoed).
SELECT throws_ok($$SELECT draft_mode.get_section('hr_a', repeat('x', 1000000))$$, '22023', 'argument "section" must be 1 to 1000 bytes long',
                 'get_section: a 1 MB section name is 22023, not a DM101 quoting it');
SELECT throws_ok($$SELECT draft_mode.get_section('hr_a', '')$$, '22023', 'argument "section" must be 1 to 1000 bytes long',
                 'get_section: an empty section name is 22023');
SELECT throws_ok($$SELECT * FROM draft_mode.publish_many('hr_a', ARRAY[repeat('x', 1001)])$$, '22023', NULL,
                 'publish_many: a section name past 1000 bytes is 22023');
SELECT is(pg_temp.error_of($$SELECT draft_mode.consumer_cursor('hr_a', repeat('c', 201))$$),
          '22023: argument "consumer" must be 1 to 200 bytes long / {"bytes": 201, "reason": "length", "argument": "consumer", "max_bytes": 200, "min_bytes": 1}',
          'consumer_cursor: a long consumer name is 22023, its DETAIL giving the bytes as the library''s length errors do');
SELECT is(pg_temp.error_of($$SELECT * FROM draft_mode.publish_many('hr_a', ARRAY['page'], idempotency_key => repeat('k', 300))$$),
          '22023: argument "idempotency_key" must be 1 to 200 bytes long / {"bytes": 300, "reason": "length", "argument": "idempotency_key", "max_bytes": 200, "min_bytes": 1}',
          'publish_many: a long idempotency key is 22023 with its bytes');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
