-- The diff quality cliffs of issue 14, checked on the size of the patch
-- jsonb_diff returns (operation count and bytes), never on time:
-- 1. deleting every 19th of 5,000 numbers (263 edits, past the Myers bound
--    of 256) gave 4,979 operations; every 20th (250 edits) gave 250;
-- 2. 300 removals from, or insertions into, 20,000 objects gave more than
--    10,000 operations (refused; the store then kept a 454 KB whole-document
--    replace as history);
-- 3. many changes under a deeply nested path repeated that path in every
--    operation: the patch grew as depth x changes, far past the size of
--    replacing the smallest container enclosing them (now that replace).
\set ECHO none
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS draft_mode;
RESET client_min_messages;

SELECT plan(9);

CREATE TEMP TABLE pairs ON COMMIT DROP AS
SELECT 'every 19th of 5,000 numbers deleted' AS name, s AS source, t AS target
  FROM (SELECT jsonb_agg(i) AS s, jsonb_agg(i) FILTER (WHERE i % 19 <> 0) AS t
          FROM generate_series(1, 5000) AS i) AS x
UNION ALL
SELECT 'every 20th of 5,000 numbers deleted', s, t
  FROM (SELECT jsonb_agg(i) AS s, jsonb_agg(i) FILTER (WHERE i % 20 <> 0) AS t
          FROM generate_series(1, 5000) AS i) AS x
UNION ALL
SELECT '303 of 20,000 objects removed', s, t
  FROM (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', i)) AS s,
               jsonb_agg(jsonb_build_object('id', i, 'v', i)) FILTER (WHERE i % 66 <> 0) AS t
          FROM generate_series(1, 20000) AS i) AS x
UNION ALL
SELECT '303 objects inserted among 19,697', t, s
  FROM (SELECT jsonb_agg(jsonb_build_object('id', i, 'v', i)) AS s,
               jsonb_agg(jsonb_build_object('id', i, 'v', i)) FILTER (WHERE i % 66 <> 0) AS t
          FROM generate_series(1, 20000) AS i) AS x;

SELECT is(jsonb_array_length(draft_mode.jsonb_diff(source, target)), 263, name || ': one removal each')
  FROM pairs WHERE name LIKE 'every 19th%';
SELECT is(jsonb_array_length(draft_mode.jsonb_diff(source, target)), 250, name || ': one removal each')
  FROM pairs WHERE name LIKE 'every 20th%';
SELECT is(jsonb_array_length(draft_mode.jsonb_diff(source, target)), 303, name || ': one operation each')
  FROM pairs WHERE name LIKE '303%' ORDER BY name;
SELECT ok(draft_mode.jsonb_patch(source, draft_mode.jsonb_diff(source, target)) = target,
          name || ': the patch applies')
  FROM pairs WHERE name LIKE '303%' OR name LIKE 'every 19th%' ORDER BY name;

-- 3. 2,000 changed numbers 500 levels deep: each operation repeats a
-- 1,000-byte path; replacing the array (the smallest container enclosing
-- the changes) would take about 11 KB.
SELECT cmp_ok(length(draft_mode.jsonb_diff(s, t)::text), '<=', 2 * length((t #> array_fill('k'::text, ARRAY[500]))::text) + 2000,
              'changes under a deep path: the patch is at most about the size of replacing their array')
  FROM (SELECT (repeat('{"k":', 500) || (SELECT jsonb_agg(i)::text FROM generate_series(1, 2000) AS i) || repeat('}', 500))::jsonb AS s,
               (repeat('{"k":', 500) || (SELECT jsonb_agg(-i)::text FROM generate_series(1, 2000) AS i) || repeat('}', 500))::jsonb AS t) AS x;
SELECT ok(draft_mode.jsonb_patch(s, draft_mode.jsonb_diff(s, t)) = t, 'changes under a deep path: the patch applies')
  FROM (SELECT (repeat('{"k":', 500) || (SELECT jsonb_agg(i)::text FROM generate_series(1, 2000) AS i) || repeat('}', 500))::jsonb AS s,
               (repeat('{"k":', 500) || (SELECT jsonb_agg(-i)::text FROM generate_series(1, 2000) AS i) || repeat('}', 500))::jsonb AS t) AS x;

SELECT * FROM finish();
ROLLBACK;
