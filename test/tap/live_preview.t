#!/usr/bin/env bash
# The live-preview example (examples/live-preview) end to end in headless Chromium: its server on a
# database of its own, three browsers (two editors, one customer; one WebDriver session each,
# through Debian's chromedriver) driven through edits, a conflict and its rebase, a lease and its
# take-over, undo/redo, publish, scrap and a reconnect (examples/live-preview/test/browser.js
# prints the TAP). Nothing from the npm registry where Node.js is Debian's: the server's pg is
# Debian's node-pg (NODE_PATH=/usr/share/nodejs) and the browser is driven by
# test/webdriver.js with Node's fetch. With a Node.js from elsewhere (no node-pg), the example's
# pinned pg comes from `npm ci --omit=dev` instead. Needs nodejs, node-pg (or npm), chromium and
# chromium-driver (scripts/setup-debian installs them).
# Connects with PGHOST, PGPORT and PGUSER (a superuser) from the environment.
# LIVE_PREVIEW_SCREENSHOTS=DIR keeps the screenshots (the README's come from here).
set -euo pipefail

root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
example=$root/examples/live-preview
db=draft_mode_live_preview
npm_log=
trap 'dropdb --if-exists --force "$db" >/dev/null 2>&1 || true; rm -f "$npm_log"' EXIT

command -v node >/dev/null || { echo "1..0 # SKIP node is not installed (scripts/setup-debian)"; exit 0; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "1..0 # SKIP no chromium (scripts/setup-debian)"; exit 0; }
[ -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ] || { echo "1..0 # SKIP no chromedriver (chromium-driver; scripts/setup-debian)"; exit 0; }

# node-postgres: Debian's node-pg when it is installed (no npm registry needed), else the pg
# pinned by package-lock.json, with npm ci (only pg: --omit=dev leaves out playwright-core, which
# only bench/live-preview uses). As test/tap/clients.t does.
if [ -f /usr/share/nodejs/pg/package.json ]; then
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
  echo "# pg: Debian's node-pg $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' /usr/share/nodejs/pg/package.json | head -n 1)"
elif command -v npm >/dev/null; then
  npm_log=$(mktemp)
  if ! (cd "$example" && npm ci --omit=dev --no-audit --no-fund --loglevel=error) >"$npm_log" 2>&1; then
    echo "1..1"
    echo "not ok 1 - npm ci in examples/live-preview"
    sed 's/^/# /' "$npm_log"
    exit 1
  fi
  echo "# pg: $(cd "$example" && node -p 'require("pg/package.json").version') (package-lock.json)"
else
  echo "1..0 # SKIP neither Debian's node-pg nor npm is installed (scripts/setup-debian)"; exit 0
fi

dropdb --if-exists --force "$db" >/dev/null 2>&1
createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' \
  -c 'CREATE EXTENSION draft_mode' -f "$example/setup.sql" >/dev/null

cd "$example"
PGDATABASE=$db node test/browser.js
