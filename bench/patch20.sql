-- Scenario 2 of bench/run: a 20-operation patch (every op, pointers with ~0
-- and ~1, '-' appends) on the 50 KB document, draft_mode.jsonb_patch vs the
-- PL/pgSQL implementation of bench/plpgsql_patch.sql. Both results must be
-- identical (same jsonb text) before anything is timed. Runs after
-- bench/setup.sql and bench/plpgsql_patch.sql.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

CREATE TABLE bench.patches (name text PRIMARY KEY, patch jsonb NOT NULL);
INSERT INTO bench.patches VALUES ('20 ops', $$[
  {"op": "test", "path": "/store", "value": "acme"},
  {"op": "replace", "path": "/pages/0/title", "value": "Home"},
  {"op": "replace", "path": "/pages/0/sections/0/items/0/price", "value": 19.90},
  {"op": "replace", "path": "/pages/3/sections/2/items/4/price", "value": 5.00},
  {"op": "replace", "path": "/pages/11/sections/4/items/5/price", "value": 129.99},
  {"op": "add", "path": "/pages/1/sections/1/items/2",
   "value": {"sku": "SKU-NEW-1", "name": "Trail runner", "price": 89.50, "compare_at": 99.00, "stock": 12, "tags": ["new"]}},
  {"op": "add", "path": "/pages/1/sections/1/items/-",
   "value": {"sku": "SKU-NEW-2", "name": "Rain jacket", "price": 120.00, "compare_at": 150.00, "stock": 3, "tags": []}},
  {"op": "remove", "path": "/pages/2/sections/3/items/0"},
  {"op": "move", "from": "/pages/4/sections/0/items/1", "path": "/pages/4/sections/0/items/0"},
  {"op": "move", "from": "/pages/5/sections/2", "path": "/pages/6/sections/-"},
  {"op": "copy", "from": "/pages/7/sections/1/items/3", "path": "/pages/7/sections/1/items/-"},
  {"op": "add", "path": "/redirects/~1spring-sale", "value": "/sale"},
  {"op": "remove", "path": "/redirects/~1old~1home"},
  {"op": "add", "path": "/theme/colors/accent", "value": "#ff6d00"},
  {"op": "replace", "path": "/theme/radius", "value": 12},
  {"op": "add", "path": "/pages/8/seo/keywords", "value": ["shoes", "sale"]},
  {"op": "test", "path": "/pages/9/sections/0/kind", "value": "hero"},
  {"op": "replace", "path": "/pages/10/sections/1/heading", "value": "New arrivals"},
  {"op": "add", "path": "/announcement~0banner", "value": {"text": "Free shipping over 50.00", "until": "2025-08-31"}},
  {"op": "remove", "path": "/pages/11/sections/4"}
]$$);

\echo
\echo '2. A 20-operation patch on the 50 KB document: draft_mode.jsonb_patch vs PL/pgSQL (target: at least 30x faster, issue 14)'
-- Fails loudly when the two implementations disagree.
DO $$
DECLARE
    ours text;
    theirs text;
BEGIN
    SELECT draft_mode.jsonb_patch(doc, patch)::text, bench.plpgsql_jsonb_patch(doc, patch)::text
      INTO ours, theirs
      FROM bench.docs, bench.patches WHERE label = '50 KB' AND name = '20 ops';
    IF ours IS DISTINCT FROM theirs OR ours = (SELECT doc::text FROM bench.docs WHERE label = '50 KB') THEN
        RAISE EXCEPTION 'scenario 2: draft_mode.jsonb_patch and the PL/pgSQL patch give different results'
            USING DETAIL = format('ours: %s bytes, PL/pgSQL: %s bytes', length(ours), length(theirs));
    END IF;
END
$$;
SELECT bench.warm_up() \g /dev/null
CREATE TEMP TABLE patch20_times AS
SELECT a_ms AS patch_ms, b_ms AS plpgsql_ms
  FROM bench.pair('50 KB', 20,
         $$draft_mode.jsonb_patch(doc, (SELECT patch FROM bench.patches WHERE name = '20 ops'))$$,
         $$bench.plpgsql_jsonb_patch(doc, (SELECT patch FROM bench.patches WHERE name = '20 ops'))$$);
SELECT round(patch_ms::numeric, 3) AS jsonb_patch_ms, round(plpgsql_ms::numeric, 3) AS plpgsql_ms,
       round((plpgsql_ms / patch_ms)::numeric, 1) AS times_faster, plpgsql_ms / patch_ms >= 30 AS met
  FROM patch20_times;
SELECT bench.report('2. 20-op patch, 50 KB: jsonb_patch vs PL/pgSQL', bench.ms(patch_ms),
                    bench.ms(plpgsql_ms), patch_ms / plpgsql_ms, '<= 0.033x (30x faster)',
                    plpgsql_ms / patch_ms >= 30)
  FROM patch20_times \g /dev/null
INSERT INTO bench.memory_probes VALUES ('2. 20-op patch',
  $$SELECT count(draft_mode.jsonb_patch(doc, patch)) FROM bench.docs, bench.patches, generate_series(1, 200) WHERE label = '50 KB' AND name = '20 ops'$$,
  $$SELECT count(bench.plpgsql_jsonb_patch(doc, patch)) FROM bench.docs, bench.patches, generate_series(1, 20) WHERE label = '50 KB' AND name = '20 ops'$$);
