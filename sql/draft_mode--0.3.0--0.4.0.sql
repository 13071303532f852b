-- draft_mode 0.3.0 -> 0.4.0: sections' content compressed with lz4.
--
-- Every write stores the section's new content whole, and with patches now
-- spliced on jsonb's binary form, compressing that content into TOAST was
-- the largest cost of a write: pglz_compress took a third of patch_draft's
-- CPU on the 50 KB benchmark document. lz4 compresses it several times
-- faster to about the same size (15,423 bytes against pglz's 15,186), and
-- patch_draft ran 1.48x and 1.97x faster (medians of two bench/end-to-end
-- runs, README "Performance"). Values already stored keep their compression until
-- they are written again. A server built without lz4, or a Citus version
-- that cannot change a distributed table's compression, keeps pglz (a NOTICE
-- says so); nothing else depends on the method. One subcommand per ALTER
-- TABLE, for Citus (README "Scaling out with Citus").
\echo Use "ALTER EXTENSION draft_mode UPDATE TO '0.4.0'" to load this file. \quit

DO $$
BEGIN
    ALTER TABLE draft_mode.sections ALTER COLUMN draft_content SET COMPRESSION lz4;
    ALTER TABLE draft_mode.sections ALTER COLUMN published_content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'draft_mode: section content stays compressed with pglz: %', SQLERRM;
END
$$;
