-- pgTAP tests of leases, idempotency keys and rebase in one session: the
-- API's signatures, every SQLSTATE with its DETAIL, that a refused call
-- changes nothing, fencing tokens that only grow, take-over in history, the
-- rebase rule through SQL. Real concurrency is tested by
-- test/specs/leases.spec, test/specs/idempotent_retry.spec and
-- test/tap/concurrent_callers.t; retention of leases and keys by
-- test/sql/lease_key_retention.sql. Everything is rolled back. Expiry is
-- simulated by moving lease_expires_at or created_at into the past.
\set ECHO none
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
-- Intervals below are compared as text in the server's default style (pg_regress starts psql
-- with IntervalStyle postgres_verbose).
SET LOCAL IntervalStyle = postgres;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS draft_mode;
RESET client_min_messages;
\i test/sql/include/store_helpers.sql

SELECT plan(58);

SET LOCAL draft_mode.actor = 'alice';
SET LOCAL draft_mode.notify = off;
SELECT draft_mode.create_section('cc', 'page', '{"title": "t", "body": "b", "items": [1, 2]}');
-- A replace of /title, as a patch.
CREATE FUNCTION pg_temp.title(value text) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_array(jsonb_build_object('op', 'replace', 'path', '/title', 'value', value))
$$;

--
-- Catalog
--
SELECT has_function('draft_mode', 'acquire_lease', ARRAY['text', 'text', 'interval', 'text'],
                    'acquire_lease(tenant, section, ttl, idempotency_key)');
SELECT has_function('draft_mode', 'renew_lease', ARRAY['int8', 'interval'], 'renew_lease(token, ttl)');
SELECT has_function('draft_mode', 'release_lease', ARRAY['int8'], 'release_lease(token)');
SELECT has_function('draft_mode', 'take_over', ARRAY['text', 'text', 'interval', 'text'],
                    'take_over(tenant, section, ttl, idempotency_key)');
SELECT has_function('draft_mode', 'lease_status', ARRAY['text', 'text'], 'lease_status(tenant, section)');

--
-- Leases
--
CREATE TEMPORARY TABLE leased AS SELECT * FROM draft_mode.acquire_lease('cc', 'page', '5 minutes');
SELECT is((SELECT row(holder, expires_at - acquired_at)::text FROM leased), '(alice,00:05:00)',
          'acquire_lease: held by the actor for ttl');
SELECT is((SELECT row(held, holder)::text FROM draft_mode.lease_status('cc', 'page')), '(t,alice)',
          'lease_status shows the holder');
SELECT is((SELECT count(*) FROM draft_mode.leases WHERE tenant = 'cc'), 1::bigint,
          'the leases view lists it');

CREATE TEMPORARY TABLE before AS SELECT * FROM pg_temp.state('cc', 'page');
SELECT is((SELECT array_agg(DISTINCT c) FROM unnest(ARRAY[
             (pg_temp.try($$SELECT draft_mode.save_draft('cc', 'page', '{}', 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'page', pg_temp.title('x'), 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.merge_draft('cc', 'page', '{"a": 1}', 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.publish('cc', 'page')$$)).code,
             (pg_temp.try($$SELECT draft_mode.discard('cc', 'page')$$)).code,
             (pg_temp.try($$SELECT draft_mode.restore('cc', 'page', 1, 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.undo('cc', 'page', 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.redo('cc', 'page', 1)$$)).code,
             (pg_temp.try($$SELECT draft_mode.publish_many('cc', '{page}')$$)).code]) AS c),
          '{DM201}', 'every write without the token is refused while leased (DM201)');
SELECT is((pg_temp.try($$SELECT draft_mode.save_draft('cc', 'page', '{}', 1)$$)).detail::jsonb - 'expires_at',
          '{"reason": "section_leased", "holder": "alice"}', 'DM201 DETAIL: reason and holder');
SELECT is((SELECT (pg_temp.state('cc', 'page'))::text), (SELECT before::text FROM before),
          'refused writes changed nothing');
SELECT is((pg_temp.try($$SELECT draft_mode.acquire_lease('cc', 'page')$$)).code, 'DM201',
          'acquire_lease while leased: DM201, also for the same actor');
SELECT is((SELECT version FROM draft_mode.patch_draft('cc', 'page', pg_temp.title('x'), 1,
                                                      lease_token => (SELECT token FROM leased))),
          2::bigint, 'a write with the current token succeeds');
SELECT is((pg_temp.try(format('SELECT draft_mode.patch_draft(%L, %L, %L, 2, lease_token => %s)',
                              'cc', 'page', pg_temp.title('y'), (SELECT token + 1000 FROM leased)))).detail::jsonb - 'expires_at' - 'token',
          '{"reason": "lease_superseded", "holder": "alice"}', 'a wrong token: DM202, lease_superseded');

UPDATE leased SET expires_at = (SELECT expires_at FROM draft_mode.renew_lease((SELECT token FROM leased), '10 minutes'));
SELECT ok((SELECT expires_at > clock_timestamp() + interval '9 minutes' FROM leased),
          'renew_lease extends the lease by ttl from now');
UPDATE draft_mode.sections SET lease_expires_at = clock_timestamp() - interval '1 second'
 WHERE tenant = 'cc' AND section = 'page';
SELECT is((pg_temp.try(format('SELECT draft_mode.patch_draft(%L, %L, %L, 2, lease_token => %s)',
                              'cc', 'page', pg_temp.title('y'), (SELECT token FROM leased)))).detail::jsonb - 'token',
          '{"reason": "lease_expired"}', 'an expired token at the right version: DM202, lease_expired');
SELECT is((pg_temp.try(format('SELECT draft_mode.renew_lease(%s)', (SELECT token FROM leased)))).code,
          'DM202', 'an expired lease cannot be renewed');
SELECT is((SELECT row(held, holder)::text FROM draft_mode.lease_status('cc', 'page')), '(f,)',
          'lease_status: an expired lease is not held');
SELECT is((SELECT version FROM draft_mode.patch_draft('cc', 'page', pg_temp.title('y'), 2)),
          3::bigint, 'after expiry, writes without a token work again');
SELECT is(draft_mode.release_lease((SELECT token FROM leased)), false,
          'release_lease of an expired lease: false');
SELECT is((pg_temp.try($$SELECT draft_mode.renew_lease(-1)$$)).detail,
          '{"reason":"no_lease","token":-1}', 'renew_lease of an unknown token: DM202, no_lease');

-- Tokens only grow; release ends a lease.
CREATE TEMPORARY TABLE second AS SELECT * FROM draft_mode.acquire_lease('cc', 'page');
SELECT cmp_ok((SELECT token FROM second), '>', (SELECT token FROM leased), 'a new lease gets a larger token');
SELECT is(draft_mode.release_lease((SELECT token FROM second)), true, 'release_lease: true');
SELECT is(draft_mode.release_lease((SELECT token FROM second)), false, '... and false the second time');
SELECT is((pg_temp.try(format('SELECT draft_mode.patch_draft(%L, %L, %L, 3, lease_token => %s)',
                              'cc', 'page', pg_temp.title('z'), (SELECT token FROM second)))).detail,
          format('{"reason":"no_lease","token":%s}', (SELECT token FROM second)),
          'a released token is refused: DM202, no_lease');

-- Take-over.
SELECT is((SELECT holder FROM draft_mode.take_over('cc', 'page')), 'alice',
          'take_over without a current lease acquires');
SELECT is((SELECT max(version) FROM draft_mode.history WHERE tenant = 'cc'), 3::bigint,
          '... and records nothing');
SET LOCAL draft_mode.actor = 'bob';
CREATE TEMPORARY TABLE taken AS SELECT * FROM draft_mode.take_over('cc', 'page');
SELECT is((SELECT holder FROM taken), 'bob', 'take_over gives the lease to the actor');
SELECT is((SELECT row(version, kind, actor, detail ->> 'previous_holder',
                      (detail ->> 'token')::int8 = (SELECT token FROM taken))::text
             FROM draft_mode.history('cc', 'page', 1)),
          '(4,take_over,bob,alice,t)', 'take_over is a change in history, with the lease taken over');
SELECT is((SELECT content ->> 'title' FROM draft_mode.get_section('cc', 'page')), 'y',
          '... that leaves the content alone');

-- Arguments.
SELECT is((pg_temp.try($$SELECT draft_mode.acquire_lease('cc', 'other', '0 seconds')$$)).code, '22023',
          'ttl under 1 second: 22023');
SELECT is((pg_temp.try($$SELECT draft_mode.acquire_lease('cc', 'page', '2 days')$$)).detail,
          '{"argument":"ttl","minimum":"00:00:01","maximum":"24:00:00"}', 'ttl over 24 hours: 22023 with bounds');
SELECT is((pg_temp.try($$SELECT draft_mode.acquire_lease('cc', 'page', NULL)$$)).code, '22004',
          'ttl null: 22004');
SELECT is((pg_temp.try($$SELECT draft_mode.acquire_lease('cc', 'nope')$$)).code, 'DM101',
          'acquire_lease of a missing section: DM101');
SELECT is(draft_mode.release_lease((SELECT token FROM taken)), true, 'bob releases');

--
-- Idempotency keys
--
CREATE TEMPORARY TABLE first_call AS
    SELECT * FROM draft_mode.patch_draft('cc', 'page', pg_temp.title('k'), 4, idempotency_key => 'k1');
DELETE FROM before;
INSERT INTO before SELECT * FROM pg_temp.state('cc', 'page');
SELECT is((SELECT c::text FROM draft_mode.patch_draft('cc', 'page', pg_temp.title('k'), 4, idempotency_key => 'k1') AS c),
          (SELECT c::text FROM first_call AS c), 'a repeat returns the stored result');
SELECT is((SELECT (pg_temp.state('cc', 'page'))::text), (SELECT before::text FROM before),
          '... and changes nothing');
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'page', pg_temp.title('other'), 4, idempotency_key => 'k1')$$)).code,
          'DM203', 'the same key for a different request: DM203');
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'page', pg_temp.title('k'), 4, idempotency_key => 'k1')$$)).code,
          '00000', '... which changed nothing: the first request still replays');
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'page', pg_temp.title('k'), 4, idempotency_key => 'k1', rebase => true)$$)).detail::jsonb - 'used_at',
          '{"key": "k1", "reason": "idempotency_key_reused", "operation": "patch_draft"}',
          'every argument is part of the request: DM203 DETAIL');
SELECT is((pg_temp.try($$SELECT draft_mode.merge_draft('cc', 'page', '{"a": 1}', 5, idempotency_key => 'k1')$$)).code,
          'DM203', 'the same key for another operation: DM203');
SELECT draft_mode.create_section('cc2', 'page', '{"title": "t"}');
SELECT is((SELECT version FROM draft_mode.patch_draft('cc2', 'page', pg_temp.title('k'), 1, idempotency_key => 'k1')),
          2::bigint, 'keys are scoped by tenant');
UPDATE draft_mode.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k1';
SELECT is((SELECT changed FROM draft_mode.patch_draft('cc', 'page', pg_temp.title('k again'), 5, idempotency_key => 'k1')),
          true, 'after draft_mode.idempotency_key_ttl a key may be used again');
SELECT is((SELECT c::text FROM draft_mode.create_section('cc', 'made', '{}', idempotency_key => 'c1') AS c),
          (SELECT c::text FROM draft_mode.create_section('cc', 'made', '{}', idempotency_key => 'c1') AS c),
          'create_section replays instead of DM102');
SELECT is((SELECT array_agg(c::text) FROM draft_mode.publish_many('cc', '{page,made}', idempotency_key => 'p1') AS c),
          (SELECT array_agg(c::text) FROM draft_mode.publish_many('cc', '{page,made}', idempotency_key => 'p1') AS c),
          'publish_many replays its rows');
SELECT draft_mode.create_section('cc3', 'a', '{"x": 1}');
SELECT draft_mode.save_draft('cc3', 'a', '{"x": 2}', 1);
SELECT is((SELECT array_agg(c::text) FROM draft_mode.publish_tenant('cc3', idempotency_key => 't1') AS c),
          (SELECT array_agg(c::text) FROM draft_mode.publish_tenant('cc3', idempotency_key => 't1') AS c),
          'publish_tenant replays its rows, though no draft is left');
SELECT is((SELECT token FROM draft_mode.acquire_lease('cc', 'page', idempotency_key => 'l1')),
          (SELECT token FROM draft_mode.acquire_lease('cc', 'page', idempotency_key => 'l1')),
          'acquire_lease replays the same lease instead of DM201');

--
-- Rebase
--
SELECT draft_mode.create_section('cc', 'rb', '{"a": 1, "b": 1, "list": [1, 2, 3]}');
SELECT draft_mode.patch_draft('cc', 'rb', '[{"op": "replace", "path": "/a", "value": 2}]', 1);
SELECT is((SELECT row(version, rebased)::text
             FROM draft_mode.patch_draft('cc', 'rb', '[{"op": "replace", "path": "/b", "value": 2}]', 1, rebase => true)),
          '(3,t)', 'a disjoint patch from an older version is rebased');
SELECT is((SELECT detail FROM draft_mode.history('cc', 'rb', 1)), '{"rebased_from": 1}',
          '... and history says from which version');
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'rb', '[{"op": "test", "path": "/a", "value": 1}, {"op": "replace", "path": "/b", "value": 3}]', 1, rebase => true)$$)).detail::jsonb,
          '{"reason": "overlap", "conflicts": [{"path": "/a", "version": 2, "changed_path": "/a"}, {"path": "/b", "version": 3, "changed_path": "/b"}], "current_version": 3, "expected_version": 1}',
          'an overlap refuses with PT409 naming every overlap');
SELECT draft_mode.patch_draft('cc', 'rb', '[{"op": "add", "path": "/list/0", "value": 0}]', 3);
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'rb', '[{"op": "replace", "path": "/list/2", "value": 9}]', 3, rebase => true)$$)).code,
          'PT409', 'any change inside an array the patch indexes into overlaps');
SELECT is((SELECT rebased FROM draft_mode.patch_draft('cc', 'rb', '[{"op": "replace", "path": "/a", "value": 5}]', 4, rebase => true)),
          false, 'at the current version nothing needs rebasing');
DELETE FROM draft_mode.history WHERE tenant = 'cc' AND section = 'rb' AND version = 3;
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'rb', '[{"op": "replace", "path": "/b", "value": 7}]', 2, rebase => true)$$)).detail::jsonb ->> 'reason',
          'history_pruned', 'without the history since expected_version: PT409, history_pruned');
-- A rebase holds every change since expected_version in memory: at most
-- max_patch_operations versions and max_document_size of them in all
-- (found by an adversarial review: 275 MB of history took 535 MB).
SELECT draft_mode.create_section('cc', 'far', '{"a": 0, "big": ""}');
SELECT draft_mode.patch_draft('cc', 'far', format('[{"op": "replace", "path": "/big", "value": "%s"}]', repeat('x', 600))::jsonb, 1);
SELECT draft_mode.patch_draft('cc', 'far', format('[{"op": "replace", "path": "/big", "value": "%s"}]', repeat('y', 600))::jsonb, 2);
SELECT draft_mode.patch_draft('cc', 'far', '[{"op": "replace", "path": "/big", "value": ""}]', 3);
SET LOCAL draft_mode.max_patch_operations = 2;
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'far', '[{"op": "replace", "path": "/a", "value": 1}]', 1, rebase => true)$$)).detail::jsonb,
          '{"reason": "rebase_too_large", "conflicts": [], "current_version": 4, "expected_version": 1}',
          'more versions since expected_version than max_patch_operations: PT409, rebase_too_large');
RESET draft_mode.max_patch_operations;
SET LOCAL draft_mode.max_document_size = '1kB';
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'far', '[{"op": "replace", "path": "/a", "value": 1}]', 1, rebase => true)$$)).code,
          'PT409', 'changes since expected_version larger than max_document_size in all: PT409 ...');
SELECT is((pg_temp.try($$SELECT draft_mode.patch_draft('cc', 'far', '[{"op": "replace", "path": "/a", "value": 1}]', 1, rebase => true)$$)).detail::jsonb ->> 'reason',
          'rebase_too_large', '... rebase_too_large');
SELECT is((SELECT version FROM draft_mode.patch_draft('cc', 'far', '[{"op": "replace", "path": "/a", "value": 1}]', 3, rebase => true)),
          5::int8, 'a rebase over changes within the bound lands');
RESET draft_mode.max_document_size;
SELECT is((SELECT content FROM draft_mode.get_section('cc', 'far')), '{"a": 1, "big": ""}', 'nothing else changed');

SELECT * FROM finish();
ROLLBACK;
