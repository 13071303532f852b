#!/usr/bin/env bash
# pg_dump keeps draft_mode's content: a database with sections, drafts (a
# draft-first one too), published versions, history (snapshots included),
# validators, draft lifetimes, a lease, idempotency keys, the change feed
# with a consumer's position, and a tenant binding is dumped (custom format and plain
# SQL) and restored into fresh databases; every row and every rebuilt
# version is equal, the store keeps working on the restored data, the lease
# still fences writes, a key still replays, and new lease tokens stay above
# every token handed out before the dump.
set -euo pipefail
source_db=draft_mode_dump_source
work=$(mktemp -d)
drop_databases() {
  for db in "$source_db" draft_mode_dump_custom draft_mode_dump_plain; do
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
  done
}
trap 'rm -rf "$work"; drop_databases' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

# A fingerprint of everything draft_mode stores, and of every version's content.
fingerprint() {
  sql -d "$1" <<'SQL'
SELECT md5(string_agg(s::text, '|' ORDER BY tenant, section)) FROM draft_mode.sections AS s;
SELECT md5(string_agg(h::text, '|' ORDER BY tenant, section, version)) FROM draft_mode.history AS h;
SELECT md5(string_agg(v::text, '|' ORDER BY section_type)) FROM draft_mode.validators AS v;
SELECT md5(string_agg(t::text, '|' ORDER BY section_type)) FROM draft_mode.draft_ttls AS t;
SELECT md5(string_agg(k::text, '|' ORDER BY tenant, key)) FROM draft_mode.idempotency_keys AS k;
SELECT md5(string_agg(f::text, '|' ORDER BY tenant, position)) FROM draft_mode.feed AS f;
SELECT md5(string_agg(c::text, '|' ORDER BY tenant)) FROM draft_mode.feed_counters AS c;
SELECT md5(string_agg(c::text, '|' ORDER BY tenant, consumer)) FROM draft_mode.feed_consumers AS c;
SELECT md5(string_agg(b.role::text || b.tenant, '|' ORDER BY b.tenant)) FROM draft_mode.tenant_bindings AS b;
SELECT md5(string_agg(draft_mode.content_at(h.tenant, h.section, h.version)::text, '|'
                      ORDER BY h.tenant, h.section, h.version)) FROM draft_mode.history AS h;
SQL
}

drop_databases
createdb "$source_db"
sql -d "$source_db" >/dev/null <<'SQL'
CREATE EXTENSION draft_mode;
CREATE FUNCTION public.card_errors(content jsonb) RETURNS text[] LANGUAGE sql
    AS $$ SELECT CASE WHEN content ? 'title' THEN '{}'::text[] ELSE ARRAY['title is required'] END $$;
SELECT draft_mode.set_validator('card', 'public.card_errors(jsonb)');
SELECT draft_mode.set_draft_ttl('card', '7 days');
SET draft_mode.snapshot_interval = 10;
SELECT draft_mode.create_section('acme', 'home/hero', '{"title": "Welcome", "price": 19.90}', 'card');
SELECT draft_mode.create_section('acme', 'footer', '{"links": []}');
SELECT draft_mode.create_section('globex', 'home/hero', '{"title": "Hi", "n": 12345678901234567890123}', 'card');
SELECT count(draft_mode.patch_draft('acme', 'home/hero',
           jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/price', 'value', 10 + i * 0.01)), i))
  FROM generate_series(1, 60) AS i;
SELECT draft_mode.publish('acme', 'home/hero');
SELECT draft_mode.merge_draft('acme', 'home/hero', '{"subtitle": "draft after publish"}', 62);
SELECT draft_mode.patch_draft('acme', 'footer', '[{"op": "add", "path": "/links/-", "value": "/about"}]', 1);
SELECT draft_mode.undo('acme', 'footer', 2, idempotency_key => 'undo-1');
SELECT draft_mode.acquire_lease('globex', 'home/hero', '1 hour');
SELECT draft_mode.create_draft('acme', 'bots/new', '{"step": 1}', ttl => '2 days');
SELECT draft_mode.advance_consumer('acme', 'deployer', 'c10');
SELECT draft_mode.bind_tenant('pg_monitor', 'acme');
SQL

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

after=$(sql -d draft_mode_dump_custom -c "SELECT version FROM draft_mode.patch_draft('acme', 'home/hero', '[{\"op\": \"replace\", \"path\": \"/title\", \"value\": \"after restore\"}]', 63)")
[ "$after" = 64 ] && echo "ok 5 - the store keeps working after restore (version 64)" || echo "not ok 5 - the store keeps working after restore (got version '$after')"
refused=$(sql -d draft_mode_dump_custom -c "SELECT (draft_mode.validate('globex', 'home/hero')).errors = '{}' AND draft_mode.validation_errors('card', '{}') = ARRAY['title is required']")
[ "$refused" = t ] && echo "ok 6 - validators work after restore" || echo "not ok 6 - validators work after restore (got '$refused')"

lease=$(sql -d draft_mode_dump_custom -c "SELECT max(lease_token) FROM draft_mode.sections")
fenced=$(psql -X -q -At -d draft_mode_dump_custom -c "SELECT draft_mode.save_draft('globex', 'home/hero', '{\"title\": \"x\"}', 1)" 2>&1 | grep -c 'is leased by' || true)
[ "$fenced" = 1 ] && echo "ok 7 - the lease still fences writes after restore" || echo "not ok 7 - the lease still fences writes after restore"
replay=$(sql -d draft_mode_dump_custom -c "SELECT version FROM draft_mode.undo('acme', 'footer', 2, idempotency_key => 'undo-1')")
[ "$replay" = 3 ] && echo "ok 8 - an idempotency key still replays after restore" || echo "not ok 8 - an idempotency key still replays after restore (got '$replay')"
next=$(sql -d draft_mode_dump_custom -c "SELECT token FROM draft_mode.take_over('globex', 'home/hero')")
[ "$next" -gt "$lease" ] && echo "ok 9 - lease tokens keep growing after restore ($next > $lease)" || echo "not ok 9 - lease tokens keep growing after restore ($next, before: $lease)"
