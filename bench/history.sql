-- Scenario 6 of bench/run: history storage. 1,000 single-field edits
-- (patch_draft replacing one price each) of the 50 KB document, against
-- keeping 1,000 full copies (each edited version inserted into a plain
-- table, as an app that versions whole documents does). Sizes are on disk:
-- pg_total_relation_size (table, TOAST and indexes) growth. Run after
-- bench/setup.sql, before anything else writes draft_mode.history.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;

CREATE TABLE bench.full_copies (version int8 PRIMARY KEY, content jsonb NOT NULL);
CREATE TEMP TABLE history_before AS
SELECT pg_total_relation_size('draft_mode.history') AS history_bytes;
SELECT draft_mode.create_section('bench', 'history', doc) FROM bench.docs WHERE label = '50 KB' \g /dev/null

-- Edit k sets one item's price (every item in turn) to a new two-decimal value.
DO $$
DECLARE
    change draft_mode.change;
    version int8 := 1;
BEGIN
    FOR k IN 1 .. 1000 LOOP
        change := draft_mode.patch_draft('bench', 'history', jsonb_build_array(jsonb_build_object(
            'op', 'replace',
            'path', format('/pages/%s/sections/%s/items/%s/price', k % 12, (k / 12) % 5, (k / 60) % 6),
            'value', round(1000 + k + (k % 100) / 100.0, 2))), version);
        IF change.version <> version + 1 THEN
            RAISE EXCEPTION 'scenario 6: edit % changed nothing', k;
        END IF;
        version := change.version;
        INSERT INTO bench.full_copies
        SELECT g.version, g.content FROM draft_mode.get_section('bench', 'history') AS g;
    END LOOP;
END
$$;
CHECKPOINT;
CREATE TEMP TABLE history_cost AS
SELECT pg_total_relation_size('draft_mode.history') - b.history_bytes AS history_bytes,
       pg_total_relation_size('bench.full_copies') AS copies_bytes,
       (SELECT count(*) FROM draft_mode.history
         WHERE tenant = 'bench' AND section = 'history' AND version > 1 AND snapshot IS NOT NULL) AS snapshots
  FROM history_before AS b;

\echo
\echo '6. History of 1,000 single-field edits of the 50 KB document vs 1,000 full copies (target: under 5%)'
SELECT history_bytes, snapshots, copies_bytes,
       round(100.0 * history_bytes / copies_bytes, 2) AS percent, history_bytes < 0.05 * copies_bytes AS met
  FROM history_cost;
SELECT bench.report('6. history bytes, 1,000 one-field edits of 50 KB vs full copies',
                    format('%s kB', round(history_bytes / 1024.0)), format('%s kB', round(copies_bytes / 1024.0)),
                    history_bytes::float8 / copies_bytes, '< 0.05x', history_bytes < 0.05 * copies_bytes)
  FROM history_cost \g /dev/null
