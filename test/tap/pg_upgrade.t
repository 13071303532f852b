#!/usr/bin/env bash
# pg_upgrade can upgrade a cluster where draft_mode is installed. Its check
# refuses any table column of a reg* type whose OIDs it does not preserve
# (regprocedure among them): draft_mode 0.3.0 stored validators as
# regprocedure, so installing it blocked pg_upgrade of the whole cluster.
# A throwaway cluster holds one database at 0.3.0 (the control: the check
# must refuse it, naming the column) and one with everything draft_mode
# stores (test/tap/stored_state.bash). After ALTER EXTENSION ... UPDATE the
# check passes; pg_upgrade (same server version: the check and the catalog
# transfer are the same as across versions) moves the cluster, and every
# row and every version is equal (a tenant binding's role too) and the
# store keeps working on the new cluster.
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$root/scripts/cluster.sh"
source "$root/test/tap/stored_state.bash"
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
work=$(mktemp -d)
chmod 0755 "$work"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work"
trap 'cluster_stop "$work/old"; cluster_stop "$work/new"; rm -rf "$work"' EXIT

echo "1..9"
# Ports above the suite's cluster (PGPORT): test/postgres-versions gives each root 100 of its own.
old_port=$(cluster_free_port $((${PGPORT:-54329} + 50)))
cluster_start "$work/old" "$old_port" no-cron
createdb draft_mode_previous
sql -d draft_mode_previous -c "CREATE EXTENSION draft_mode VERSION '0.3.0'" \
  -c "CREATE FUNCTION public.card_errors(content jsonb) RETURNS text[] LANGUAGE sql
        AS \$\$ SELECT '{}'::text[] \$\$" \
  -c "SELECT draft_mode.set_validator('card', 'public.card_errors(jsonb)')" >/dev/null
createdb draft_mode_stored
sql -d draft_mode_stored -c "CREATE EXTENSION draft_mode" >/dev/null
seed_state draft_mode_stored
# A binding names its role by OID (regrole, which pg_upgrade keeps): one of a role made here.
sql -d draft_mode_stored -c 'CREATE ROLE draft_mode_upgraded_app' \
  -c "SELECT draft_mode.bind_tenant('draft_mode_upgraded_app', 'globex')" >/dev/null
expected=$(fingerprint draft_mode_stored)

# pg_upgrade runs as the clusters' owner, in a directory it may write, with
# the old cluster stopped and its own ports for the servers it starts.
upgrade() {
  local owner=()
  [ "$(id -u)" -ne 0 ] || owner=(runuser -u postgres --)
  (cd "$work" && "${owner[@]}" "$PG_BIN/pg_upgrade" "$@" --old-bindir="$PG_BIN" \
    --new-bindir="$PG_BIN" --old-datadir="$work/old/data" --new-datadir="$work/new/data" \
    --username=postgres --socketdir="$work" --old-port="$old_port" \
    --new-port="$(cluster_free_port $((old_port + 1)))")
}
stop_old() { _cluster_as_owner "$PG_BIN/pg_ctl" stop --pgdata="$work/old/data" --mode=fast --wait --silent; }
start_old() {
  _cluster_as_owner "$PG_BIN/pg_ctl" start --pgdata="$work/old/data" --log="$work/old/postgres.log" \
    --wait --silent
}
mkdir -m 0700 "$work/new"
[ "$(id -u)" -ne 0 ] || chown postgres: "$work/new"
_cluster_as_owner "$PG_BIN/initdb" --pgdata="$work/new/data" --auth=trust --username=postgres \
  --encoding=UTF8 --locale=C --no-sync >"$work/new/initdb.log"

stop_old
if upgrade --check >"$work/check-0.3.0.log" 2>&1; then
  echo "not ok 1 - pg_upgrade --check refuses 0.3.0's regprocedure column (it passed)"
elif grep -rqs 'draft_mode.validators.validator' "$work/new/data/pg_upgrade_output.d"; then
  echo "ok 1 - pg_upgrade --check refuses 0.3.0's regprocedure column (the control)"
else
  echo "not ok 1 - pg_upgrade --check refuses 0.3.0's regprocedure column (another reason)"
  sed 's/^/# /' "$work/check-0.3.0.log"
fi
rm -rf "$work/new/data/pg_upgrade_output.d"

start_old
sql -d draft_mode_previous -c "ALTER EXTENSION draft_mode UPDATE"
stop_old
if upgrade --check >"$work/check.log" 2>&1; then
  echo "ok 2 - pg_upgrade --check passes once the extension is updated"
else
  echo "not ok 2 - pg_upgrade --check passes once the extension is updated"
  sed 's/^/# /' "$work/check.log"
fi

if upgrade >"$work/upgrade.log" 2>&1; then
  echo "ok 3 - pg_upgrade moves the cluster"
else
  echo "not ok 3 - pg_upgrade moves the cluster"
  sed 's/^/# /' "$work/upgrade.log"
fi
printf '%s\n' "port = $old_port" "unix_socket_directories = '$work/new'" \
  "listen_addresses = '127.0.0.1'" >>"$work/new/data/postgresql.conf"
_cluster_as_owner "$PG_BIN/pg_ctl" start --pgdata="$work/new/data" --log="$work/new/postgres.log" \
  --wait --silent
export PGHOST=$work/new

actual=$(fingerprint draft_mode_stored)
if [ "$actual" = "$expected" ]; then echo "ok 4 - every row and every version equal after pg_upgrade"; else
  echo "not ok 4 - every row and every version equal after pg_upgrade"
  diff <(echo "$expected") <(echo "$actual") | sed 's/^/# /'
fi
check_store_works draft_mode_stored 5 pg_upgrade
