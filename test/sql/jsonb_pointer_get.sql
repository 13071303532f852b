-- draft_mode.jsonb_pointer_get: the value at an RFC 6901 JSON Pointer, or SQL
-- NULL when there is none. Errors are raised as they are and followed by
-- `\echo :SQLSTATE` to show their SQLSTATE.

--
-- RFC 6901 section 5: every example
--
CREATE TEMP TABLE rfc6901 (doc jsonb);
INSERT INTO rfc6901 VALUES ('{
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    "k\"l": 6,
    " ": 7,
    "m~n": 8
}');

-- pointers shown as JSON strings, as the RFC lists them
SELECT to_jsonb(pointer) AS pointer, draft_mode.jsonb_pointer_get(doc, pointer) AS value
  FROM rfc6901,
       unnest(ARRAY['', '/foo', '/foo/0', '/', '/a~1b', '/c%d', '/e^f', '/g|h',
                    '/i\j', '/k"l', '/ ', '/m~0n']) WITH ORDINALITY AS p(pointer, n)
 ORDER BY n;
-- the whole document for ""
SELECT draft_mode.jsonb_pointer_get(doc, '') = doc AS whole_document FROM rfc6901;

--
-- Locations that do not exist: SQL NULL
--
SELECT pointer, draft_mode.jsonb_pointer_get(doc, pointer) IS NULL AS is_sql_null
  FROM (VALUES ('{"a": {"b": [10, 20]}, "s": "text", "n": 1, "z": null}'::jsonb)) AS d(doc),
       unnest(ARRAY['/missing',     -- no such member
                    '/a/c',         -- no such nested member
                    '/a/b/2',       -- index == length
                    '/a/b/99',      -- index past the end
                    '/a/b/-',       -- "-" names no existing element
                    '/a/b/01',      -- leading zero is not an index
                    '/a/b/-1',      -- nor is a sign
                    '/a/b/1e0',     -- nor an exponent
                    '/a/b/',        -- nor the empty string
                    '/s/0',         -- through a string
                    '/n/x',         -- through a number
                    '/z/x',         -- through null
                    '/A',           -- member names are case-sensitive
                    '/a/b/0/x'      -- through a number inside an array
                   ]) WITH ORDINALITY AS p(pointer, n)
 ORDER BY n;

--
-- Found values: JSON null is a value (not SQL NULL); numbers keep their text
--
SELECT draft_mode.jsonb_pointer_get('{"z": null}', '/z') AS json_null,
       draft_mode.jsonb_pointer_get('{"z": null}', '/z') IS NULL AS is_sql_null;
SELECT draft_mode.jsonb_pointer_get('{"price": 19.90, "n": [100.000, 1e2]}', '/price') AS price,
       draft_mode.jsonb_pointer_get('{"price": 19.90, "n": [100.000, 1e2]}', '/n/0') AS n0,
       draft_mode.jsonb_pointer_get('{"price": 19.90, "n": [100.000, 1e2]}', '/n/1') AS n1;
-- containers come back whole
SELECT draft_mode.jsonb_pointer_get('{"a": {"b": [1, {"c": "d"}]}}', '/a') AS object,
       draft_mode.jsonb_pointer_get('{"a": {"b": [1, {"c": "d"}]}}', '/a/b') AS array,
       draft_mode.jsonb_pointer_get('{"a": {"b": [1, {"c": "d"}]}}', '/a/b/1/c') AS string;
-- a scalar document: only "" finds it
SELECT draft_mode.jsonb_pointer_get('"text"', '') AS root,
       draft_mode.jsonb_pointer_get('"text"', '/0') IS NULL AS below_is_null;
-- "-" and digit strings are ordinary member names in objects
SELECT draft_mode.jsonb_pointer_get('{"-": "dash", "01": "zero-one", "0": "zero"}', '/-') AS dash,
       draft_mode.jsonb_pointer_get('{"-": "dash", "01": "zero-one", "0": "zero"}', '/01') AS zero_one,
       draft_mode.jsonb_pointer_get('{"-": "dash", "01": "zero-one", "0": "zero"}', '/0') AS zero;
-- escapes: "~01" is "~1" (unescaped once, left to right), "~1" inside a token is "/"
SELECT draft_mode.jsonb_pointer_get('{"~1": "tilde-one", "/": "slash", "a/b": {"c~d": 1}}', '/~01') AS tilde_one,
       draft_mode.jsonb_pointer_get('{"~1": "tilde-one", "/": "slash", "a/b": {"c~d": 1}}', '/~1') AS slash,
       draft_mode.jsonb_pointer_get('{"~1": "tilde-one", "/": "slash", "a/b": {"c~d": 1}}', '/a~1b/c~0d') AS nested;
-- non-ASCII member names
SELECT draft_mode.jsonb_pointer_get('{"größe": {"日本": "ok"}}', '/größe/日本') AS non_ascii;

--
-- Invalid pointers: DM002
--
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', 'a');
\echo :SQLSTATE
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '/~2');
\echo :SQLSTATE
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '/a~');
\echo :SQLSTATE
-- the URI fragment form of RFC 6901 section 6 is not a JSON pointer string
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '#/a');
\echo :SQLSTATE
-- an invalid pointer is an error even where nothing would be found
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '/missing/~x');
\echo :SQLSTATE

--
-- NULL arguments: the function is STRICT
--
SELECT draft_mode.jsonb_pointer_get(NULL, '/a') IS NULL AS null_doc,
       draft_mode.jsonb_pointer_get('{"a": 1}', NULL) IS NULL AS null_pointer;
-- and the session still works after the errors above
SELECT draft_mode.jsonb_pointer_get('{"a": 1}', '/a') AS still_works;

--
-- Read in place from jsonb's binary form: every location of a document gives
-- what #> gives (objects past jsonb's offset stride, long and unequal-length
-- keys, arrays past 32 elements, nested containers copied out whole), and a
-- bare scalar document has nothing under it
--
CREATE TEMP TABLE wide AS
SELECT jsonb_build_object(
         'items', (SELECT jsonb_agg(jsonb_build_object('i', i, 'price', (i || '.10')::numeric,
                                                       'tags', jsonb_build_array('t' || i, NULL, i % 2 = 0)))
                     FROM generate_series(0, 99) AS i),
         'keys', (SELECT jsonb_object_agg(repeat('k', i % 7) || i, i) FROM generate_series(0, 99) AS i),
         'long', jsonb_build_object(repeat('x', 300), 'long key', 'short', 1.000)) AS doc;
SELECT count(*) AS paths,
       count(*) FILTER (WHERE draft_mode.jsonb_pointer_get(doc, pointer) IS NOT DISTINCT FROM doc #> path) AS same_as_hash_arrow,
       count(*) FILTER (WHERE draft_mode.jsonb_pointer_get(doc, pointer)::text IS NOT DISTINCT FROM (doc #> path)::text) AS same_text
  FROM wide,
       LATERAL (SELECT ARRAY['items', i::text] FROM generate_series(0, 101) AS i
                UNION ALL SELECT ARRAY['items', i::text, 'tags', '2'] FROM generate_series(0, 99) AS i
                UNION ALL SELECT ARRAY['items', i::text, 'price'] FROM generate_series(0, 99) AS i
                UNION ALL SELECT ARRAY['keys', repeat('k', i % 7) || i] FROM generate_series(0, 100) AS i
                UNION ALL SELECT ARRAY['long', repeat('x', 300)]
                UNION ALL SELECT ARRAY['long', 'short']
                UNION ALL SELECT ARRAY['long']
                UNION ALL SELECT ARRAY['items']) AS p(path),
       LATERAL (SELECT string_agg('/' || replace(replace(t, '~', '~0'), '/', '~1'), '') FROM unnest(path) AS t) AS q(pointer);
SELECT draft_mode.jsonb_pointer_get(doc, '/items/42') AS element,
       draft_mode.jsonb_pointer_get(doc, '/long/short') AS exact_scale
  FROM wide;
SELECT draft_mode.jsonb_pointer_get('"text"', '') AS bare_scalar,
       draft_mode.jsonb_pointer_get('"text"', '/0') IS NULL AS under_bare_scalar,
       draft_mode.jsonb_pointer_get('[[1]]', '/0/0/0') IS NULL AS under_element,
       draft_mode.jsonb_pointer_get('{"a": 1}', '/a/0') IS NULL AS under_member;
-- a bad escape after a missing member is still an error
SELECT draft_mode.jsonb_pointer_get('"text"', '/x/~');
\echo :SQLSTATE
-- the depth limit still holds for documents read in place, wherever the deep
-- part is: beside a large sibling, or holding one
SET draft_mode.max_depth = 5;
SELECT draft_mode.jsonb_pointer_get(jsonb_build_object('pad', repeat('x', 100000), 'a', '[1, [2, [3, {"e": 5}]]]'::jsonb), '/a/1') AS depth_5_beside_pad;
SELECT draft_mode.jsonb_pointer_get(jsonb_build_object('pad', repeat('x', 100000), 'a', '[1, [2, [3, {"e": [5]}]]]'::jsonb), '/a/0');
\echo :SQLSTATE
SELECT draft_mode.jsonb_pointer_get(jsonb_build_object('a', jsonb_build_array(jsonb_build_array(jsonb_build_array(jsonb_build_array(jsonb_build_array(repeat('x', 100000))))))), '/b');
\echo :SQLSTATE
RESET draft_mode.max_depth;
