-- The jsonb draft_mode builds is byte-for-byte what Postgres builds: same
-- size as jsonb_in's encoding of the same text, same text out, equal under
-- jsonb's own operators (which read the JEntry offsets), for generated
-- documents of every shape: nested objects and arrays (longer than the
-- 32-entry offset stride), strings, numbers with scale, booleans, nulls,
-- and bare scalars.
SELECT setseed(0.42);
CREATE TEMP TABLE docs AS
SELECT jsonb_build_object('pages', (
         SELECT jsonb_agg(jsonb_build_object(
                  'id', p, 'k' || (random() * 40)::int, md5(p::text),
                  'items', (SELECT jsonb_agg(CASE WHEN random() < 0.2 THEN to_jsonb(round(random()::numeric, 6))
                                                  WHEN random() < 0.4 THEN 'null'::jsonb
                                                  WHEN random() < 0.6 THEN to_jsonb(i)
                                                  WHEN random() < 0.8 THEN to_jsonb(repeat('x', (random() * 50)::int))
                                                  ELSE jsonb_build_object('n', (random() * 1000)::numeric(12, 3),
                                                                          'b', random() < 0.5) END)
                              FROM generate_series(1, (random() * 80)::int) AS i)))
           FROM generate_series(1, (random() * 60)::int) AS p)) AS d
  FROM generate_series(1, 200);
INSERT INTO docs VALUES ('1'), ('"s"'), ('null'), ('true'), ('false'), ('[]'), ('{}'), ('1e-400'),
    ('19.90'), ('[1, 2, 3]'), ((SELECT jsonb_agg(i) FROM generate_series(1, 100) AS i)),
    ((SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 100) AS i));
SELECT count(*) AS documents,
       count(*) FILTER (WHERE pg_column_size(draft_mode.jsonb_patch(d, '[]'))
                              <> pg_column_size(d::text::jsonb)) AS size_differs,
       count(*) FILTER (WHERE draft_mode.jsonb_patch(d, '[]')::text <> d::text) AS text_differs,
       count(*) FILTER (WHERE draft_mode.jsonb_patch(d, '[]') <> d) AS not_equal,
       count(*) FILTER (WHERE jsonb_hash(draft_mode.jsonb_patch(d, '[]')) <> jsonb_hash(d)) AS hash_differs,
       count(*) FILTER (WHERE jsonb_typeof(d) = 'object'
                          AND draft_mode.jsonb_merge_patch(d, '{}') <> d) AS merge_not_equal
  FROM docs;
-- element and member access past the offset stride
SELECT draft_mode.jsonb_patch((SELECT jsonb_agg(i) FROM generate_series(1, 100) AS i), '[]') -> 77 AS element_77,
       draft_mode.jsonb_patch((SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 100) AS i), '[]')
           -> 'key77' AS member_key77,
       draft_mode.jsonb_patch((SELECT jsonb_object_agg('key' || i, i) FROM generate_series(1, 100) AS i), '[]')
           @> '{"key99": 99, "key1": 1}' AS contains;
