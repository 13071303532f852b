#!/usr/bin/env bash
# The live-preview example (examples/live-preview) end to end in headless Chromium: its server on a
# database of its own, three browser contexts (two editors, one customer) driven through edits,
# a conflict and its rebase, a lease and its take-over, undo/redo, publish, scrap and a reconnect
# (examples/live-preview/test/browser.js prints the TAP). Installs the example's pinned node
# modules with `npm ci` first. Needs nodejs, npm and chromium (scripts/setup-debian installs them).
# Connects with PGHOST, PGPORT and PGUSER (a superuser) from the environment.
# LIVE_PREVIEW_SCREENSHOTS=DIR keeps the screenshots (the README's come from here).
set -euo pipefail

root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
example=$root/examples/live-preview
db=draft_mode_live_preview
trap 'dropdb --if-exists --force "$db" >/dev/null 2>&1 || true' EXIT

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed (scripts/setup-debian)"; exit 0; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "1..0 # SKIP no chromium (scripts/setup-debian)"; exit 0; }

npm_log=$(mktemp)
if ! (cd "$example" && npm ci --no-audit --no-fund --loglevel=error) >"$npm_log" 2>&1; then
  echo "1..1"
  echo "not ok 1 - npm ci in examples/live-preview"
  sed 's/^/# /' "$npm_log"
  exit 1
fi
rm -f "$npm_log"

dropdb --if-exists --force "$db" >/dev/null 2>&1
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' \
  -c 'CREATE EXTENSION draft_mode' -f "$example/setup.sql" >/dev/null

cd "$example"
PGDATABASE=$db node test/browser.js
