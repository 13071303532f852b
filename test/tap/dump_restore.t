#!/usr/bin/env bash
# pg_dump keeps draft_mode's content: a database with sections, drafts (a
# draft-first one too), published versions, history (snapshots included),
# validators, draft lifetimes, a lease, idempotency keys, the change feed
# with a consumer's position, and a tenant binding is dumped (custom format and plain
# SQL) and restored into fresh databases; every row and every rebuilt
# version is equal, the store keeps working on the restored data, the lease
# still fences writes, a key still replays, and new lease tokens stay above
# every token handed out before the dump (test/tap/stored_state.bash).
set -euo pipefail
source "$(dirname "$0")/stored_state.bash"
source_db=draft_mode_dump_source
work=$(mktemp -d)
drop_databases() {
  for db in "$source_db" draft_mode_dump_custom draft_mode_dump_plain; do
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
  done
}
trap 'rm -rf "$work"; drop_databases' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

drop_databases
createdb "$source_db"
sql -d "$source_db" -c "CREATE EXTENSION draft_mode" >/dev/null
seed_state "$source_db"

echo "1..9"
expected=$(fingerprint "$source_db")
rows=$(sql -d "$source_db" -c "SELECT count(*) FROM draft_mode.history")
echo "# source: $rows history rows"

pg_dump -Fc -f "$work/dump.custom" "$source_db"
createdb draft_mode_dump_custom
pg_restore --exit-on-error -d draft_mode_dump_custom "$work/dump.custom" && restored=ok || restored=failed
[ "$restored" = ok ] && echo "ok 1 - pg_restore of a custom-format dump" || echo "not ok 1 - pg_restore of a custom-format dump"
actual=$(fingerprint draft_mode_dump_custom)
if [ "$actual" = "$expected" ]; then echo "ok 2 - custom dump: every row and every version equal"; else
  echo "not ok 2 - custom dump: every row and every version equal"; diff <(echo "$expected") <(echo "$actual") | sed 's/^/# /'; fi

pg_dump -f "$work/dump.sql" "$source_db"
createdb draft_mode_dump_plain
psql -X -q -v ON_ERROR_STOP=1 -d draft_mode_dump_plain -f "$work/dump.sql" >/dev/null 2>"$work/plain.err" && plain=ok || plain=failed
[ "$plain" = ok ] && echo "ok 3 - plain SQL dump restores" || { echo "not ok 3 - plain SQL dump restores"; sed 's/^/# /' "$work/plain.err"; }
actual=$(fingerprint draft_mode_dump_plain)
if [ "$actual" = "$expected" ]; then echo "ok 4 - plain dump: every row and every version equal"; else
  echo "not ok 4 - plain dump: every row and every version equal"; diff <(echo "$expected") <(echo "$actual") | sed 's/^/# /'; fi

check_store_works draft_mode_dump_custom 5 restore
