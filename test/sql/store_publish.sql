-- The section store, part 2: publish, discard, validators, publish_many and
-- publish_tenant.
--
-- pg_temp.try shows an error's SQLSTATE, message, DETAIL and HINT (code
-- 00000 when the statement succeeded); pg_temp.state shows everything a call
-- may change, so each failure is followed by proof that nothing changed.
-- Timestamps appear only in comparisons. Tenants: 'pub', 'multi', 'bystander'.

\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all

-- Version, draft flag and published content of every section of a tenant.
CREATE FUNCTION pg_temp.tenant_state(tenant text)
RETURNS TABLE (section text, version int8, published_version int8, has_draft bool,
               published jsonb)
LANGUAGE sql AS $$
    SELECT s.section, s.version, s.published_version, s.draft_content IS NOT NULL,
           s.published_content
      FROM draft_mode.sections AS s WHERE s.tenant = tenant_state.tenant ORDER BY s.section
$$;

--
-- publish
--
SELECT version FROM draft_mode.create_section('pub', 'banner', '{"text": "Hello", "price": 10.00}');
-- no draft: a no-op that says so (changed = false), no history row
SELECT * FROM draft_mode.publish('pub', 'banner');
SELECT * FROM pg_temp.state('pub', 'banner');
SELECT published_at AS first_published_at FROM draft_mode.published_sections
 WHERE tenant = 'pub' AND section = 'banner' \gset

SELECT version FROM draft_mode.patch_draft('pub', 'banner',
    '[{"op": "replace", "path": "/price", "value": 12.50}]', 1);
-- customers still see version 1
SELECT content, published_version FROM draft_mode.published_sections
 WHERE tenant = 'pub' AND section = 'banner';
-- the draft goes live: new version, published_version = that version, no draft
SELECT * FROM draft_mode.publish('pub', 'banner');
SELECT * FROM pg_temp.state('pub', 'banner');
SELECT content, version, has_draft, published_version
  FROM draft_mode.get_section('pub', 'banner', 'published');
SELECT content, version, has_draft, published_version
  FROM draft_mode.get_section('pub', 'banner', 'draft');
SELECT content, published_version, published_at > :'first_published_at' AS published_at_moved
  FROM draft_mode.published_sections WHERE tenant = 'pub' AND section = 'banner';
-- a publish row in history: the working content did not change, so both
-- patches are empty
SELECT version, kind, forward_patch, inverse_patch FROM draft_mode.history('pub', 'banner');
-- publishing again: nothing to publish
SELECT * FROM draft_mode.publish('pub', 'banner', expected_version => 3);

-- expected_version is optional for publish, but checked when given
SELECT version FROM draft_mode.merge_draft('pub', 'banner', '{"text": "Hi"}', 3);
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'banner', expected_version => 3)$$) \gx
SELECT * FROM pg_temp.state('pub', 'banner');
SELECT * FROM draft_mode.publish('pub', 'banner', expected_version => 4);
-- a stale expected_version is refused even when there is nothing to publish
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'banner', 4)$$) \gx
-- missing section, NULL names
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'nope')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish(NULL, 'banner')$$) \gx

--
-- discard
--
-- no draft: changed = false
SELECT * FROM draft_mode.discard('pub', 'banner');
SELECT version FROM draft_mode.save_draft('pub', 'banner', '{"text": "Draft to drop", "price": 0.99}', 5);
SELECT * FROM pg_temp.try($$SELECT draft_mode.discard('pub', 'banner', expected_version => 5)$$) \gx
SELECT * FROM pg_temp.state('pub', 'banner');
-- back to the published content; the version moves on
SELECT * FROM draft_mode.discard('pub', 'banner', expected_version => 6);
SELECT * FROM pg_temp.state('pub', 'banner');
SELECT content, has_draft FROM draft_mode.get_section('pub', 'banner');
SELECT version, kind, forward_patch, inverse_patch FROM draft_mode.history('pub', 'banner', 2);
-- the discarded draft stays in history: content_at shows it, restore brings it back
SELECT draft_mode.content_at('pub', 'banner', 6) AS discarded_draft;
SELECT * FROM draft_mode.restore('pub', 'banner', version => 6, expected_version => 7);
SELECT content, has_draft FROM draft_mode.get_section('pub', 'banner');
-- and undo of the discard brings it back too (after discarding it again)
SELECT version FROM draft_mode.discard('pub', 'banner');
SELECT * FROM draft_mode.undo('pub', 'banner', 9);
SELECT content, has_draft FROM draft_mode.get_section('pub', 'banner');
SELECT version, kind FROM draft_mode.history('pub', 'banner', 4);
SELECT * FROM pg_temp.try($$SELECT draft_mode.discard('pub', 'nope')$$) \gx

--
-- validators
--
-- Validators live in an ordinary schema; the store calls the registered
-- function by OID, so neither search_path nor overloading can change which.
CREATE SCHEMA store_publish;
-- A card needs a non-empty title of at most 20 characters and a price that
-- is not negative; every error is reported.
CREATE FUNCTION store_publish.card_errors(content jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN coalesce(content ->> 'title', '') = '' THEN 'title is required' END,
        CASE WHEN length(content ->> 'title') > 20 THEN 'title is longer than 20 characters' END,
        CASE WHEN (content ->> 'price')::numeric < 0 THEN 'price must not be negative' END],
        NULL)
$$;
-- NULL means valid, like '{}'
CREATE FUNCTION store_publish.lenient(content jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$ SELECT NULL::text[] $$;
-- a validator may raise; its error is the publish's error
CREATE FUNCTION store_publish.exploding(content jsonb) RETURNS text[]
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'validator exploded' USING ERRCODE = 'P0001';
END
$$;
-- wrong signatures
CREATE FUNCTION store_publish.takes_json(content json) RETURNS text[]
LANGUAGE sql AS $$ SELECT '{}'::text[] $$;
CREATE FUNCTION store_publish.returns_text(content jsonb) RETURNS text
LANGUAGE sql AS $$ SELECT '' $$;
CREATE FUNCTION store_publish.two_arguments(content jsonb, strict bool) RETURNS text[]
LANGUAGE sql AS $$ SELECT '{}'::text[] $$;
CREATE PROCEDURE store_publish.a_procedure(content jsonb) LANGUAGE sql AS $$ SELECT 1 $$;

SELECT draft_mode.set_validator('card', 'store_publish.card_errors(jsonb)');
SELECT v.section_type, v.validator = 'store_publish.card_errors(jsonb)' AS is_card_errors
  FROM draft_mode.validators AS v WHERE v.section_type = 'card';
-- a function that is not (content jsonb) returns text[]: 22023, nothing registered
SELECT * FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.takes_json(json)')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.returns_text(jsonb)')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.two_arguments(jsonb, bool)')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.a_procedure(jsonb)')$$) \gx
-- a function that does not exist fails in the regprocedure input
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.no_such_function(jsonb)')$$) \gx
SELECT v.section_type, v.validator = 'store_publish.card_errors(jsonb)' AS is_card_errors
  FROM draft_mode.validators AS v ORDER BY v.section_type;

-- validate: the errors of the working content; '{}' when valid
SELECT version FROM draft_mode.create_section('pub', 'card/1', '{"title": "Socks", "price": 4.99}',
                                              section_type => 'card');
SELECT (draft_mode.validate('pub', 'card/1')).errors AS valid;
SELECT version FROM draft_mode.save_draft('pub', 'card/1',
    '{"title": "A title that is far too long for a card", "price": -1.00}', 1);
SELECT (draft_mode.validate('pub', 'card/1')).errors AS two_errors;
-- no section type, or a type without a validator: always '{}'
SELECT (draft_mode.validate('pub', 'banner')).errors AS untyped;
SELECT version FROM draft_mode.create_section('pub', 'teaser', '{}', section_type => 'teaser');
SELECT (draft_mode.validate('pub', 'teaser')).errors AS no_validator;
SELECT * FROM pg_temp.try($$SELECT draft_mode.validate('pub', 'nope')$$) \gx

-- publish of an invalid draft: DM103 listing every error; nothing changes
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'card/1')$$) \gx
SELECT * FROM pg_temp.state('pub', 'card/1');
-- the DETAIL is JSON
SELECT detail::jsonb -> 'errors' ->> 1 AS second_error
  FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'card/1')$$);
-- drafts may be invalid; only publishing checks
SELECT version, changed FROM draft_mode.patch_draft('pub', 'card/1',
    '[{"op": "replace", "path": "/title", "value": ""}]', 2);
SELECT (draft_mode.validate('pub', 'card/1')).errors AS still_two_errors;
SELECT version, changed FROM draft_mode.merge_draft('pub', 'card/1', '{"title": "Warm socks"}', 3);
SELECT (draft_mode.validate('pub', 'card/1')).errors AS one_error;
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'card/1')$$);
SELECT version, changed FROM draft_mode.merge_draft('pub', 'card/1', '{"price": 5.49}', 4);
SELECT (draft_mode.validate('pub', 'card/1')).errors AS valid_again;
SELECT * FROM draft_mode.publish('pub', 'card/1');
SELECT content FROM draft_mode.get_section('pub', 'card/1', 'published');

-- a validator that returns NULL accepts everything
SELECT draft_mode.set_validator('card', 'store_publish.lenient(jsonb)');
SELECT version FROM draft_mode.merge_draft('pub', 'card/1', '{"price": -5}', 6);
SELECT (draft_mode.validate('pub', 'card/1')).errors AS lenient;
SELECT version, kind, changed FROM draft_mode.publish('pub', 'card/1');
-- a validator that raises: its error, and nothing is published
SELECT draft_mode.set_validator('card', 'store_publish.exploding(jsonb)');
SELECT version FROM draft_mode.merge_draft('pub', 'card/1', '{"price": 6}', 8);
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'card/1')$$);
SELECT * FROM pg_temp.state('pub', 'card/1');
-- set_validator replaces the type's validator; remove_validator removes it
-- (true), and then there is nothing to remove (false)
SELECT draft_mode.set_validator('card', 'store_publish.card_errors(jsonb)');
SELECT (draft_mode.validate('pub', 'card/1')).errors AS strict_again;
SELECT draft_mode.remove_validator('card') AS removed;
SELECT draft_mode.remove_validator('card') AS removed_again;
SELECT (draft_mode.validate('pub', 'card/1')).errors AS unchecked;
SELECT version, kind, changed FROM draft_mode.publish('pub', 'card/1');

--
-- publish_many and publish_tenant: all or nothing
--
SELECT draft_mode.set_validator('card', 'store_publish.card_errors(jsonb)');
SELECT count(*) FROM (
    SELECT draft_mode.create_section('multi', name, content, type)
      FROM (VALUES ('a', '{"title": "A", "price": 1.10}'::jsonb, 'card'),
                   ('b', '{"title": "B", "price": 2.20}', 'card'),
                   ('c', '{"title": "C", "price": 3.30}', 'card'),
                   ('d', '{"note": "no draft"}', NULL),
                   ('e', '{"note": "untyped"}', NULL)) AS v(name, content, type)) AS created;
SELECT version FROM draft_mode.create_section('bystander', 'a', '{"title": "Other tenant"}', 'card');
SELECT version FROM draft_mode.merge_draft('bystander', 'a', '{"price": -3}', 1);
SELECT version FROM draft_mode.merge_draft('multi', 'a', '{"price": 1.15}', 1);
SELECT version FROM draft_mode.merge_draft('multi', 'b', '{"price": 2.25}', 1);
SELECT version FROM draft_mode.merge_draft('multi', 'e', '{"note": "edited"}', 1);
SELECT * FROM pg_temp.tenant_state('multi');

-- an unknown section: DM101 naming it, nothing published
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish_many('multi', ARRAY['a', 'zz', 'b'])$$) \gx
SELECT * FROM pg_temp.tenant_state('multi');
-- a section of another tenant is unknown here
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.publish_many('bystander', ARRAY['a', 'b'])$$);
-- NULL array: 22004
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish_many('multi', NULL)$$) \gx

-- one invalid draft: DM103, nothing published; then two invalid drafts:
-- the DETAIL lists every failing section with all its errors
SELECT version FROM draft_mode.merge_draft('multi', 'c',
    '{"title": "A title that is far too long for a card"}', 1);
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish_many('multi', ARRAY['a', 'b', 'c'])$$) \gx
SELECT * FROM pg_temp.tenant_state('multi');
SELECT version FROM draft_mode.merge_draft('multi', 'a', '{"title": null, "price": -1}', 2);
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish_many('multi', ARRAY['c', 'b', 'a'])$$) \gx
SELECT * FROM pg_temp.tenant_state('multi');
-- publish_tenant validates every draft of the tenant the same way
SELECT * FROM pg_temp.try($$SELECT draft_mode.publish_tenant('multi')$$) \gx
SELECT * FROM pg_temp.tenant_state('multi');
-- sections whose drafts are valid still publish one by one
SELECT * FROM draft_mode.publish_many('multi', ARRAY['b']);

-- all valid: every listed section is published, in section order, each
-- once; a listed section without a draft is reported unchanged
SELECT version FROM draft_mode.merge_draft('multi', 'a', '{"title": "A2", "price": 1.20}', 3);
SELECT version FROM draft_mode.merge_draft('multi', 'c', '{"title": "C2"}', 2);
SELECT * FROM draft_mode.publish_many('multi', ARRAY['c', 'd', 'a', 'c']);
SELECT * FROM pg_temp.tenant_state('multi');
-- an empty list publishes nothing
SELECT * FROM draft_mode.publish_many('multi', '{}');

-- publish_tenant: every section of the tenant that has a draft, no other tenant
SELECT version FROM draft_mode.merge_draft('multi', 'b', '{"title": "B2"}', 3);
SELECT * FROM pg_temp.tenant_state('multi');
SELECT * FROM draft_mode.publish_tenant('multi');
SELECT * FROM pg_temp.tenant_state('multi');
SELECT * FROM pg_temp.tenant_state('bystander');
-- nothing left to publish
SELECT * FROM draft_mode.publish_tenant('multi');
SELECT * FROM draft_mode.publish_tenant('no such tenant');
-- the bystander's invalid draft fails only its own tenant's publish
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.publish_tenant('bystander')$$);

-- a validator whose name is overloaded (here by a variant with a default
-- argument) is still the function that was registered
CREATE FUNCTION store_publish.overloaded(content jsonb) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY['from overloaded(jsonb)'] $$;
CREATE FUNCTION store_publish.overloaded(content jsonb, strict bool DEFAULT true) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY['from overloaded(jsonb, bool)'] $$;
SELECT draft_mode.set_validator('card', 'store_publish.overloaded(jsonb)');
SELECT draft_mode.validate('bystander', 'a') AS registered_function_ran;

-- call_validator calls only real validators: any other function, called
-- with a jsonb it does not expect, could crash the backend
SELECT code, message, detail FROM pg_temp.try($$SELECT draft_mode.call_validator('textlen(text)'::regprocedure, '{}')$$);
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.call_validator('array_typanalyze(internal)'::regprocedure, '{}')$$);
-- a set-returning function is no validator either
CREATE FUNCTION store_publish.many_lists(content jsonb) RETURNS SETOF text[]
LANGUAGE sql AS $$ SELECT ARRAY['x'] $$;
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.set_validator('card', 'store_publish.many_lists(jsonb)')$$);

-- a validator dropped after registration: a clear error, not an internal one
CREATE FUNCTION store_publish.dropped(content jsonb) RETURNS text[]
LANGUAGE sql AS $$ SELECT '{}'::text[] $$;
SELECT draft_mode.set_validator('card', 'store_publish.dropped(jsonb)');
DROP FUNCTION store_publish.dropped(jsonb);
SELECT code, message, detail, hint FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$) \gx
SELECT version, has_draft, published_version FROM pg_temp.state('bystander', 'a');
-- validators are stored by name (pg_upgrade keeps no function OIDs): a function created again
-- under the registered name is the validator again
CREATE FUNCTION store_publish.dropped(content jsonb) RETURNS text[]
LANGUAGE sql AS $$ SELECT ARRAY['dropped and created again'] $$;
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$);
DROP FUNCTION store_publish.dropped(jsonb);
-- ... but only when it belongs to the owner it was registered with: a function another role
-- creates under a dropped validator's name would run as that role and see every tenant's content
-- of the type; a function whose owner changed is refused the same way until registered again
CREATE ROLE store_publish_squatter;
GRANT CREATE ON SCHEMA store_publish TO store_publish_squatter;
SET ROLE store_publish_squatter;
CREATE FUNCTION store_publish.dropped(content jsonb) RETURNS text[]
LANGUAGE sql AS $$ SELECT '{}'::text[] $$;
RESET ROLE;
SELECT code, message, detail, hint FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$) \gx
SELECT version, has_draft, published_version FROM pg_temp.state('bystander', 'a');
ALTER FUNCTION store_publish.dropped(jsonb) OWNER TO CURRENT_USER;
SELECT code FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$);
SELECT draft_mode.set_validator('card', 'store_publish.card_errors(jsonb)');
SELECT version FROM draft_mode.merge_draft('bystander', 'a', '{"price": -4}', 3);
ALTER FUNCTION store_publish.card_errors(jsonb) OWNER TO store_publish_squatter;
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$);
ALTER FUNCTION store_publish.card_errors(jsonb) OWNER TO CURRENT_USER;
SELECT code FROM pg_temp.try($$SELECT draft_mode.publish('bystander', 'a')$$);
DROP FUNCTION store_publish.dropped(jsonb);
REVOKE CREATE ON SCHEMA store_publish FROM store_publish_squatter;
DROP ROLE store_publish_squatter;

-- create_section publishes at once, so it validates too
SELECT draft_mode.set_validator('card', 'store_publish.overloaded(jsonb)');
SELECT code, message, detail FROM pg_temp.try($$SELECT draft_mode.create_section('pub', 'invalid-from-the-start', '{}', 'card')$$);
SELECT count(*) AS created FROM draft_mode.sections WHERE tenant = 'pub' AND section = 'invalid-from-the-start';

-- publish_many refuses NULL section names
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.publish_many('multi', ARRAY['a', NULL])$$);

-- names are bounded (index keys and NOTIFY payloads must fit)
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.create_section('pub', repeat('s', 1001), '{}')$$);
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.create_section(repeat('t', 201), 'name', '{}')$$);
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.create_section('', 'name', '{}')$$);

-- Validators may return jsonb with warnings as well as errors: warnings never
-- block a publish, which reports them; validate() returns both.
CREATE FUNCTION store_publish.advise(content jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'errors', CASE WHEN content ? 'title' THEN '[]'::jsonb ELSE '["title is required"]' END,
        'warnings', CASE WHEN content ? 'image' THEN '[]'::jsonb ELSE '["no image: the card will look empty"]' END)
$$;
SELECT draft_mode.set_validator('advised', 'store_publish.advise(jsonb)');
SELECT version, kind, warnings FROM draft_mode.create_section('pub', 'advised', '{"title": "A"}', 'advised');
SELECT version FROM draft_mode.save_draft('pub', 'advised', '{}', 1);
SELECT * FROM draft_mode.validate('pub', 'advised');
SELECT code, message, detail FROM pg_temp.try($$SELECT draft_mode.publish('pub', 'advised')$$);
SELECT version FROM draft_mode.save_draft('pub', 'advised', '{"title": "B"}', 2);
SELECT * FROM draft_mode.validate('pub', 'advised');
SELECT version, kind, warnings FROM draft_mode.publish('pub', 'advised');
SELECT version FROM draft_mode.save_draft('pub', 'advised', '{"title": "C", "image": "c.png"}', 4);
SELECT section, version, kind, warnings FROM draft_mode.publish_many('pub', ARRAY['advised']);
-- A jsonb validator whose result has no usable shape is an error.
CREATE FUNCTION store_publish.confused(content jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT '"fine"'::jsonb
$$;
SELECT draft_mode.set_validator('advised', 'store_publish.confused(jsonb)');
SELECT code, message, detail FROM pg_temp.try($$SELECT draft_mode.validate('pub', 'advised')$$);
SELECT draft_mode.remove_validator('advised');

SELECT draft_mode.remove_validator('card');
SET client_min_messages = warning;
DROP SCHEMA store_publish CASCADE;
RESET client_min_messages;
