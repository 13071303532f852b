-- The section store, part 4: undo and redo.
--
-- The undo and redo stacks live on the server, in the section's row: they
-- survive reconnects (\c below starts a new session before undoing and
-- before redoing), so the helpers live in schema store_undo, not pg_temp:
-- store_undo.try shows an error's SQLSTATE, message, DETAIL and HINT (code
-- 00000 when the statement succeeded); store_undo.state shows everything a
-- call may change. Tenant: 'undo'.

CREATE SCHEMA store_undo;

\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all

--
-- A few steps, by hand
--
SELECT version FROM draft_mode.create_section('undo', 'small', '{"title": "v1", "price": 1.00}');
SHOW draft_mode.undo_steps;
SELECT version FROM draft_mode.merge_draft('undo', 'small', '{"title": "v2"}', 1);
SELECT version FROM draft_mode.patch_draft('undo', 'small',
    '[{"op": "replace", "path": "/price", "value": 1.50}]', 2);
SELECT * FROM pg_temp.state('undo', 'small');
-- each undo is a new version (kind undo) that restores the previous content
SELECT * FROM draft_mode.undo('undo', 'small', 3);
SELECT content FROM draft_mode.get_section('undo', 'small');
SELECT version, kind, forward_patch, inverse_patch FROM draft_mode.history('undo', 'small', 1);
-- back to the published content: no draft
SELECT * FROM draft_mode.undo('undo', 'small', expected_version => 4);
SELECT * FROM pg_temp.state('undo', 'small');
-- nothing left to undo: DM104, nothing changes
SELECT * FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'small', 5)$$) \gx
-- redo re-applies the undone edits, last undone first
SELECT * FROM draft_mode.redo('undo', 'small', 5);
SELECT content FROM draft_mode.get_section('undo', 'small');
SELECT * FROM draft_mode.redo('undo', 'small', 6);
SELECT * FROM pg_temp.state('undo', 'small');
SELECT * FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'small', 7)$$) \gx
-- undoing a redo undoes the redone edit
SELECT * FROM draft_mode.undo('undo', 'small', 7);
SELECT content FROM draft_mode.get_section('undo', 'small');
-- an edit that changes nothing keeps the redo chain
SELECT version, changed FROM draft_mode.merge_draft('undo', 'small', '{"title": "v2"}', 8);
SELECT * FROM draft_mode.redo('undo', 'small', 8);
SELECT version FROM draft_mode.undo('undo', 'small', 9);
-- a new edit after undo clears the redo chain: redo is DM104
SELECT version FROM draft_mode.merge_draft('undo', 'small', '{"title": "v3"}', 10);
SELECT * FROM pg_temp.state('undo', 'small');
SELECT * FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'small', 11)$$) \gx
SELECT * FROM pg_temp.state('undo', 'small');
-- stale and NULL expected_version, unknown section
SELECT * FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'small', 10)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'small', 12)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'small', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'small', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'nope', 1)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'nope', 1)$$) \gx
SELECT * FROM pg_temp.state('undo', 'small');

-- undo after publish: the working content steps back and becomes a draft;
-- the published content stays as published
SELECT version, published_version FROM draft_mode.publish('undo', 'small');
SELECT * FROM draft_mode.undo('undo', 'small', 12);
SELECT content, has_draft, published_version FROM draft_mode.get_section('undo', 'small');
SELECT content FROM draft_mode.get_section('undo', 'small', 'published');
-- undo of a restore, and of a discard
SELECT version FROM draft_mode.restore('undo', 'small', 1, 13);
SELECT version FROM draft_mode.discard('undo', 'small');
SELECT content, has_draft FROM draft_mode.get_section('undo', 'small');
SELECT version, kind FROM draft_mode.undo('undo', 'small', 15);
SELECT content, has_draft FROM draft_mode.get_section('undo', 'small');
SELECT version, kind FROM draft_mode.undo('undo', 'small', 16);
SELECT content, has_draft FROM draft_mode.get_section('undo', 'small');
SELECT version, kind FROM draft_mode.redo('undo', 'small', 17);
SELECT version, kind FROM draft_mode.redo('undo', 'small', 18);
SELECT * FROM pg_temp.state('undo', 'small');

--
-- 60 edits, then 60 undos in a new session, then 60 redos in another
--
-- The working content after each edit, kept in a table so the next sessions
-- can compare.
CREATE TABLE store_undo.seen (version int8 PRIMARY KEY, content jsonb NOT NULL);
SELECT version FROM draft_mode.create_section('undo', 'deep',
    '{"title": "Storefront", "items": [{"sku": "a-0", "price": 10.00}], "counter": 0}');
INSERT INTO store_undo.seen SELECT version, content FROM draft_mode.get_section('undo', 'deep');
-- Edits cycle through patch, merge and save; each changes the counter and
-- adds, reprices or removes an item.
DO $$
DECLARE
    current jsonb;
    current_version int8 := 1;
BEGIN
    FOR k IN 1..60 LOOP
        IF k % 3 = 1 THEN
            current_version := (draft_mode.patch_draft('undo', 'deep', jsonb_build_array(
                jsonb_build_object('op', 'replace', 'path', '/counter', 'value', k),
                jsonb_build_object('op', 'add', 'path', '/items/-', 'value',
                    jsonb_build_object('sku', 'a-' || k, 'price', (k * 1.25)::numeric(8, 2)))),
                current_version)).version;
        ELSIF k % 3 = 2 THEN
            current_version := (draft_mode.merge_draft('undo', 'deep',
                jsonb_build_object('counter', k, 'note', CASE WHEN k % 2 = 0 THEN 'even' END),
                current_version)).version;
        ELSE
            SELECT g.content INTO current FROM draft_mode.get_section('undo', 'deep') AS g;
            current := jsonb_set(current, '{counter}', to_jsonb(k));
            current := jsonb_set(current, '{items,0,price}', to_jsonb((k * 0.10)::numeric(8, 2)));
            IF jsonb_array_length(current -> 'items') > 3 THEN
                current := current #- '{items,1}';
            END IF;
            current_version := (draft_mode.save_draft('undo', 'deep', current, current_version)).version;
        END IF;
        INSERT INTO store_undo.seen SELECT g.version, g.content
          FROM draft_mode.get_section('undo', 'deep') AS g;
    END LOOP;
END
$$;
SELECT count(*) AS versions, max(version) AS last FROM store_undo.seen;
SELECT content FROM draft_mode.get_section('undo', 'deep');
SELECT cardinality(undo) AS undo_depth, redo FROM pg_temp.state('undo', 'deep');

\c
\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all
-- a new session: the stacks are still there
SELECT version, cardinality(undo_versions) AS undo_depth FROM draft_mode.sections
 WHERE tenant = 'undo' AND section = 'deep';
CREATE TEMPORARY TABLE undone (step int, version int8, content_ok bool);
DO $$
DECLARE
    current_version int8 := 61;
BEGIN
    FOR step IN 1..60 LOOP
        current_version := (draft_mode.undo('undo', 'deep', current_version)).version;
        -- undo number step brings back the content of version 61 - step
        INSERT INTO undone
        SELECT step, current_version, g.content = s.content
          FROM draft_mode.get_section('undo', 'deep') AS g, store_undo.seen AS s
         WHERE s.version = 61 - step;
    END LOOP;
END
$$;
SELECT count(*) AS undos, count(*) FILTER (WHERE content_ok) AS content_ok,
       min(version), max(version)
  FROM undone;
-- back at the original: the draft is gone (it equals the published content)
SELECT content, version, has_draft, published_version
  FROM draft_mode.get_section('undo', 'deep');
SELECT cardinality(undo) AS undo_depth, cardinality(redo) AS redo_depth
  FROM pg_temp.state('undo', 'deep');
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'deep', 121)$$);
-- history holds 60 undo rows
SELECT kind, count(*) FROM draft_mode.history WHERE tenant = 'undo' AND section = 'deep'
 GROUP BY kind ORDER BY kind;

\c
\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all
CREATE TEMPORARY TABLE redone (step int, version int8, content_ok bool);
DO $$
DECLARE
    current_version int8 := 121;
BEGIN
    FOR step IN 1..60 LOOP
        current_version := (draft_mode.redo('undo', 'deep', current_version)).version;
        -- redo number step brings back the content of version 1 + step
        INSERT INTO redone
        SELECT step, current_version, g.content = s.content
          FROM draft_mode.get_section('undo', 'deep') AS g, store_undo.seen AS s
         WHERE s.version = 1 + step;
    END LOOP;
END
$$;
SELECT count(*) AS redos, count(*) FILTER (WHERE content_ok) AS content_ok,
       min(version), max(version)
  FROM redone;
SELECT (SELECT content FROM draft_mode.get_section('undo', 'deep'))
       = (SELECT content FROM store_undo.seen WHERE version = 61) AS same_as_after_edit_60;
SELECT version, has_draft FROM draft_mode.get_section('undo', 'deep');
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.redo('undo', 'deep', 181)$$);
-- every version of the whole sequence can still be rebuilt
SELECT count(*) AS versions_checked
  FROM store_undo.seen AS s
 WHERE draft_mode.content_at('undo', 'deep', s.version) = s.content;
SELECT bool_and(draft_mode.content_at('undo', 'deep', 61 + u.step) = s.content)
       AS undo_versions_rebuilt
  FROM generate_series(1, 60) AS u(step)
  JOIN store_undo.seen AS s ON s.version = 61 - u.step;

--
-- draft_mode.undo_steps bounds the undo stack
--
-- The default of 100: 105 edits, 100 undos, then DM104.
SELECT version FROM draft_mode.create_section('undo', 'hundred', '{"n": 0}');
DO $$
BEGIN
    FOR k IN 1..105 LOOP
        PERFORM draft_mode.merge_draft('undo', 'hundred', jsonb_build_object('n', k), k);
    END LOOP;
END
$$;
SELECT version, cardinality(undo) AS undo_depth, undo[1] AS oldest_undoable
  FROM pg_temp.state('undo', 'hundred');
DO $$
BEGIN
    FOR step IN 1..100 LOOP
        PERFORM draft_mode.undo('undo', 'hundred', 105 + step);
    END LOOP;
END
$$;
SELECT content, version FROM draft_mode.get_section('undo', 'hundred');
SELECT code, message, hint FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'hundred', 206)$$) \gx
-- a small setting: only the last 3 edits can be undone
SET draft_mode.undo_steps = 3;
SELECT version FROM draft_mode.create_section('undo', 'three', '{"n": 0}');
DO $$
BEGIN
    FOR k IN 1..5 LOOP
        PERFORM draft_mode.merge_draft('undo', 'three', jsonb_build_object('n', k), k);
    END LOOP;
END
$$;
SELECT version, draft, undo, redo FROM pg_temp.state('undo', 'three');
SELECT version FROM draft_mode.undo('undo', 'three', 6);
SELECT version FROM draft_mode.undo('undo', 'three', 7);
SELECT version FROM draft_mode.undo('undo', 'three', 8);
SELECT content FROM draft_mode.get_section('undo', 'three');
SELECT code, message FROM pg_temp.try($$SELECT draft_mode.undo('undo', 'three', 9)$$);
RESET draft_mode.undo_steps;

SET client_min_messages = warning;
DROP SCHEMA store_undo CASCADE;
RESET client_min_messages;
