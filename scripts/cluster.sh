# shellcheck shell=bash
# Bash library (source it) for throwaway PostgreSQL clusters, used by test/run and scripts/demo
# so tests never touch a real server: cluster_free_port FIRST, cluster_start DIR PORT, cluster_stop DIR.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user.

# The server of the PostgreSQL that PG_CONFIG names (scripts/postgres-version).
source "$(dirname "${BASH_SOURCE[0]}")/postgres-version"
PG_BIN=$("$PG_CONFIG" --bindir)

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
_cluster_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Prints the first port from FIRST upwards on which nothing listens on 127.0.0.1.
cluster_free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

# Creates and starts a cluster in DIR (data in DIR/data, socket in DIR, log in DIR/postgres.log) on
# 127.0.0.1:PORT, with pg_cron preloaded, and points libpq's PG* variables at it. A third argument
# `no-cron` leaves pg_cron out (scripts/demo: its package set has no pg_cron). Further arguments are
# postgresql.conf lines appended last, so they override the defaults (test/citus preloads citus).
cluster_start() {
  local dir=$1 port=$2 cron=cron
  shift 2
  if [ "${1:-}" = no-cron ]; then
    cron=no-cron
    shift
  fi
  mkdir -m 0700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
  fi
  _cluster_as_owner "$PG_BIN/initdb" --pgdata="$dir/data" --auth=trust --username=postgres \
    --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
    tail -n 20 "$dir/initdb.log" >&2
    return 1
  }
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if [ "$cron" != no-cron ]; then
    cat >>"$dir/data/postgresql.conf" <<EOF
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '$dir'
EOF
  fi
  if [ $# -gt 0 ]; then
    printf '%s\n' "$@" >>"$dir/data/postgresql.conf"
  fi
  _cluster_as_owner "$PG_BIN/pg_ctl" start --pgdata="$dir/data" --log="$dir/postgres.log" --wait \
    --silent || {
    tail -n 20 "$dir/postgres.log" >&2
    return 1
  }
  export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

# Stops the cluster in DIR, if it runs, and removes DIR. Safe to call from an EXIT trap at any point.
cluster_stop() {
  local dir=${1:?cluster_stop needs a directory}
  if [ -f "$dir/data/postmaster.pid" ]; then
    _cluster_as_owner "$PG_BIN/pg_ctl" stop --pgdata="$dir/data" --mode=fast --wait --silent ||
      echo "cluster_stop: pg_ctl stop failed; removing $dir anyway" >&2
  fi
  rm -rf "$dir"
}
