-- The public RFC 6902 (json-patch-tests) and RFC 7396 conformance suites,
-- run through the SQL functions (pgTAP inside pg_regress). The suites are
-- read from the directory in the environment variable
-- DRAFT_MODE_CONFORMANCE_DIR (test/run sets it), or in the psql variable
-- conformance_dir: an absolute path, readable by the server (pg_read_file
-- needs a superuser or pg_read_server_files), e.g.
--   DRAFT_MODE_CONFORMANCE_DIR=/work/shared/conformance make installcheck
-- Without it, or without the files there, the whole file is one skip, which
-- expected/conformance_1.out holds and test/tap/regress.t reports as a skip;
-- under CI=true it is a failure instead.
--
-- RFC 6902 records: "disabled" ones are skipped; with "expected" the result
-- must equal it; with "error" the call must raise one of DM001..DM004 (the
-- error text is a free-form description); with neither it must not fail.
-- RFC 7396 records: jsonb_merge_patch(original, patch) must equal result.
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

\if :{?conformance_dir}
\else
\getenv conformance_dir DRAFT_MODE_CONFORMANCE_DIR
\endif
\if :{?conformance_dir}
\else
\set conformance_dir ''
\endif
SELECT :'conformance_dir' = ''
       OR EXISTS (SELECT FROM unnest(ARRAY['rfc6902-tests.json', 'rfc6902-spec-tests.json', 'rfc7396-tests.json']) AS f(name)
                   WHERE pg_stat_file(:'conformance_dir' || '/' || f.name, true) IS NULL) AS suites_missing \gset

-- Under CI (CI=true) missing suites fail instead of skipping (test/run checks this too).
\getenv ci CI
\if :{?ci}
\else
\set ci ''
\endif
\if :suites_missing
SELECT plan(1);
SELECT CASE WHEN :'ci' = 'true'
            THEN fail('conformance suites present (CI=true: a missing suite is a failure); set DRAFT_MODE_CONFORMANCE_DIR to a folder holding the files of ../shared/conformance/')
            ELSE skip('conformance suites not present: set DRAFT_MODE_CONFORMANCE_DIR to a folder holding the files of ../shared/conformance/ (test/run does)', 1) END;
\else

-- Every record of the three suites, in file order.
CREATE TEMP TABLE conformance_record ON COMMIT DROP AS
SELECT f.suite, f.file_order, r.n, r.record
  FROM (VALUES (1, 'rfc6902-spec-tests.json'), (2, 'rfc6902-tests.json'), (3, 'rfc7396-tests.json')) AS f(file_order, suite),
       LATERAL jsonb_array_elements(pg_read_file(:'conformance_dir' || '/' || f.suite)::jsonb)
               WITH ORDINALITY AS r(record, n);

-- What jsonb_patch(doc, patch) does: {"result": ...} or {"sqlstate", "message"}.
CREATE FUNCTION pg_temp.patch_outcome(doc jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
    RETURN jsonb_build_object('result', draft_mode.jsonb_patch(doc, patch));
EXCEPTION WHEN OTHERS THEN
    RETURN jsonb_build_object('sqlstate', SQLSTATE, 'message', SQLERRM);
END
$$;

-- One TAP test per record, in order.
CREATE FUNCTION pg_temp.run_conformance() RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    c record;
    outcome jsonb;
    description text;
BEGIN
    FOR c IN SELECT * FROM conformance_record ORDER BY file_order, n LOOP
        description := format('%s #%s: %s', c.suite, c.n,
                              coalesce(c.record ->> 'comment', left(coalesce(c.record -> 'patch', c.record)::text, 80)));
        IF c.suite = 'rfc7396-tests.json' THEN
            RETURN NEXT is(draft_mode.jsonb_merge_patch(c.record -> 'original', c.record -> 'patch'),
                           c.record -> 'result', description);
        ELSIF (c.record ->> 'disabled')::boolean THEN
            RETURN NEXT skip('disabled in the suite: ' || description, 1);
        ELSIF c.record ? 'expected' THEN
            outcome := pg_temp.patch_outcome(c.record -> 'doc', c.record -> 'patch');
            RETURN NEXT is(outcome, jsonb_build_object('result', c.record -> 'expected'), description);
        ELSIF c.record ? 'error' THEN
            outcome := pg_temp.patch_outcome(c.record -> 'doc', c.record -> 'patch');
            -- the reported value is the SQLSTATE, or the whole outcome when there was none
            RETURN NEXT matches(coalesce(outcome ->> 'sqlstate', outcome::text), '^DM00[1-4]$',
                                description || ' (must fail: ' || (c.record ->> 'error') || ')');
        ELSE
            RETURN NEXT lives_ok(format('SELECT draft_mode.jsonb_patch(%L::jsonb, %L::jsonb)',
                                        c.record -> 'doc', c.record -> 'patch'), description);
        END IF;
    END LOOP;
END
$$;

SELECT plan((SELECT count(*)::int FROM conformance_record));
SELECT * FROM pg_temp.run_conformance();
\endif

SELECT * FROM finish();
ROLLBACK;
