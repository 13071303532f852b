#!/usr/bin/env bash
# Transactions that change several tenants commit without deadlocking on the
# change feed's counters. Each change takes its tenant's next feed position
# at COMMIT (a deferred trigger, in the order the changes were made): before
# 0.4.0, one transaction changing tenants a then b and another changing b
# then a, committing at once, locked the two counters in opposite orders and
# one of them failed with "deadlock detected" (about one in seven, with four
# pgbench clients). Four clients run the two orders against sections of
# their own (no row is shared, so any deadlock is the feed's); every
# transaction must commit, and each tenant's feed must hold every change
# once, at positions 1..n without gaps.
set -euo pipefail
db=draft_mode_cross_tenant
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }
clients=4
transactions=50

dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db"
# A deadlock costs deadlock_timeout before it is detected: keep the failing case quick.
sql -c "ALTER DATABASE $db SET deadlock_timeout = '100ms'" -c 'CREATE EXTENSION draft_mode' \
  -c "SELECT count(draft_mode.create_section(t, 's' || c, '{}'))
        FROM unnest(ARRAY['a', 'b']) AS t, generate_series(1, $clients) AS c" >/dev/null
for order in ab ba; do
  {
    echo 'BEGIN;'
    for tenant in "${order:0:1}" "${order:1:1}"; do
      echo "SELECT 1 FROM draft_mode.save_draft('$tenant', 's' || :client_id + 1, jsonb_build_object('n', random()), (SELECT version FROM draft_mode.sections WHERE tenant = '$tenant' AND section = 's' || :client_id + 1));"
    done
    echo 'COMMIT;'
  } >"$work/$order.sql"
done

echo "1..3"
pgbench -n -d "$db" -f "$work/ab.sql" -f "$work/ba.sql" -c "$clients" -j 2 -t "$transactions" \
  --failures-detailed >"$work/pgbench.log" 2>&1 || true
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.log")
deadlocks=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$work/pgbench.log")
if [ "$deadlocks" = 0 ]; then echo "ok 1 - no deadlock among $((clients * transactions)) cross-tenant transactions"; else
  echo "not ok 1 - no deadlock among $((clients * transactions)) cross-tenant transactions ($deadlocks deadlocks)"; sed 's/^/# /' "$work/pgbench.log"; fi
if [ "$processed" = $((clients * transactions)) ]; then echo "ok 2 - every transaction committed ($processed)"; else
  echo "not ok 2 - every transaction committed (processed: '$processed')"; sed 's/^/# /' "$work/pgbench.log"; fi
feed=$(sql -c "SELECT string_agg(tenant || ' ' || (positions = changes AND positions = top AND top = counter), ', ' ORDER BY tenant)
                 FROM (SELECT f.tenant, count(DISTINCT f.position) AS positions, max(f.position) AS top,
                              count(DISTINCT (f.section, f.version)) AS changes,
                              (SELECT c.position FROM draft_mode.feed_counters AS c WHERE c.tenant = f.tenant) AS counter
                         FROM draft_mode.feed AS f GROUP BY f.tenant) AS per_tenant")
changes=$(sql -c "SELECT count(*) FROM draft_mode.history")
in_feed=$(sql -c "SELECT count(*) FROM draft_mode.feed")
if [ "$feed" = "a true, b true" ] && [ "$changes" = "$in_feed" ]; then
  echo "ok 3 - each tenant's feed holds every change once, at positions 1..n ($in_feed changes)"
else
  echo "not ok 3 - each tenant's feed holds every change once, at positions 1..n (got '$feed', $changes changes, $in_feed in the feed)"
fi
