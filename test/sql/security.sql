-- Tenant isolation and roles: a session scoped to tenant A, as editor,
-- viewer, or a role without grants, tries every function and view on tenant
-- B's data and gets refusals or nothing, never data; B is unchanged after.
-- Roles are created inside the transaction and rolled back with it.
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
SELECT plan(66);

CREATE ROLE sec_editor_a IN ROLE draft_mode_editor;
CREATE ROLE sec_viewer_a IN ROLE draft_mode_viewer;
CREATE ROLE sec_admin IN ROLE draft_mode_admin;
CREATE ROLE sec_nobody;

-- Tenant B's state, read as the superuser, to show it never changes.
CREATE FUNCTION pg_temp.b_state() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(format('%s:%s:%s:%s:%s:%s', section, version, draft_content, published_content,
                             lease_token, lease_expires_at), ';' ORDER BY section)
      || '|' || (SELECT count(*) FROM draft_mode.history WHERE tenant = 'sec_b')
      || '|' || (SELECT string_agg(key || result::text, ',') FROM draft_mode.idempotency_keys
                  WHERE tenant = 'sec_b')
      FROM draft_mode.sections WHERE tenant = 'sec_b'
$$;

SELECT draft_mode.create_section('sec_a', 'page', '{"owner": "a"}');
SELECT draft_mode.create_section('sec_b', 'page', '{"owner": "b", "secret": 42}');
SELECT draft_mode.patch_draft('sec_b', 'page', '[{"op": "add", "path": "/draft", "value": true}]', 1,
                              idempotency_key => 'b-key');
SELECT draft_mode.create_section('sec_b', 'leased', '{}');
SELECT token AS b_token FROM draft_mode.acquire_lease('sec_b', 'leased') \gset
SELECT pg_temp.b_state() AS before \gset

--
-- An editor of tenant A
--
SET LOCAL ROLE sec_editor_a;
SET LOCAL draft_mode.tenant = 'sec_a';

SELECT throws_ok($$SELECT draft_mode.get_section('sec_b', 'page')$$, '42501', NULL, 'editor A: get_section of B (draft)');
SELECT throws_ok($$SELECT draft_mode.get_section('sec_b', 'page', 'published')$$, '42501', NULL, 'editor A: get_section of B (published)');
SELECT throws_ok($$SELECT draft_mode.get_section('sec_b', 'no such section')$$, '42501', NULL, 'editor A: a missing section of B is refused the same way (existence is not revealed)');
SELECT throws_ok($$SELECT draft_mode.save_draft('sec_b', 'page', '{}', 2)$$, '42501', NULL, 'editor A: save_draft on B');
SELECT throws_ok($$SELECT draft_mode.patch_draft('sec_b', 'page', '[]', 2)$$, '42501', NULL, 'editor A: patch_draft on B');
SELECT throws_ok($$SELECT draft_mode.merge_draft('sec_b', 'page', '{}', 2)$$, '42501', NULL, 'editor A: merge_draft on B');
SELECT throws_ok($$SELECT draft_mode.publish('sec_b', 'page')$$, '42501', NULL, 'editor A: publish on B');
SELECT throws_ok($$SELECT * FROM draft_mode.publish_many('sec_b', ARRAY['page'])$$, '42501', NULL, 'editor A: publish_many on B');
SELECT throws_ok($$SELECT * FROM draft_mode.publish_tenant('sec_b')$$, '42501', NULL, 'editor A: publish_tenant on B');
SELECT throws_ok($$SELECT draft_mode.discard('sec_b', 'page')$$, '42501', NULL, 'editor A: discard on B');
SELECT throws_ok($$SELECT * FROM draft_mode.history('sec_b', 'page')$$, '42501', NULL, 'editor A: history of B');
SELECT throws_ok($$SELECT draft_mode.content_at('sec_b', 'page', 1)$$, '42501', NULL, 'editor A: content_at of B');
SELECT throws_ok($$SELECT draft_mode.restore('sec_b', 'page', 1, 2)$$, '42501', NULL, 'editor A: restore on B');
SELECT throws_ok($$SELECT draft_mode.undo('sec_b', 'page', 2)$$, '42501', NULL, 'editor A: undo on B');
SELECT throws_ok($$SELECT draft_mode.redo('sec_b', 'page', 2)$$, '42501', NULL, 'editor A: redo on B');
SELECT throws_ok($$SELECT draft_mode.validate('sec_b', 'page')$$, '42501', NULL, 'editor A: validate on B');
SELECT throws_ok($$SELECT draft_mode.create_section('sec_b', 'new', '{}')$$, '42501', NULL, 'editor A: create_section in B');
SELECT throws_ok($$SELECT draft_mode.expire_draft('sec_b', 'page', 2)$$, '42501', NULL, 'editor A: expire_draft is for administrators');
SELECT throws_ok($$SELECT draft_mode.set_validator('x', 'draft_mode.validation_errors(text, jsonb)')$$, '42501', NULL, 'editor A: set_validator is for administrators');
SELECT throws_ok($$CALL draft_mode.run_maintenance(dry_run => true)$$, '42501', NULL, 'editor A: run_maintenance is for administrators');
SELECT throws_ok($$SELECT draft_mode.schedule_maintenance()$$, '42501', NULL, 'editor A: schedule_maintenance is for administrators');
SELECT throws_ok($$SELECT draft_mode.set_draft_ttl('x', '1 day')$$, '42501', NULL, 'editor A: set_draft_ttl is for administrators');
SELECT throws_ok($$SELECT draft_mode.acquire_lease('sec_b', 'page')$$, '42501', NULL, 'editor A: acquire_lease on B');
SELECT throws_ok($$SELECT draft_mode.take_over('sec_b', 'leased')$$, '42501', NULL, 'editor A: take_over on B');
SELECT throws_ok($$SELECT * FROM draft_mode.lease_status('sec_b', 'leased')$$, '42501', NULL, 'editor A: lease_status of B');
SELECT throws_ok(format('SELECT draft_mode.renew_lease(%s)', :b_token), 'DM202', format('lease token %s is not a current lease', :b_token), 'editor A: renew_lease of a B token is answered as a token nobody has');
SELECT is(draft_mode.release_lease(:b_token), false, 'editor A: release_lease of a B token releases nothing');
SELECT is((SELECT count(*) FROM draft_mode.leases WHERE tenant = 'sec_b'), 0::int8, 'editor A: the leases view hides B');
SELECT throws_ok($$SELECT draft_mode.patch_draft('sec_b', 'page', '[{"op": "add", "path": "/draft", "value": true}]', 1, idempotency_key => 'b-key')$$,
                 '42501', NULL, 'editor A: B''s idempotency key does not replay B''s result');
SELECT throws_ok($$SELECT count(*) FROM draft_mode.idempotency_keys$$, '42501', NULL, 'editor A: idempotency_keys is for administrators');
SELECT throws_ok($$SELECT draft_mode.claim_idempotency_key('sec_a', 'k', 'patch_draft', '')$$, '42501', NULL, 'editor A: claim_idempotency_key is internal');
SELECT throws_ok($$SELECT draft_mode.store_idempotent_result('sec_a', 'k', '{}')$$, '42501', NULL, 'editor A: store_idempotent_result is internal');

-- Direct reads see only A's rows; direct writes are refused.
SELECT is((SELECT string_agg(DISTINCT tenant, ',') FROM draft_mode.sections), 'sec_a', 'editor A: sections shows only A');
SELECT is((SELECT string_agg(DISTINCT tenant, ',') FROM draft_mode.history), 'sec_a', 'editor A: history shows only A');
SELECT is((SELECT string_agg(DISTINCT tenant, ',') FROM draft_mode.published_sections), 'sec_a', 'editor A: published_sections shows only A');
SELECT is((SELECT count(*) FROM draft_mode.daily_activity WHERE tenant = 'sec_b'), 0::int8, 'editor A: daily_activity shows nothing of B');
SELECT throws_ok($$UPDATE draft_mode.sections SET version = 99$$, '42501', NULL, 'editor A: no direct UPDATE of sections');
SELECT throws_ok($$DELETE FROM draft_mode.history$$, '42501', NULL, 'editor A: no direct DELETE of history');
SELECT throws_ok($$INSERT INTO draft_mode.sections (tenant, section, version, published_content, published_version, published_at, created_at, updated_at) VALUES ('sec_b', 'x', 1, '{}', 1, now(), now(), now())$$, '42501', NULL, 'editor A: no direct INSERT into sections');

-- Its own tenant works.
SELECT lives_ok($$SELECT draft_mode.patch_draft('sec_a', 'page', '[{"op": "add", "path": "/edited", "value": true}]', 1)$$, 'editor A: patch_draft on A works');
SELECT is((SELECT actor FROM draft_mode.history('sec_a', 'page', 1)), 'sec_editor_a', 'editor A: the actor is the calling role, not the functions'' owner');

-- No tenant set: refused.
SET LOCAL draft_mode.tenant = '';
SELECT throws_ok($$SELECT draft_mode.get_section('sec_a', 'page')$$, '42501', 'no tenant is set for this session', 'no tenant set: refused');

-- A verified JWT claim wins over the setting, for tenant and actor.
SET LOCAL draft_mode.tenant = 'sec_b';
SET LOCAL request.jwt.claims = '{"tenant": "sec_a", "sub": "jwt-user"}';
SELECT throws_ok($$SELECT draft_mode.get_section('sec_b', 'page')$$, '42501', NULL, 'JWT tenant A wins over draft_mode.tenant B');
SELECT lives_ok($$SELECT draft_mode.merge_draft('sec_a', 'page', '{"via": "jwt"}', 2)$$, 'JWT tenant A may edit A');
SELECT is((SELECT actor FROM draft_mode.history('sec_a', 'page', 1)), 'jwt-user', 'the JWT sub is the actor');
RESET request.jwt.claims;

--
-- A viewer of tenant A
--
RESET ROLE;
SET LOCAL ROLE sec_viewer_a;
SET LOCAL draft_mode.tenant = 'sec_a';
SELECT is((SELECT content FROM draft_mode.get_section('sec_a', 'page', 'published')), '{"owner": "a"}'::jsonb, 'viewer A: published content of A');
SELECT is((SELECT string_agg(tenant, ',') FROM draft_mode.published_sections), 'sec_a', 'viewer A: published_sections shows only A');
SELECT throws_ok($$SELECT draft_mode.get_section('sec_a', 'page')$$, '42501', 'only editors may read drafts', 'viewer A: no drafts');
SELECT throws_ok($$SELECT draft_content FROM draft_mode.sections$$, '42501', NULL, 'viewer A: no draft column');
SELECT throws_ok($$SELECT * FROM draft_mode.history$$, '42501', NULL, 'viewer A: no history');
SELECT throws_ok($$SELECT draft_mode.patch_draft('sec_a', 'page', '[]', 3)$$, '42501', NULL, 'viewer A: no edits');
SELECT throws_ok($$SELECT draft_mode.publish('sec_a', 'page')$$, '42501', NULL, 'viewer A: no publish');
SELECT throws_ok($$SELECT draft_mode.get_section('sec_b', 'page', 'published')$$, '42501', NULL, 'viewer A: nothing of B');

--
-- A role without grants
--
RESET ROLE;
SET LOCAL ROLE sec_nobody;
SET LOCAL draft_mode.tenant = 'sec_a';
SELECT throws_ok($$SELECT draft_mode.get_section('sec_a', 'page', 'published')$$, '42501', NULL, 'no grants: get_section refused');
SELECT throws_ok($$SELECT * FROM draft_mode.published_sections$$, '42501', NULL, 'no grants: published_sections refused');
SELECT throws_ok($$SELECT draft_mode.create_section('sec_a', 'x', '{}')$$, '42501', NULL, 'no grants: create_section refused');
SELECT is(draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/a"}]'), '{}'::jsonb, 'no grants: the pure JSON functions work');

--
-- An administrator
--
RESET ROLE;
SET LOCAL ROLE sec_admin;
SET LOCAL draft_mode.tenant = '';
SELECT is((SELECT string_agg(DISTINCT tenant, ',' ORDER BY tenant) FROM draft_mode.sections WHERE tenant LIKE 'sec_%'), 'sec_a,sec_b', 'admin: sees every tenant');
SELECT lives_ok($$SELECT draft_mode.get_section('sec_b', 'page')$$, 'admin: works on any tenant');

-- A validator runs as its owner, never as the calling role nor as the
-- extension's owner (test/sql/hostile_roles.sql has the attacks).
RESET ROLE;
CREATE ROLE sec_validator_owner;
CREATE FUNCTION pg_temp.who_validates(content jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY[current_user::text]
$$;
ALTER FUNCTION pg_temp.who_validates(jsonb) OWNER TO sec_validator_owner;
SELECT draft_mode.set_validator('sec_type', 'pg_temp.who_validates(jsonb)');
UPDATE draft_mode.sections SET section_type = 'sec_type' WHERE tenant = 'sec_a';
SET LOCAL ROLE sec_editor_a;
SET LOCAL draft_mode.tenant = 'sec_a';
SELECT is((draft_mode.validate('sec_a', 'page')).errors, ARRAY['sec_validator_owner'], 'the validator ran as its owner');
RESET ROLE;

--
-- What PUBLIC may run, and how definer functions are pinned
--
SELECT is((SELECT string_agg(p.proname, ',' ORDER BY p.proname)
             FROM pg_proc AS p
            WHERE p.pronamespace = 'draft_mode'::regnamespace
              AND has_function_privilege('sec_nobody', p.oid, 'EXECUTE')),
          'bound_tenants,caller,check_tenant,current_actor,current_tenant,is_admin,jsonb_diff,jsonb_merge_patch,jsonb_patch,jsonb_pointer_get,jwt_claims,setting,tenant_is_bound',
          'PUBLIC may run only the pure JSON functions and the session helpers');
SELECT ok(NOT has_function_privilege('sec_editor_a',
              'draft_mode.edit_on_worker(text, text, text, jsonb, int8, int8, text, bool, text)', 'EXECUTE'),
          'an editor may not run edit_on_worker (a delegated edit''s worker half: tenant and actor are its arguments)');
SELECT ok(NOT has_function_privilege('sec_editor_a',
              'draft_mode.edit_through_worker(text, text, text, jsonb, int8, int8, text, bool)', 'EXECUTE'),
          'an editor may not run edit_through_worker (internal to the edits)');
SELECT is((SELECT count(*) FROM pg_proc AS p
            WHERE p.pronamespace = 'draft_mode'::regnamespace AND p.prosecdef
              AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%')),
          0::int8, 'every SECURITY DEFINER function pins its search_path');
SELECT is((SELECT count(*) FROM pg_class AS c
            WHERE c.relnamespace = 'draft_mode'::regnamespace AND c.relkind = 'r'
              AND EXISTS (SELECT FROM pg_attribute AS a WHERE a.attrelid = c.oid AND a.attname = 'tenant')
              AND NOT c.relrowsecurity),
          0::int8, 'row-level security is on for every table with a tenant');

SELECT is(pg_temp.b_state(), :'before', 'tenant B is exactly as it was');

SELECT * FROM finish();
ROLLBACK;
