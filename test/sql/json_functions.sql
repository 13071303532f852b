-- pgTAP tests of the JSON functions: catalog properties, one error of each
-- SQLSTATE class (message, DETAIL, HINT), representative results, and cancel
-- latency. pgTAP inside pg_regress, in a database where pgtap and draft_mode
-- may or may not be installed yet; everything is rolled back.
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

SELECT plan(67);

--
-- Catalog: signatures, argument names, language, volatility, strictness, parallel safety
--
CREATE TEMP TABLE json_function (name text, args name[], arg_names text[]) ON COMMIT DROP;
INSERT INTO json_function VALUES
    ('jsonb_patch', ARRAY['jsonb', 'jsonb'], ARRAY['doc', 'patch']),
    ('jsonb_merge_patch', ARRAY['jsonb', 'jsonb'], ARRAY['doc', 'patch']),
    ('jsonb_diff', ARRAY['jsonb', 'jsonb'], ARRAY['source', 'target']),
    ('jsonb_pointer_get', ARRAY['jsonb', 'text'], ARRAY['doc', 'pointer']);

SELECT has_function('draft_mode', name, args, format('draft_mode.%s(%s) exists', name, array_to_string(args, ', ')))
  FROM json_function ORDER BY name;
SELECT function_returns('draft_mode', name, args, 'jsonb', format('draft_mode.%s returns jsonb', name))
  FROM json_function ORDER BY name;
SELECT function_lang_is('draft_mode', name, args, 'c', format('draft_mode.%s is written in C', name))
  FROM json_function ORDER BY name;
SELECT volatility_is('draft_mode', name, args, 'immutable', format('draft_mode.%s is IMMUTABLE', name))
  FROM json_function ORDER BY name;
SELECT is_strict('draft_mode', name, args, format('draft_mode.%s is STRICT', name))
  FROM json_function ORDER BY name;
SELECT is(p.proparallel::text, 's', format('draft_mode.%s is PARALLEL SAFE', f.name))
  FROM json_function f
  JOIN pg_proc p ON p.oid = format('draft_mode.%s(%s)', f.name, array_to_string(f.args, ','))::regprocedure
 ORDER BY f.name;
SELECT is(p.proargnames, f.arg_names, format('draft_mode.%s takes named arguments %s', f.name, f.arg_names))
  FROM json_function f
  JOIN pg_proc p ON p.oid = format('draft_mode.%s(%s)', f.name, array_to_string(f.args, ','))::regprocedure
 ORDER BY f.name;

-- a STRICT function returns NULL for a NULL argument
SELECT ok(draft_mode.jsonb_patch(NULL, '[]') IS NULL AND draft_mode.jsonb_patch('{}', NULL) IS NULL
          AND draft_mode.jsonb_merge_patch(NULL, '{}') IS NULL AND draft_mode.jsonb_diff('{}', NULL) IS NULL
          AND draft_mode.jsonb_pointer_get('{}', NULL) IS NULL,
          'NULL arguments give NULL results');

--
-- Errors: SQLSTATE and message (throws_ok), then DETAIL and HINT
--
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{}', '{"op": "add"}')$$,
                 'DM001', 'patch must be a JSON array, not object',
                 'DM001: a patch that is not an array');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{}', '[{"op": "rename", "path": "/a"}]')$$,
                 'DM001', 'unknown op "rename" in patch operation 0',
                 'DM001: an unknown op');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{}', '[{"op": "add", "path": "/a"}]')$$,
                 'DM001', 'missing member "value" in patch operation 0 (add at "/a")',
                 'DM001: an add without value');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{"a": {}}', '[{"op": "move", "from": "/a", "path": "/a/b"}]')$$,
                 'DM001', 'cannot move a value into one of its own children in patch operation 0 (move from "/a" to "/a/b")',
                 'DM001: a move into its own child');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "a"}]')$$,
                 'DM002', 'invalid JSON pointer in member "path" in patch operation 0 (remove at "a")',
                 'DM002: a path without the leading slash');
SELECT throws_ok($$SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '/~2')$$,
                 'DM002', 'invalid JSON pointer "/~2"',
                 'DM002: jsonb_pointer_get with a bad escape');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/b"}]')$$,
                 'DM003', 'location does not exist in patch operation 0 (remove at "/b")',
                 'DM003: a missing member');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('[1, 2]', '[{"op": "add", "path": "/3", "value": 0}]')$$,
                 'DM003', 'location does not exist in patch operation 0 (add at "/3")',
                 'DM003: an index past the end');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{"a": null}', '[{"op": "add", "path": "/a/b", "value": 0}]')$$,
                 'DM003', 'location is inside a scalar value in patch operation 0 (add at "/a/b")',
                 'DM003: an add under a null parent');
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('{"v": 2}', '[{"op": "test", "path": "/v", "value": 1}]')$$,
                 'DM004', 'test failed in patch operation 0 (test at "/v")',
                 'DM004: a failed test');
SET LOCAL draft_mode.max_depth = 3;
SELECT throws_ok($$SELECT draft_mode.jsonb_diff('[[[[]]]]', '[]')$$,
                 '54000', 'document nesting exceeds the limit of 3 levels',
                 '54000: a document deeper than draft_mode.max_depth');
RESET draft_mode.max_depth;
SET LOCAL draft_mode.max_patch_operations = 1;
SELECT throws_ok($$SELECT draft_mode.jsonb_patch('[]', '[{"op": "add", "path": "/-", "value": 1}, {"op": "add", "path": "/-", "value": 2}]')$$,
                 '54000', 'patch has 2 operations, more than the limit of 1',
                 '54000: more operations than draft_mode.max_patch_operations');
RESET draft_mode.max_patch_operations;
SET LOCAL draft_mode.max_document_size = '1kB';
SELECT throws_ok($$SELECT draft_mode.jsonb_patch(jsonb_build_object('t', repeat('x', 600)), '[{"op": "copy", "from": "/t", "path": "/u"}]')$$,
                 '54000', 'result would exceed the document size limit of 1024 bytes in patch operation 0 (copy from "/t" to "/u")',
                 '54000: a result larger than draft_mode.max_document_size');
RESET draft_mode.max_document_size;
SELECT lives_ok($$SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/a", "value": 1}]')$$,
                'the next statement runs after the errors');

-- The error a statement raises, as {"sqlstate", "message", "detail", "hint"}
-- with the DETAIL parsed as JSON.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN jsonb_build_object('sqlstate', state, 'message', message,
                              'detail', nullif(detail, '')::jsonb, 'hint', nullif(hint, ''));
END
$$;

SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_patch('{}', '{"op": "add"}')$$) - 'message',
          '{"sqlstate": "DM001", "detail": {"reason": "patch_not_array"},
            "hint": "A patch is a JSON array of operation objects, as RFC 6902 defines."}',
          'DM001: DETAIL and HINT');
SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_patch('{}', '[{"op": "copy", "from": "/~", "path": "/b"}]')$$) - 'message',
          '{"sqlstate": "DM002",
            "detail": {"operation": 0, "op": "copy", "from": "/~", "path": "/b", "pointer": "from", "reason": "bad_escape"},
            "hint": "A JSON pointer is empty or starts with \"/\"; escape \"~\" as \"~0\" and \"/\" as \"~1\"."}',
          'DM002: DETAIL and HINT');
SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_pointer_get('{}', 'x')$$) - 'message',
          '{"sqlstate": "DM002", "detail": {"pointer": "x", "reason": "must_start_with_slash"},
            "hint": "A JSON pointer is empty or starts with \"/\"; escape \"~\" as \"~0\" and \"/\" as \"~1\"."}',
          'DM002 from jsonb_pointer_get: DETAIL and HINT');
SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_patch('{"a": [1]}', '[{"op": "test", "path": "/a/0", "value": 1},
                                                                        {"op": "move", "from": "/a/01", "path": "/b"}]')$$) - 'message',
          '{"sqlstate": "DM003",
            "detail": {"operation": 1, "op": "move", "from": "/a/01", "path": "/b", "pointer": "from", "reason": "invalid_index"},
            "hint": "Read the current document and rebuild the patch against it."}',
          'DM003: DETAIL names the operation, its pointers and the one at fault');
SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_patch('{"v": 2}', '[{"op": "test", "path": "/v", "value": 1}]')$$) - 'message',
          '{"sqlstate": "DM004", "detail": {"operation": 0, "op": "test", "path": "/v", "reason": "value_differs"},
            "hint": "The document no longer matches the patch''s \"test\" operation; re-read it."}',
          'DM004: DETAIL and HINT');
SELECT is(pg_temp.error_of($$SELECT draft_mode.jsonb_patch('{}', (SELECT jsonb_agg('{"op": "test", "path": "", "value": {}}'::jsonb)
                                                                   FROM generate_series(1, 10001)))$$) - 'message',
          '{"sqlstate": "54000", "detail": {"limit": "max_patch_operations", "value": 10000},
            "hint": "See the draft_mode.max_depth, draft_mode.max_patch_operations and draft_mode.max_document_size settings (superuser only)."}',
          '54000: DETAIL names the limit and its value');

--
-- Representative results
--
SELECT is(draft_mode.jsonb_patch('{"title": "Hello", "tags": ["a"]}',
                                 '[{"op": "replace", "path": "/title", "value": "Hi"},
                                   {"op": "add", "path": "/tags/-", "value": "b"},
                                   {"op": "add", "path": "/tags/0", "value": "first"},
                                   {"op": "copy", "from": "/title", "path": "/subtitle"},
                                   {"op": "move", "from": "/subtitle", "path": "/heading"},
                                   {"op": "remove", "path": "/tags/1"},
                                   {"op": "test", "path": "/tags", "value": ["first", "b"]}]'),
          '{"title": "Hi", "heading": "Hi", "tags": ["first", "b"]}',
          'jsonb_patch applies every op in order');
SELECT is(draft_mode.jsonb_patch('{"~1": 10, "/": 9}', '[{"op": "test", "path": "/~01", "value": 10}]'),
          '{"~1": 10, "/": 9}', 'jsonb_patch unescapes ~01 to ~1 (RFC 6902 A.14)');
SELECT is(draft_mode.jsonb_patch('{"n": 1e2}', '[{"op": "test", "path": "/n", "value": 100.00}]'),
          '{"n": 100}', 'a test compares numbers by value');
SELECT is(draft_mode.jsonb_patch('{"p": 19.90, "q": 0.1000000000000000000001}',
                                 '[{"op": "move", "from": "/p", "path": "/r"}]')::text,
          '{"q": 0.1000000000000000000001, "r": 19.90}',
          'numbers keep their exact text, moved and untouched');
SELECT is(draft_mode.jsonb_merge_patch(
              '{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"}',
              '{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}'),
          '{"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}',
          'jsonb_merge_patch: the RFC 7396 section 3 example');
SELECT is(draft_mode.jsonb_merge_patch('{"a": [1, 2]}', '{"a": [null, 3], "b": null}'),
          '{"a": [null, 3]}', 'jsonb_merge_patch keeps nulls inside arrays');
SELECT is(draft_mode.jsonb_merge_patch('{"a": 1}', '["x"]'),
          '["x"]', 'jsonb_merge_patch: a patch that is not an object replaces the document');
SELECT is(draft_mode.jsonb_diff('{"title": "old", "body": "same"}', '{"title": "new", "body": "same"}'),
          '[{"op": "replace", "path": "/title", "value": "new"}]', 'jsonb_diff: one changed field is one replace');
SELECT is(draft_mode.jsonb_diff('[1, 2, 3, 4]', '[1, 2, 2.5, 3, 4]'),
          '[{"op": "add", "path": "/2", "value": 2.5}]', 'jsonb_diff: an insertion into an array is one add');
SELECT is(draft_mode.jsonb_diff('{"a": 1, "b": {"c": 2}}', '{"b": {"c": 2}}'),
          '[{"op": "remove", "path": "/a"}]', 'jsonb_diff: a removed member is one remove');
SELECT is(draft_mode.jsonb_diff('{"a": 1}', '{"a": 1}'), '[]', 'jsonb_diff of equal documents is empty');
SELECT is(draft_mode.jsonb_patch(a, draft_mode.jsonb_diff(a, b))::text, b::text,
          'jsonb_patch(a, jsonb_diff(a, b)) = b')
  FROM (VALUES ('{"x": [1, {"y": [true, null]}, "s"], "n": 19.90, "k/~": {}}'::jsonb,
                '{"x": [{"y": [false, null]}, "s", 3], "n": 19.9, "new": [], "k/~": {"z": 0}}'::jsonb)) AS t(a, b);
SELECT results_eq(
    $$SELECT draft_mode.jsonb_pointer_get('{"foo": ["bar", "baz"], "": 0, "a/b": 1, "m~n": 8}', p)
        FROM unnest(ARRAY['/foo', '/foo/0', '/', '/a~1b', '/m~0n', '']) WITH ORDINALITY AS u(p, n) ORDER BY n$$,
    $$VALUES ('["bar", "baz"]'::jsonb), ('"bar"'), ('0'), ('1'), ('8'),
             ('{"foo": ["bar", "baz"], "": 0, "a/b": 1, "m~n": 8}')$$,
    'jsonb_pointer_get: RFC 6901 examples');
SELECT ok(draft_mode.jsonb_pointer_get('{"a": [1]}', '/a/1') IS NULL
          AND draft_mode.jsonb_pointer_get('{"a": [1]}', '/a/-') IS NULL
          AND draft_mode.jsonb_pointer_get('{"a": "s"}', '/a/0') IS NULL
          AND draft_mode.jsonb_pointer_get('{"a": [1]}', '/b') IS NULL,
          'jsonb_pointer_get: a location that does not exist is NULL');
SELECT is(draft_mode.jsonb_pointer_get('{"a": null}', '/a'), 'null'::jsonb,
          'jsonb_pointer_get: a JSON null is found, not SQL NULL');

-- The functions work on table rows, and a failed patch leaves the row as it was.
CREATE TEMP TABLE doc (id int PRIMARY KEY, body jsonb) ON COMMIT DROP;
INSERT INTO doc VALUES (1, '{"title": "draft", "n": 1.50}');
SELECT throws_ok($$UPDATE doc SET body = draft_mode.jsonb_patch(body, '[{"op": "replace", "path": "/title", "value": "x"},
                                                                       {"op": "remove", "path": "/n"},
                                                                       {"op": "test", "path": "/title", "value": "y"}]')$$,
                 'DM004', NULL::text, 'an UPDATE with a failing patch fails');
SELECT is((SELECT body::text FROM doc WHERE id = 1), '{"n": 1.50, "title": "draft"}',
          'and leaves the row unchanged');

-- A patch may nest two levels deeper than a document, so jsonb_patch accepts
-- every jsonb_diff of documents within draft_mode.max_depth.
SELECT lives_ok($$SELECT draft_mode.jsonb_patch('[]', draft_mode.jsonb_diff('[]', (repeat('[', 1000) || repeat(']', 1000))::jsonb))$$,
                'jsonb_patch accepts what jsonb_diff returns for documents at the default max_depth of 1000');

SELECT * FROM finish();
ROLLBACK;
