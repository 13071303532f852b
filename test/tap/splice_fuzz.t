#!/usr/bin/env bash
# Fuzzes jsonb_patch's, jsonb_merge_patch's and jsonb_diff's binary paths (the product paths)
# against the engine's tree path on the server: the random cases of test/sql/splice_differential.sql
# (test/sql/include/splice_generator.sql), from a NEW seed each run, plus mutations beyond that
# generator (pointers edited byte by byte, exotic numbers with many digits, trailing zeros and
# large exponents, numbers at another scale in test values, wide containers of up to 300 members),
# for DRAFT_MODE_FUZZ_SECONDS (default 60, the libFuzzer run's budget too). About a third of the
# cases run again under tight limits (max_depth 3, max_document_size 1kB, max_patch_operations 4).
# Any disagreement fails: the result's bytes, or the error's SQLSTATE, message, DETAIL and HINT;
# the failing document and patch are printed. The seed is printed as `# seed S`; rerun a failure
# with DRAFT_MODE_FUZZ_SEED=S, and DRAFT_MODE_FUZZ_CASES=N to run exactly the first N cases of it
# (no time budget). Connects with PGHOST, PGPORT and PGUSER from the environment (test/run's
# cluster), in its own database, dropped at the end.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
seconds=${DRAFT_MODE_FUZZ_SECONDS:-60}
cases=${DRAFT_MODE_FUZZ_CASES:-0}
if [ -n "${DRAFT_MODE_FUZZ_SEED:-}" ]; then
  seed=$DRAFT_MODE_FUZZ_SEED
else
  # setseed's range is -1 to 1; nine decimals are printed and read back exactly.
  seed=$(printf '0.%09d' $(($(od -An -N4 -tu4 /dev/urandom) % 1000000000)))
fi
[[ $seed =~ ^-?[01](\.[0-9]+)?$ ]] || { echo "splice_fuzz.t: DRAFT_MODE_FUZZ_SEED is a number from -1 to 1, not '$seed'" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $cases =~ ^[0-9]+$ ]] || { echo "splice_fuzz.t: DRAFT_MODE_FUZZ_SECONDS and DRAFT_MODE_FUZZ_CASES are whole numbers" >&2; exit 2; }

db=draft_mode_splice_fuzz
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"

echo "# seed $seed (rerun: DRAFT_MODE_FUZZ_SEED=$seed test/tap/splice_fuzz.t)"
psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -v seed="$seed" -v seconds="$seconds" -v cases="$cases" <<'SQL'
\o /dev/null
SET client_min_messages = warning;
CREATE EXTENSION draft_mode;
\i test/sql/include/splice_generator.sql

-- One row per case run under a set of limits; only disagreements keep their inputs.
CREATE TEMP TABLE runs (n int, kind text, limits text, agree boolean, succeeded boolean,
                        canonical boolean, doc jsonb, patch jsonb, splice jsonb, tree jsonb);

-- Both outcomes of one case under the limits in effect, recorded in runs.
CREATE FUNCTION pg_temp.compare(n int, kind text, limits text, doc jsonb, patch jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    operation text := CASE WHEN kind LIKE 'merge%' THEN 'merge' WHEN kind = 'diff' THEN 'diff' ELSE 'patch' END;
    splice jsonb := pg_temp.outcome(false, doc, patch, operation);
    tree jsonb := pg_temp.outcome(true, doc, patch, operation);
    agree boolean := splice IS NOT DISTINCT FROM tree;
BEGIN
    INSERT INTO runs
    VALUES (n, kind, limits, agree, splice ? 'bytes', coalesce((splice ->> 'canonical')::boolean, true),
            CASE WHEN NOT agree OR splice ->> 'canonical' = 'false' THEN doc END,
            CASE WHEN NOT agree OR splice ->> 'canonical' = 'false' THEN patch END,
            CASE WHEN NOT agree THEN splice END, CASE WHEN NOT agree THEN tree END);
END
$$;

-- Runs cases from seed until the budget is spent (or exactly max_cases of them, when it is
-- not 0): mostly the generator's cases, a tenth with their patch mutated, a tenth over a wide
-- container, a fifth RFC 7396 merge patches (a fourth of those over a wide container), 7% diffs
-- (jsonb_diff against the engine's diff); a third of them again under tight limits.
CREATE FUNCTION pg_temp.fuzz(seed float8, seconds float8, max_cases int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
    n int := 0;
    r float8;
    kind text;
    doc jsonb;
    patch jsonb;
BEGIN
    PERFORM setseed(seed);
    LOOP
        EXIT WHEN CASE WHEN max_cases > 0 THEN n >= max_cases ELSE clock_timestamp() > deadline END;
        n := n + 1;
        r := random();
        IF r < 0.55 THEN
            kind := 'generated';
            SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_case() AS c;
        ELSIF r < 0.7 THEN
            kind := 'merge';
            SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_merge_case() AS c;
        ELSIF r < 0.75 THEN
            kind := 'merge over a wide container';
            doc := pg_temp.wide_value();
            patch := pg_temp.random_merge_patch(doc, 3);
        ELSIF r < 0.82 THEN
            kind := 'diff';
            SELECT c.doc, c.patch INTO doc, patch FROM pg_temp.random_diff_case() AS c;
        ELSIF r < 0.92 THEN
            kind := 'mutated patch';
            SELECT c.doc, pg_temp.mutated_patch(c.patch) INTO doc, patch FROM pg_temp.random_case() AS c;
        ELSE
            kind := 'wide container';
            doc := pg_temp.wide_value();
            patch := pg_temp.random_patch(doc);
            IF random() < 0.5 THEN
                patch := pg_temp.mutated_patch(patch);
            END IF;
        END IF;
        PERFORM pg_temp.compare(n, kind, 'default', doc, patch);
        IF random() < 0.33 THEN
            PERFORM set_config('draft_mode.max_depth', '3', true),
                    set_config('draft_mode.max_document_size', '1kB', true),
                    set_config('draft_mode.max_patch_operations', '4', true);
            PERFORM pg_temp.compare(n, kind, 'tight', doc, patch);
            RESET draft_mode.max_depth;
            RESET draft_mode.max_document_size;
            RESET draft_mode.max_patch_operations;
        END IF;
    END LOOP;
END
$$;

SELECT pg_temp.fuzz(:seed, :seconds, :cases);
\o

-- TAP, with the failing cases (at most five per line) as comments.
SELECT '1..4';
SELECT format('%sok 1 - %s cases from seed %s: the binary path and the tree engine agree byte for byte, errors included (default limits)',
              CASE WHEN bool_and(agree) THEN '' ELSE 'not ' END, count(*), :'seed')
  FROM runs WHERE limits = 'default';
SELECT format('# case %s (%s, %s limits): doc %s patch %s: splice %s, tree %s',
              n, kind, limits, doc, patch, splice, tree)
  FROM (SELECT * FROM runs WHERE limits = 'default' AND NOT agree ORDER BY n LIMIT 5) AS failures;
SELECT format('%sok 2 - %s of them again under tight limits: they agree too',
              CASE WHEN coalesce(bool_and(agree), true) THEN '' ELSE 'not ' END, count(*))
  FROM runs WHERE limits = 'tight';
SELECT format('# case %s (%s, %s limits): doc %s patch %s: splice %s, tree %s',
              n, kind, limits, doc, patch, splice, tree)
  FROM (SELECT * FROM runs WHERE limits = 'tight' AND NOT agree ORDER BY n LIMIT 5) AS failures;
SELECT format('%sok 3 - every spliced result is byte-identical to PostgreSQL''s encoding of its text',
              CASE WHEN bool_and(canonical) THEN '' ELSE 'not ' END)
  FROM runs;
SELECT format('# case %s (%s, %s limits): doc %s patch %s: the spliced result is not canonical', n, kind, limits, doc, patch)
  FROM (SELECT * FROM runs WHERE NOT canonical ORDER BY n LIMIT 5) AS failures;
-- The run covered something: enough cases, and both results and errors among them (a rerun of
-- DRAFT_MODE_FUZZ_CASES cases: those cases).
SELECT format('%sok 4 - the run covered %s cases, %s%% of them results and %s%% errors',
              CASE WHEN :cases > 0 AND count(*) = :cases THEN ''
                   WHEN count(*) >= 100
                        AND count(*) FILTER (WHERE succeeded) >= count(*) / 10
                        AND count(*) FILTER (WHERE NOT succeeded) >= count(*) / 10
                   THEN '' ELSE 'not ' END,
              count(*), round(100.0 * count(*) FILTER (WHERE succeeded) / greatest(count(*), 1)),
              round(100.0 * count(*) FILTER (WHERE NOT succeeded) / greatest(count(*), 1)))
  FROM runs WHERE limits = 'default';
SELECT format('# %s generated, %s with a mutated patch, %s over a wide container, %s merge patches, %s diffs',
              count(*) FILTER (WHERE kind = 'generated'), count(*) FILTER (WHERE kind = 'mutated patch'),
              count(*) FILTER (WHERE kind = 'wide container'), count(*) FILTER (WHERE kind LIKE 'merge%'),
              count(*) FILTER (WHERE kind = 'diff'))
  FROM runs WHERE limits = 'default';
SELECT format('# rerun a failure: DRAFT_MODE_FUZZ_SEED=%s DRAFT_MODE_FUZZ_CASES=%s test/tap/splice_fuzz.t',
              :'seed', min(n))
  FROM runs WHERE NOT agree OR NOT canonical HAVING count(*) > 0;
SQL
