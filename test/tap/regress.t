#!/usr/bin/env bash
# The pg_regress and isolation tests (test/sql, test/specs), through `make installcheck` against the
# server that PGHOST/PGPORT/PGUSER point at, reported as TAP: one line per test, diffs as comments.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
log=$(mktemp -t draft_mode_regress.XXXXXX)
trap 'rm -f "$log"' EXIT
diffs=(regression.diffs output_iso/regression.diffs)
rm -f "${diffs[@]}"

status=0
make installcheck >"$log" 2>&1 || status=$?

# pg_regress prints `test NAME ... ok 12 ms` (in parallel groups `     NAME ... FAILED 12 ms`) up to
# PostgreSQL 15, and TAP lines `ok 3         - NAME   12 ms` (`+` in parallel groups, `not ok` when
# failed) since 16; the command line that make echoes before each run says whether regress or
# isolation tests follow. A last test checks make's own status, which also fails when no test could
# run (e.g. no server).
awk -v status="$status" '
  function record(name, result) {
    n++
    tap[n] = (result == "ok" ? "ok " : "not ok ") n " - " kind "/" name
  }
  /\/pg_isolation_regress / { kind = "isolation" }
  /\/pg_regress / { kind = "regress" }
  $1 == "test" && $3 == "..." { record($2, $4) }
  /^ / && $2 == "..." { record($1, $3) }
  $1 == "ok" && $2 ~ /^[0-9]+$/ && ($3 == "-" || $3 == "+") { record($4, "ok") }
  $1 == "not" && $2 == "ok" && $3 ~ /^[0-9]+$/ && ($4 == "-" || $4 == "+") { record($5, "FAILED") }
  END {
    if (n == 0 && status == 0) { print "1..0 # SKIP no regression tests"; exit }
    print "1.." n + 1
    for (i = 1; i <= n; i++) print tap[i]
    print (status == 0 ? "ok " : "not ok ") n + 1 " - make installcheck exits with " status
  }' "$log"

if [ "$status" -ne 0 ]; then
  shown=no
  for file in "${diffs[@]}"; do
    if [ -s "$file" ]; then
      echo "# $file (first 200 lines):"
      head -n 200 "$file" | sed 's/^/# /'
      shown=yes
    fi
  done
  if [ "$shown" = no ]; then
    tail -n 30 "$log" | sed 's/^/# /'
  fi
fi
exit "$status"
