-- draft_mode.jsonb_patch: RFC 6902 JSON Patch on jsonb.
--
-- Errors are raised as they are (message, DETAIL, HINT at default verbosity;
-- VERBOSITY verbose would add source line numbers) and each one is followed by
-- `\echo :SQLSTATE`, which prints the SQLSTATE psql received. Every statement
-- after an error runs in the same session, which shows that the connection
-- keeps working after each error. (pg_regress --load-extension creates the
-- extension.)
SELECT pg_backend_pid() AS start_pid \gset

--
-- Each operation
--
-- add: object member (new and existing), root, array index, index == length, "-"
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/b", "value": [true, null]}]');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/a", "value": "replaced"}]');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "", "value": ["new", "root"]}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "add", "path": "/0", "value": 0}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "add", "path": "/1", "value": 1.5}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "add", "path": "/3", "value": 4}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "add", "path": "/-", "value": 4}]');
SELECT draft_mode.jsonb_patch('[]', '[{"op": "add", "path": "/0", "value": "first"}]');
SELECT draft_mode.jsonb_patch('{"list": []}', '[{"op": "add", "path": "/list/-", "value": 1},
                                               {"op": "add", "path": "/list/-", "value": 2}]');
-- "-" names a member, not the end, when the parent is an object
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/-", "value": 2}]');
-- the empty string is a valid member name
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/", "value": "empty key"}]');

-- remove: object member, array element (later elements shift left)
SELECT draft_mode.jsonb_patch('{"a": 1, "b": 2}', '[{"op": "remove", "path": "/a"}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "remove", "path": "/0"}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "remove", "path": "/2"}]');
SELECT draft_mode.jsonb_patch('{"a": {"b": {"c": 1, "d": 2}}}', '[{"op": "remove", "path": "/a/b/c"}]');

-- replace: member, element, root, and a value of another type
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "/a", "value": {"x": []}}]');
SELECT draft_mode.jsonb_patch('[1, 2, 3]', '[{"op": "replace", "path": "/1", "value": "two"}]');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "", "value": 42}]');
SELECT draft_mode.jsonb_patch('"scalar"', '[{"op": "replace", "path": "", "value": null}]');

-- move: between objects, within an array (both directions), to the root, onto itself
SELECT draft_mode.jsonb_patch('{"a": {"x": 1}, "b": {}}', '[{"op": "move", "from": "/a/x", "path": "/b/y"}]');
SELECT draft_mode.jsonb_patch('[0, 1, 2, 3]', '[{"op": "move", "from": "/0", "path": "/3"}]');
SELECT draft_mode.jsonb_patch('[0, 1, 2, 3]', '[{"op": "move", "from": "/3", "path": "/0"}]');
SELECT draft_mode.jsonb_patch('[0, 1, 2, 3]', '[{"op": "move", "from": "/1", "path": "/-"}]');
SELECT draft_mode.jsonb_patch('{"a": {"b": [1]}}', '[{"op": "move", "from": "/a/b", "path": ""}]');
SELECT draft_mode.jsonb_patch('{"a": [1, 2]}', '[{"op": "move", "from": "/a", "path": "/a"}]');
-- a move to a sibling whose name starts with the source's name is not a move into a child
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "move", "from": "/a", "path": "/ab"}]');

-- copy: member, element, "-", the whole document into itself
SELECT draft_mode.jsonb_patch('{"a": {"x": 1}}', '[{"op": "copy", "from": "/a", "path": "/b"}]');
SELECT draft_mode.jsonb_patch('[1, 2]', '[{"op": "copy", "from": "/0", "path": "/1"}]');
SELECT draft_mode.jsonb_patch('{"a": [1, 2]}', '[{"op": "copy", "from": "/a", "path": "/a/-"}]');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "copy", "from": "", "path": "/self"}]');
-- a copy is independent of its source
SELECT draft_mode.jsonb_patch('{"a": {"x": 1}}', '[{"op": "copy", "from": "/a", "path": "/b"},
                                                  {"op": "replace", "path": "/a/x", "value": 2}]');

-- test: success leaves the document unchanged; the root can be tested
SELECT draft_mode.jsonb_patch('{"a": [1, {"b": null}]}', '[{"op": "test", "path": "/a/1/b", "value": null}]');
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "", "value": {"a": 1}}]');

-- ~0 and ~1 escapes in path and from: "~01" is "~1", not "/"
SELECT draft_mode.jsonb_patch('{"a/b": 1, "m~n": 2}',
                              '[{"op": "replace", "path": "/a~1b", "value": 10},
                                {"op": "replace", "path": "/m~0n", "value": 20}]');
SELECT draft_mode.jsonb_patch('{"~1": "tilde-one", "/": "slash"}', '[{"op": "remove", "path": "/~01"}]');
SELECT draft_mode.jsonb_patch('{"a/b": 1}', '[{"op": "move", "from": "/a~1b", "path": "/c~0d"}]');

-- members an operation does not use are ignored (RFC 6902 section 4)
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/a", "value": 99, "from": 7, "extra": true}]');
-- the empty patch returns the document unchanged
SELECT draft_mode.jsonb_patch('{"a": 1}', '[]');
-- operations apply in order, each to the result of the previous one
SELECT draft_mode.jsonb_patch('{}', '[{"op": "add", "path": "/a", "value": []},
                                     {"op": "add", "path": "/a/-", "value": {}},
                                     {"op": "add", "path": "/a/0/b", "value": 1},
                                     {"op": "copy", "from": "/a/0", "path": "/a/0/c"},
                                     {"op": "move", "from": "/a/0/b", "path": "/d"},
                                     {"op": "test", "path": "/a", "value": [{"c": {"b": 1}}]}]');

--
-- RFC 6902 appendix A
--
-- A.1 adding an object member
SELECT draft_mode.jsonb_patch('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux"}]');
-- A.2 adding an array element
SELECT draft_mode.jsonb_patch('{"foo": ["bar", "baz"]}', '[{"op": "add", "path": "/foo/1", "value": "qux"}]');
-- A.3 removing an object member
SELECT draft_mode.jsonb_patch('{"baz": "qux", "foo": "bar"}', '[{"op": "remove", "path": "/baz"}]');
-- A.4 removing an array element
SELECT draft_mode.jsonb_patch('{"foo": ["bar", "qux", "baz"]}', '[{"op": "remove", "path": "/foo/1"}]');
-- A.5 replacing a value
SELECT draft_mode.jsonb_patch('{"baz": "qux", "foo": "bar"}', '[{"op": "replace", "path": "/baz", "value": "boo"}]');
-- A.6 moving a value
SELECT draft_mode.jsonb_patch('{"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}}',
                              '[{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]');
-- A.7 moving an array element
SELECT draft_mode.jsonb_patch('{"foo": ["all", "grass", "cows", "eat"]}',
                              '[{"op": "move", "from": "/foo/1", "path": "/foo/3"}]');
-- A.8 testing a value: success
SELECT draft_mode.jsonb_patch('{"baz": "qux", "foo": ["a", 2, "c"]}',
                              '[{"op": "test", "path": "/baz", "value": "qux"},
                                {"op": "test", "path": "/foo/1", "value": 2}]');
-- A.9 testing a value: error
SELECT draft_mode.jsonb_patch('{"baz": "qux"}', '[{"op": "test", "path": "/baz", "value": "bar"}]');
\echo :SQLSTATE
-- A.10 adding a nested member object
SELECT draft_mode.jsonb_patch('{"foo": "bar"}', '[{"op": "add", "path": "/child", "value": {"grandchild": {}}}]');
-- A.11 ignoring unrecognized elements
SELECT draft_mode.jsonb_patch('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}]');
-- A.12 adding to a nonexistent target
SELECT draft_mode.jsonb_patch('{"foo": "bar"}', '[{"op": "add", "path": "/baz/bat", "value": "qux"}]');
\echo :SQLSTATE
-- A.13 invalid JSON patch document: jsonb keeps only the last of duplicate
-- keys, so the operation arrives as a remove of the missing "/baz"
SELECT '{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}'::jsonb;
SELECT draft_mode.jsonb_patch('{"foo": "bar"}', '[{"op": "add", "path": "/baz", "value": "qux", "op": "remove"}]');
\echo :SQLSTATE
-- A.14 ~ escape ordering
SELECT draft_mode.jsonb_patch('{"/": 9, "~1": 10}', '[{"op": "test", "path": "/~01", "value": 10}]');
-- A.15 comparing strings and numbers
SELECT draft_mode.jsonb_patch('{"/": 9, "~1": 10}', '[{"op": "test", "path": "/~01", "value": "10"}]');
\echo :SQLSTATE
-- A.16 adding an array value
SELECT draft_mode.jsonb_patch('{"foo": ["bar"]}', '[{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}]');

--
-- test: JSON equality, not text equality
--
-- numbers compare by value
SELECT draft_mode.jsonb_patch('{"n": 1}', '[{"op": "test", "path": "/n", "value": 1.0}]');
SELECT draft_mode.jsonb_patch('{"n": 1.0}', '[{"op": "test", "path": "/n", "value": 1}]');
SELECT draft_mode.jsonb_patch('{"n": 100}', '[{"op": "test", "path": "/n", "value": 1e2}]');
SELECT draft_mode.jsonb_patch('{"n": 1E+2}', '[{"op": "test", "path": "/n", "value": 100.000}]');
SELECT draft_mode.jsonb_patch('{"n": [0, -0.0]}', '[{"op": "test", "path": "/n", "value": [0.00, 0]}]');
SELECT draft_mode.jsonb_patch('{"n": 1}', '[{"op": "test", "path": "/n", "value": 1.0000000000000000000001}]');
\echo :SQLSTATE
-- object member order does not matter, array order does
SELECT draft_mode.jsonb_patch('{"o": {"a": 1, "b": [1, 2], "c": {"x": null, "y": true}}}',
                              '[{"op": "test", "path": "/o", "value": {"c": {"y": true, "x": null}, "b": [1, 2], "a": 1.0}}]');
SELECT draft_mode.jsonb_patch('{"o": [1, 2]}', '[{"op": "test", "path": "/o", "value": [2, 1]}]');
\echo :SQLSTATE
-- kinds never compare equal: null, false, 0, "", [], {}
SELECT draft_mode.jsonb_patch('{"v": null}', '[{"op": "test", "path": "/v", "value": false}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"v": 0}', '[{"op": "test", "path": "/v", "value": false}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"v": []}', '[{"op": "test", "path": "/v", "value": {}}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"v": {"a": 1}}', '[{"op": "test", "path": "/v", "value": {"a": 1, "b": null}}]');
\echo :SQLSTATE

--
-- Atomicity: a patch whose third operation fails changes nothing
--
CREATE TEMP TABLE patched (id int PRIMARY KEY, doc jsonb NOT NULL);
INSERT INTO patched VALUES (1, '{"title": "draft", "tags": ["a"]}'), (2, '{"title": "other"}');
UPDATE patched
   SET doc = draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/title", "value": "changed"},
                                          {"op": "add", "path": "/tags/-", "value": "b"},
                                          {"op": "remove", "path": "/missing"}]')
 WHERE id = 1;
\echo :SQLSTATE
SELECT id, doc FROM patched ORDER BY id;
-- a row that fails makes the whole UPDATE fail, so no row changes
UPDATE patched SET doc = draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/title", "value": "new"},
                                                      {"op": "test", "path": "/tags", "value": ["a"]}]');
\echo :SQLSTATE
SELECT id, doc FROM patched ORDER BY id;
-- the same patch without the failing operation applies
UPDATE patched
   SET doc = draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/title", "value": "changed"},
                                          {"op": "add", "path": "/tags/-", "value": "b"}]')
 WHERE id = 1;
SELECT id, doc FROM patched ORDER BY id;
DROP TABLE patched;

--
-- Errors: one of each class, with SQLSTATE, message, DETAIL and HINT
--
-- DM001 invalid patch: not an array
SELECT draft_mode.jsonb_patch('{"a": 1}', '{"op": "remove", "path": "/a"}');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', 'null');
\echo :SQLSTATE
-- DM001: an operation that is not an object (the error names operation 1)
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/a", "value": 1}, "remove /a"]');
\echo :SQLSTATE
-- DM001: missing op, path, from (move and copy) and value (add, replace, test)
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"path": "/a"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "move", "path": "/b"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "copy", "path": "/b"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/b"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "/a"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/a"}]');
\echo :SQLSTATE
-- "value": null is present, not missing
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "/a", "value": null}]');
-- DM001: unknown op (op names are case-sensitive)
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "frobnicate", "path": "/a"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "Remove", "path": "/a"}]');
\echo :SQLSTATE
-- DM001: op, path or from that is not a string
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": 1, "path": "/a"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": 1}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": null}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "copy", "from": ["a"], "path": "/b"}]');
\echo :SQLSTATE
-- DM001: the whole patch is validated before any operation runs, so a
-- malformed operation 1 is reported even though operation 0 would fail too
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/missing"}, {"op": "remove"}]');
\echo :SQLSTATE
-- DM002 invalid pointer: no leading "/", "~" not followed by 0 or 1
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "x"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/~2"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/a~"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "copy", "from": "a", "path": "/b"}]');
\echo :SQLSTATE
-- DM003 path not found: member not found, in path and in from
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/b"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "replace", "path": "/b", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/b/c", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "copy", "from": "/b", "path": "/c"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/b", "value": null}]');
\echo :SQLSTATE
-- DM003: index out of range (add allows index == length, nothing else does)
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "add", "path": "/list/4", "value": 5}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "replace", "path": "/list/3", "value": 5}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "remove", "path": "/list/3"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "move", "from": "/list/0", "path": "/list/4"}]');
\echo :SQLSTATE
-- DM003: array indexes that are not decimal integers without leading zeros
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "replace", "path": "/list/01", "value": 5}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "add", "path": "/list/01", "value": 5}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "remove", "path": "/list/-1"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "test", "path": "/list/1e0", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "replace", "path": "/list/", "value": 5}]');
\echo :SQLSTATE
-- DM003: "-" only means "append" for add (and the add half of move and copy)
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "remove", "path": "/list/-"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "replace", "path": "/list/-", "value": 4}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"list": [1, 2, 3]}', '[{"op": "copy", "from": "/list/-", "path": "/x"}]');
\echo :SQLSTATE
-- DM003: scalar and null parents hold no members (nothing is created or skipped)
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "add", "path": "/a/b", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": null}', '[{"op": "add", "path": "/a/b", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": "text"}', '[{"op": "remove", "path": "/a/0"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": null}', '[{"op": "remove", "path": "/a/b"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": true}', '[{"op": "replace", "path": "/a/b/c", "value": 2}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('7', '[{"op": "add", "path": "/0", "value": 2}]');
\echo :SQLSTATE
-- DM001: a value cannot move into one of its own children
SELECT draft_mode.jsonb_patch('{"a": {"b": {}}}', '[{"op": "move", "from": "/a", "path": "/a/b/c"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": [1, 2]}', '[{"op": "move", "from": "/a", "path": "/a/0"}]');
\echo :SQLSTATE
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "move", "from": "", "path": "/b"}]');
\echo :SQLSTATE
-- DM001: the whole document cannot be removed
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": ""}]');
\echo :SQLSTATE
-- DM004: failed test, at operation 1 after operation 0 succeeded
SELECT draft_mode.jsonb_patch('{"version": 3}', '[{"op": "test", "path": "/version", "value": 3},
                                                 {"op": "test", "path": "/version", "value": 2},
                                                 {"op": "replace", "path": "/version", "value": 4}]');
\echo :SQLSTATE
-- DETAIL escapes pointers as JSON strings
SELECT draft_mode.jsonb_patch('{"a": 1}', '[{"op": "remove", "path": "/quote\"back\\slash"}]');
\echo :SQLSTATE

-- NULL arguments: the function is STRICT
SELECT draft_mode.jsonb_patch(NULL, '[]') IS NULL AS null_doc,
       draft_mode.jsonb_patch('{}', NULL) IS NULL AS null_patch;

-- after all these errors the session is the same backend and still works
SELECT pg_backend_pid() = :start_pid AS same_backend,
       draft_mode.jsonb_patch('{"a": 1}', '[{"op": "test", "path": "/a", "value": 1}]') AS still_works;

-- RFC 6901 puts no length limit on an index: past 18 digits it is still a
-- valid index, just out of range
SELECT draft_mode.jsonb_patch('{"arr": [1]}', '[{"op": "remove", "path": "/arr/99999999999999999999"}]');
SELECT draft_mode.jsonb_patch('{"arr": [1]}', '[{"op": "add", "path": "/arr/99999999999999999999", "value": 2}]');
