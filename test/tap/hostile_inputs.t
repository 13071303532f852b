#!/usr/bin/env bash
# Hostile input to the functions granted to PUBLIC costs bounded memory and
# stops soon after a cancel. Each case runs in a fresh session and measures
# the backend's peak memory (VmHWM, read from /proc/self/status) before and
# after one statement; the bounds are generous (a few times what the fixed
# code needs, a fraction of what the unbounded code took), so the test does
# not flake on a busy machine:
#   - a 1,000,000-operation patch is refused from jsonb's array header
#     (converted whole first, it took 1.17 GB);
#   - jsonb_diff of two 12,000-element arrays under a 64 KB key is refused
#     once its output passes max_document_size (it took 782 MB);
#   - copying an array of 1,000,000 nulls onto itself is refused before the
#     copy (counted at 4 bytes a null it took 875 MB);
#   - statement_timeout = 1s stops a patch of copies of a 1,000,000-element
#     array within a few seconds (polled once per 1,024 operations it ran for
#     tens of seconds).
# Connects with PGHOST, PGPORT and PGUSER from the environment (a
# superuser, to read /proc through pg_read_file), in its own database,
# dropped at the end.
set -euo pipefail

db=draft_mode_hostile
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT

sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
sql <<'SQL'
\o /dev/null
CREATE EXTENSION draft_mode;
-- Peak resident memory of this backend in kB.
CREATE FUNCTION peak_kb() RETURNS int8 LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+)'))[1]::int8
$$;
-- Runs statement; returns the SQLSTATE it ended with ('00000' when none)
-- and how many more kB of peak memory the backend had afterwards.
CREATE FUNCTION peak_growth(statement text, OUT error_code text, OUT growth_kb int8)
LANGUAGE plpgsql AS $$
DECLARE
    before int8 := peak_kb();
BEGIN
    BEGIN
        EXECUTE statement;
        error_code := '00000';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE;
    END;
    growth_kb := peak_kb() - before;
END
$$;
-- Runs statement; returns the SQLSTATE it ended with and the seconds from
-- the start of the statement to the end of the call.
CREATE FUNCTION time_to_stop(statement text, OUT error_code text, OUT seconds numeric)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE statement;
        error_code := '00000';
    EXCEPTION WHEN query_canceled OR OTHERS THEN
        GET STACKED DIAGNOSTICS error_code = RETURNED_SQLSTATE;
    END;
    seconds := round(extract(epoch FROM clock_timestamp() - statement_timestamp()), 2);
END
$$;
CREATE TABLE inputs (name text PRIMARY KEY, a jsonb, b jsonb);
INSERT INTO inputs
SELECT 'million_ops', '{}', jsonb_agg('{"op": "test", "path": "/a", "value": null}'::jsonb)
  FROM generate_series(1, 1000000);
INSERT INTO inputs
SELECT 'long_key_arrays',
       jsonb_build_object(repeat('k', 65536), jsonb_agg(i)),
       jsonb_build_object(repeat('k', 65536), jsonb_agg(-i))
  FROM generate_series(1, 12000) AS i;
INSERT INTO inputs
SELECT 'million_nulls', jsonb_agg(NULL::int), '[{"op": "copy", "from": "", "path": "/-"}]'
  FROM generate_series(1, 1000000);
INSERT INTO inputs
SELECT 'copies', jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 1000000) AS i)),
       jsonb_agg(CASE WHEN i % 2 = 0 THEN '{"op": "copy", "from": "/a", "path": "/b"}'::jsonb
                      ELSE '{"op": "remove", "path": "/b"}'::jsonb END ORDER BY i)
  FROM generate_series(0, 3999) AS i;
SQL

echo "1..8"
test_number=0
# ok CONDITION DESCRIPTION DIAGNOSTIC
ok() {
  test_number=$((test_number + 1))
  if [ "$1" = true ]; then
    echo "ok $test_number - $2"
    echo "# $3"
  else
    echo "not ok $test_number - $2"
    echo "# $3"
  fi
}

# check_memory NAME STATEMENT MAX_GROWTH_MB: the statement fails with 54000
# and the backend's peak memory grows by less than MAX_GROWTH_MB.
check_memory() {
  local name=$1 statement=$2 max_mb=$3 result code growth
  result=$(sql -F ' ' -c "SELECT draft_mode.jsonb_pointer_get('{}', '')" \
    -c "SELECT * FROM peak_growth(\$\$$statement\$\$)" | tail -n 1)
  code=${result% *}
  growth=${result#* }
  ok "$([ "$code" = 54000 ] && echo true || echo false)" "$name is refused with 54000" \
    "got $code"
  ok "$([ "$growth" -lt $((max_mb * 1024)) ] && echo true || echo false)" \
    "$name grows peak memory by less than $max_mb MB" "grew by $((growth / 1024)) MB"
}

check_memory "a 1,000,000-operation patch" \
  "SELECT draft_mode.jsonb_patch(a, b) FROM inputs WHERE name = 'million_ops'" 250
check_memory "a diff of 12,000 elements under a 64 KB key" \
  "SELECT draft_mode.jsonb_diff(a, b) FROM inputs WHERE name = 'long_key_arrays'" 300
check_memory "a copy of 1,000,000 nulls onto itself" \
  "SELECT draft_mode.jsonb_patch(a, b) FROM inputs WHERE name = 'million_nulls'" 250

# Cancel: 2,000 copies of a 1,000,000-element array (with the removes between
# them) take far longer than the timeout; the statement must stop within a
# few seconds of it.
result=$(sql -F ' ' -c "SET draft_mode.max_document_size = '255MB'" \
  -c "SET statement_timeout = '1s'" \
  -c "SELECT * FROM time_to_stop(\$\$SELECT draft_mode.jsonb_patch(a, b) FROM inputs WHERE name = 'copies'\$\$)" |
  tail -n 1)
code=${result% *}
seconds=${result#* }
ok "$([ "$code" = 57014 ] && echo true || echo false)" \
  "statement_timeout cancels a patch of large copies" "got $code"
ok "$(echo "$seconds < 6" | bc | sed 's/1/true/;s/0/false/')" \
  "the cancel takes effect within 6 s of the statement's start" "took $seconds s"
