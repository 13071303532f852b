-- pgTAP tests of the section store's contract, as facts in one rolled-back
-- transaction: the API's catalog (every function's arguments by name, as
-- PostgREST calls them), the result row of each operation, each refusal's
-- SQLSTATE and DETAIL, that a refused call changes nothing (the whole
-- section state compared), compare-and-swap, validators, all-or-nothing
-- publish_many / publish_tenant, and the actor.
--
-- The plain pg_regress files test/sql/store_*.sql go through the same
-- operations as transcripts: each result and each error's full text
-- (message, DETAIL and HINT) as a caller sees it, and what needs more than
-- one transaction (undo/redo across reconnects, NOTIFY read by a second
-- connection). A new error path gets its exact text there; it gets a line
-- here when it is one more case of a rule this file checks for every
-- operation (the SQLSTATE and DETAIL of a refusal, nothing changed after
-- it). pgtap and draft_mode may or may not be installed yet.
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
RESET client_min_messages;

SELECT plan(148);

-- The error a statement raises, as 'SQLSTATE: message', and its DETAIL and
-- HINT; code 00000 when it raises none.
CREATE FUNCTION pg_temp.error_of(statement text,
                                 OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END
$$;

-- Everything a store call may change for one section, as one text value,
-- so "nothing changed" is one comparison.
CREATE FUNCTION pg_temp.state(tenant text, section text) RETURNS text
LANGUAGE sql AS $$
    SELECT format('version=%s published_version=%s draft=%s published=%s history=%s undo=%s redo=%s updated_by=%s',
                  s.version, s.published_version, coalesce(s.draft_content::text, 'none'),
                  s.published_content,
                  (SELECT count(*) FROM draft_mode.history AS h
                    WHERE h.tenant = s.tenant AND h.section = s.section),
                  s.undo_versions, s.redo_versions, s.updated_by)
      FROM draft_mode.sections AS s
     WHERE s.tenant = state.tenant AND s.section = state.section
$$;

-- A draft_mode.change without tenant and section, for short comparisons.
CREATE FUNCTION pg_temp.short(c draft_mode.change) RETURNS text
LANGUAGE sql AS $$ SELECT format('%s %s changed=%s has_draft=%s published=%s',
                                 c.version, c.kind, c.changed::text, c.has_draft::text,
                                 c.published_version) $$;

--
-- Catalog: the store's functions, with named arguments (PostgREST calls them by name)
--
SELECT has_function('draft_mode', 'create_section', ARRAY['text', 'text', 'jsonb', 'text', 'text'],
                    'create_section(tenant, section, content, section_type, idempotency_key)');
SELECT has_function('draft_mode', 'get_section', ARRAY['text', 'text', 'text'],
                    'get_section(tenant, section, mode)');
SELECT has_function('draft_mode', 'save_draft', ARRAY['text', 'text', 'jsonb', 'int8', 'int8', 'text'],
                    'save_draft(tenant, section, content, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'patch_draft', ARRAY['text', 'text', 'jsonb', 'int8', 'int8', 'text', 'bool'],
                    'patch_draft(tenant, section, patch, expected_version, lease_token, idempotency_key, rebase)');
SELECT has_function('draft_mode', 'merge_draft', ARRAY['text', 'text', 'jsonb', 'int8', 'int8', 'text'],
                    'merge_draft(tenant, section, merge_patch, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'publish', ARRAY['text', 'text', 'int8', 'int8', 'text'],
                    'publish(tenant, section, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'publish_many', ARRAY['text', 'text[]', 'text'],
                    'publish_many(tenant, sections, idempotency_key)');
SELECT has_function('draft_mode', 'publish_tenant', ARRAY['text', 'text'],
                    'publish_tenant(tenant, idempotency_key)');
SELECT has_function('draft_mode', 'discard', ARRAY['text', 'text', 'int8', 'int8', 'text'],
                    'discard(tenant, section, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'history', ARRAY['text', 'text', 'int4', 'int8'],
                    'history(tenant, section, limit, before_version)');
SELECT has_function('draft_mode', 'content_at', ARRAY['text', 'text', 'int8'],
                    'content_at(tenant, section, version)');
SELECT has_function('draft_mode', 'restore', ARRAY['text', 'text', 'int8', 'int8', 'int8', 'text'],
                    'restore(tenant, section, version, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'undo', ARRAY['text', 'text', 'int8', 'int8', 'text'],
                    'undo(tenant, section, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'redo', ARRAY['text', 'text', 'int8', 'int8', 'text'],
                    'redo(tenant, section, expected_version, lease_token, idempotency_key)');
SELECT has_function('draft_mode', 'validate', ARRAY['text', 'text'], 'validate(tenant, section)');
SELECT has_function('draft_mode', 'set_validator', ARRAY['text', 'regprocedure'],
                    'set_validator(section_type, validator)');
SELECT has_function('draft_mode', 'remove_validator', ARRAY['text'],
                    'remove_validator(section_type)');
SELECT has_view('draft_mode', 'published_sections', 'view draft_mode.published_sections');
SELECT columns_are('draft_mode', 'published_sections',
    ARRAY['tenant', 'section', 'section_type', 'content', 'published_version', 'published_at'],
    'published_sections shows published content only');
SELECT is(count(*), 0::bigint,
          'no store function that anyone but the extension''s owner may run takes an actor argument')
  FROM pg_proc AS p
 CROSS JOIN LATERAL unnest(p.proargnames, coalesce(p.proargmodes::text[],
                                                    array_fill('i'::text, ARRAY[p.pronargs])))
       AS a(name, mode)
 WHERE p.pronamespace = 'draft_mode'::regnamespace AND a.mode IN ('i', 'b', 'v')
   AND a.name IN ('actor', 'updated_by', 'author', 'user')
   AND EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS x
                WHERE x.grantee <> p.proowner AND x.privilege_type = 'EXECUTE');
SELECT is(string_agg(p.proname, ','), 'edit_on_worker',
          'only edit_on_worker (internal: a delegated edit on Citus, the actor taken on the coordinator) takes an actor')
  FROM pg_proc AS p
 CROSS JOIN LATERAL unnest(p.proargnames, coalesce(p.proargmodes::text[],
                                                    array_fill('i'::text, ARRAY[p.pronargs])))
       AS a(name, mode)
 WHERE p.pronamespace = 'draft_mode'::regnamespace AND a.mode IN ('i', 'b', 'v')
   AND a.name IN ('actor', 'updated_by', 'author', 'user');

--
-- create_section and get_section
--
SELECT is(pg_temp.short(draft_mode.create_section('t', 'hero', '{"title": "Sale", "price": 19.90}', 'hero')),
          '1 create changed=true has_draft=false published=1', 'create: version 1, published');
SELECT is((SELECT row(content, version, has_draft, published_version, section_type, updated_at = now())::text
             FROM draft_mode.get_section('t', 'hero')),
          '("{""price"": 19.90, ""title"": ""Sale""}",1,f,1,hero,t)',
          'get_section returns content, version, has_draft, published_version, section_type, updated_at');
SELECT is((SELECT updated_by FROM draft_mode.get_section('t', 'hero')), current_user::text,
          'updated_by defaults to current_user');
SELECT is((SELECT content FROM draft_mode.get_section('t', 'hero', 'published')),
          '{"title": "Sale", "price": 19.90}', 'published mode');
SELECT is((SELECT content FROM draft_mode.published_sections WHERE tenant = 't' AND section = 'hero'),
          '{"title": "Sale", "price": 19.90}', 'published_sections view');
SELECT is(pg_temp.short(draft_mode.create_section('t', 'untyped', '[1, 2.50]')),
          '1 create changed=true has_draft=false published=1', 'section_type is optional');
SELECT is((SELECT section_type FROM draft_mode.get_section('t', 'untyped')), NULL, 'no type: NULL');
SELECT throws_ok($$SELECT draft_mode.create_section('t', 'hero', '{}')$$, 'DM102',
                 'section "hero" of tenant "t" already exists', 'create an existing section: DM102');
SELECT is(pg_temp.state('t', 'hero'),
          'version=1 published_version=1 draft=none published={"price": 19.90, "title": "Sale"} history=1 undo={} redo={} updated_by=' || current_user,
          '... and it is untouched');
SELECT lives_ok($$SELECT draft_mode.create_section('other tenant', 'hero', '{}')$$,
                'the same section name under another tenant');
SELECT throws_ok($$SELECT draft_mode.create_section('t', 'x', NULL)$$, '22004', NULL,
                 'create with NULL content: 22004');
SELECT throws_ok($$SELECT draft_mode.get_section('t', 'hero', 'live')$$, '22023', 'invalid mode "live"',
                 'get_section with an invalid mode: 22023');
SELECT throws_ok($$SELECT draft_mode.get_section('t', 'hero', NULL)$$, '22023', NULL,
                 'get_section with mode NULL: 22023');
SELECT throws_ok($$SELECT draft_mode.get_section('t', 'missing')$$, 'DM101',
                 'section "missing" of tenant "t" does not exist', 'get_section of a missing section: DM101');
SELECT throws_ok($$SELECT draft_mode.get_section('nobody', 'hero')$$, 'DM101', NULL,
                 'sections are per tenant');

--
-- save_draft, patch_draft, merge_draft: compare-and-swap
--
SELECT is(pg_temp.short(draft_mode.save_draft('t', 'hero', '{"title": "Big sale", "price": 19.90}', 1)),
          '2 save changed=true has_draft=true published=1', 'save_draft: version 2, a draft');
SELECT is((SELECT content FROM draft_mode.get_section('t', 'hero')),
          '{"title": "Big sale", "price": 19.90}', 'draft mode shows the draft');
SELECT is((SELECT content FROM draft_mode.get_section('t', 'hero', 'published')),
          '{"title": "Sale", "price": 19.90}', 'published mode does not');

-- stale expected_version: PT409, DETAIL {"current_version","expected_version"}, nothing changes
CREATE TEMP TABLE before_state ON COMMIT DROP AS SELECT pg_temp.state('t', 'hero') AS s;
SELECT is(e.code || ' ' || e.detail, 'PT409 {"current_version":2,"expected_version":1}',
          format('%s with a stale expected_version: PT409 and both versions in DETAIL', f))
  FROM unnest(ARRAY[
        $$SELECT draft_mode.save_draft('t', 'hero', '{}', 1)$$,
        $$SELECT draft_mode.patch_draft('t', 'hero', '[{"op": "remove", "path": "/price"}]', 1)$$,
        $$SELECT draft_mode.merge_draft('t', 'hero', '{"price": null}', 1)$$,
        $$SELECT draft_mode.publish('t', 'hero', 1)$$,
        $$SELECT draft_mode.discard('t', 'hero', 1)$$,
        $$SELECT draft_mode.restore('t', 'hero', 1, 1)$$,
        $$SELECT draft_mode.undo('t', 'hero', 1)$$,
        $$SELECT draft_mode.redo('t', 'hero', 1)$$]) WITH ORDINALITY AS s(statement, n),
       LATERAL pg_temp.error_of(s.statement) AS e,
       LATERAL (SELECT split_part(split_part(s.statement, 'draft_mode.', 2), '(', 1)) AS f(f)
 ORDER BY s.n;
SELECT is(pg_temp.state('t', 'hero'), (SELECT s FROM before_state), 'after eight conflicts nothing changed');
SELECT is((SELECT hint FROM pg_temp.error_of($$SELECT draft_mode.save_draft('t', 'hero', '{}', 7)$$)),
          'Re-read the section, reapply the change, and retry with expected_version = 2.',
          'the PT409 HINT names the version to retry with');
-- NULL expected_version: 22004 for every edit
SELECT is(e.code || ' ' || e.detail, '22004 {"argument":"expected_version"}',
          'NULL expected_version: 22004 (' || s.statement || ')')
  FROM unnest(ARRAY[
        $$SELECT draft_mode.save_draft('t', 'hero', '{}', NULL)$$,
        $$SELECT draft_mode.patch_draft('t', 'hero', '[]', NULL)$$,
        $$SELECT draft_mode.merge_draft('t', 'hero', '{}', NULL)$$,
        $$SELECT draft_mode.restore('t', 'hero', 1, NULL)$$,
        $$SELECT draft_mode.undo('t', 'hero', NULL)$$,
        $$SELECT draft_mode.redo('t', 'hero', NULL)$$]) WITH ORDINALITY AS s(statement, n),
       LATERAL pg_temp.error_of(s.statement) AS e
 ORDER BY s.n;
SELECT is(pg_temp.state('t', 'hero'), (SELECT s FROM before_state), 'after NULL expected_version nothing changed');
SELECT throws_ok($$SELECT draft_mode.save_draft('t', 'missing', '{}', 1)$$, 'DM101', NULL,
                 'save_draft of a missing section: DM101');

-- invalid patches: the engine's SQLSTATE, nothing changes (not even the valid operations before)
SELECT throws_ok($$SELECT draft_mode.patch_draft('t', 'hero', '{"op": "remove", "path": "/price"}', 2)$$,
                 'DM001', NULL, 'a patch that is not an array: DM001');
SELECT throws_ok($$SELECT draft_mode.patch_draft('t', 'hero',
                   '[{"op": "remove", "path": "/price"}, {"op": "frobnicate", "path": ""}]', 2)$$,
                 'DM001', NULL, 'an unknown op: DM001');
SELECT throws_ok($$SELECT draft_mode.patch_draft('t', 'hero',
                   '[{"op": "remove", "path": "/price"}, {"op": "remove", "path": "price"}]', 2)$$,
                 'DM002', NULL, 'an invalid pointer: DM002');
SELECT throws_ok($$SELECT draft_mode.patch_draft('t', 'hero',
                   '[{"op": "remove", "path": "/price"}, {"op": "remove", "path": "/nope"}]', 2)$$,
                 'DM003', NULL, 'a missing location: DM003');
SELECT throws_ok($$SELECT draft_mode.patch_draft('t', 'hero',
                   '[{"op": "remove", "path": "/price"}, {"op": "test", "path": "/title", "value": "Sale"}]', 2)$$,
                 'DM004', NULL, 'a failed test: DM004');
SELECT is(pg_temp.state('t', 'hero'), (SELECT s FROM before_state), 'after invalid patches nothing changed');

-- successful patch and merge
SELECT is(pg_temp.short(draft_mode.patch_draft('t', 'hero',
              '[{"op": "test", "path": "/title", "value": "Big sale"}, {"op": "replace", "path": "/price", "value": 17.50}]', 2)),
          '3 patch changed=true has_draft=true published=1', 'patch_draft with a passing test');
SELECT is(pg_temp.short(draft_mode.merge_draft('t', 'hero', '{"badge": "new", "title": null}', 3)),
          '4 merge changed=true has_draft=true published=1', 'merge_draft');
SELECT is((SELECT content::text FROM draft_mode.get_section('t', 'hero')),
          '{"badge": "new", "price": 17.50}', 'content after patch and merge, numbers as written');
SELECT is((SELECT row(forward_patch, inverse_patch)::text FROM draft_mode.history('t', 'hero', 1)),
          row('[{"op": "add", "path": "/badge", "value": "new"}, {"op": "remove", "path": "/title"}]'::jsonb,
              '[{"op": "remove", "path": "/badge"}, {"op": "add", "path": "/title", "value": "Big sale"}]'::jsonb)::text,
          'history keeps the forward and inverse patch');

-- changes that change nothing: changed = false, same version, no history row
TRUNCATE before_state;
INSERT INTO before_state SELECT pg_temp.state('t', 'hero');
SELECT is(pg_temp.short(draft_mode.save_draft('t', 'hero', '{"price": 17.50, "badge": "new"}', 4)),
          '4 save changed=false has_draft=true published=1', 'save of identical content: changed = false');
SELECT is(pg_temp.short(draft_mode.patch_draft('t', 'hero', '[]', 4)),
          '4 patch changed=false has_draft=true published=1', 'empty patch: changed = false');
SELECT is(pg_temp.short(draft_mode.patch_draft('t', 'hero', '[{"op": "replace", "path": "/badge", "value": "new"}]', 4)),
          '4 patch changed=false has_draft=true published=1', 'patch to the same value: changed = false');
SELECT is(pg_temp.short(draft_mode.merge_draft('t', 'hero', '{"nothing": null}', 4)),
          '4 merge changed=false has_draft=true published=1', 'merge removing nothing: changed = false');
SELECT is(pg_temp.state('t', 'hero'), (SELECT s FROM before_state), '... and nothing changed');
-- a draft identical to the published content is no draft
SELECT is(pg_temp.short(draft_mode.save_draft('t', 'hero', '{"title": "Sale", "price": 19.90}', 4)),
          '5 save changed=true has_draft=false published=1', 'saving the published content: has_draft false');
SELECT is((SELECT has_draft FROM draft_mode.get_section('t', 'hero')), false, 'get_section agrees');
SELECT is(pg_temp.short(draft_mode.merge_draft('t', 'hero', '{"price": 19.9}', 5)),
          '6 merge changed=true has_draft=true published=1', '19.9 differs from 19.90: a draft');

--
-- publish and discard
--
SELECT is(pg_temp.short(draft_mode.publish('t', 'hero')),
          '7 publish changed=true has_draft=false published=7', 'publish: the draft goes live');
SELECT is((SELECT content::text FROM draft_mode.published_sections WHERE tenant = 't' AND section = 'hero'),
          '{"price": 19.9, "title": "Sale"}', 'published content is the draft');
SELECT is(pg_temp.short(draft_mode.publish('t', 'hero')),
          '7 publish changed=false has_draft=false published=7', 'publish without a draft: changed = false');
SELECT is(pg_temp.short(draft_mode.publish('t', 'hero', expected_version => 7)),
          '7 publish changed=false has_draft=false published=7', 'with the right expected_version too');
SELECT is(pg_temp.short(draft_mode.discard('t', 'hero')),
          '7 discard changed=false has_draft=false published=7', 'discard without a draft: changed = false');
SELECT lives_ok($$SELECT draft_mode.merge_draft('t', 'hero', '{"draft": "to discard"}', 7)$$, 'a draft to discard');
SELECT is(pg_temp.short(draft_mode.discard('t', 'hero', 8)),
          '9 discard changed=true has_draft=false published=7', 'discard: back to published');
SELECT is(draft_mode.content_at('t', 'hero', 8), '{"draft": "to discard", "price": 19.9, "title": "Sale"}',
          'the discarded draft stays in history');
SELECT is(pg_temp.short(draft_mode.undo('t', 'hero', 9)),
          '10 undo changed=true has_draft=true published=7', 'undo of discard brings the draft back');
SELECT is((SELECT content ->> 'draft' FROM draft_mode.get_section('t', 'hero')), 'to discard', '... its content');
SELECT throws_ok($$SELECT draft_mode.publish('t', 'missing')$$, 'DM101', NULL, 'publish of a missing section: DM101');
SELECT throws_ok($$SELECT draft_mode.discard('t', 'missing')$$, 'DM101', NULL, 'discard of a missing section: DM101');

--
-- history, content_at, restore
--
SELECT is(array_agg(kind ORDER BY version)::text,
          '{create,save,patch,merge,save,merge,publish,merge,discard,undo}', 'history lists every change')
  FROM draft_mode.history('t', 'hero');
SELECT is(array_agg(version)::text, '{10,9,8}', 'history is newest first, limit applies')
  FROM draft_mode.history('t', 'hero', 3);
SELECT is(array_agg(version)::text, '{5,4}', 'before_version pages back')
  FROM draft_mode.history('t', 'hero', 2, 6);
SELECT is(draft_mode.content_at('t', 'hero', 1), '{"title": "Sale", "price": 19.90}', 'content_at(1)');
SELECT is(draft_mode.content_at('t', 'hero', 3)::text, '{"price": 17.50, "title": "Big sale"}', 'content_at(3)');
SELECT throws_ok($$SELECT draft_mode.content_at('t', 'hero', 0)$$, 'DM105', NULL, 'content_at(0): DM105');
SELECT throws_ok($$SELECT draft_mode.content_at('t', 'hero', 11)$$, 'DM105', NULL, 'content_at(current + 1): DM105');
SELECT is((SELECT detail FROM pg_temp.error_of($$SELECT draft_mode.content_at('t', 'hero', 11)$$)),
          '{"version":11,"current_version":10,"reason":"no_such_version"}', 'DM105 DETAIL');
SELECT throws_ok($$SELECT draft_mode.content_at('t', 'missing', 1)$$, 'DM101', NULL, 'content_at of a missing section');
SELECT is(pg_temp.short(draft_mode.restore('t', 'hero', 3, 10)),
          '11 restore changed=true has_draft=true published=7', 'restore makes an old version the draft');
SELECT is((SELECT content FROM draft_mode.get_section('t', 'hero')), draft_mode.content_at('t', 'hero', 3),
          '... with that version''s content');
SELECT is(pg_temp.short(draft_mode.restore('t', 'hero', 3, 11)),
          '11 restore changed=false has_draft=true published=7', 'restoring the current content: changed = false');
SELECT throws_ok($$SELECT draft_mode.restore('t', 'hero', 0, 11)$$, 'DM105', NULL, 'restore(0): DM105');
SELECT throws_ok($$SELECT draft_mode.restore('t', 'hero', 12, 11)$$, 'DM105', NULL, 'restore(current + 1): DM105');

--
-- undo and redo
--
SELECT is(pg_temp.short(draft_mode.undo('t', 'hero', 11)),
          '12 undo changed=true has_draft=true published=7', 'undo of the restore');
SELECT is(pg_temp.short(draft_mode.redo('t', 'hero', 12)),
          '13 redo changed=true has_draft=true published=7', 'redo of the restore');
SELECT lives_ok($$SELECT draft_mode.undo('t', 'hero', 13)$$, 'undo again');
SELECT lives_ok($$SELECT draft_mode.merge_draft('t', 'hero', '{"new": "edit"}', 14)$$, 'a new edit after undo');
SELECT throws_ok($$SELECT draft_mode.redo('t', 'hero', 15)$$, 'DM104', 'nothing to redo on section "hero"',
                 'a new edit clears the redo chain: DM104');
SELECT lives_ok($$SELECT draft_mode.create_section('t', 'fresh', '{}')$$, 'a fresh section');
SELECT throws_ok($$SELECT draft_mode.undo('t', 'fresh', 1)$$, 'DM104', 'nothing to undo on section "fresh"',
                 'nothing to undo: DM104');
SELECT throws_ok($$SELECT draft_mode.redo('t', 'fresh', 1)$$, 'DM104', NULL, 'nothing to redo: DM104');
SELECT is(pg_temp.state('t', 'fresh'),
          'version=1 published_version=1 draft=none published={} history=1 undo={} redo={} updated_by=' || current_user,
          'failed undo and redo changed nothing');

--
-- validators
--
CREATE FUNCTION pg_temp.hero_errors(content jsonb) RETURNS text[]
LANGUAGE sql AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN NOT content ? 'title' THEN 'title is required' END,
        CASE WHEN (content ->> 'price')::numeric <= 0 THEN 'price must be positive' END], NULL)
$$;
CREATE FUNCTION pg_temp.wrong_return(content jsonb) RETURNS text LANGUAGE sql AS $$ SELECT '' $$;
CREATE FUNCTION pg_temp.wrong_argument(content text) RETURNS text[] LANGUAGE sql AS $$ SELECT '{}'::text[] $$;
SELECT throws_ok($$SELECT draft_mode.set_validator('hero', 'pg_temp.wrong_return(jsonb)')$$, '22023', NULL,
                 'set_validator with a function returning text: 22023');
SELECT throws_ok($$SELECT draft_mode.set_validator('hero', 'pg_temp.wrong_argument(text)')$$, '22023', NULL,
                 'set_validator with a function taking text: 22023');
SELECT is(count(*), 0::bigint, 'nothing registered') FROM draft_mode.validators WHERE section_type = 'hero';
SELECT lives_ok($$SELECT draft_mode.set_validator('hero', 'pg_temp.hero_errors(jsonb)')$$, 'set_validator');
SELECT is((draft_mode.validate('t', 'untyped')).errors, '{}'::text[], 'validate without a section type: {}');
SELECT lives_ok($$SELECT draft_mode.create_section('t', 'hero2', '{"title": "ok", "price": 1}', 'hero')$$,
                'a second hero');
SELECT is((draft_mode.validate('t', 'hero2')).errors, '{}'::text[], 'validate of valid content: {}');
SELECT lives_ok($$SELECT draft_mode.save_draft('t', 'hero2', '{"price": 0}', 1)$$, 'an invalid draft is allowed');
SELECT is((draft_mode.validate('t', 'hero2')).errors, ARRAY['title is required', 'price must be positive'],
          'validate lists every error of the working content');
TRUNCATE before_state;
INSERT INTO before_state SELECT pg_temp.state('t', 'hero2');
SELECT is(e.code || ' ' || e.detail,
          'DM103 {"section":"hero2","section_type":"hero","errors":["title is required", "price must be positive"]}',
          'publish of an invalid draft: DM103 with every error in DETAIL')
  FROM pg_temp.error_of($$SELECT draft_mode.publish('t', 'hero2')$$) AS e;
SELECT is(pg_temp.state('t', 'hero2'), (SELECT s FROM before_state), '... and nothing changed');
SELECT is(draft_mode.remove_validator('hero'), true, 'remove_validator: true');
SELECT is(draft_mode.remove_validator('hero'), false, 'remove_validator again: false');
SELECT is((draft_mode.validate('t', 'hero2')).errors, '{}'::text[], 'no validator: {}');
SELECT is(pg_temp.short(draft_mode.publish('t', 'hero2')),
          '3 publish changed=true has_draft=false published=3', 'without a validator it publishes');

--
-- publish_many and publish_tenant: all or nothing
--
SELECT lives_ok($$SELECT draft_mode.set_validator('hero', 'pg_temp.hero_errors(jsonb)')$$, 'the validator again');
SELECT lives_ok($$
    SELECT draft_mode.create_section('m', s, '{"title": "x", "price": 1}', 'hero') FROM unnest(ARRAY['a', 'b', 'c', 'd']) AS s;
    SELECT draft_mode.merge_draft('m', s, '{"price": 2}', 1) FROM unnest(ARRAY['a', 'b', 'c']) AS s;
    SELECT draft_mode.create_section('m2', 'a', '{"title": "other tenant"}');
    SELECT draft_mode.merge_draft('m2', 'a', '{"draft": true}', 1);
$$, 'tenant m: a, b, c with drafts, d without');
SELECT lives_ok($$SELECT draft_mode.merge_draft('m', 'b', '{"title": null}', 2)$$, 'b invalid');
SELECT lives_ok($$SELECT draft_mode.merge_draft('m', 'c', '{"title": null, "price": -1}', 2)$$, 'c invalid twice');
CREATE TEMP TABLE tenant_before ON COMMIT DROP AS
SELECT string_agg(pg_temp.state('m', section), '; ' ORDER BY section) AS s
  FROM draft_mode.sections WHERE tenant = 'm';
SELECT throws_ok($$SELECT draft_mode.publish_many('m', ARRAY['a', 'zz'])$$, 'DM101',
                 'section "zz" of tenant "m" does not exist', 'publish_many with an unknown section: DM101');
SELECT is((SELECT detail FROM pg_temp.error_of($$SELECT draft_mode.publish_many('m', ARRAY['a', 'zz'])$$))::jsonb,
          '{"reason": "section_not_found", "section": "zz"}', 'DM101 DETAIL names the section');
SELECT throws_ok($$SELECT draft_mode.publish_many('m', NULL)$$, '22004', NULL, 'publish_many(NULL): 22004');
SELECT is(e.code || ' ' || e.detail::jsonb::text,
          'DM103 {"sections": [{"errors": ["title is required"], "section": "b", "section_type": "hero"}, {"errors": ["title is required", "price must be positive"], "section": "c", "section_type": "hero"}]}',
          'publish_many: DM103 lists every failing section and all its errors')
  FROM pg_temp.error_of($$SELECT draft_mode.publish_many('m', ARRAY['c', 'a', 'b'])$$) AS e;
SELECT is(e.code, 'DM103', 'publish_tenant: DM103 too')
  FROM pg_temp.error_of($$SELECT draft_mode.publish_tenant('m')$$) AS e;
SELECT is(string_agg(pg_temp.state('m', section), '; ' ORDER BY section), (SELECT s FROM tenant_before),
          'nothing of tenant m changed')
  FROM draft_mode.sections WHERE tenant = 'm';
SELECT lives_ok($$SELECT draft_mode.merge_draft('m', s, '{"title": "fixed", "price": 3}', 3) FROM unnest(ARRAY['b', 'c']) AS s$$,
                'b and c fixed');
SELECT results_eq(
    $$SELECT section, version, kind, changed, has_draft, published_version
        FROM draft_mode.publish_many('m', ARRAY['d', 'b', 'a', 'b'])$$,
    $$VALUES ('a', 3::int8, 'publish', true, false, 3::int8),
             ('b', 5::int8, 'publish', true, false, 5::int8),
             ('d', 1::int8, 'publish', false, false, 1::int8)$$,
    'publish_many: each listed section once, in order, changed = true where published');
SELECT is((SELECT content FROM draft_mode.get_section('m', 'b', 'published')), '{"title": "fixed", "price": 3}',
          'b is live');
SELECT results_eq(
    $$SELECT section, version, kind, changed, has_draft, published_version FROM draft_mode.publish_tenant('m')$$,
    $$VALUES ('c', 5::int8, 'publish', true, false, 5::int8)$$,
    'publish_tenant publishes the remaining draft, changed = true');
SELECT is((SELECT has_draft FROM draft_mode.get_section('m2', 'a')), true, 'another tenant''s draft is untouched');
SELECT is(count(*), 0::bigint, 'publish_tenant with nothing to publish') FROM draft_mode.publish_tenant('m');

--
-- The actor
--
SELECT lives_ok($$SELECT draft_mode.create_section('who', 's', '{"n": 0}')$$, 'a section for actors');
SET LOCAL draft_mode.actor = 'alice';
SELECT lives_ok($$SELECT draft_mode.merge_draft('who', 's', '{"n": 1}', 1)$$, 'alice edits');
SET LOCAL request.jwt.claims = '{"sub": "bob"}';
SELECT lives_ok($$SELECT draft_mode.merge_draft('who', 's', '{"n": 2}', 2)$$, 'alice is set, the verified claims say bob: bob');
SET LOCAL draft_mode.actor = '';
SELECT lives_ok($$SELECT draft_mode.merge_draft('who', 's', '{"n": 3}', 3)$$, 'bob edits');
SET LOCAL request.jwt.claims = '';
SELECT lives_ok($$SELECT draft_mode.publish('who', 's')$$, 'current_user publishes');
SELECT is(array_agg(actor ORDER BY version),
          ARRAY[current_user::text, 'alice', 'bob', 'bob', current_user::text],
          'history records the sub claim, else draft_mode.actor, else the calling role')
  FROM draft_mode.history('who', 's');
SELECT is((SELECT updated_by FROM draft_mode.get_section('who', 's')), current_user::text,
          'updated_by is the last change''s actor');

SELECT * FROM finish();
ROLLBACK;
