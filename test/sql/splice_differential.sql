-- Differential test of jsonb_patch's binary path (splicing jsonb, the
-- product path) against the engine's tree path (convert, apply_patch, write
-- back), declared here from the library's test-only entry point
-- draft_mode_jsonb_patch_tree. Random documents and random patches (valid,
-- failing and malformed operations, pointers with ~0 and ~1, '-', leading
-- zeros, out-of-range and huge indexes, paths through scalars), generated
-- with a fixed seed, must give byte-identical results, or the same error:
-- SQLSTATE, message, DETAIL and HINT. Part of the cases run under tight
-- limits (max_depth, max_document_size, max_patch_operations) so that the
-- limit errors and their order are compared too. Every result is also
-- compared with PostgreSQL's own encoding of its text.
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

SELECT plan(6);

CREATE FUNCTION pg_temp.tree_patch(doc jsonb, patch jsonb) RETURNS jsonb
    AS 'draft_mode', 'draft_mode_jsonb_patch_tree' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.jsonb_bytes(value jsonb) RETURNS bytea
    AS 'draft_mode', 'draft_mode_jsonb_bytes' LANGUAGE C STRICT;

-- What one implementation does: the result's bytes, or the error.
CREATE FUNCTION pg_temp.outcome(tree boolean, doc jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
    state text;
    message text;
    detail text;
    hint text;
BEGIN
    IF tree THEN
        result := pg_temp.tree_patch(doc, patch);
    ELSE
        result := draft_mode.jsonb_patch(doc, patch);
    END IF;
    RETURN jsonb_build_object('bytes', encode(pg_temp.jsonb_bytes(result), 'hex'),
                              'canonical', pg_temp.jsonb_bytes(result) = pg_temp.jsonb_bytes(result::text::jsonb));
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN jsonb_build_object('sqlstate', state, 'message', message, 'detail', detail, 'hint', hint);
END
$$;

-- One element of a JSON array, at random.
CREATE FUNCTION pg_temp.pick(options jsonb) RETURNS jsonb
LANGUAGE sql AS $$ SELECT options -> floor(random() * jsonb_array_length(options))::int $$;

-- A random value nesting at most depth levels.
CREATE FUNCTION pg_temp.random_value(depth int) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r float8 := random();
    result jsonb;
BEGIN
    IF depth <= 0 OR r < 0.45 THEN
        RETURN pg_temp.pick('[null, true, false, 0, 1, 1.0, 1.50, -2, 19.90, 1e3, 12345678901234567890.123,
                              0.000001, -0.0, "", "a", "x/y", "t~0", "~1", "long string value",
                              "1", "19.90"]');
    END IF;
    IF r < 0.72 THEN
        result := '[]';
        FOR i IN 1 .. floor(random() * 6)::int LOOP
            result := result || jsonb_build_array(pg_temp.random_value(depth - 1));
        END LOOP;
        RETURN result;
    END IF;
    result := '{}';
    FOR i IN 1 .. floor(random() * 6)::int LOOP
        result := result || jsonb_build_object(
            pg_temp.pick('["a", "b", "c", "ab", "~", "/", "a/b", "~1", "", "key with space", "zz", "0"]') #>> '{}',
            pg_temp.random_value(depth - 1));
    END LOOP;
    RETURN result;
END
$$;

-- A random pointer into doc: mostly existing locations, sometimes a new
-- member, '-', a leading zero, an index at or past the end, a huge index,
-- a token under a scalar; rarely a malformed pointer. Not noisy: an
-- existing location only.
CREATE FUNCTION pg_temp.random_pointer(doc jsonb, noisy boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    current jsonb := doc;
    path text := '';
    token text;
    keys text[];
    n int;
    r float8;
BEGIN
    r := random();
    IF noisy AND r < 0.04 THEN
        RETURN pg_temp.pick('["a", "/~2", "/a~", "~0"]') #>> '{}';
    END IF;
    LOOP
        EXIT WHEN current IS NULL OR random() < 0.3;
        IF jsonb_typeof(current) = 'object' THEN
            SELECT array_agg(k) INTO keys FROM jsonb_object_keys(current) AS k;
            EXIT WHEN NOT noisy AND keys IS NULL;
            IF keys IS NULL OR (noisy AND random() < 0.3) THEN
                token := pg_temp.pick('["a", "new", "~", "/", "zz", "", "0"]') #>> '{}';
            ELSE
                token := keys[1 + floor(random() * array_length(keys, 1))::int];
            END IF;
            current := current -> token;
        ELSIF jsonb_typeof(current) = 'array' THEN
            n := jsonb_array_length(current);
            EXIT WHEN NOT noisy AND n = 0;
            r := CASE WHEN noisy THEN random() ELSE 1 END;
            token := CASE WHEN r < 0.08 THEN '-'
                          WHEN r < 0.12 THEN '01'
                          WHEN r < 0.18 THEN n::text
                          WHEN r < 0.20 THEN '99999999999999999999999'
                          WHEN r < 0.23 THEN 'x'
                          ELSE floor(random() * greatest(n, 1))::text END;
            current := CASE WHEN token ~ '^(0|[1-9][0-9]{0,8})$' THEN current -> token::int END;
        ELSE
            EXIT WHEN NOT noisy OR random() < 0.5;
            token := 'x';
            current := NULL;
        END IF;
        path := path || '/' || replace(replace(token, '~', '~0'), '/', '~1');
    END LOOP;
    RETURN path;
END
$$;

-- A random operation against doc; about 5% malformed ones, and the
-- pointers of a third of them noisy.
CREATE FUNCTION pg_temp.random_operation(doc jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    op text;
    operation jsonb;
    current jsonb;
    noisy boolean := random() < 0.33;
BEGIN
    IF random() < 0.05 THEN
        RETURN pg_temp.pick($p$["not an object", 7, [], null,
            {"path": "/a"}, {"op": 1, "path": ""}, {"op": "bogus", "path": ""},
            {"op": "add", "path": 5, "value": 1}, {"op": "add", "path": "a", "value": 1},
            {"op": "add", "path": "/~2", "value": 1}, {"op": "add", "path": "/a"},
            {"op": "move", "path": "/a"}, {"op": "copy", "from": 3, "path": "/a"},
            {"op": "copy", "from": "b", "path": "/a"}, {"op": "remove", "path": ""},
            {"op": "move", "from": "/a", "path": "/a/b"}, {"op": "move", "from": "", "path": "/a"},
            {"op": "test", "path": "", "value": null}, {"op": "replace", "path": ""}]$p$);
    END IF;
    op := pg_temp.pick('["add", "add", "remove", "replace", "replace", "move", "copy", "test", "test"]') #>> '{}';
    operation := jsonb_build_object('op', op, 'path', pg_temp.random_pointer(doc, noisy));
    IF op IN ('move', 'copy') THEN
        operation := operation || jsonb_build_object('from', pg_temp.random_pointer(doc, noisy));
    END IF;
    IF op IN ('add', 'replace') THEN
        operation := operation || jsonb_build_object('value', pg_temp.random_value(3));
    ELSIF op = 'test' THEN
        BEGIN
            current := draft_mode.jsonb_pointer_get(doc, operation ->> 'path');
        EXCEPTION WHEN OTHERS THEN
            current := NULL;
        END;
        -- A test that passes needs the value there (numbers equal by value).
        IF current IS NULL OR random() < 0.15 THEN
            current := pg_temp.random_value(2);
        END IF;
        operation := operation || jsonb_build_object('value', current);
    END IF;
    RETURN operation;
END
$$;

-- A random patch of one to five operations, each generated against the
-- document as the operations before it left it (so that later operations
-- edit, copy, move and test containers that earlier ones changed); rarely
-- not an array.
CREATE FUNCTION pg_temp.random_patch(doc jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    patch jsonb := '[]';
    operation jsonb;
BEGIN
    IF random() < 0.02 THEN
        RETURN pg_temp.pick('[{"op": "add", "path": "", "value": 1}, "patch", 3, null, []]');
    END IF;
    FOR i IN 1 .. 1 + floor(random() * 5)::int LOOP
        operation := pg_temp.random_operation(doc);
        patch := patch || jsonb_build_array(operation);
        BEGIN
            doc := pg_temp.tree_patch(doc, jsonb_build_array(operation));
        EXCEPTION WHEN OTHERS THEN
            NULL; -- a failing operation: the patch fails there, later ones are never run
        END;
    END LOOP;
    RETURN patch;
END
$$;

SELECT setseed(0.1406);

CREATE TEMP TABLE cases ON COMMIT DROP AS
SELECT n, doc, pg_temp.random_patch(doc) AS patch
  FROM (SELECT n, CASE WHEN random() < 0.05 THEN pg_temp.random_value(0)
                       ELSE pg_temp.random_value(5) END AS doc
          FROM generate_series(1, 4000) AS n) AS documents;

CREATE TEMP TABLE outcomes ON COMMIT DROP AS
SELECT n, doc, patch, pg_temp.outcome(false, doc, patch) AS splice, pg_temp.outcome(true, doc, patch) AS tree
  FROM cases;

SELECT is((SELECT count(*) FROM outcomes WHERE splice IS DISTINCT FROM tree), 0::bigint,
          'default limits: the binary path and the tree engine agree byte for byte, errors included');
-- Show the first few disagreements, if any.
SELECT diag(format('doc %s patch %s: splice %s, tree %s', doc, patch, splice, tree))
  FROM outcomes WHERE splice IS DISTINCT FROM tree ORDER BY n LIMIT 5;
SELECT ok((SELECT bool_and((splice ->> 'canonical')::boolean) FROM outcomes WHERE splice ? 'bytes'),
          'every spliced result is byte-identical to PostgreSQL''s encoding of its text');
SELECT cmp_ok((SELECT count(*) FROM outcomes WHERE splice ? 'bytes'), '>', 1000::bigint,
              'many cases succeed (the generator is not all errors)');
SELECT cmp_ok((SELECT count(DISTINCT splice ->> 'detail') FROM outcomes WHERE splice ? 'sqlstate'), '>', 20::bigint,
              'many distinct errors are compared');

-- The same under tight limits: depth, size and operation count refusals
-- (of the patch, of the document, and of results) in their order.
SET LOCAL draft_mode.max_depth = 3;
SET LOCAL draft_mode.max_document_size = '1kB';
SET LOCAL draft_mode.max_patch_operations = 4;
-- Besides random cases, inputs past two limits at once: which error comes
-- first follows the order in which the tree conversion meets them.
INSERT INTO cases
SELECT 10000 + row_number() OVER (), doc::jsonb, patch::jsonb
  FROM (VALUES ('{"a": [[[[1]]]], "' || repeat('k', 900) || '": 1}', '[]'),
               ('{"' || repeat('a', 450) || '": 1, "' || repeat('b', 450) || '": [[[[1]]]]}', '[]'),
               ('{"' || repeat('a', 450) || '": [[[[1]]]], "' || repeat('b', 450) || '": 1}', '[]'),
               ('[' || repeat('1.5,', 40) || '[[[[1]]]]]', '[]'),
               ('[[[[1]]], ' || repeat('"abcdefgh", ', 40) || '0]', '[]'),
               ('{"a": 1}', '[{"op": "add", "path": "/b", "value": [[[[1]]]]}, ' || repeat('{"op": "test", "path": "/a", "value": 1}, ', 30) || '{"op": "test", "path": "/a", "value": 1}]'),
               ('{"a": 1}', '[{"op": "add", "path": "/b", "value": [[[[[[1]]]]]]}]'),
               ('{"a": 1}', '[{"op": "add", "path": "/b", "value": "' || repeat('v', 1100) || '"}]'),
               ('{"a": 1e-300}', '[{"op": "copy", "from": "/a", "path": "/b"}, {"op": "copy", "from": "/a", "path": "/c"}, {"op": "copy", "from": "/a", "path": "/d"}]'),
               ('{"a": [1, 2]}', '[{"op": "copy", "from": "/a", "path": "/a/-"}, {"op": "copy", "from": "/a", "path": "/a/-"}, {"op": "copy", "from": "/a", "path": "/a/0"}]'))
       AS crafted(doc, patch);
CREATE TEMP TABLE tight ON COMMIT DROP AS
SELECT n, doc, patch, pg_temp.outcome(false, doc, patch) AS splice, pg_temp.outcome(true, doc, patch) AS tree
  FROM cases WHERE n <= 1500 OR n > 10000;
SELECT is((SELECT count(*) FROM tight WHERE splice IS DISTINCT FROM tree), 0::bigint,
          'tight limits: the binary path and the tree engine agree byte for byte, errors included');
SELECT diag(format('doc %s patch %s: splice %s, tree %s', doc, patch, splice, tree))
  FROM tight WHERE splice IS DISTINCT FROM tree ORDER BY n LIMIT 5;
SELECT cmp_ok((SELECT count(*) FROM tight WHERE splice ->> 'sqlstate' = '54000'), '>', 100::bigint,
              'tight limits: many limit errors are compared');

SELECT * FROM finish();
ROLLBACK;
