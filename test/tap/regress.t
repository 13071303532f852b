#!/usr/bin/env bash
# The pg_regress and isolation tests (test/sql, test/specs), through `make installcheck` against the
# server that PGHOST/PGPORT/PGUSER point at, reported as TAP: one line per test, diffs as comments.
# Some of test/sql are pgTAP files (as pg-semver runs them): their expected output is their TAP
# lines. One that skipped as a whole (`ok 1 # SKIP why` in its results, matched by an alternative
# expected file, e.g. conformance without DRAFT_MODE_CONFORMANCE_DIR) is reported as a skip, so
# test/run lists it loudly and fails under CI; records a conformance suite itself marks disabled
# are data, not skips of ours: they are counted in a comment.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
log=$(mktemp -t draft_mode_regress.XXXXXX)
trap 'rm -f "$log"' EXIT
diffs=(regression.diffs output_iso/regression.diffs)
rm -f "${diffs[@]}" results/*.out

status=0
make installcheck >"$log" 2>&1 || status=$?

# Regress tests whose pgTAP output skipped everything: "NAME<TAB>why", one line each.
skipped=$(for file in results/*.out; do
  [ -e "$file" ] || continue
  why=$(sed -n 's/^ok [0-9][0-9]* # SKIP //p' "$file" | grep -v '^disabled in the suite: ' | head -n 1)
  [ -z "$why" ] || printf '%s\t%s\n' "$(basename "$file" .out)" "$why"
done)

# pg_regress prints `test NAME ... ok 12 ms` (in parallel groups `     NAME ... FAILED 12 ms`) up to
# PostgreSQL 15, and TAP lines `ok 3         - NAME   12 ms` (`+` in parallel groups, `not ok` when
# failed) since 16; the command line that make echoes before each run says whether regress or
# isolation tests follow. A last test checks make's own status, which also fails when no test could
# run (e.g. no server).
awk -v status="$status" -v skipped="$skipped" '
  BEGIN {
    count = split(skipped, lines, "\n")
    for (i = 1; i <= count; i++) if (split(lines[i], field, "\t") == 2) skip_reason[field[1]] = field[2]
  }
  function record(name, result) {
    n++
    tap[n] = (result == "ok" ? "ok " : "not ok ") n " - " kind "/" name
    if (result == "ok" && kind == "regress" && name in skip_reason) tap[n] = tap[n] " # SKIP " skip_reason[name]
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
disabled=$(grep -c '^ok [0-9]* # SKIP disabled in the suite: ' results/conformance.out 2>/dev/null || true)
[ "${disabled:-0}" -eq 0 ] || echo "# regress/conformance: $disabled records are disabled by their suite itself (not run, by the suite's design)"

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
