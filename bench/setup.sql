-- Shared setup of the benchmarks (bench/run, bench/json): schema bench with
-- the storefront document generator and its documents, the timing helpers,
-- the backend memory probe and the results table the final report is read
-- from. Re-running it starts over (the schema is dropped first).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS draft_mode;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- A storefront config as an editor app keeps it: store settings, theme,
-- navigation, redirects (keys with '/'), then pages, each with SEO fields
-- and 5 sections of 6 items (sku, name, two-decimal price and compare-at
-- price, stock, tags). Deterministic: the same pages give the same document.
-- One page is about 5 KB as text, 12 pages about 50 KB, 230 pages about 1 MB.
CREATE FUNCTION bench.storefront(pages int) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
SELECT jsonb_build_object(
  'store', 'acme', 'currency', 'EUR', 'locale', 'en-US',
  'theme', jsonb_build_object(
    'colors', jsonb_build_object('primary', '#1a73e8', 'secondary', '#fbbc04',
                                 'background', '#ffffff', 'text', '#202124'),
    'fonts', jsonb_build_object('heading', 'Inter', 'body', 'Source Sans 3'),
    'radius', 8),
  'navigation', '[{"label": "Home", "href": "/"}, {"label": "Shoes", "href": "/shoes"},
                  {"label": "Bags", "href": "/bags"}, {"label": "Sale", "href": "/sale"},
                  {"label": "About", "href": "/about"}, {"label": "Contact", "href": "/contact"}]'::jsonb,
  'redirects', '{"/summer-sale": "/sale", "/old/home": "/", "/shoes/running": "/shoes?type=running"}'::jsonb,
  'pages', (SELECT jsonb_agg(jsonb_build_object(
      'id', p, 'title', 'Page ' || p, 'slug', '/page-' || p,
      'seo', jsonb_build_object('title', 'Acme | Page ' || p,
                                'description', 'Everything for page ' || p || ': ' || md5(p::text)),
      'sections', (SELECT jsonb_agg(jsonb_build_object(
          'id', format('p%s-s%s', p, s), 'kind', (ARRAY['grid', 'hero', 'list'])[1 + s % 3],
          'heading', format('Section %s of page %s', s, p),
          'items', (SELECT jsonb_agg(jsonb_build_object(
              'sku', format('SKU-%s-%s-%s', p, s, i),
              'name', 'Product ' || left(md5(format('%s-%s-%s', p, s, i)), 10),
              'price', round(((p * 7919 + s * 104729 + i * 1299709) % 19900 + 100)::numeric / 100, 2),
              'compare_at', round(((p * 7919 + s * 104729 + i * 1299709) % 19900 + 2100)::numeric / 100, 2),
              'stock', (p * 31 + s * 7 + i) % 500,
              'tags', CASE WHEN i % 3 = 0 THEN '["new", "sale"]'::jsonb ELSE '["sale"]'::jsonb END)
              ORDER BY i) FROM generate_series(1, 6) AS i))
          ORDER BY s) FROM generate_series(1, 5) AS s))
      ORDER BY p) FROM generate_series(1, pages) AS p))
$$;

-- The documents the benchmarks use, by label.
CREATE TABLE bench.docs (label text PRIMARY KEY, pages int NOT NULL, doc jsonb NOT NULL);
INSERT INTO bench.docs
SELECT label, pages, bench.storefront(pages)
  FROM (VALUES ('5 KB', 1), ('50 KB', 12), ('1 MB', 230)) AS sizes(label, pages);

-- Times `runs` evaluations of an expression over the document of one size, in ms.
CREATE FUNCTION bench.time_ms(expression text, size text, runs int) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
BEGIN
    started := clock_timestamp();
    EXECUTE format('SELECT count(%s) FROM bench.docs, generate_series(1, %s) WHERE label = %L',
                   expression, runs, size);
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END
$$;

-- Median per-call time of A and B over interleaved rounds, in ms.
CREATE FUNCTION bench.pair(size text, runs int, a text, b text, rounds int DEFAULT 7,
                           OUT a_ms float8, OUT b_ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    a_times float8[] := '{}';
    b_times float8[] := '{}';
BEGIN
    FOR i IN 1 .. rounds LOOP
        a_times := a_times || bench.time_ms(a, size, runs) / runs;
        b_times := b_times || bench.time_ms(b, size, runs) / runs;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO a_ms FROM unnest(a_times) AS t;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO b_ms FROM unnest(b_times) AS t;
END
$$;

-- Median per-call time of statements A and B (each runs its call `runs`
-- times) over interleaved rounds, in ms per call.
CREATE FUNCTION bench.pair_statements(a text, b text, runs int, rounds int DEFAULT 7,
                                      OUT a_ms float8, OUT b_ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    a_times float8[] := '{}';
    b_times float8[] := '{}';
    started timestamptz;
BEGIN
    FOR i IN 1 .. rounds LOOP
        started := clock_timestamp();
        EXECUTE a;
        a_times := a_times || extract(epoch FROM clock_timestamp() - started) * 1000 / runs;
        started := clock_timestamp();
        EXECUTE b;
        b_times := b_times || extract(epoch FROM clock_timestamp() - started) * 1000 / runs;
    END LOOP;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO a_ms FROM unnest(a_times) AS t;
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) INTO b_ms FROM unnest(b_times) AS t;
END
$$;

-- One row per figure of the final table, in the order they were measured.
CREATE TABLE bench.results (
    position serial PRIMARY KEY,
    scenario text NOT NULL,
    ours text NOT NULL,
    baseline text,
    ratio text,
    target text,
    met text,
    memory text
);

-- Records one figure: ratio is ours / baseline as shown; met is NULL when
-- the row has no target.
CREATE FUNCTION bench.report(scenario text, ours text, baseline text, ratio float8,
                             target text, met bool)
RETURNS void LANGUAGE sql AS $$
INSERT INTO bench.results (scenario, ours, baseline, ratio, target, met)
VALUES (scenario, ours, baseline, round(ratio::numeric, 2) || 'x', target,
        CASE met WHEN true THEN 'yes' WHEN false THEN 'NO' END)
$$;

-- Milliseconds with three significant digits, for the report.
CREATE FUNCTION bench.ms(value float8) RETURNS text
LANGUAGE sql AS $$
SELECT CASE WHEN value >= 100 THEN round(value::numeric)::text
            WHEN value >= 10 THEN round(value::numeric, 1)::text
            WHEN value >= 1 THEN round(value::numeric, 2)::text
            ELSE round(value::numeric, 3)::text END || ' ms'
$$;

-- Median time of executing a statement, over rounds, in ms.
CREATE FUNCTION bench.median_ms(statement text, rounds int DEFAULT 5) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    times float8[] := '{}';
    started timestamptz;
BEGIN
    FOR i IN 1 .. rounds LOOP
        started := clock_timestamp();
        EXECUTE statement;
        times := times || extract(epoch FROM clock_timestamp() - started) * 1000;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) AS t);
END
$$;

-- Sets the memory column of the results whose scenario starts with prefix:
-- peak private memory growth of the backend for ours and for the baseline
-- (NULL: none), in kB.
CREATE FUNCTION bench.set_memory(prefix text, ours_kb int8, baseline_kb int8) RETURNS void
LANGUAGE sql AS $$
UPDATE bench.results
   SET memory = round(ours_kb / 1024.0, 1)
                || coalesce(' / ' || round(baseline_kb / 1024.0, 1), '') || ' MB'
 WHERE starts_with(scenario, prefix)
$$;

-- Statements whose backend memory bench/run measures, each in a fresh
-- session: ours and the baseline's (NULL: none), for the results whose
-- scenario starts with prefix.
CREATE TABLE bench.memory_probes (prefix text PRIMARY KEY, ours text NOT NULL, baseline text);

-- Puts this backend's memory allocator in the state of a long-lived backend
-- by building and freeing a few 1 MB values. A fresh backend runs jsonb_set
-- on a 50 KB document about 8x slower until it has freed one large block
-- (glibc then raises its mmap and trim thresholds and stops handing memory
-- back to the kernel after every call). Every timed session and pgbench or
-- node client calls it first, for ours and the baselines alike.
CREATE FUNCTION bench.warm_up() RETURNS int8
LANGUAGE sql AS $$
SELECT count(jsonb_set(doc, '{store}', '"acme"'))
       + count(draft_mode.jsonb_patch(doc, '[{"op": "replace", "path": "/store", "value": "acme"}]'))
  FROM bench.docs, generate_series(1, 2) WHERE label = '1 MB'
$$;
