-- Retention of leases and idempotency keys: run_maintenance clears expired
-- leases (tokens keep growing afterwards) and removes idempotency keys older
-- than draft_mode.idempotency_key_ttl, counting both in its summary; dry_run
-- only counts. A leased draft does not expire. Ages are set by UPDATE, never
-- by waiting. Tenant: 'lkr'.
\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all
SET draft_mode.notify = off;
CREATE PROCEDURE pg_temp.maintain(dry_run bool DEFAULT false)
LANGUAGE plpgsql AS $$
DECLARE
    result jsonb;
BEGIN
    CALL draft_mode.run_maintenance(dry_run, true, result);
    RAISE NOTICE 'leases: %, keys: %', result -> 'expired_leases', result -> 'idempotency_keys';
END
$$;
SELECT count(*) FROM (
    SELECT draft_mode.create_section('lkr', 's' || i, '{"n": 0}') FROM generate_series(1, 4) AS i) AS c;
-- s1..s3 leased; the leases of s1 and s2 expired a minute ago.
CREATE TEMPORARY TABLE tokens AS
SELECT l.section, l.token FROM generate_series(1, 3) AS i,
       LATERAL draft_mode.acquire_lease('lkr', 's' || i) AS l;
UPDATE draft_mode.sections SET lease_expires_at = clock_timestamp() - interval '1 minute'
 WHERE tenant = 'lkr' AND section IN ('s1', 's2');
-- Three keys, two of them older than the 24 hour default.
SELECT version FROM draft_mode.patch_draft('lkr', 's4', '[{"op": "replace", "path": "/n", "value": 1}]', 1, idempotency_key => 'a');
SELECT version FROM draft_mode.patch_draft('lkr', 's4', '[{"op": "replace", "path": "/n", "value": 2}]', 2, idempotency_key => 'b');
SELECT version FROM draft_mode.patch_draft('lkr', 's4', '[{"op": "replace", "path": "/n", "value": 3}]', 3, idempotency_key => 'c');
UPDATE draft_mode.idempotency_keys SET created_at = now() - interval '25 hours'
 WHERE tenant = 'lkr' AND key IN ('a', 'b');
SELECT key FROM draft_mode.expired_idempotency_keys WHERE tenant = 'lkr' ORDER BY key;

-- dry_run counts and changes nothing.
CALL pg_temp.maintain(dry_run => true);
SELECT count(*) AS recorded_leases FROM draft_mode.sections
 WHERE tenant = 'lkr' AND lease_token IS NOT NULL;
SELECT count(*) AS keys FROM draft_mode.idempotency_keys WHERE tenant = 'lkr';

CALL pg_temp.maintain();
SELECT section, lease_token IS NOT NULL AS recorded, held, holder IS NOT NULL AS has_holder
  FROM draft_mode.sections AS s, draft_mode.lease_status('lkr', s.section) AS l
 WHERE s.tenant = 'lkr' ORDER BY section;
SELECT key FROM draft_mode.idempotency_keys WHERE tenant = 'lkr' ORDER BY key;
-- A removed key may be used again: a new call runs.
SELECT version, changed FROM draft_mode.patch_draft('lkr', 's4', '[{"op": "replace", "path": "/n", "value": 1}]', 4, idempotency_key => 'a');
-- Tokens keep growing after maintenance cleared leases.
SELECT token > (SELECT max(token) FROM tokens) AS larger_token
  FROM draft_mode.acquire_lease('lkr', 's1');
-- Nothing to do the second time.
CALL pg_temp.maintain();

-- A draft past its lifetime expires unless it is leased (being edited).
SELECT version FROM draft_mode.patch_draft('lkr', 's3', '[{"op": "replace", "path": "/n", "value": 5}]', 1,
                                           lease_token => (SELECT token FROM tokens WHERE section = 's3'));
SELECT version FROM draft_mode.patch_draft('lkr', 's4', '[{"op": "replace", "path": "/n", "value": 6}]', 5);
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '31 days'
 WHERE tenant = 'lkr' AND draft_content IS NOT NULL;
SELECT section FROM draft_mode.expired_drafts WHERE tenant = 'lkr' ORDER BY section;
DELETE FROM draft_mode.sections WHERE tenant = 'lkr';
DELETE FROM draft_mode.idempotency_keys WHERE tenant = 'lkr';
