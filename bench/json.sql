-- JSON engine benchmarks, run by bench/json: each pair is timed in the same
-- session, alternating A and B for several rounds; medians are reported.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SELECT setseed(0.5);

-- A storefront config: pages, sections, items with two-decimal prices.
CREATE TEMP TABLE docs AS
SELECT label, jsonb_build_object('store', 'acme', 'pages', (
         SELECT jsonb_agg(jsonb_build_object(
                  'id', p, 'title', 'Page ' || p, 'slug', md5(p::text),
                  'sections', (SELECT jsonb_agg(jsonb_build_object(
                                 'id', s, 'kind', (ARRAY['grid', 'hero', 'list'])[1 + s % 3],
                                 'items', (SELECT jsonb_agg(jsonb_build_object(
                                             'sku', md5(p || '-' || s || '-' || i),
                                             'name', 'Item ' || i,
                                             'price', round((random() * 100)::numeric, 2),
                                             'stock', (random() * 500)::int,
                                             'tags', jsonb_build_array('new', 'sale')))
                                             FROM generate_series(1, 6) AS i)))
                               FROM generate_series(1, 5) AS s)))
           FROM generate_series(1, pages) AS p)) AS doc
  FROM (VALUES ('4 KB', 1), ('50 KB', 13), ('1 MB', 270)) AS sizes(label, pages);
SELECT label, pg_size_pretty(length(doc::text)::int8) AS text_size FROM docs ORDER BY length(doc::text);

-- Times `runs` evaluations of an expression over docs of one size, in ms.
CREATE FUNCTION pg_temp.time_ms(expression text, size text, runs int) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
BEGIN
    started := clock_timestamp();
    EXECUTE format('SELECT count(%s) FROM docs, generate_series(1, %s) WHERE label = %L',
                   expression, runs, size);
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;

-- Median per-call time of A and B over interleaved rounds.
CREATE FUNCTION pg_temp.pair(size text, runs int, a text, b text, rounds int DEFAULT 7,
                             OUT a_ms float8, OUT b_ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    a_times float8[] := '{}';
    b_times float8[] := '{}';
BEGIN
    FOR i IN 1 .. rounds LOOP
        a_times := a_times || pg_temp.time_ms(a, size, runs) / runs;
        b_times := b_times || pg_temp.time_ms(b, size, runs) / runs;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO a_ms FROM unnest(a_times) AS t;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO b_ms FROM unnest(b_times) AS t;
END
$$;

\echo
\echo '1. One replace: draft_mode.jsonb_patch vs jsonb_set (target: within 1.5x)'
SELECT size, round(a_ms::numeric, 3) AS jsonb_patch_ms, round(b_ms::numeric, 3) AS jsonb_set_ms,
       round((a_ms / b_ms)::numeric, 2) AS ratio, a_ms / b_ms <= 1.5 AS met
  FROM (VALUES ('4 KB', 2000), ('50 KB', 300), ('1 MB', 10)) AS runs(size, n),
       LATERAL pg_temp.pair(size, n,
         $$draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/pages/0/sections/2/items/1/price", "value": 9.99}]')$$,
         $$jsonb_set(doc, '{pages,0,sections,2,items,1,price}', '9.99')$$);

\echo
\echo '5. jsonb_diff on 50 KB documents: one change, and 10% of the prices changed'
CREATE TEMP TABLE diff_pairs AS
SELECT 'one change' AS case_name, doc AS source,
       jsonb_set(doc, '{pages,3,sections,1,items,2,price}', '1.23') AS target
  FROM docs WHERE label = '50 KB'
UNION ALL
SELECT '10% changed', doc,
       (SELECT jsonb_set(doc, '{pages}', jsonb_agg(jsonb_set(page, '{sections}', (
                 SELECT jsonb_agg(jsonb_set(section, '{items}', (
                          SELECT jsonb_agg(CASE WHEN random() < 0.1
                                                THEN jsonb_set(item, '{price}', '0.01') ELSE item END)
                            FROM jsonb_array_elements(section -> 'items') AS item)))
                   FROM jsonb_array_elements(page -> 'sections') AS section))))
          FROM jsonb_array_elements(doc -> 'pages') AS page)
  FROM docs WHERE label = '50 KB';
SELECT case_name, jsonb_array_length(draft_mode.jsonb_diff(source, target)) AS ops,
       length(draft_mode.jsonb_diff(source, target)::text) AS patch_bytes,
       length(target::text) AS document_bytes,
       draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target)) = target AS round_trip
  FROM diff_pairs ORDER BY case_name DESC;

\echo
\echo '5. jsonb_diff of an array with one element inserted in the middle: time grows linearly'
CREATE TEMP TABLE arrays AS
SELECT n, (SELECT jsonb_agg(i) FROM generate_series(1, n) AS i) AS source,
       (SELECT jsonb_agg(i) FROM (SELECT i FROM generate_series(1, n / 2) AS i UNION ALL SELECT -1
                                  UNION ALL SELECT i FROM generate_series(n / 2 + 1, n) AS i) AS s) AS target
  FROM (VALUES (25000), (50000), (100000)) AS sizes(n);
CREATE FUNCTION pg_temp.diff_ms(size int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    times float8[] := '{}';
    started timestamptz;
BEGIN
    FOR i IN 1 .. 5 LOOP
        started := clock_timestamp();
        PERFORM draft_mode.jsonb_diff(source, target) FROM arrays WHERE n = size;
        times := times || extract(epoch FROM clock_timestamp() - started) * 1000;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) AS t);
END
$$;
SELECT n AS elements, jsonb_array_length(draft_mode.jsonb_diff(source, target)) AS ops,
       round(pg_temp.diff_ms(n)::numeric, 1) AS diff_ms,
       round((pg_temp.diff_ms(n) / pg_temp.diff_ms(25000))::numeric, 2) AS time_vs_25000
  FROM arrays ORDER BY n;
