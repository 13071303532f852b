-- A hostile search_path never reaches draft_mode: schema evil shadows the
-- builtins and tables draft_mode uses (functions, an operator, tables named
-- like ours), each recording any call in evil.calls. With evil searched
-- before pg_catalog, the whole store flow runs, the extension is reinstalled,
-- and evil.calls stays empty. A positive control first shows the trap works.
CREATE SCHEMA evil;
CREATE TABLE evil.calls (what text);
CREATE TABLE evil.sections (tenant text, section text, version int8);
CREATE TABLE evil.history (tenant text, section text, version int8);
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('now'); SELECT pg_catalog.now() $$;
CREATE FUNCTION evil.current_setting(text, boolean) RETURNS text LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('current_setting'); SELECT pg_catalog.current_setting($1, $2) $$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('current_setting'); SELECT pg_catalog.current_setting($1) $$;
CREATE FUNCTION evil.pg_has_role(name, text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('pg_has_role'); SELECT true $$;
CREATE FUNCTION evil.pg_notify(text, text) RETURNS void LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('pg_notify') $$;
CREATE FUNCTION evil.octet_length(text) RETURNS int LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('octet_length'); SELECT 0 $$;
CREATE FUNCTION evil.cardinality(anyarray) RETURNS int LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('cardinality'); SELECT 0 $$;
CREATE FUNCTION evil.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('jsonb_build_object'); SELECT '{}'::jsonb $$;
CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('='); SELECT $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
CREATE FUNCTION evil.check_tenant(text) RETURNS void LANGUAGE sql
    AS $$ INSERT INTO evil.calls VALUES ('check_tenant') $$;

-- positive control: with evil first, an unqualified call is caught
SET search_path = evil, pg_catalog, public;
SELECT now() IS NOT NULL AS caught, 'a' = 'a' AS also_caught;
RESET search_path;
SELECT what FROM evil.calls ORDER BY what;
TRUNCATE evil.calls;

-- the whole store flow under the hostile search_path
SET search_path = evil, pg_catalog, public;
SET draft_mode.actor = 'hijack-test';
SELECT version FROM draft_mode.create_section('hijack', 'page', '{"title": "v1"}');
SELECT version FROM draft_mode.create_section('hijack', 'other', '{"title": "o1"}');
SELECT version FROM draft_mode.patch_draft('hijack', 'page', '[{"op": "replace", "path": "/title", "value": "v2"}]', 1);
SELECT version FROM draft_mode.merge_draft('hijack', 'page', '{"subtitle": "s"}', 2);
SELECT version FROM draft_mode.save_draft('hijack', 'other', '{"title": "o2"}', 1);
SELECT version FROM draft_mode.undo('hijack', 'page', 3);
SELECT version FROM draft_mode.redo('hijack', 'page', 4);
SELECT version, changed FROM draft_mode.publish('hijack', 'page');
SELECT section, version FROM draft_mode.publish_many('hijack', ARRAY['other']);
SELECT version FROM draft_mode.restore('hijack', 'page', 2, 6);
SELECT version FROM draft_mode.discard('hijack', 'page');
SELECT count(*) FROM draft_mode.history('hijack', 'page');
SELECT draft_mode.content_at('hijack', 'page', 2);
SELECT * FROM draft_mode.validate('hijack', 'page');
SELECT content, version FROM draft_mode.get_section('hijack', 'page');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "/a", "value": 2}]');
SELECT draft_mode.jsonb_diff('{"a": 1}', '{"a": 2}');
DO $$ DECLARE summary jsonb; BEGIN CALL draft_mode.run_maintenance(true, false, summary); END $$;
RESET search_path;
RESET draft_mode.actor;
SELECT count(*) AS hijacked_calls FROM evil.calls;

-- reinstalling under the hostile search_path
DROP EXTENSION draft_mode CASCADE;
SET search_path = evil, pg_catalog, public;
CREATE EXTENSION draft_mode;
SELECT version FROM draft_mode.create_section('hijack', 'page', '{"title": "again"}');
SELECT version FROM draft_mode.patch_draft('hijack', 'page', '[{"op": "replace", "path": "/title", "value": "again 2"}]', 1);
RESET search_path;
SELECT count(*) AS hijacked_calls FROM evil.calls;
SELECT extnamespace::regnamespace AS schema FROM pg_extension WHERE extname = 'draft_mode';

DROP SCHEMA evil CASCADE;
