-- draft_mode.jsonb_merge_patch: RFC 7396 JSON Merge Patch on jsonb.

--
-- RFC 7396 appendix A: every example, with the result the RFC gives
--
CREATE TEMP TABLE rfc7396_examples (id int PRIMARY KEY, original jsonb, patch jsonb, expected jsonb);
INSERT INTO rfc7396_examples VALUES
    (1, '{"a": "b"}', '{"a": "c"}', '{"a": "c"}'),
    (2, '{"a": "b"}', '{"b": "c"}', '{"a": "b", "b": "c"}'),
    (3, '{"a": "b"}', '{"a": null}', '{}'),
    (4, '{"a": "b", "b": "c"}', '{"a": null}', '{"b": "c"}'),
    (5, '{"a": ["b"]}', '{"a": "c"}', '{"a": "c"}'),
    (6, '{"a": "c"}', '{"a": ["b"]}', '{"a": ["b"]}'),
    (7, '{"a": {"b": "c"}}', '{"a": {"b": "d", "c": null}}', '{"a": {"b": "d"}}'),
    (8, '{"a": [{"b": "c"}]}', '{"a": [1]}', '{"a": [1]}'),
    (9, '["a", "b"]', '["c", "d"]', '["c", "d"]'),
    (10, '{"a": "b"}', '["c"]', '["c"]'),
    (11, '{"a": "foo"}', 'null', 'null'),
    (12, '{"a": "foo"}', '"bar"', '"bar"'),
    (13, '{"e": null}', '{"a": 1}', '{"e": null, "a": 1}'),
    (14, '[1, 2]', '{"a": "b", "c": null}', '{"a": "b"}'),
    (15, '{}', '{"a": {"bb": {"ccc": null}}}', '{"a": {"bb": {}}}');

SELECT id, original, patch, draft_mode.jsonb_merge_patch(original, patch) AS result,
       draft_mode.jsonb_merge_patch(original, patch) = expected AS as_rfc
  FROM rfc7396_examples ORDER BY id;

-- RFC 7396 section 3 example
SELECT jsonb_pretty(draft_mode.jsonb_merge_patch(
    '{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"},
      "tags": ["example", "sample"], "content": "This will be unchanged"}',
    '{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null},
      "tags": ["example"]}'));

--
-- Nulls: a null member of a patch object removes, a null anywhere else is data
--
-- nulls inside arrays are kept, in arrays at any depth
SELECT draft_mode.jsonb_merge_patch('{"a": [1, 2]}', '{"a": [null, 1, null]}');
SELECT draft_mode.jsonb_merge_patch('{"a": 1}', '{"b": [{"c": null}, [null]]}');
-- a null document member is kept when the patch does not name it
SELECT draft_mode.jsonb_merge_patch('{"keep": null, "a": 1}', '{"a": 2}');
-- removing a member that is not there changes nothing
SELECT draft_mode.jsonb_merge_patch('{"a": {"x": 1}}', '{"missing": null, "a": {"deeper": null}}');
-- an object patch applied to a scalar member builds the object without its null members
SELECT draft_mode.jsonb_merge_patch('{"a": 1}', '{"a": {"b": null, "c": {"d": null, "e": 1}}}');
-- nested removal next to nested addition
SELECT draft_mode.jsonb_merge_patch('{"a": {"b": 1, "c": 2}, "d": 3}', '{"a": {"b": null, "x": [1]}, "d": null}');

--
-- Root: a patch that is not an object replaces the whole document
--
SELECT patch, draft_mode.jsonb_merge_patch('{"a": {"b": 1}}', patch) AS result
  FROM (VALUES ('[1, null]'::jsonb), ('"text"'), ('42'), ('19.90'), ('true'), ('null'), ('[]')) AS p(patch);
-- an object patch on a document that is not an object starts from {}
SELECT doc, draft_mode.jsonb_merge_patch(doc, '{"a": 1, "b": null}') AS result
  FROM (VALUES ('[1, 2]'::jsonb), ('"text"'), ('0'), ('null'), ('{}')) AS d(doc);
-- the empty object patch changes nothing
SELECT draft_mode.jsonb_merge_patch('{"a": [1, {"b": null}], "c": 19.90}', '{}');

-- keys are matched exactly (no pointer syntax, no case folding)
SELECT draft_mode.jsonb_merge_patch('{"a/b": 1, "A": 2, "~0": 3}', '{"a/b": null, "a": 4, "~0": 5}');

-- applying the same merge patch twice gives the same document
SELECT draft_mode.jsonb_merge_patch(draft_mode.jsonb_merge_patch(doc, patch), patch)
       = draft_mode.jsonb_merge_patch(doc, patch) AS idempotent
  FROM (VALUES ('{"a": {"b": 1, "c": [1]}, "d": null}'::jsonb,
                '{"a": {"b": null, "c": [2], "e": {"f": null, "g": 0}}, "h": 1}'::jsonb)) AS t(doc, patch);

-- NULL arguments: the function is STRICT; a JSON null patch is not SQL NULL
SELECT draft_mode.jsonb_merge_patch(NULL, '{}') IS NULL AS null_doc,
       draft_mode.jsonb_merge_patch('{}', NULL) IS NULL AS null_patch,
       draft_mode.jsonb_merge_patch('{}', 'null') AS json_null_patch;

-- many new keys that sort before, between and after the existing ones are
-- merged in one pass: the same object as ||, keys in jsonb order
SELECT draft_mode.jsonb_merge_patch(doc, patch) = doc || patch AS same_as_concatenation,
       (SELECT count(*) FROM jsonb_object_keys(draft_mode.jsonb_merge_patch(doc, patch))) AS keys
  FROM (SELECT (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 30000, 3) AS i) AS doc,
               (SELECT jsonb_object_agg('k' || i, -i) FROM generate_series(0, 30000) AS i
                 WHERE i % 3 <> 1 OR i % 2 = 0) AS patch) AS t;
