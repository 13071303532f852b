-- pgTAP tests of the store's history: every version can be rebuilt exactly,
-- after a long random-looking (seeded, so repeatable) mix of all operations,
-- with frequent snapshots and with the default interval; history patches
-- lead from each version to the next and back; undo is 60 steps deep; and
-- history of single-field edits costs bytes, not copies of the document.
-- pgTAP inside pg_regress, in a database where pgtap and draft_mode may or
-- may not be installed yet; everything is rolled back. The measured costs
-- vary from run to run (space reused on disk), so they are not part of the
-- expected output: DRAFT_MODE_HISTORY_COSTS=1 prints them, for example with
--   DRAFT_MODE_HISTORY_COSTS=1 psql -X -f test/sql/history.sql
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

SELECT plan(29);

-- What get_section returned after each step of a sequence: the working
-- content under the version it reported. A step that changed nothing
-- reports a version seen before, with content that must be the same.
CREATE TEMP TABLE seen (
    section text,
    version int8,
    content jsonb NOT NULL,
    PRIMARY KEY (section, version)
) ON COMMIT DROP;
CREATE TEMP TABLE seen_mismatch (section text, version int8, recorded jsonb, now_seen jsonb)
    ON COMMIT DROP;
CREATE TEMP TABLE operations (section text, operation text, outcome text) ON COMMIT DROP;

-- Records the section's working content under its version.
CREATE FUNCTION pg_temp.record(tenant text, section text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current record;
    earlier jsonb;
BEGIN
    SELECT * INTO current FROM draft_mode.get_section(tenant, section);
    SELECT s.content INTO earlier FROM seen AS s
     WHERE s.section = record.section AND s.version = current.version;
    IF earlier IS NULL THEN
        INSERT INTO seen VALUES (section, current.version, current.content);
    ELSIF earlier::text <> current.content::text THEN
        INSERT INTO seen_mismatch VALUES (section, current.version, earlier, current.content);
    END IF;
END
$$;

-- A price with two decimals, as shops write them.
CREATE FUNCTION pg_temp.price() RETURNS numeric
LANGUAGE sql AS $$ SELECT round((random() * 200)::numeric, 2) $$;

-- Runs steps operations on a new section, chosen and shaped by random()
-- after setseed(seed): patch (several shapes, some failing), merge, save,
-- publish, discard, undo, redo, restore. Records the content after each.
CREATE FUNCTION pg_temp.run_sequence(tenant text, section text, steps int, seed float8)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    current record;
    content jsonb;
    item_count int;
    choice float8;
    patch jsonb;
    state_before text;
BEGIN
    PERFORM setseed(seed);
    PERFORM draft_mode.create_section(tenant, section,
        '{"title": "Home", "items": [{"sku": "i-0", "price": 19.90}], "flags": {}}', 'page');
    PERFORM pg_temp.record(tenant, section);
    FOR step IN 1..steps LOOP
        SELECT * INTO current FROM draft_mode.get_section(tenant, section);
        content := current.content;
        item_count := coalesce(jsonb_array_length(content -> 'items'), 0);
        choice := random();
        -- redo is possible only right after undo: take the chance often
        IF (SELECT cardinality(s.redo_versions) > 0 AND random() < 0.4 FROM draft_mode.sections AS s
             WHERE s.tenant = run_sequence.tenant AND s.section = run_sequence.section) THEN
            choice := 0.85;
        END IF;
        BEGIN
            IF choice < 0.30 THEN
                -- patch: reprice, add, remove, move, copy, retitle, or a failing test
                choice := random();
                IF choice < 0.30 AND item_count > 0 THEN
                    patch := jsonb_build_array(jsonb_build_object('op', 'replace',
                        'path', format('/items/%s/price', floor(random() * item_count)),
                        'value', pg_temp.price()));
                ELSIF choice < 0.50 THEN
                    patch := jsonb_build_array(jsonb_build_object('op', 'add',
                        'path', format('/items/%s', floor(random() * (item_count + 1))),
                        'value', jsonb_build_object('sku', 'i-' || step, 'price', pg_temp.price())));
                ELSIF choice < 0.62 AND item_count > 1 THEN
                    patch := jsonb_build_array(jsonb_build_object('op', 'remove',
                        'path', format('/items/%s', floor(random() * item_count))));
                ELSIF choice < 0.72 AND item_count > 1 THEN
                    patch := jsonb_build_array(jsonb_build_object('op', 'move',
                        'from', format('/items/%s', floor(random() * item_count)),
                        'path', format('/items/%s', floor(random() * item_count))));
                ELSIF choice < 0.80 AND item_count > 0 THEN
                    patch := jsonb_build_array(jsonb_build_object('op', 'copy',
                        'from', format('/items/%s', floor(random() * item_count)),
                        'path', '/items/-'));
                ELSIF choice < 0.90 AND content ? 'title' THEN
                    patch := jsonb_build_array(
                        jsonb_build_object('op', 'test', 'path', '/title', 'value', content -> 'title'),
                        jsonb_build_object('op', 'replace', 'path', '/title', 'value', 'Title ' || step));
                ELSIF choice < 0.90 THEN
                    patch := jsonb_build_array(
                        jsonb_build_object('op', 'add', 'path', '/title', 'value', 'Title ' || step));
                ELSE
                    -- fails after a valid operation: nothing may change
                    patch := jsonb_build_array(
                        jsonb_build_object('op', 'add', 'path', '/flags/broken', 'value', true),
                        jsonb_build_object('op', 'test', 'path', '/flags', 'value', 'not the flags'));
                END IF;
                state_before := (SELECT row(s.*)::text FROM draft_mode.sections AS s
                                  WHERE s.tenant = run_sequence.tenant AND s.section = run_sequence.section);
                BEGIN
                    PERFORM draft_mode.patch_draft(tenant, section, patch, current.version);
                    INSERT INTO operations VALUES (section, 'patch', 'ok');
                EXCEPTION WHEN SQLSTATE 'DM004' THEN
                    INSERT INTO operations VALUES (section, 'patch',
                        CASE WHEN state_before = (SELECT row(s.*)::text FROM draft_mode.sections AS s
                                                   WHERE s.tenant = run_sequence.tenant
                                                     AND s.section = run_sequence.section)
                             THEN 'failed, unchanged' ELSE 'failed, CHANGED' END);
                END;
            ELSIF choice < 0.45 THEN
                PERFORM draft_mode.merge_draft(tenant, section, jsonb_build_object(
                    'title', CASE WHEN random() < 0.5 THEN to_jsonb('Merged ' || step) END,
                    'flags', jsonb_build_object('f' || floor(random() * 4),
                                                CASE WHEN random() < 0.6 THEN to_jsonb(step) END)),
                    current.version);
                INSERT INTO operations VALUES (section, 'merge', 'ok');
            ELSIF choice < 0.52 THEN
                content := jsonb_set(content, '{title}', to_jsonb('Saved ' || step));
                IF random() < 0.5 THEN
                    content := jsonb_set(content, '{items}', '[]');
                END IF;
                PERFORM draft_mode.save_draft(tenant, section, content, current.version);
                INSERT INTO operations VALUES (section, 'save', 'ok');
            ELSIF choice < 0.62 THEN
                PERFORM draft_mode.publish(tenant, section,
                    CASE WHEN random() < 0.5 THEN current.version END);
                INSERT INTO operations VALUES (section, 'publish', 'ok');
            ELSIF choice < 0.68 THEN
                PERFORM draft_mode.discard(tenant, section, current.version);
                INSERT INTO operations VALUES (section, 'discard', 'ok');
            ELSIF choice < 0.80 THEN
                PERFORM draft_mode.undo(tenant, section, current.version);
                INSERT INTO operations VALUES (section, 'undo', 'ok');
            ELSIF choice < 0.90 THEN
                PERFORM draft_mode.redo(tenant, section, current.version);
                INSERT INTO operations VALUES (section, 'redo', 'ok');
            ELSE
                PERFORM draft_mode.restore(tenant, section,
                    1 + floor(random() * current.version)::int8, current.version);
                INSERT INTO operations VALUES (section, 'restore', 'ok');
            END IF;
        EXCEPTION WHEN SQLSTATE 'DM104' THEN
            INSERT INTO operations VALUES (section,
                CASE WHEN choice < 0.80 THEN 'undo' ELSE 'redo' END, 'nothing to do');
        END;
        PERFORM pg_temp.record(tenant, section);
    END LOOP;
END
$$;

--
-- 200 operations with a snapshot every 7 versions
--
SET LOCAL draft_mode.snapshot_interval = 7;
SELECT lives_ok($$SELECT pg_temp.run_sequence('h', 'frequent', 200, 0.42)$$,
                '200 seeded operations, snapshot_interval = 7');
SELECT diag('operations: ' || string_agg(format('%s %s: %s', operation, outcome, n), ', '
                                         ORDER BY operation, outcome))
  FROM (SELECT operation, outcome, count(*) AS n FROM operations WHERE section = 'frequent'
         GROUP BY 1, 2) AS o;
SELECT is(count(*), 0::bigint, 'a step that reported a known version reported its content')
  FROM seen_mismatch WHERE section = 'frequent';
SELECT is(count(*), 0::bigint, 'a failed patch changed nothing')
  FROM operations WHERE section = 'frequent' AND outcome = 'failed, CHANGED';
SELECT is((SELECT count(*) FROM seen WHERE section = 'frequent'),
          (SELECT version FROM draft_mode.get_section('h', 'frequent')),
          'every version from 1 to the current one was seen');
SELECT is(array_agg(DISTINCT kind ORDER BY kind),
          '{create,discard,merge,patch,publish,redo,restore,save,undo}',
          'the sequence made changes of every kind')
  FROM draft_mode.history('h', 'frequent', 1000);
SELECT is(count(*) FILTER (WHERE has_snapshot),
          1 + max(version) / 7, 'snapshots at creation and every 7th version')
  FROM draft_mode.history('h', 'frequent', 1000);
SELECT is(count(*) FILTER (WHERE has_snapshot AND version <> 1 AND version % 7 <> 0), 0::bigint,
          'and nowhere else')
  FROM draft_mode.history('h', 'frequent', 1000);
SELECT is(count(*) FILTER (WHERE draft_mode.content_at('h', 'frequent', s.version)::text
                                 IS DISTINCT FROM s.content::text),
          0::bigint, 'content_at rebuilds every version byte for byte')
  FROM seen AS s WHERE s.section = 'frequent';
SELECT is(count(*) FILTER (WHERE draft_mode.jsonb_patch(p.content, h.forward_patch)::text <> s.content::text
                              OR draft_mode.jsonb_patch(s.content, h.inverse_patch)::text <> p.content::text),
          0::bigint, 'each forward patch leads from the previous version to this one, each inverse back')
  FROM draft_mode.history('h', 'frequent', 1000) AS h
  JOIN seen AS s ON s.section = 'frequent' AND s.version = h.version
  JOIN seen AS p ON p.section = 'frequent' AND p.version = h.version - 1;
SELECT is((SELECT content FROM draft_mode.get_section('h', 'frequent', 'published')),
          (SELECT draft_mode.content_at('h', 'frequent', published_version)
             FROM draft_mode.get_section('h', 'frequent')),
          'the published content is the content of published_version');

--
-- The same with the default snapshot interval, and another seed
--
RESET draft_mode.snapshot_interval;
SELECT is(current_setting('draft_mode.snapshot_interval'), '50', 'default snapshot_interval is 50');
SELECT lives_ok($$SELECT pg_temp.run_sequence('h', 'default', 200, -0.77)$$,
                '200 seeded operations, default snapshot_interval');
SELECT diag('operations: ' || string_agg(format('%s %s: %s', operation, outcome, n), ', '
                                         ORDER BY operation, outcome))
  FROM (SELECT operation, outcome, count(*) AS n FROM operations WHERE section = 'default'
         GROUP BY 1, 2) AS o;
SELECT is(count(*), 0::bigint, 'a step that reported a known version reported its content')
  FROM seen_mismatch WHERE section = 'default';
SELECT is(count(*), 0::bigint, 'a failed patch changed nothing')
  FROM operations WHERE section = 'default' AND outcome = 'failed, CHANGED';
SELECT is((SELECT count(*) FROM seen WHERE section = 'default'),
          (SELECT version FROM draft_mode.get_section('h', 'default')),
          'every version from 1 to the current one was seen');
SELECT is(array_agg(DISTINCT kind ORDER BY kind),
          '{create,discard,merge,patch,publish,redo,restore,save,undo}',
          'the sequence made changes of every kind')
  FROM draft_mode.history('h', 'default', 1000);
SELECT is(count(*) FILTER (WHERE has_snapshot), 1 + max(version) / 50,
          'snapshots at creation and every 50th version')
  FROM draft_mode.history('h', 'default', 1000);
SELECT is(count(*) FILTER (WHERE draft_mode.content_at('h', 'default', s.version)::text
                                 IS DISTINCT FROM s.content::text),
          0::bigint, 'content_at rebuilds every version byte for byte')
  FROM seen AS s WHERE s.section = 'default';
SELECT is(count(*) FILTER (WHERE draft_mode.jsonb_patch(p.content, h.forward_patch)::text <> s.content::text
                              OR draft_mode.jsonb_patch(s.content, h.inverse_patch)::text <> p.content::text),
          0::bigint, 'each forward patch leads from the previous version to this one, each inverse back')
  FROM draft_mode.history('h', 'default', 1000) AS h
  JOIN seen AS s ON s.section = 'default' AND s.version = h.version
  JOIN seen AS p ON p.section = 'default' AND p.version = h.version - 1;

--
-- Undo is at least 60 steps deep; redo walks all the way forward again
--
SELECT lives_ok($$
    SELECT draft_mode.create_section('h', 'undo', '{"n": 0, "prices": []}');
    SELECT count(draft_mode.patch_draft('h', 'undo', jsonb_build_array(
               jsonb_build_object('op', 'replace', 'path', '/n', 'value', k),
               jsonb_build_object('op', 'add', 'path', '/prices/-', 'value', k + 0.50)), k))
      FROM generate_series(1, 60) AS k;
    SELECT count(draft_mode.undo('h', 'undo', 60 + k)) FROM generate_series(1, 60) AS k;
$$, '60 edits, then 60 undos');
SELECT is((SELECT content FROM draft_mode.get_section('h', 'undo')), '{"n": 0, "prices": []}',
          '60 undos lead back to the original');
SELECT throws_ok($$SELECT draft_mode.undo('h', 'undo', 121)$$, 'DM104', NULL, 'and no further');
SELECT lives_ok($$SELECT count(draft_mode.redo('h', 'undo', 120 + k)) FROM generate_series(1, 60) AS k$$,
                '60 redos');
SELECT is((SELECT content::text FROM draft_mode.get_section('h', 'undo')),
          (SELECT jsonb_build_object('n', 60, 'prices', jsonb_agg(k + 0.50 ORDER BY k))::text
             FROM generate_series(1, 60) AS k),
          '60 redos lead to the last edit');

--
-- History cost: 1,000 single-field patches to a ~50 KB storefront document
--
-- Pages of sections of items, with two-decimal prices.
CREATE TEMP TABLE storefront ON COMMIT DROP AS
SELECT jsonb_build_object(
    'shop', 'Acme Outdoor', 'currency', 'EUR',
    'pages', (SELECT jsonb_agg(jsonb_build_object(
        'slug', 'page-' || p, 'title', 'Page ' || p,
        'sections', (SELECT jsonb_agg(jsonb_build_object(
            'id', format('p%s-s%s', p, s), 'layout', CASE WHEN s % 2 = 0 THEN 'grid' ELSE 'carousel' END,
            'heading', format('Section %s of page %s', s, p),
            'items', (SELECT jsonb_agg(jsonb_build_object(
                'sku', format('SKU-%s-%s-%s', p, s, i),
                'name', format('Product %s', md5(format('%s-%s-%s', p, s, i))),
                'price', round((10 + (p * 37 + s * 11 + i * 7) % 190)::numeric + i / 100.0, 2),
                'compare_at', round((20 + (p * 37 + s * 11 + i * 7) % 190)::numeric, 2),
                'description', 'Lightweight, durable and made to last: ' || left(md5(format('%s/%s/%s', p, s, i)), 12),
                'stock', (p * s * i) % 50,
                'badges', CASE WHEN i % 3 = 0 THEN '["new"]'::jsonb ELSE '[]'::jsonb END)
                ORDER BY i) FROM generate_series(1, 8) AS i))
            ORDER BY s) FROM generate_series(1, 6) AS s))
        ORDER BY p) FROM generate_series(1, 5) AS p)) AS doc;
SELECT lives_ok($$SELECT draft_mode.create_section('h', 'storefront', (SELECT doc FROM storefront))$$,
                'a storefront section');
CREATE TEMP TABLE cost_before ON COMMIT DROP AS
SELECT pg_total_relation_size('draft_mode.history') AS relation_bytes,
       (SELECT pg_column_size(s.published_content) FROM draft_mode.sections AS s
         WHERE s.tenant = 'h' AND s.section = 'storefront') AS document_bytes,
       (SELECT octet_length(doc::text) FROM storefront) AS document_text_bytes;
-- Patch number k sets one item's price (240 items in turn) to a new value.
CREATE FUNCTION pg_temp.reprice(patches int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    version int8 := 1;
    change draft_mode.change;
    changed int := 0;
BEGIN
    FOR k IN 1..patches LOOP
        change := draft_mode.patch_draft('h', 'storefront', jsonb_build_array(jsonb_build_object(
            'op', 'replace',
            'path', format('/pages/%s/sections/%s/items/%s/price', k % 5, (k / 5) % 6, (k / 30) % 8),
            'value', round(1000 + k + (k % 100) / 100.0, 2))), version);
        version := change.version;
        changed := changed + change.changed::int;
    END LOOP;
    RETURN changed;
END
$$;
SELECT is(pg_temp.reprice(1000), 1000, '1,000 single-field patches, each a change');
CREATE TEMP TABLE cost ON COMMIT DROP AS
SELECT b.document_text_bytes, b.document_bytes,
       pg_total_relation_size('draft_mode.history') - b.relation_bytes AS relation_bytes_added,
       (SELECT sum(pg_column_size(h.*)) FROM draft_mode.history AS h
         WHERE h.tenant = 'h' AND h.section = 'storefront' AND h.version > 1) AS row_bytes_added,
       (SELECT count(*) FROM draft_mode.history AS h
         WHERE h.tenant = 'h' AND h.section = 'storefront' AND h.snapshot IS NOT NULL) AS snapshots
  FROM cost_before AS b;
-- Rows: the bytes of the history rows themselves (TOASTed values as stored).
-- Disk: growth of the table with its TOAST table and index; it can come out
-- lower when space freed by earlier rolled-back runs is reused.
\getenv show_costs DRAFT_MODE_HISTORY_COSTS
\if :{?show_costs}
SELECT diag(format('document: %s bytes as text, %s bytes stored; history added for 1,000 patches: '
                   '%s bytes in rows (%s snapshots), %s bytes on disk; 1,000 copies would be %s bytes; '
                   'ratio %s (rows), %s (disk)',
                   document_text_bytes, document_bytes, row_bytes_added, snapshots,
                   relation_bytes_added, 1000 * document_bytes::int8,
                   round(row_bytes_added / (1000.0 * document_bytes), 4),
                   round(relation_bytes_added / (1000.0 * document_bytes), 4)))
  FROM cost;
\endif
SELECT cmp_ok(document_text_bytes, '>=', 45000, 'the document is about 50 KB as text') FROM cost;
SELECT cmp_ok(row_bytes_added::numeric, '<', 0.10 * 1000 * document_bytes,
              'history rows of 1,000 single-field patches cost < 10% of 1,000 stored copies') FROM cost;
SELECT cmp_ok(relation_bytes_added::numeric, '<', 0.10 * 1000 * document_bytes,
              'the history table (with TOAST and index) grows < 10% of 1,000 stored copies') FROM cost;

SELECT * FROM finish();
ROLLBACK;
