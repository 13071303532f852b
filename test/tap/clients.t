#!/usr/bin/env bash
# The client guide's programs (examples/clients/) run against the test cluster, each in a fresh
# database with draft_mode, and print what they observe; their output must equal the
# expected-output.txt beside them, which the guide quotes:
#   node/edit.js        node-postgres: Debian's node-pg when installed, else pg pinned by
#                       package-lock.json (npm ci)
#   python/edit.py      psycopg 3 (Debian's python3-psycopg)
#   postgrest/request.sql   what PostgREST does per request, in SQL (psql)
# A missing Node.js/npm or psycopg is a skip, or a failure under CI (CI=true).
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
examples=$root/examples/clients
db=draft_mode_clients
work=$(mktemp -d -t draft_mode_clients.XXXXXX)
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d postgres "$@"; }
created_role=no
cleanup() {
  sql -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if [ "$created_role" = yes ]; then sql -c "DROP ROLE IF EXISTS authenticated" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh database with draft_mode for each program.
fresh_database() {
  sql -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION draft_mode' >/dev/null
}

# check N NAME: compares $work/out with the program's expected output.
check() {
  local n=$1 name=$2 expected=$examples/$2/expected-output.txt
  if diff -u "$expected" "$work/out" >"$work/diff" 2>&1; then
    echo "ok $n - $name: output as in $name/expected-output.txt"
  else
    echo "not ok $n - $name: output as in $name/expected-output.txt"
    sed 's/^/# /' "$work/diff"
  fi
}

# unavailable N NAME WHY: a skip, or a failure under CI.
unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "not ok $1 - $2: $3 (CI=true: a skip is a failure)"
  else
    echo "ok $1 - $2 # SKIP $3: run scripts/setup-debian"
  fi
}

# npm's cache in the work folder: CI's clean environment may have no HOME.
export npm_config_cache=$work/npm-cache

echo "1..3"

# node-postgres: Debian's node-pg when it is installed (scripts/setup-debian installs it with
# Debian's nodejs; no npm registry needed), else the pg pinned by package-lock.json, with npm ci.
debian_pg=/usr/share/nodejs/pg/package.json
if command -v node >/dev/null && [ -f "$debian_pg" ]; then
  fresh_database
  echo "# node-postgres: Debian's node-pg $(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$debian_pg" | head -n 1)"
  (cd "$examples/node" && NODE_PATH=/usr/share/nodejs PGDATABASE=$db node edit.js) >"$work/out" 2>&1 || true
  check 1 node
elif command -v node >/dev/null && command -v npm >/dev/null; then
  fresh_database
  if (cd "$examples/node" && npm ci --no-audit --no-fund --loglevel=error) >"$work/npm.log" 2>&1; then
    echo "# node-postgres: pg $(cd "$examples/node" && node -p 'require("pg/package.json").version') (package-lock.json)"
    (cd "$examples/node" && PGDATABASE=$db node edit.js) >"$work/out" 2>&1 || true
    check 1 node
  else
    echo "not ok 1 - node: npm ci in examples/clients/node"
    sed 's/^/# /' "$work/npm.log"
  fi
else
  unavailable 1 node "Node.js with Debian's node-pg, or Node.js and npm, are not installed"
fi

if /usr/bin/python3 -c 'import psycopg' 2>/dev/null; then
  fresh_database
  PGDATABASE=$db /usr/bin/python3 "$examples/python/edit.py" >"$work/out" 2>&1 || true
  check 2 python
else
  unavailable 2 python "Debian's python3-psycopg is not installed"
fi

fresh_database
if [ -z "$(sql -c "SELECT 1 FROM pg_roles WHERE rolname = 'authenticated'")" ]; then
  sql -c "CREATE ROLE authenticated NOLOGIN" >/dev/null
  created_role=yes
fi
(cd "$examples/postgrest" && psql -X -At -q -d "$db" -f request.sql 2>&1 | sed 's/^psql:[^:]*:[0-9]*: //') >"$work/out" || true
check 3 postgrest
