# shellcheck shell=bash
# Stored state shared by the tests that move a database (test/tap/dump_restore.t,
# test/tap/pg_upgrade.t): seed_state fills a database with everything draft_mode stores,
# fingerprint prints a digest of it, check_store_works proves the store keeps working on the moved
# data. Needs psql's PG* connection variables and sql() (psql -X -q -v ON_ERROR_STOP=1 -At).

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

# Sections, drafts (a draft-first one too), published versions, history (snapshots included), a
# validator, a draft lifetime, a lease, idempotency keys, the feed with a consumer's position, a
# tenant binding. Needs draft_mode created in DATABASE.
seed_state() {
  sql -d "$1" >/dev/null <<'SQL'
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
}

# Five TAP lines, numbered from FIRST, on DATABASE holding seed_state's data (moved by
# LABEL): it takes a patch, its validator refuses, the lease fences, a key replays, and new lease
# tokens stay above every token handed out before.
check_store_works() {
  local db=$1 first=$2 label=$3 after refused lease fenced replay next
  after=$(sql -d "$db" -c "SELECT version FROM draft_mode.patch_draft('acme', 'home/hero', '[{\"op\": \"replace\", \"path\": \"/title\", \"value\": \"after $label\"}]', 63)")
  [ "$after" = 64 ] && echo "ok $first - the store keeps working after $label (version 64)" || echo "not ok $first - the store keeps working after $label (got version '$after')"
  refused=$(sql -d "$db" -c "SELECT (draft_mode.validate('globex', 'home/hero')).errors = '{}' AND draft_mode.validation_errors('card', '{}') = ARRAY['title is required']")
  [ "$refused" = t ] && echo "ok $((first + 1)) - validators work after $label" || echo "not ok $((first + 1)) - validators work after $label (got '$refused')"

  lease=$(sql -d "$db" -c "SELECT max(lease_token) FROM draft_mode.sections")
  fenced=$(psql -X -q -At -d "$db" -c "SELECT draft_mode.save_draft('globex', 'home/hero', '{\"title\": \"x\"}', 1)" 2>&1 | grep -c 'is leased by' || true)
  [ "$fenced" = 1 ] && echo "ok $((first + 2)) - the lease still fences writes after $label" || echo "not ok $((first + 2)) - the lease still fences writes after $label"
  replay=$(sql -d "$db" -c "SELECT version FROM draft_mode.undo('acme', 'footer', 2, idempotency_key => 'undo-1')")
  [ "$replay" = 3 ] && echo "ok $((first + 3)) - an idempotency key still replays after $label" || echo "not ok $((first + 3)) - an idempotency key still replays after $label (got '$replay')"
  next=$(sql -d "$db" -c "SELECT token FROM draft_mode.take_over('globex', 'home/hero')")
  [ "$next" -gt "$lease" ] && echo "ok $((first + 4)) - lease tokens keep growing after $label ($next > $lease)" || echo "not ok $((first + 4)) - lease tokens keep growing after $label ($next, before: $lease)"
}
