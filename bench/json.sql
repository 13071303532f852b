-- JSON engine benchmarks (scenarios 1 and 5 of bench/run), run by bench/json
-- and bench/run after bench/setup.sql: each pair is timed in the same
-- session, alternating A and B for 11 rounds; medians are reported and
-- recorded in bench.results.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

\echo
\echo '1. One replace: draft_mode.jsonb_patch vs jsonb_set (target: at most 0.5x, issue 14)'
SELECT bench.warm_up() \g /dev/null
CREATE TEMP TABLE replace_times AS
SELECT size, a_ms AS patch_ms, b_ms AS set_ms
  FROM (VALUES ('5 KB', 2000), ('50 KB', 300), ('1 MB', 10)) AS runs(size, n),
       LATERAL bench.pair(size, n,
         $$draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/pages/0/sections/2/items/1/price", "value": 9.99}]')$$,
         $$jsonb_set(doc, '{pages,0,sections,2,items,1,price}', '9.99')$$, rounds => 11);
SELECT size, round(patch_ms::numeric, 3) AS jsonb_patch_ms, round(set_ms::numeric, 3) AS jsonb_set_ms,
       round((patch_ms / set_ms)::numeric, 2) AS ratio, patch_ms / set_ms <= 0.5 AS met
  FROM replace_times JOIN bench.docs ON label = size ORDER BY pages;
SELECT bench.report('1. one replace, ' || size || ': jsonb_patch vs jsonb_set', bench.ms(patch_ms),
                    bench.ms(set_ms), patch_ms / set_ms, '<= 0.5x', patch_ms / set_ms <= 0.5)
  FROM replace_times JOIN bench.docs ON label = size ORDER BY pages \g /dev/null
INSERT INTO bench.memory_probes
SELECT '1. one replace, ' || size,
       format($$SELECT count(draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/pages/0/sections/2/items/1/price", "value": 9.99}]')) FROM bench.docs, generate_series(1, %s) WHERE label = %L$$, n, size),
       format($$SELECT count(jsonb_set(doc, '{pages,0,sections,2,items,1,price}', '9.99')) FROM bench.docs, generate_series(1, %s) WHERE label = %L$$, n, size)
  FROM (VALUES ('5 KB', 2000), ('50 KB', 300), ('1 MB', 10)) AS runs(size, n);

-- Linear growth: time from the 50 KB to the 1 MB document grows at most
-- twice as fast as the size (1.0 is exactly linear).
CREATE TEMP TABLE replace_growth AS
SELECT large.patch_ms / small.patch_ms AS patch_growth, large.set_ms / small.set_ms AS set_growth,
       length((SELECT doc FROM bench.docs WHERE label = '1 MB')::text)::float8
         / length((SELECT doc FROM bench.docs WHERE label = '50 KB')::text) AS size_growth
  FROM replace_times AS small, replace_times AS large
 WHERE small.size = '50 KB' AND large.size = '1 MB';
SELECT round(size_growth::numeric, 1) AS size_growth, round(patch_growth::numeric, 1) AS jsonb_patch_time_growth,
       round(set_growth::numeric, 1) AS jsonb_set_time_growth
  FROM replace_growth;
SELECT bench.report(format('1. jsonb_patch time, 50 KB -> 1 MB (size x%s)', round(size_growth::numeric, 1)),
                    format('x%s', round(patch_growth::numeric, 1)),
                    format('x%s (jsonb_set)', round(set_growth::numeric, 1)),
                    patch_growth / size_growth, 'linear: <= 2x size growth',
                    patch_growth / size_growth <= 2)
  FROM replace_growth \g /dev/null

\echo
\echo '5. jsonb_diff on 50 KB documents: one change, and 10% of the prices changed'
-- Sets the price of every item whose stock is a multiple of 10 (one in ten) to 0.01.
CREATE FUNCTION pg_temp.change_prices(doc jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT p.position - 1 AS p, s.position - 1 AS s, i.position - 1 AS i
          FROM jsonb_array_elements(doc -> 'pages') WITH ORDINALITY AS p (page, position),
               jsonb_array_elements(p.page -> 'sections') WITH ORDINALITY AS s (section, position),
               jsonb_array_elements(s.section -> 'items') WITH ORDINALITY AS i (item, position)
         WHERE (i.item ->> 'stock')::int % 10 = 0
    LOOP
        doc := jsonb_set(doc, ARRAY['pages', item.p, 'sections', item.s, 'items', item.i, 'price']::text[],
                         '0.01');
    END LOOP;
    RETURN doc;
END
$$;
CREATE TEMP TABLE diff_pairs AS
SELECT 'one change' AS case_name, doc AS source,
       jsonb_set(doc, '{pages,3,sections,1,items,2,price}', '1.23') AS target
  FROM bench.docs WHERE label = '50 KB'
UNION ALL
SELECT '10% changed', doc, pg_temp.change_prices(doc) FROM bench.docs WHERE label = '50 KB';
CREATE TEMP TABLE diff_results AS
SELECT case_name, jsonb_array_length(draft_mode.jsonb_diff(source, target)) AS ops,
       length(draft_mode.jsonb_diff(source, target)::text) AS patch_bytes,
       length(target::text) AS document_bytes,
       draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target)) = target AS round_trip,
       bench.median_ms(format('SELECT draft_mode.jsonb_diff(source, target) FROM diff_pairs WHERE case_name = %L',
                              case_name), 21) AS diff_ms
  FROM diff_pairs;
SELECT case_name, ops, patch_bytes, document_bytes, round_trip, round(diff_ms::numeric, 3) AS diff_ms
  FROM diff_results ORDER BY case_name DESC;
SELECT bench.report('5. jsonb_diff, 50 KB, ' || case_name,
                    format('%s, %s op%s, %s B patch', bench.ms(diff_ms), ops, CASE WHEN ops = 1 THEN '' ELSE 's' END, patch_bytes),
                    NULL, NULL, 'round trip exact', round_trip)
  FROM diff_results ORDER BY case_name DESC \g /dev/null

\echo
\echo '5. jsonb_diff of an array with one element inserted in the middle: time grows linearly'
CREATE TABLE bench.arrays AS
SELECT n::int AS n, (SELECT jsonb_agg(i) FROM generate_series(1, n) AS i) AS source,
       (SELECT jsonb_agg(i) FROM (SELECT i FROM generate_series(1, n / 2) AS i UNION ALL SELECT -1
                                  UNION ALL SELECT i FROM generate_series(n / 2 + 1, n) AS i) AS s) AS target
  FROM (VALUES (25000), (50000), (100000)) AS sizes(n);
CREATE TEMP TABLE array_results AS
SELECT n, jsonb_array_length(draft_mode.jsonb_diff(source, target)) AS ops,
       length(draft_mode.jsonb_diff(source, target)::text) AS patch_bytes,
       bench.median_ms(format('SELECT draft_mode.jsonb_diff(source, target) FROM bench.arrays WHERE n = %s', n), 7)
         AS diff_ms
  FROM bench.arrays;
SELECT n AS elements, ops, patch_bytes, round(diff_ms::numeric, 1) AS diff_ms,
       round((diff_ms / (SELECT diff_ms FROM array_results WHERE n = 25000))::numeric, 2) AS time_vs_25000
  FROM array_results ORDER BY n;
SELECT bench.report('5. jsonb_diff, 50,000-element array, one insertion',
                    format('%s, %s op, %s B patch', bench.ms(diff_ms), ops, patch_bytes),
                    NULL, NULL, '1 op', ops = 1)
  FROM array_results WHERE n = 50000 \g /dev/null
INSERT INTO bench.memory_probes VALUES ('5. jsonb_diff, 50,000-element array',
  'SELECT count(draft_mode.jsonb_diff(source, target)) FROM bench.arrays, generate_series(1, 20) WHERE n = 50000', NULL);
SELECT bench.report('5. jsonb_diff time, 25,000 -> 100,000 elements (size x4)',
                    format('x%s', round((large.diff_ms / small.diff_ms)::numeric, 1)), NULL,
                    large.diff_ms / small.diff_ms / 4, 'linear: <= 2x size growth',
                    large.diff_ms / small.diff_ms / 4 <= 2)
  FROM array_results AS small, array_results AS large
 WHERE small.n = 25000 AND large.n = 100000 \g /dev/null

\echo
\echo '8. Pointer read: draft_mode.jsonb_pointer_get vs #> (target: within 1.2x)'
CREATE TEMP TABLE pointer_times AS
SELECT size, a_ms AS pointer_ms, b_ms AS arrow_ms
  FROM (VALUES ('5 KB', 5000), ('50 KB', 2000), ('1 MB', 100)) AS runs(size, n),
       LATERAL bench.pair(size, n,
         $$draft_mode.jsonb_pointer_get(doc, '/pages/0/sections/2/items/1/price')$$,
         $$doc #> '{pages,0,sections,2,items,1,price}'$$, rounds => 11);
SELECT size, round(pointer_ms::numeric, 4) AS jsonb_pointer_get_ms, round(arrow_ms::numeric, 4) AS hash_arrow_ms,
       round((pointer_ms / arrow_ms)::numeric, 2) AS ratio, pointer_ms / arrow_ms <= 1.2 AS met
  FROM pointer_times JOIN bench.docs ON label = size ORDER BY pages;
SELECT bench.report('8. pointer read, ' || size || ': jsonb_pointer_get vs #>', bench.ms(pointer_ms),
                    bench.ms(arrow_ms), pointer_ms / arrow_ms, '<= 1.2x', pointer_ms / arrow_ms <= 1.2)
  FROM pointer_times JOIN bench.docs ON label = size ORDER BY pages \g /dev/null

\echo
\echo '9. Merge of 30,000 new keys that sort before the 30,000 existing ones: jsonb_merge_patch vs || (target: within 2x)'
CREATE TABLE bench.merge_docs AS
SELECT (SELECT jsonb_object_agg('existing' || i, i) FROM generate_series(1, 30000) AS i) AS doc,
       (SELECT jsonb_object_agg('new' || i, i) FROM generate_series(1, 30000) AS i) AS patch;
SELECT draft_mode.jsonb_merge_patch(doc, patch) = doc || patch AS same_as_concatenation FROM bench.merge_docs;
CREATE TEMP TABLE merge_times AS
SELECT a_ms AS merge_ms, b_ms AS concat_ms
  FROM bench.pair_statements(
         'SELECT count(draft_mode.jsonb_merge_patch(doc, patch)) FROM bench.merge_docs, generate_series(1, 5)',
         'SELECT count(doc || patch) FROM bench.merge_docs, generate_series(1, 5)', 5, rounds => 7);
SELECT round(merge_ms::numeric, 1) AS jsonb_merge_patch_ms, round(concat_ms::numeric, 1) AS concat_ms,
       round((merge_ms / concat_ms)::numeric, 2) AS ratio, merge_ms / concat_ms <= 2 AS met
  FROM merge_times;
SELECT bench.report('9. merge of 30,000 new keys sorting first: jsonb_merge_patch vs ||', bench.ms(merge_ms),
                    bench.ms(concat_ms), merge_ms / concat_ms, '<= 2x', merge_ms / concat_ms <= 2)
  FROM merge_times \g /dev/null

\echo
\echo '10. jsonb_diff of a 1,000,000-element array with one element changed vs jsonb = (target: within 2x)'
CREATE TABLE bench.big_arrays AS
SELECT source, jsonb_set(source, '{500000}', '-1') AS target
  FROM (SELECT jsonb_agg(i) AS source FROM generate_series(1, 1000000) AS i) AS s;
CREATE TEMP TABLE big_diff AS
SELECT (SELECT draft_mode.jsonb_diff(source, target) FROM bench.big_arrays) AS patch, a_ms AS diff_ms, b_ms AS equal_ms
  FROM bench.pair_statements('SELECT count(draft_mode.jsonb_diff(source, target)) FROM bench.big_arrays',
                             'SELECT count(NULLIF(source = target, true)) FROM bench.big_arrays', 1, rounds => 5);
SELECT patch, round(diff_ms::numeric, 1) AS jsonb_diff_ms, round(equal_ms::numeric, 1) AS equal_ms,
       round((diff_ms / equal_ms)::numeric, 2) AS ratio, diff_ms / equal_ms <= 2 AS met
  FROM big_diff;
SELECT bench.report('10. jsonb_diff, 1,000,000-element array, one change, vs jsonb =', bench.ms(diff_ms),
                    bench.ms(equal_ms), diff_ms / equal_ms, '<= 2x', diff_ms / equal_ms <= 2)
  FROM big_diff \g /dev/null
