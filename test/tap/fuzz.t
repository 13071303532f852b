#!/usr/bin/env bash
# Runs the libFuzzer target build/patch_fuzzer (JSON Patch, merge patch and diff under ASan and UBSan)
# for DRAFT_MODE_FUZZ_SECONDS (default 60), seeded from test/fuzz/corpus/ when it exists. An input
# that takes over 10 s counts as a hang. Crash inputs are kept in build/fuzz-artifacts/. A fuzzer
# that was not built is a skip, or a failure under CI (CI=true).
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
seconds=${DRAFT_MODE_FUZZ_SECONDS:-60}
fuzzer=$root/build/patch_fuzzer
if [ ! -x "$fuzzer" ]; then
  # Under CI a fuzzer that was not built is a failure, not a skip.
  if [ "${CI:-}" = true ]; then
    echo "1..1"
    echo "not ok 1 - $fuzzer is built (run make fuzz; CI=true: a skip is a failure)"
    exit 1
  fi
  echo "1..0 # SKIP $fuzzer not built: run make fuzz (needs clang and libclang-rt-14-dev: scripts/setup-debian)"
  exit 0
fi

work=$(mktemp -d -t draft_mode_fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$root/build/fuzz-artifacts"
if [ -d "$root/test/fuzz/corpus" ]; then
  cp -r "$root/test/fuzz/corpus/." "$work/corpus/"
fi

echo "1..1"
if "$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -artifact_prefix="$root/build/fuzz-artifacts/" "$work/corpus" >"$work/log" 2>&1; then
  echo "ok 1 - patch fuzzer ran $seconds s without a crash"
  sed -n 's/^Done /# Done /p' "$work/log"
else
  echo "not ok 1 - patch fuzzer failed (exit $?)"
  # The sanitizer or libFuzzer report, without ASan's shadow memory dump; the whole tail if none.
  awk '/ERROR: |runtime error: / { report = 1 } /^Shadow bytes around/ { shadow = 1 }
       report && !shadow; /==ABORTING/ { shadow = 0 }' "$work/log" >"$work/report"
  [ -s "$work/report" ] || tail -n 40 "$work/log" >"$work/report"
  sed 's/^/# /' "$work/report"
  exit 1
fi
