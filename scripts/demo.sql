-- A build-mode session with draft_mode, run by scripts/demo: psql -e echoes each statement, and the
-- \echo lines tell the story. Each intended error is announced first by a line
--   \echo '>> Next, an intended error (SQLSTATE): why'
-- and followed by `\echo '<< it was' :SQLSTATE`; scripts/demo checks that the two codes match and
-- that no other statement failed.
\set ON_ERROR_STOP on
\pset footer off
CREATE EXTENSION draft_mode;

\echo
\echo '== 1. The JSON engine: exact numbers, strict RFC 6902, RFC 7396, diff.'
\echo 'The numbers 19.90, 12345678901234567890123 and 0.1000000000000000000001 come out as they went in.'
SELECT draft_mode.jsonb_patch(
    '{"title": "Summer sale", "items": [{"sku": "A", "price": 19.90}], "stock": 12345678901234567890123}',
    '[{"op": "test", "path": "/items/0/sku", "value": "A"},
      {"op": "replace", "path": "/items/0/price", "value": 17.50},
      {"op": "add", "path": "/items/-", "value": {"sku": "B", "price": 0.1000000000000000000001}}]')
    AS patched;
SELECT draft_mode.jsonb_merge_patch('{"a": "b", "c": {"d": "e", "f": "g"}}', '{"a": "z", "c": {"f": null}}')
    AS merged;
SELECT draft_mode.jsonb_diff('{"items": ["a", "b", "c", "d"]}', '{"items": ["a", "b", "new", "c", "d"]}')
    AS one_insertion_one_operation;

\echo '>> Next, an intended error (DM003): "add" under a string. RFC 6902 wants the parent to be an'
\echo '   object or array; lenient libraries turn it into one. The DETAIL is JSON a program can parse.'
\set ON_ERROR_STOP off
SELECT draft_mode.jsonb_patch('{"title": "x"}', '[{"op": "add", "path": "/title/sub", "value": 1}]');
\set ON_ERROR_STOP on
\echo '<< it was' :SQLSTATE

\echo
\echo '== 2. A section of the storefront: created, published at version 1.'
SET draft_mode.tenant = 'acme';
SET draft_mode.actor = 'setup-script';
SELECT * FROM draft_mode.create_section('acme', 'home/hero',
    '{"title": "Welcome", "subtitle": "Fresh arrivals", "cta": {"label": "Shop now", "href": "/new"}}',
    section_type => 'hero');

\echo 'A validator for hero sections: a title is required and short.'
CREATE FUNCTION public.hero_errors(content jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN coalesce(content ->> 'title', '') = '' THEN 'title is required' END,
        CASE WHEN length(content ->> 'title') > 40 THEN 'title is longer than 40 characters' END], NULL)
$$;
SELECT draft_mode.set_validator('hero', 'public.hero_errors(jsonb)');

\echo
\echo '== 3. Two editors (Alice, and an AI agent) both read version 1.'
SELECT content, version FROM draft_mode.get_section('acme', 'home/hero');

\echo 'Alice sends a small patch, not the whole document: version 2.'
SET draft_mode.actor = 'alice';
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": "Summer is here"}]', expected_version => 1);

\echo '>> Next, an intended error (PT409): the agent still writes against version 1. Its write is'
\echo '   refused and nothing is lost; PostgREST answers HTTP 409; the current version is in DETAIL.'
SET draft_mode.actor = 'agent';
\set ON_ERROR_STOP off
SELECT * FROM draft_mode.merge_draft('acme', 'home/hero', '{"subtitle": "Up to 50% off"}', expected_version => 1);
\set ON_ERROR_STOP on
\echo '<< it was' :SQLSTATE
\echo 'The agent re-reads and retries against version 2.'
SELECT * FROM draft_mode.merge_draft('acme', 'home/hero', '{"subtitle": "Up to 50% off"}', expected_version => 2);

\echo 'Customers still see version 1; the editors preview the draft.'
SELECT content FROM draft_mode.get_section('acme', 'home/hero', mode => 'published');
SELECT content, version, has_draft FROM draft_mode.get_section('acme', 'home/hero', mode => 'draft');

\echo
\echo '== 4. Alice undoes the agent''s change (server-side undo: version 4), then clears the title by mistake.'
SET draft_mode.actor = 'alice';
SELECT * FROM draft_mode.undo('acme', 'home/hero', expected_version => 3);
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": ""}]', expected_version => 4);

\echo
\echo '== 5. Validation: the validator lists what is wrong with the draft.'
SELECT draft_mode.validate('acme', 'home/hero') AS errors;
\echo '>> Next, an intended error (DM103): publish refuses the invalid draft and lists every error.'
\set ON_ERROR_STOP off
SELECT * FROM draft_mode.publish('acme', 'home/hero');
\set ON_ERROR_STOP on
\echo '<< it was' :SQLSTATE
\echo 'Alice undoes the mistake, and the publish goes through: customers see version 7.'
SELECT * FROM draft_mode.undo('acme', 'home/hero', expected_version => 5);
SELECT * FROM draft_mode.publish('acme', 'home/hero');
SELECT content, published_version FROM draft_mode.get_section('acme', 'home/hero', mode => 'published');

\echo
\echo '== 6. A draft nobody wants: discard goes back to the published content (it stays in history).'
SELECT * FROM draft_mode.save_draft('acme', 'home/hero', '{"title": "Oops"}', expected_version => 7);
SELECT * FROM draft_mode.discard('acme', 'home/hero');

\echo
\echo '== 7. History: who changed what, as small patches; any version can be rebuilt.'
SELECT version, kind, actor, forward_patch FROM draft_mode.history('acme', 'home/hero') ORDER BY version;
SELECT draft_mode.content_at('acme', 'home/hero', 8) AS discarded_draft;

\echo
\echo '== 8. Many tabs at once. The agent and Alice both start from version 9 and patch different'
\echo '   fields: with rebase => true the second patch lands on top of the first instead of conflicting.'
SET draft_mode.actor = 'agent';
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/subtitle", "value": "New season"}]', expected_version => 9);
SET draft_mode.actor = 'alice';
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/cta/label", "value": "See what is new"}]', expected_version => 9,
    rebase => true);
\echo '>> Next, an intended error (PT409): a patch of the very field the agent changed since version 9'
\echo '   cannot be rebased; the DETAIL names the overlap.'
\set ON_ERROR_STOP off
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/subtitle", "value": "Old season"}]', expected_version => 9,
    rebase => true);
\set ON_ERROR_STOP on
\echo '<< it was' :SQLSTATE

\echo
\echo '== 9. An edit-lock lease: Alice edits alone for two minutes; the agent is told who is editing.'
SELECT token AS alice_token FROM draft_mode.acquire_lease('acme', 'home/hero', ttl => '2 minutes') \gset
SET draft_mode.actor = 'agent';
SELECT held, holder FROM draft_mode.lease_status('acme', 'home/hero');
\echo '>> Next, an intended error (DM201): the agent writes while Alice holds the lease.'
\set ON_ERROR_STOP off
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": "Agent title"}]', expected_version => 11);
\set ON_ERROR_STOP on
\echo '<< it was' :SQLSTATE
\echo 'Alice writes with her lease token.'
SET draft_mode.actor = 'alice';
SELECT * FROM draft_mode.patch_draft('acme', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": "Summer, finally"}]', expected_version => 11,
    lease_token => :alice_token);

\echo
\echo '== 10. A retried request (the client timed out after sending it) publishes once, not twice:'
\echo '   the second call returns the stored result (the same version 13).'
SELECT * FROM draft_mode.publish('acme', 'home/hero', lease_token => :alice_token,
                                 idempotency_key => 'publish-req-1');
SELECT * FROM draft_mode.publish('acme', 'home/hero', lease_token => :alice_token,
                                 idempotency_key => 'publish-req-1');
SELECT draft_mode.release_lease(:alice_token) AS released;
