-- Resource limits (draft_mode.max_depth, draft_mode.max_patch_operations,
-- draft_mode.max_document_size) and query cancel (statement_timeout).
-- Errors are raised as they are and followed by `\echo :SQLSTATE`.
SELECT pg_backend_pid() AS start_pid \gset

-- A chain of depth nested arrays: [[...[]...]]
CREATE FUNCTION pg_temp.nested(depth int) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT (repeat('[', depth) || repeat(']', depth))::jsonb
$$;

-- The settings are defined when the library loads, at the first call in a
-- session.
SELECT draft_mode.jsonb_pointer_get('{}', '') AS library_loaded;

--
-- draft_mode.max_depth
--
SHOW draft_mode.max_depth;
-- 1000 levels are accepted, 1001 are not (jsonb itself accepts them)
SELECT draft_mode.jsonb_patch(pg_temp.nested(1000), '[]') = pg_temp.nested(1000) AS depth_1000_accepted;
SELECT jsonb_typeof(pg_temp.nested(1001)) AS jsonb_accepts_1001;
SELECT draft_mode.jsonb_patch(pg_temp.nested(1001), '[]');
\echo :SQLSTATE

SET draft_mode.max_depth = 5;
-- every argument of every function is checked: documents, patches, merge patches
SELECT draft_mode.jsonb_patch(pg_temp.nested(5), '[]') AS at_limit;
SELECT draft_mode.jsonb_patch(pg_temp.nested(6), '[]');
\echo :SQLSTATE
-- a patch may nest two levels deeper than a document (an operation's value
-- sits inside the patch array and the operation object), so every diff of
-- documents within the limit applies; the patch's result is held to the limit
SELECT draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/a', 'value', pg_temp.nested(4)))) AS value_depth_4;
SELECT draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/a', 'value', pg_temp.nested(5))));
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'add', 'path', '/a', 'value', pg_temp.nested(6))));
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('[]', draft_mode.jsonb_diff('[]', pg_temp.nested(5))) = pg_temp.nested(5) AS diff_at_limit_applies;
SELECT draft_mode.jsonb_merge_patch('{}', jsonb_build_object('a', pg_temp.nested(5)));
\echo :SQLSTATE
SELECT draft_mode.jsonb_merge_patch(pg_temp.nested(6), '{}');
\echo :SQLSTATE
SELECT draft_mode.jsonb_diff('[]', pg_temp.nested(6));
\echo :SQLSTATE
SELECT draft_mode.jsonb_diff(pg_temp.nested(6), '[]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_pointer_get(pg_temp.nested(6), '/0');
\echo :SQLSTATE
-- objects count like arrays
SELECT draft_mode.jsonb_pointer_get('{"a": {"b": {"c": {"d": {"e": 1}}}}}', '/a/b/c/d/e') AS five_objects;
SELECT draft_mode.jsonb_pointer_get('{"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}', '/a');
\echo :SQLSTATE
-- a patch whose result would be deeper than the limit: add, copy, move, replace
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {}}}}', '[{"op": "add", "path": "/a/b/c/d", "value": [1]}]') AS at_limit;
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {}}}}', '[{"op": "add", "path": "/a/b/c/d", "value": [[1]]}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {}}}, "x": [[1]]}', '[{"op": "copy", "from": "/x", "path": "/a/b/c/d"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {}}}, "x": [[1]]}', '[{"op": "move", "from": "/x", "path": "/a/b/c/d"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {"d": 1}}}}', '[{"op": "replace", "path": "/a/b/c/d", "value": [[1]]}]');
\echo :SQLSTATE
-- raising the setting lets the same calls through
SET draft_mode.max_depth = 10;
SELECT draft_mode.jsonb_patch(pg_temp.nested(6), '[]') AS depth_6;
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": {}}}}', '[{"op": "add", "path": "/a/b/c/d", "value": [[1]]}]') AS deeper_add;
-- the setting's maximum is 5000, and documents that deep are processed
SET draft_mode.max_depth = 5000;
SELECT draft_mode.jsonb_patch(pg_temp.nested(5000), '[]') = pg_temp.nested(5000) AS patch_5000,
       draft_mode.jsonb_merge_patch(pg_temp.nested(5000), '{"a": 1}') AS merge_5000,
       draft_mode.jsonb_diff(pg_temp.nested(5000), pg_temp.nested(5000)) AS diff_5000,
       draft_mode.jsonb_pointer_get(pg_temp.nested(5000), repeat('/0', 4999)) AS pointer_get_5000;
SET draft_mode.max_depth = 6000;
\echo :SQLSTATE
SET draft_mode.max_depth = 0;
\echo :SQLSTATE
SHOW draft_mode.max_depth;
RESET draft_mode.max_depth;

--
-- draft_mode.max_patch_operations
--
SHOW draft_mode.max_patch_operations;
-- 10000 operations are accepted, 10001 are not
SELECT draft_mode.jsonb_patch('{"n": 0}', (SELECT jsonb_agg('{"op": "test", "path": "/n", "value": 0}'::jsonb)
                                             FROM generate_series(1, 10000))) AS ops_10000;
SELECT draft_mode.jsonb_patch('{"n": 0}', (SELECT jsonb_agg('{"op": "test", "path": "/n", "value": 0}'::jsonb)
                                             FROM generate_series(1, 10001)));
\echo :SQLSTATE
SET draft_mode.max_patch_operations = 3;
SELECT draft_mode.jsonb_patch('[]', '[{"op": "add", "path": "/-", "value": 1},
                                      {"op": "add", "path": "/-", "value": 2},
                                      {"op": "add", "path": "/-", "value": 3}]') AS three_ops;
SELECT draft_mode.jsonb_patch('[]', '[{"op": "add", "path": "/-", "value": 1},
                                      {"op": "add", "path": "/-", "value": 2},
                                      {"op": "add", "path": "/-", "value": 3},
                                      {"op": "add", "path": "/-", "value": 4}]');
\echo :SQLSTATE
-- the count is checked before anything else: an invalid fourth operation is not reported
SELECT draft_mode.jsonb_patch('[]', '[{"op": "add", "path": "/-", "value": 1},
                                      {"op": "add", "path": "/-", "value": 2},
                                      {"op": "add", "path": "/-", "value": 3},
                                      {"op": "bogus"}]');
\echo :SQLSTATE
-- jsonb_diff never returns a patch longer than the limit, and never a
-- different patch because of it (it is IMMUTABLE): past the limit it refuses
SELECT draft_mode.jsonb_diff('{"a": 1, "b": 2, "c": 3}', '{"a": 10, "b": 20, "c": 30}') AS three_changes;
SELECT draft_mode.jsonb_diff('{"a": 1, "b": 2, "c": 3, "d": 4}', '{"a": 10, "b": 20, "c": 30, "d": 40}') AS four_changes;
\echo :SQLSTATE
SET draft_mode.max_patch_operations = 4;
SELECT draft_mode.jsonb_diff('{"a": 1, "b": 2, "c": 3, "d": 4}', '{"a": 10, "b": 20, "c": 30, "d": 40}') AS four_changes;
SET draft_mode.max_patch_operations = 0;
\echo :SQLSTATE
RESET draft_mode.max_patch_operations;

--
-- draft_mode.max_document_size: repeated self-copies fail cleanly
--
SHOW draft_mode.max_document_size;
SET draft_mode.max_document_size = '32kB';
SHOW draft_mode.max_document_size;
-- each operation copies the whole document into itself, doubling it: 40
-- copies of 100 bytes would be 100 TB, but the patch stops at the limit
SELECT draft_mode.jsonb_patch(jsonb_build_object('text', repeat('x', 100)),
                              (SELECT jsonb_agg(jsonb_build_object('op', 'copy', 'from', '', 'path', '/copy' || i) ORDER BY i)
                                 FROM generate_series(1, 40) AS i));
\echo :SQLSTATE
-- the same with add
SELECT draft_mode.jsonb_patch(jsonb_build_object('base', repeat('b', 28000), 'list', '[]'::jsonb),
                              (SELECT jsonb_agg(jsonb_build_object('op', 'add', 'path', '/list/-', 'value', repeat('y', 1000)))
                                 FROM generate_series(1, 10)));
\echo :SQLSTATE
-- the size counts draft_mode's memory, about 48 bytes per value: copying an
-- array of 400 nulls (1.6 kB as jsonb, 19 kB in memory) onto itself is refused
-- before the copy is made
SELECT draft_mode.jsonb_patch((SELECT jsonb_agg(NULL::int) FROM generate_series(1, 400)),
                              '[{"op": "copy", "from": "", "path": "/-"}]');
\echo :SQLSTATE
-- every input is bounded before the work: a document or patch over the limit
-- is refused at once, whatever it asks for
SELECT draft_mode.jsonb_patch((SELECT jsonb_agg(NULL::int) FROM generate_series(1, 1000)), '[]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{}', jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '', 'value', repeat('z', 40000))));
\echo :SQLSTATE
SELECT draft_mode.jsonb_merge_patch('{}', jsonb_build_object('z', repeat('z', 40000)));
\echo :SQLSTATE
SELECT draft_mode.jsonb_diff('{}', jsonb_build_object('z', repeat('z', 40000)));
\echo :SQLSTATE
SELECT draft_mode.jsonb_pointer_get(jsonb_build_object('z', repeat('z', 40000)), '/z');
\echo :SQLSTATE
-- a merge cannot grow a document past the limit (nor past jsonb's own limit)
SELECT draft_mode.jsonb_merge_patch(jsonb_build_object('a', repeat('a', 20000)), jsonb_build_object('b', repeat('b', 20000)));
\echo :SQLSTATE
-- a diff counts its output, paths included, and refuses past the limit: 200
-- changed elements under a 1 kB key repeat the key 200 times
SELECT draft_mode.jsonb_diff(jsonb_build_object(repeat('k', 1000), (SELECT jsonb_agg(i) FROM generate_series(1, 200) AS i)),
                             jsonb_build_object(repeat('k', 1000), (SELECT jsonb_agg(-i) FROM generate_series(1, 200) AS i)));
\echo :SQLSTATE
-- a document that shrinks again stays under the limit: copy, remove, copy, ...
SELECT length(draft_mode.jsonb_patch(jsonb_build_object('text', repeat('x', 3000)),
                                     (SELECT jsonb_agg(op ORDER BY i, k)
                                        FROM generate_series(1, 20) AS i,
                                             LATERAL (VALUES (1, '{"op": "copy", "from": "/text", "path": "/copy"}'::jsonb),
                                                             (2, '{"op": "remove", "path": "/copy"}'::jsonb)) AS o(k, op)))::text)
       AS copy_remove_20_times;
-- raising the limit lets the first document through
SET draft_mode.max_document_size = '1MB';
SELECT length(draft_mode.jsonb_patch(jsonb_build_object('text', repeat('x', 100)),
                                     (SELECT jsonb_agg(jsonb_build_object('op', 'copy', 'from', '', 'path', '/copy' || i) ORDER BY i)
                                        FROM generate_series(1, 5) AS i))::text) AS five_copies_length;
-- (the message's range reads "1 .. 261120" before PostgreSQL 17, "1 kB .. 261120 kB" since)
\set VERBOSITY sqlstate
SET draft_mode.max_document_size = 0;
\set VERBOSITY default
RESET draft_mode.max_document_size;

--
-- Query cancel: statement_timeout stops a long patch and a long diff
--
-- A patch of 100,000 operations, each moving a 50,000-element array (seven
-- to eight seconds on two cores) ...
CREATE TEMP TABLE heavy_patch AS
SELECT jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 50000) AS i)) AS doc,
       (SELECT jsonb_agg(CASE WHEN i % 2 = 0 THEN '{"op": "move", "from": "/a", "path": "/b"}'::jsonb
                              ELSE '{"op": "move", "from": "/b", "path": "/a"}'::jsonb END)
          FROM generate_series(0, 99999) AS i) AS patch;
-- ... and a diff of two documents holding eight arrays of 400,000 distinct
-- numbers, the target's with every 1,333rd removed (seconds on two cores):
-- 300 removals an array are past the edit distance the Myers search
-- explores (256), so each array costs the whole bounded search (256 times
-- its length) before the anchored script finds the removals.
CREATE TEMP TABLE heavy_diff AS
SELECT (SELECT jsonb_object_agg('array' || k, numbers) FROM generate_series(1, 8) AS k) AS source,
       (SELECT jsonb_object_agg('array' || k, fewer) FROM generate_series(1, 8) AS k) AS target
  FROM (SELECT jsonb_agg(i) AS numbers, jsonb_agg(i) FILTER (WHERE i % 1333 <> 0) AS fewer
          FROM generate_series(1, 400000) AS i) AS n;

-- Runs statement and returns the SQLSTATE it failed with and whether it
-- stopped within limit of the start of the statement; a cancel that is not
-- polled would let it run for seconds.
CREATE FUNCTION pg_temp.stopped_within(statement text, limit_time interval,
                                       OUT error_code text, OUT stopped_in_time boolean)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    error_code := '00000';
    stopped_in_time := clock_timestamp() - statement_timestamp() < limit_time;
EXCEPTION WHEN query_canceled THEN
    GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE;
    stopped_in_time := clock_timestamp() - statement_timestamp() < limit_time;
END
$$;

SET draft_mode.max_patch_operations = 100000;
SET draft_mode.max_document_size = '255MB';
SET statement_timeout = '200ms';
SELECT draft_mode.jsonb_patch(doc, patch) = doc FROM heavy_patch;
\echo :SQLSTATE
SELECT draft_mode.jsonb_diff(source, target) FROM heavy_diff;
\echo :SQLSTATE
-- the session works afterwards, also while the timeout is still set
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/a", "value": 1}]') AS still_works;
-- cancel takes effect within a few polls, not at the end of the work
SELECT * FROM pg_temp.stopped_within('SELECT draft_mode.jsonb_patch(doc, patch) FROM heavy_patch', '3 s');
SELECT * FROM pg_temp.stopped_within('SELECT draft_mode.jsonb_diff(source, target) FROM heavy_diff', '3 s');
RESET statement_timeout;
RESET draft_mode.max_patch_operations;
RESET draft_mode.max_document_size;
DROP TABLE heavy_patch, heavy_diff;

-- after all these errors and cancels the session is the same backend
SELECT pg_backend_pid() = :start_pid AS same_backend,
       draft_mode.jsonb_diff('[1, 2, 3]', '[1, 3]') AS still_works;
