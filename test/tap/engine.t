#!/usr/bin/env bash
# The engine's GoogleTest unit tests (build/engine_tests, built by scripts/build-install); the binary
# prints TAP itself (test/engine/tap_main.cpp). They read DRAFT_MODE_CONFORMANCE_DIR when it is set.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
exec "$root/build/engine_tests"
