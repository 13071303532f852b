-- draft_mode.jsonb_diff: an RFC 6902 patch p with jsonb_patch(source, p) = target.

--
-- Small cases: the exact operations
--
-- equal documents: the empty patch
SELECT draft_mode.jsonb_diff('{"a": [1, {"b": null}], "c": "x"}', '{"c": "x", "a": [1, {"b": null}]}');
-- one field changes: one replace, nested paths included
SELECT draft_mode.jsonb_diff('{"title": "old", "body": "same"}', '{"title": "new", "body": "same"}');
SELECT draft_mode.jsonb_diff('{"a": {"b": {"c": [1, 2, {"d": true}]}}}', '{"a": {"b": {"c": [1, 2, {"d": false}]}}}');
-- members added and removed
SELECT draft_mode.jsonb_diff('{"a": 1}', '{"a": 1, "b": {"c": []}}');
SELECT draft_mode.jsonb_diff('{"a": 1, "b": 2}', '{"a": 1}');
SELECT draft_mode.jsonb_diff('{"a": 1, "b": 2}', '{"c": 3, "b": 2}');
-- a value of another type is replaced whole
SELECT draft_mode.jsonb_diff('{"a": [1, 2]}', '{"a": {"0": 1, "1": 2}}');
SELECT draft_mode.jsonb_diff('{"a": "1"}', '{"a": 1}');
SELECT draft_mode.jsonb_diff('{"a": null}', '{"a": false}');
-- the root: a changed scalar, or a change of container type
SELECT draft_mode.jsonb_diff('"old"', '"new"');
SELECT draft_mode.jsonb_diff('{"a": 1}', '[1]');
SELECT draft_mode.jsonb_diff('[]', '{}');
-- a number with another text is a change (the diff keeps number texts exactly)
SELECT draft_mode.jsonb_diff('{"price": 19.90}', '{"price": 19.9}');
-- member names with "/" and "~" are escaped in paths
SELECT draft_mode.jsonb_diff('{"a/b": 1, "m~n": 2}', '{"a/b": 3, "m~n": 4}');
SELECT draft_mode.jsonb_diff('{}', '{"": 1}');

-- arrays: an insertion or a removal anywhere is one operation
SELECT draft_mode.jsonb_diff('[1, 2, 3, 4, 5]', '[1, 2, 99, 3, 4, 5]');
SELECT draft_mode.jsonb_diff('[1, 2, 3, 4, 5]', '[1, 2, 4, 5]');
SELECT draft_mode.jsonb_diff('[1, 2, 3]', '[0, 1, 2, 3]');
SELECT draft_mode.jsonb_diff('[1, 2, 3]', '[1, 2, 3, 4]');
SELECT draft_mode.jsonb_diff('[1, 2, 3]', '[2, 3]');
SELECT draft_mode.jsonb_diff('[1, 2, 3]', '[1, 2]');
-- with repeated values
SELECT draft_mode.jsonb_diff('["a", "a", "b", "a"]', '["a", "a", "a", "b", "a"]');
-- an element changed in place is diffed inside, not removed and added
SELECT draft_mode.jsonb_diff('[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 3, "v": "c"}]',
                             '[{"id": 1, "v": "a"}, {"id": 2, "v": "B"}, {"id": 3, "v": "c"}]');
-- several removals: each index is where the element is once the previous
-- operations have been applied
SELECT draft_mode.jsonb_diff('[0, 1, 2, 3, 4, 5, 6]', '[0, 2, 4, 6]');
-- each patch above applies back to its target
SELECT count(*) AS cases,
       count(*) FILTER (WHERE draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target))::text
                              = target::text) AS round_trips
  FROM (VALUES ('[1, 2, 3, 4, 5]'::jsonb, '[1, 2, 99, 3, 4, 5]'::jsonb),
               ('[1, 2, 3, 4, 5]', '[1, 2, 4, 5]'),
               ('["a", "a", "b", "a"]', '["a", "a", "a", "b", "a"]'),
               ('[0, 1, 2, 3, 4, 5, 6]', '[0, 2, 4, 6]'),
               ('[0, 1, 2, 3, 4, 5, 6]', '[6, 5, 4, 3, 2, 1, 0]'),
               ('{"a/b": 1, "m~n": 2}', '{"a/b": 3, "m~n": 4}'),
               ('{"a": 1}', '[1]')) AS t(source, target);

-- NULL arguments: the function is STRICT
SELECT draft_mode.jsonb_diff(NULL, '{}') IS NULL AS null_source,
       draft_mode.jsonb_diff('{}', NULL) IS NULL AS null_target;

--
-- Large arrays: one insertion or removal in the middle of 50,000 elements is one operation
--
CREATE TEMP TABLE big AS
SELECT (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 50000) AS i) AS source,
       (SELECT jsonb_agg(i ORDER BY n)
          FROM (SELECT i, i::numeric AS n FROM generate_series(1, 50000) AS i
                UNION ALL SELECT -1, 25000.5) AS s) AS inserted,
       (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 50000) AS i WHERE i <> 30000) AS removed,
       (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', CASE WHEN i = 40000 THEN 'changed' ELSE 'same' END) ORDER BY i)
          FROM generate_series(1, 50000) AS i) AS changed_objects,
       (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', 'same') ORDER BY i)
          FROM generate_series(1, 50000) AS i) AS objects;

SELECT jsonb_array_length(source) AS source_length,
       jsonb_array_length(draft_mode.jsonb_diff(source, inserted)) AS insert_ops,
       draft_mode.jsonb_diff(source, inserted) AS insert_patch,
       jsonb_array_length(draft_mode.jsonb_diff(source, removed)) AS remove_ops,
       draft_mode.jsonb_diff(source, removed) AS remove_patch
  FROM big;
SELECT jsonb_array_length(draft_mode.jsonb_diff(objects, changed_objects)) AS change_ops,
       draft_mode.jsonb_diff(objects, changed_objects) AS change_patch,
       draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, inserted)) = inserted AS insert_round_trip,
       draft_mode.jsonb_patch(inserted, draft_mode.jsonb_diff(inserted, source)) = source AS reverse_round_trip,
       draft_mode.jsonb_patch(objects, draft_mode.jsonb_diff(objects, changed_objects)) = changed_objects AS change_round_trip
  FROM big;
DROP TABLE big;

-- Arrays whose edit distance is over the bound of the shortest-edit search
-- (reversed, shifted, interleaved) still give a correct patch.
SELECT name, jsonb_array_length(draft_mode.jsonb_diff(source, target)) AS ops,
       draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target))::text = target::text AS round_trip
  FROM (SELECT 'reversed' AS name,
               (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 1000) AS i) AS source,
               (SELECT jsonb_agg(i ORDER BY i DESC) FROM generate_series(1, 1000) AS i) AS target
        UNION ALL
        SELECT 'every third removed',
               (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 1500) AS i),
               (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 1500) AS i WHERE i % 3 <> 0)
        UNION ALL
        SELECT 'every other replaced',
               (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 1000) AS i),
               (SELECT jsonb_agg(CASE WHEN i % 2 = 0 THEN -i ELSE i END ORDER BY i) FROM generate_series(1, 1000) AS i)
        UNION ALL
        SELECT 'disjoint, different lengths',
               (SELECT jsonb_agg(i ORDER BY i) FROM generate_series(1, 700) AS i),
               (SELECT jsonb_agg(-i ORDER BY i) FROM generate_series(1, 900) AS i)) AS cases
 ORDER BY name;

--
-- Generated pairs: jsonb_patch(a, jsonb_diff(a, b)) = b
--
-- A random document of bounded depth: scalars of every kind (numbers with
-- trailing zeros among them), arrays with repeated small values, objects over
-- a small key set so that documents share members. scalar_share is the
-- chance that a value above the depth limit is a scalar.
CREATE FUNCTION pg_temp.random_doc(depth int, scalar_share float8 DEFAULT 0.4) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    pick float8 := random();
    result jsonb;
BEGIN
    IF depth <= 0 OR pick < scalar_share THEN
        pick := random();
        RETURN CASE
            WHEN pick < 0.1 THEN 'null'::jsonb
            WHEN pick < 0.2 THEN to_jsonb(random() < 0.5)
            WHEN pick < 0.45 THEN to_jsonb(floor(random() * 5)::int)
            WHEN pick < 0.6 THEN to_jsonb(round((random() * 100)::numeric, floor(random() * 4)::int))
            WHEN pick < 0.65 THEN to_jsonb(('1' || repeat('0', floor(random() * 30)::int) || '.10')::numeric)
            ELSE to_jsonb((ARRAY['a', 'b', '', 'x/y', 'm~n', 'é'])[1 + floor(random() * 6)::int])
        END;
    ELSIF random() < 0.5 THEN
        result := '[]';
        FOR i IN 1 .. floor(random() * 8)::int LOOP
            result := result || jsonb_build_array(pg_temp.random_doc(depth - 1));
        END LOOP;
        RETURN result;
    ELSE
        result := '{}';
        FOR i IN 1 .. floor(random() * 5)::int LOOP
            result := result || jsonb_build_object(
                (ARRAY['a', 'b', 'c', 'd', 'e', 'a/b', '~', ''])[1 + floor(random() * 8)::int],
                pg_temp.random_doc(depth - 1));
        END LOOP;
        RETURN result;
    END IF;
END
$$;

-- A random edit of doc: members and elements removed, inserted, replaced or
-- edited recursively, each with a small probability, so that the two
-- documents share most of their structure.
CREATE FUNCTION pg_temp.mutate(doc jsonb, depth int) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    result jsonb;
    member record;
    element jsonb;
BEGIN
    IF random() < 0.05 THEN
        RETURN pg_temp.random_doc(depth);
    END IF;
    CASE jsonb_typeof(doc)
    WHEN 'object' THEN
        result := '{}';
        FOR member IN SELECT key, value FROM jsonb_each(doc) LOOP
            CONTINUE WHEN random() < 0.15;
            result := result || jsonb_build_object(member.key,
                CASE WHEN random() < 0.4 THEN pg_temp.mutate(member.value, depth - 1) ELSE member.value END);
        END LOOP;
        IF random() < 0.3 THEN
            result := result || jsonb_build_object(
                (ARRAY['a', 'b', 'c', 'f', 'g'])[1 + floor(random() * 5)::int], pg_temp.random_doc(depth - 1));
        END IF;
        RETURN result;
    WHEN 'array' THEN
        result := '[]';
        FOR element IN SELECT value FROM jsonb_array_elements(doc) LOOP
            IF random() < 0.1 THEN
                result := result || jsonb_build_array(pg_temp.random_doc(depth - 1));
            END IF;
            CONTINUE WHEN random() < 0.15;
            result := result || jsonb_build_array(
                CASE WHEN random() < 0.4 THEN pg_temp.mutate(element, depth - 1) ELSE element END);
        END LOOP;
        IF random() < 0.2 THEN
            result := result || jsonb_build_array(pg_temp.random_doc(depth - 1));
        END IF;
        RETURN result;
    ELSE
        RETURN CASE WHEN random() < 0.5 THEN doc ELSE pg_temp.random_doc(0) END;
    END CASE;
END
$$;

SELECT setseed(0.5);
CREATE TEMP TABLE pairs AS
SELECT i, kind, a, b, draft_mode.jsonb_diff(a, b) AS patch
  FROM (SELECT i, kind, a,
               CASE kind WHEN 'edited' THEN pg_temp.mutate(a, 5)
                         WHEN 'unchanged' THEN a
                         ELSE pg_temp.random_doc(5, 0) END AS b
          FROM (SELECT i, (ARRAY['edited', 'edited', 'edited', 'unchanged', 'independent'])[1 + i % 5] AS kind,
                       pg_temp.random_doc(5, 0) AS a
                  FROM generate_series(1, 2000) AS i) AS g) AS m;

SELECT kind,
       count(*) AS pairs,
       count(*) FILTER (WHERE a::text = b::text) AS equal_documents,
       count(*) FILTER (WHERE patch = '[]') AS empty_patches,
       count(*) FILTER (WHERE draft_mode.jsonb_patch(a, patch)::text = b::text) AS round_trips,
       count(*) FILTER (WHERE (patch = '[]') <> (a::text = b::text)) AS empty_patch_disagrees
  FROM pairs
 GROUP BY kind
 ORDER BY kind;

-- the generated documents are not trivial
SELECT count(*) FILTER (WHERE jsonb_typeof(a) = 'object') AS object_roots,
       count(*) FILTER (WHERE jsonb_typeof(a) = 'array') AS array_roots,
       count(*) FILTER (WHERE jsonb_array_length(patch) >= 3) AS patches_with_3_or_more_ops,
       max(jsonb_array_length(patch)) AS longest_patch
  FROM pairs;

-- the pairs that fail, if any
SELECT i, a, b, patch
  FROM pairs
 WHERE draft_mode.jsonb_patch(a, patch)::text <> b::text
 ORDER BY i
 LIMIT 5;

--
-- The documents are compared on jsonb's binary form first, and only the one
-- location under which all differences lie is converted: the patches are
-- those of a full walk (paths with escaped keys, numbers' scale, changes at
-- either end of an array, kinds that differ, bare scalars), and every one
-- round-trips
--
SELECT n, draft_mode.jsonb_diff(source, target) AS patch,
       draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target)) = target
         AND draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target))::text = target::text AS round_trip
  FROM (VALUES
    (1, '{"a/b": {"c~d": [1, 2, {"e": 1.0}]}, "z": 0}'::jsonb, '{"a/b": {"c~d": [1, 2, {"e": 1.00}]}, "z": 0}'::jsonb),
    (2, '[[0, 1], [2, 3], [4, 5]]', '[[0, 1], [2, 3], [4, 6]]'),
    (3, '[[0, 1], [2, 3], [4, 5]]', '[[9, 1], [2, 3], [4, 5]]'),
    (4, '[[0, 1], [2, 3], [4, 5]]', '[[0, 1], [2, 3, 7], [4, 5]]'),
    (5, '[[0, 1], [2, 3], [4, 5]]', '[[0, 1], {"x": 3}, [4, 5]]'),
    (6, '[[0, 1], [2, 3], [4, 5]]', '[[0, 9], [2, 9], [4, 5]]'),
    (7, '{"a": {"b": 1}, "c": {"d": 2}}', '{"a": {"b": 1}, "c": {"d": 2, "e": 3}}'),
    (8, '{"a": {"b": 1}, "c": {"d": 2}}', '{"a": {"b": 1}, "d": {"d": 2}}'),
    (9, '{"a": {"b": "x"}}', '{"a": {"b": null}}'),
    (10, '{"a": [1, 2]}', '{"a": [1, 2]}'),
    (11, '"text"', '"other"'),
    (12, '[1, 2, 3]', '[1, 2, 3, 4]'),
    (13, '[1, {"a": [true]}, 3]', '[1, {"a": [false]}, 3]'),
    (14, '{"k": [[["deep", 1]]]}', '{"k": [[["deep", 1.5]]]}')
  ) AS cases(n, source, target)
 ORDER BY n;
-- a one-element change in a large array is found without walking the rest
SELECT draft_mode.jsonb_diff(source, jsonb_set(source, '{60000}', '"changed"')) AS one_change
  FROM (SELECT jsonb_agg(i) AS source FROM generate_series(1, 100000) AS i) AS s;
