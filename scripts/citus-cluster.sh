# shellcheck shell=bash
# Bash library (source it after scripts/cluster.sh) for a throwaway Citus cluster on this machine: a
# coordinator and two workers, each a scripts/cluster.sh cluster with citus preloaded, the workers
# registered, and draft_mode created and distributed (draft_mode.distribute()). Used by test/citus and
# bench/citus. Citus is a test dependency only: when the PostgreSQL that PG_CONFIG names lacks it,
# citus_install builds it from ../shared/citus (a tarball and a patch, see its README) in a cache
# outside the repository and installs it there.
#
#   citus_install                 build and install Citus unless installed (fails when it cannot)
#   citus_cluster_start DIR [V]   start the three nodes under DIR, PG* pointing at the coordinator
#                                 (with V: draft_mode created at version V, not distributed)
#   citus_cluster_stop DIR        stop them and remove DIR (safe in an EXIT trap)
#   citus_worker_ports            the workers' ports, one a line
#
# Ports: the first free ones from DRAFT_MODE_CITUS_PORT upward (default 55432), so that engineers
# sharing a machine can keep their clusters apart (for example DRAFT_MODE_CITUS_PORT=56400).

citus_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
citus_source_dir=${DRAFT_MODE_CITUS_SOURCE:-$citus_root/../shared/citus}
citus_pg_config=${PG_CONFIG:-pg_config}

# True when Citus' library and extension files are in the PostgreSQL that PG_CONFIG names.
citus_installed() {
  [ -f "$("$citus_pg_config" --pkglibdir)/citus.so" ] &&
    [ -f "$("$citus_pg_config" --sharedir)/extension/citus.control" ]
}

# True when the Citus source (tarball and patch) is there to build from.
citus_source_present() {
  [ -f "$citus_source_dir/citus-v13.2.2.tar.gz" ] && [ -f "$citus_source_dir/pg15-minor-compat.patch" ]
}

# The build directory of this Citus source and PostgreSQL (cache: DRAFT_MODE_CITUS_BUILD, default
# /var/tmp/draft_mode-citus-build).
citus_build_dir() {
  local key
  key=$( (cat "$citus_source_dir/citus-v13.2.2.tar.gz" "$citus_source_dir/pg15-minor-compat.patch"
    "$citus_pg_config" --version) | sha256sum | cut -c1-12)
  echo "${DRAFT_MODE_CITUS_BUILD:-/var/tmp/draft_mode-citus-build}/$key"
}

# Builds Citus into citus_build_dir unless built there already. Build packages: scripts/setup-debian.
citus_build() {
  citus_source_present || {
    echo "citus_build: no Citus source in $citus_source_dir" >&2
    return 1
  }
  local cache log
  cache=$(citus_build_dir)
  log=$cache.log
  if [ ! -f "$cache/.built" ]; then
    echo "citus_build: building Citus 13.2.2 in $cache (about 1-2 minutes; log: $log)" >&2
    rm -rf "$cache"
    mkdir -p "$cache"
    local extra_cppflags=()
    # libpq's headers are in the server's include directory on Debian; a private PostgreSQL copy may
    # have only the server headers, so fall back to the system's libpq-dev.
    if [ ! -f "$("$citus_pg_config" --includedir)/libpq-fe.h" ] && [ -f /usr/include/postgresql/libpq-fe.h ]; then
      extra_cppflags=(CPPFLAGS=-I/usr/include/postgresql)
    fi
    if ! (cd "$cache" && tar xzf "$citus_source_dir/citus-v13.2.2.tar.gz" &&
      patch -p1 <"$citus_source_dir/pg15-minor-compat.patch" &&
      ./configure PG_CONFIG="$citus_pg_config" --without-libcurl "${extra_cppflags[@]}" &&
      make -j2 with_llvm=no) >"$log" 2>&1 </dev/null; then
      echo "citus_build: building Citus failed; last lines of $log:" >&2
      tail -n 30 "$log" >&2
      return 1
    fi
    touch "$cache/.built"
  fi
}

# Builds Citus (citus_build) and installs it as root, unless it is installed.
citus_install() {
  citus_installed && return 0
  local cache log started
  started=$(date +%s)
  citus_build || return 1
  cache=$(citus_build_dir)
  log=$cache.log
  if ! "$citus_root/scripts/as-root" make -C "$cache" install with_llvm=no PG_CONFIG="$citus_pg_config" \
    >>"$log" 2>&1 </dev/null; then
    echo "citus_install: installing Citus failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  echo "citus_install: Citus installed in $("$citus_pg_config" --pkglibdir) ($(($(date +%s) - started)) s)" >&2
}

# psql on the node listening on PORT (its socket is in DIR/NODE), database postgres.
citus_node_sql() {
  local dir=$1 node=$2
  shift 2
  psql -X -q -v ON_ERROR_STOP=1 -At -h "$dir/$node" -p "$(cat "$dir/$node.port")" -U postgres \
    -d postgres "$@"
}

# Starts the coordinator and the workers under DIR, registers the workers, creates draft_mode and
# distributes it (or, given VERSION, creates draft_mode at that version and leaves it undistributed);
# PGHOST, PGPORT, PGUSER and PGDATABASE then name the coordinator.
citus_cluster_start() {
  local dir=$1 version=${2:-} node port=${DRAFT_MODE_CITUS_PORT:-55432}
  mkdir -p "$dir"
  chmod 0755 "$dir"
  for node in coordinator worker1 worker2; do
    port=$(cluster_free_port "$port")
    echo "$port" >"$dir/$node.port"
    # citus first in shared_preload_libraries; prepared transactions for two-phase commits across
    # workers; plain TCP between the nodes (they share 127.0.0.1).
    cluster_start "$dir/$node" "$port" \
      "shared_preload_libraries = 'citus'" \
      "max_prepared_transactions = 100" \
      "citus.node_conninfo = 'sslmode=disable'" || return 1
    port=$((port + 1))
  done
  for node in coordinator worker1 worker2; do
    citus_node_sql "$dir" "$node" -c 'CREATE EXTENSION citus' || return 1
  done
  citus_node_sql "$dir" coordinator \
    -c "SELECT citus_set_coordinator_host('127.0.0.1', $(cat "$dir/coordinator.port"))" \
    -c "SELECT citus_add_node('127.0.0.1', $(cat "$dir/worker1.port"))" \
    -c "SELECT citus_add_node('127.0.0.1', $(cat "$dir/worker2.port"))" >/dev/null || return 1
  # Citus propagates CREATE EXTENSION to the workers.
  if [ -n "$version" ]; then
    citus_node_sql "$dir" coordinator -c "CREATE EXTENSION draft_mode VERSION '$version'" >/dev/null ||
      return 1
  else
    citus_node_sql "$dir" coordinator -c 'CREATE EXTENSION draft_mode' \
      -c 'SELECT draft_mode.distribute()' >/dev/null || return 1
  fi
  export PGHOST=$dir/coordinator PGPORT PGUSER=postgres PGDATABASE=postgres
  PGPORT=$(cat "$dir/coordinator.port")
}

# The workers' ports, one a line.
citus_worker_ports() {
  local dir=$1
  cat "$dir/worker1.port" "$dir/worker2.port"
}

# Stops every node under DIR and removes DIR.
citus_cluster_stop() {
  local dir=${1:?citus_cluster_stop needs a directory} node
  for node in coordinator worker1 worker2; do
    [ -d "$dir/$node" ] && cluster_stop "$dir/$node"
  done
  rm -rf "$dir"
}
