#!/usr/bin/env bash
# draft_mode distributed with Citus: runs test/citus (a coordinator and two workers of its own, Citus
# built from ../shared/citus when missing), which prints TAP. Under CI=true a missing ../shared/citus
# fails; elsewhere the test skips, saying so.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
exec "$root/test/citus"
