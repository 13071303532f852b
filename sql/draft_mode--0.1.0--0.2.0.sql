-- draft_mode 0.1.0 -> 0.2.0: edit-lock leases with fencing tokens,
-- idempotency keys, and conflict auto-merge (rebase) for patch_draft.
--
-- There is no separate install script for 0.2.0: CREATE EXTENSION draft_mode
-- runs draft_mode--0.1.0.sql and then this file, so a fresh install and an
-- upgraded one are the same by construction.
\echo Use "ALTER EXTENSION draft_mode UPDATE TO '0.2.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Edit-lock leases.
--
-- A lease lives in its section's row, so that a write reads the version and
-- the lease in one locked read (the FOR UPDATE of the store's pipeline) and
-- every lease change serializes with the section's writes. Fencing tokens
-- come from one sequence: they only ever increase, per section and across
-- sections, and neither releasing a lease nor maintenance resets them. All
-- times are the database's clock (clock_timestamp()).
------------------------------------------------------------------------------

CREATE SEQUENCE draft_mode.lease_tokens AS pg_catalog.int8;

COMMENT ON SEQUENCE draft_mode.lease_tokens IS
'Fencing tokens of edit-lock leases: each acquire or take-over gets the next value';

ALTER TABLE draft_mode.sections
    ADD COLUMN lease_token pg_catalog.int8,
    ADD COLUMN lease_holder pg_catalog.text,
    ADD COLUMN lease_acquired_at pg_catalog.timestamptz,
    ADD COLUMN lease_expires_at pg_catalog.timestamptz,
    ADD COLUMN lease_ttl pg_catalog.interval,
    -- A lease is all of token, holder, times and ttl, or none of them.
    ADD CONSTRAINT sections_lease CHECK (
        (lease_token IS NULL AND lease_holder IS NULL AND lease_acquired_at IS NULL
         AND lease_expires_at IS NULL AND lease_ttl IS NULL)
        OR (lease_token IS NOT NULL AND lease_holder IS NOT NULL AND lease_acquired_at IS NOT NULL
            AND lease_expires_at IS NOT NULL AND lease_ttl IS NOT NULL));

-- renew_lease and release_lease find a lease by its token.
CREATE UNIQUE INDEX sections_lease_token ON draft_mode.sections (lease_token);
-- Maintenance finds expired leases.
CREATE INDEX sections_lease_expires_at ON draft_mode.sections (lease_expires_at)
    WHERE lease_expires_at IS NOT NULL;

-- What the lease functions return.
CREATE TYPE draft_mode.lease AS (
    tenant pg_catalog.text,
    section pg_catalog.text,
    token pg_catalog.int8,
    holder pg_catalog.text,
    acquired_at pg_catalog.timestamptz,
    expires_at pg_catalog.timestamptz
);

COMMENT ON TYPE draft_mode.lease IS
'An edit-lock lease: pass token as lease_token to every write while you hold it; renew it before expires_at';

-- Leases section by section while nobody holds one (DM201 otherwise, even
-- for the same actor: take_over is the explicit way in).
CREATE FUNCTION draft_mode.acquire_lease(tenant pg_catalog.text, section pg_catalog.text,
                                         ttl pg_catalog.interval DEFAULT '5 minutes',
                                         idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.lease
AS 'MODULE_PATHNAME', 'draft_mode_acquire_lease'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Extends a lease you hold by ttl from now (by default its own ttl).
CREATE FUNCTION draft_mode.renew_lease(token pg_catalog.int8,
                                       ttl pg_catalog.interval DEFAULT NULL)
RETURNS draft_mode.lease
AS 'MODULE_PATHNAME', 'draft_mode_renew_lease'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Ends a lease; false when token is not the section's lease any more.
CREATE FUNCTION draft_mode.release_lease(token pg_catalog.int8)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'draft_mode_release_lease'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Takes the lease from whoever holds it (a new token: the old holder's
-- writes are refused from now on), recorded in history as kind take_over.
-- Without a current lease it is acquire_lease.
CREATE FUNCTION draft_mode.take_over(tenant pg_catalog.text, section pg_catalog.text,
                                     ttl pg_catalog.interval DEFAULT '5 minutes',
                                     idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.lease
AS 'MODULE_PATHNAME', 'draft_mode_take_over'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Who holds the section's lease, since when and until when: what an editor
-- shows as "someone else is editing". held is false when nobody does.
CREATE FUNCTION draft_mode.lease_status(tenant pg_catalog.text, section pg_catalog.text,
                                        OUT held pg_catalog.bool, OUT holder pg_catalog.text,
                                        OUT acquired_at pg_catalog.timestamptz,
                                        OUT expires_at pg_catalog.timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    SELECT coalesce(s.lease_expires_at > pg_catalog.clock_timestamp(), false)
      INTO held
      FROM draft_mode.sections AS s
     WHERE s.tenant = lease_status.tenant AND s.section = lease_status.section;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'section "%" of tenant "%" does not exist', section, tenant
            USING ERRCODE = 'DM101', DETAIL = '{"reason":"section_not_found"}',
                  HINT = 'Create it with draft_mode.create_section().';
    END IF;
    IF held THEN
        SELECT s.lease_holder, s.lease_acquired_at, s.lease_expires_at
          INTO holder, acquired_at, expires_at
          FROM draft_mode.sections AS s
         WHERE s.tenant = lease_status.tenant AND s.section = lease_status.section;
    END IF;
END
$$;

-- Every current lease: who is editing what.
CREATE VIEW draft_mode.leases WITH (security_invoker = true) AS
SELECT tenant, section, lease_holder AS holder, lease_acquired_at AS acquired_at,
       lease_expires_at AS expires_at
  FROM draft_mode.sections
 WHERE lease_expires_at > pg_catalog.clock_timestamp();

------------------------------------------------------------------------------
-- Idempotency keys.
--
-- A mutating call with idempotency_key claims the key (tenant, key) in its
-- own transaction, before it changes anything, and stores its result there
-- when it is done: a repeat of the same request gets the stored result and
-- changes nothing; concurrent repeats wait on the first call's key row and
-- then get its result; if the first call fails, nothing of it stays, the
-- key included, so a retry runs anew. A request is the operation and every
-- argument but the key, compared by SHA-256.
------------------------------------------------------------------------------

CREATE TABLE draft_mode.idempotency_keys (
    tenant pg_catalog.text NOT NULL,
    key pg_catalog.text NOT NULL,
    operation pg_catalog.text NOT NULL,
    request_hash pg_catalog.bytea NOT NULL,
    result pg_catalog.jsonb,
    created_at pg_catalog.timestamptz NOT NULL,
    PRIMARY KEY (tenant, key),
    CONSTRAINT idempotency_keys_key_length CHECK (octet_length(key) BETWEEN 1 AND 200)
);

CREATE INDEX idempotency_keys_created_at ON draft_mode.idempotency_keys (created_at);

COMMENT ON TABLE draft_mode.idempotency_keys IS
'Idempotency keys per tenant, with the request each was used for and its result, kept for draft_mode.idempotency_key_ttl';

-- Claims key for a call of operation with request (the call's arguments as
-- text). Returns NULL when the call should run: the key is new (or its
-- earlier use expired) and is now this transaction's. Returns the stored
-- result when the same request already ran with this key. Raises DM203 when
-- the key was used for a different request.
CREATE FUNCTION draft_mode.claim_idempotency_key(tenant pg_catalog.text, key pg_catalog.text,
                                                 operation pg_catalog.text,
                                                 request pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hash bytea := sha256(convert_to(operation || E'\n' || request, 'UTF8'));
    ttl interval := draft_mode.setting('draft_mode.idempotency_key_ttl')::interval;
    earlier record;
BEGIN
    INSERT INTO draft_mode.idempotency_keys AS k (tenant, key, operation, request_hash, created_at)
    VALUES (claim_idempotency_key.tenant, claim_idempotency_key.key,
            claim_idempotency_key.operation, hash, now())
    ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO UPDATE
       SET operation = excluded.operation, request_hash = excluded.request_hash, result = NULL,
           created_at = excluded.created_at
     WHERE k.created_at < now() - ttl;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT k.operation, k.request_hash, k.result, k.created_at INTO earlier
      FROM draft_mode.idempotency_keys AS k
     WHERE k.tenant = claim_idempotency_key.tenant AND k.key = claim_idempotency_key.key;
    IF earlier.request_hash <> hash THEN
        RAISE EXCEPTION 'idempotency key "%" was already used for a different request', key
            USING ERRCODE = 'DM203',
                  DETAIL = jsonb_build_object('reason', 'idempotency_key_reused', 'key', key,
                                              'operation', earlier.operation,
                                              'used_at', earlier.created_at)::text,
                  HINT = 'Use a new key for each distinct request; repeat a key only to retry the same request.';
    END IF;
    RETURN earlier.result;
END
$$;

-- Stores the result of the call that claimed key.
CREATE FUNCTION draft_mode.store_idempotent_result(tenant pg_catalog.text, key pg_catalog.text,
                                                   result pg_catalog.jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE draft_mode.idempotency_keys AS k SET result = store_idempotent_result.result
     WHERE k.tenant = store_idempotent_result.tenant AND k.key = store_idempotent_result.key;
$$;

------------------------------------------------------------------------------
-- History and results.
------------------------------------------------------------------------------

-- detail: what a change's patches do not say (take_over: the lease taken
-- over; a rebased patch: the version it was written against).
ALTER TABLE draft_mode.history
    ADD COLUMN detail pg_catalog.jsonb,
    DROP CONSTRAINT history_kind_check,
    ADD CONSTRAINT history_kind_check
        CHECK (kind IN ('create', 'save', 'patch', 'merge', 'publish', 'discard', 'expire',
                        'restore', 'undo', 'redo', 'take_over'));

-- rebased: patch_draft(rebase => true) applied the patch on top of changes
-- made since its expected_version.
ALTER TYPE draft_mode.change ADD ATTRIBUTE rebased pg_catalog.bool;

DROP FUNCTION draft_mode.history(text, text, int4, int8);
CREATE FUNCTION draft_mode.history(tenant pg_catalog.text, section pg_catalog.text,
                                   "limit" pg_catalog.int4 DEFAULT 50,
                                   before_version pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE (version pg_catalog.int8, kind pg_catalog.text, actor pg_catalog.text,
               created_at pg_catalog.timestamptz, forward_patch pg_catalog.jsonb,
               inverse_patch pg_catalog.jsonb, has_snapshot pg_catalog.bool,
               detail pg_catalog.jsonb)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.version, h.kind, h.actor, h.created_at, h.forward_patch, h.inverse_patch,
           h.snapshot IS NOT NULL, h.detail
      FROM draft_mode.history AS h, draft_mode.check_tenant(history.tenant) AS allowed
     WHERE h.tenant = history.tenant AND h.section = history.section
       AND (before_version IS NULL OR h.version < before_version)
     ORDER BY h.version DESC
     LIMIT "limit"
$$;

------------------------------------------------------------------------------
-- The store's writes take lease_token and idempotency_key; patch_draft also
-- rebase. lease_token: required while the section is leased, refused when it
-- is not the current lease. The new signatures replace the old ones (calls
-- that leave the new arguments out work as before).
------------------------------------------------------------------------------

DROP FUNCTION draft_mode.create_section(text, text, jsonb, text);
DROP FUNCTION draft_mode.save_draft(text, text, jsonb, int8);
DROP FUNCTION draft_mode.patch_draft(text, text, jsonb, int8);
DROP FUNCTION draft_mode.merge_draft(text, text, jsonb, int8);
DROP FUNCTION draft_mode.publish(text, text, int8);
DROP FUNCTION draft_mode.discard(text, text, int8);
DROP FUNCTION draft_mode.restore(text, text, int8, int8);
DROP FUNCTION draft_mode.undo(text, text, int8);
DROP FUNCTION draft_mode.redo(text, text, int8);
DROP FUNCTION draft_mode.publish_tenant(text);
DROP FUNCTION draft_mode.publish_many(text, text[]);

-- Creates a section; content becomes published version 1.
CREATE FUNCTION draft_mode.create_section(tenant pg_catalog.text, section pg_catalog.text,
                                          content pg_catalog.jsonb,
                                          section_type pg_catalog.text DEFAULT NULL,
                                          idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_create_section'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Replaces the draft with content (compare-and-swap on expected_version).
CREATE FUNCTION draft_mode.save_draft(tenant pg_catalog.text, section pg_catalog.text,
                                      content pg_catalog.jsonb, expected_version pg_catalog.int8,
                                      lease_token pg_catalog.int8 DEFAULT NULL,
                                      idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_save_draft'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Applies an RFC 6902 patch to the draft (compare-and-swap). With rebase,
-- an expected_version older than the current version is accepted when no
-- change since touches what the patch reads or writes (README: "Conflict
-- auto-merge").
CREATE FUNCTION draft_mode.patch_draft(tenant pg_catalog.text, section pg_catalog.text,
                                       patch pg_catalog.jsonb, expected_version pg_catalog.int8,
                                       lease_token pg_catalog.int8 DEFAULT NULL,
                                       idempotency_key pg_catalog.text DEFAULT NULL,
                                       rebase pg_catalog.bool DEFAULT false)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_patch_draft'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Applies an RFC 7396 merge patch to the draft (compare-and-swap).
CREATE FUNCTION draft_mode.merge_draft(tenant pg_catalog.text, section pg_catalog.text,
                                       merge_patch pg_catalog.jsonb,
                                       expected_version pg_catalog.int8,
                                       lease_token pg_catalog.int8 DEFAULT NULL,
                                       idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_merge_draft'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Publishes the draft after validating it; without a draft, changes nothing
-- (changed = false).
CREATE FUNCTION draft_mode.publish(tenant pg_catalog.text, section pg_catalog.text,
                                   expected_version pg_catalog.int8 DEFAULT NULL,
                                   lease_token pg_catalog.int8 DEFAULT NULL,
                                   idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_publish'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Drops the draft: the section returns to its published content. The draft
-- stays in history (restore or undo bring it back).
CREATE FUNCTION draft_mode.discard(tenant pg_catalog.text, section pg_catalog.text,
                                   expected_version pg_catalog.int8 DEFAULT NULL,
                                   lease_token pg_catalog.int8 DEFAULT NULL,
                                   idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_discard'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Makes the content of an earlier version the draft (compare-and-swap).
CREATE FUNCTION draft_mode.restore(tenant pg_catalog.text, section pg_catalog.text,
                                   version pg_catalog.int8, expected_version pg_catalog.int8,
                                   lease_token pg_catalog.int8 DEFAULT NULL,
                                   idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_restore'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Steps back through the section's edits (compare-and-swap).
CREATE FUNCTION draft_mode.undo(tenant pg_catalog.text, section pg_catalog.text,
                                expected_version pg_catalog.int8,
                                lease_token pg_catalog.int8 DEFAULT NULL,
                                idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_undo'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Re-applies the last undone edit (compare-and-swap).
CREATE FUNCTION draft_mode.redo(tenant pg_catalog.text, section pg_catalog.text,
                                expected_version pg_catalog.int8,
                                lease_token pg_catalog.int8 DEFAULT NULL,
                                idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_redo'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Publishes several sections of a tenant at once: every draft is validated
-- first, and either all are published or none (DM103 lists every error).
-- Rows are locked in section order, so concurrent calls cannot deadlock. A
-- leased section refuses (DM201): its holder publishes it.
CREATE FUNCTION draft_mode.publish_many(tenant pg_catalog.text, sections pg_catalog.text[],
                                        idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS SETOF draft_mode.change
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    locked record;
    failures jsonb := '[]';
    errors text[];
    missing text;
    outcome jsonb;
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF sections IS NULL OR array_position(sections, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "sections" must not be null or contain nulls'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = '{"argument":"sections"}',
                  HINT = 'Pass an array of section names.';
    END IF;
    IF idempotency_key IS NOT NULL THEN
        outcome := draft_mode.claim_idempotency_key(tenant, idempotency_key, 'publish_many',
                                                    sections::text);
        IF outcome IS NOT NULL THEN
            RETURN QUERY SELECT * FROM jsonb_populate_recordset(NULL::draft_mode.change, outcome);
            RETURN;
        END IF;
    END IF;
    SELECT name INTO missing FROM unnest(sections) AS name
     WHERE NOT EXISTS (SELECT FROM draft_mode.sections AS s
                        WHERE s.tenant = publish_many.tenant AND s.section = name)
     LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'section "%" of tenant "%" does not exist', missing, tenant
            USING ERRCODE = 'DM101',
                  DETAIL = jsonb_build_object('reason', 'section_not_found', 'section', missing)::text,
                  HINT = 'Create it with draft_mode.create_section().';
    END IF;
    FOR locked IN
        SELECT s.section, s.section_type, s.draft_content FROM draft_mode.sections AS s
         WHERE s.tenant = publish_many.tenant AND s.section = ANY (sections)
         ORDER BY s.section FOR UPDATE
    LOOP
        IF locked.draft_content IS NOT NULL THEN
            errors := draft_mode.validation_errors(locked.section_type, locked.draft_content);
            IF cardinality(errors) > 0 THEN
                failures := failures || jsonb_build_object('section', locked.section,
                    'section_type', locked.section_type, 'errors', to_jsonb(errors));
            END IF;
        END IF;
    END LOOP;
    IF jsonb_array_length(failures) > 0 THEN
        RAISE EXCEPTION '% of the sections are not valid: publish refused',
                        jsonb_array_length(failures)
            USING ERRCODE = 'DM103', DETAIL = jsonb_build_object('sections', failures)::text,
                  HINT = 'Fix every error listed and publish again; nothing was published.';
    END IF;
    -- LATERAL calls publish once per section ((f()).* would call it per column).
    SELECT coalesce(jsonb_agg(to_jsonb(published) ORDER BY names.name), '[]') INTO outcome
      FROM (SELECT DISTINCT name FROM unnest(sections) AS name ORDER BY name) AS names,
           LATERAL draft_mode.publish(publish_many.tenant, names.name) AS published;
    IF idempotency_key IS NOT NULL THEN
        PERFORM draft_mode.store_idempotent_result(tenant, idempotency_key, outcome);
    END IF;
    RETURN QUERY SELECT * FROM jsonb_populate_recordset(NULL::draft_mode.change, outcome);
END
$$;

-- Publishes every section of a tenant that has a draft, atomically. Its
-- idempotency key stands for "publish the tenant", whichever drafts there
-- are (a retry finds none left, and must get the first call's rows).
CREATE FUNCTION draft_mode.publish_tenant(tenant pg_catalog.text,
                                          idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS SETOF draft_mode.change
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    outcome jsonb;
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF idempotency_key IS NOT NULL THEN
        outcome := draft_mode.claim_idempotency_key(tenant, idempotency_key, 'publish_tenant', '');
        IF outcome IS NOT NULL THEN
            RETURN QUERY SELECT * FROM jsonb_populate_recordset(NULL::draft_mode.change, outcome);
            RETURN;
        END IF;
    END IF;
    SELECT coalesce(jsonb_agg(to_jsonb(published) ORDER BY published.section), '[]') INTO outcome
      FROM draft_mode.publish_many(tenant, ARRAY(
               SELECT s.section FROM draft_mode.sections AS s
                WHERE s.tenant = publish_tenant.tenant AND s.draft_content IS NOT NULL
                ORDER BY s.section)) AS published;
    IF idempotency_key IS NOT NULL THEN
        PERFORM draft_mode.store_idempotent_result(tenant, idempotency_key, outcome);
    END IF;
    RETURN QUERY SELECT * FROM jsonb_populate_recordset(NULL::draft_mode.change, outcome);
END
$$;

------------------------------------------------------------------------------
-- Maintenance: a leased draft is being edited, so it does not expire;
-- expired leases and idempotency keys are removed.
------------------------------------------------------------------------------

CREATE OR REPLACE VIEW draft_mode.expired_drafts WITH (security_invoker = true) AS
SELECT s.tenant, s.section, s.version, s.draft_updated_at,
       coalesce(t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval) AS ttl
  FROM draft_mode.sections AS s
  LEFT JOIN draft_mode.draft_ttls AS t ON t.section_type = s.section_type
 WHERE s.draft_content IS NOT NULL
   AND s.draft_updated_at
       + coalesce(t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval)
       < pg_catalog.now()
   AND NOT coalesce(s.lease_expires_at > pg_catalog.clock_timestamp(), false);

-- Idempotency keys past draft_mode.idempotency_key_ttl.
CREATE VIEW draft_mode.expired_idempotency_keys WITH (security_invoker = true) AS
SELECT k.tenant, k.key, k.operation, k.created_at
  FROM draft_mode.idempotency_keys AS k
 WHERE k.created_at
       < pg_catalog.now() - draft_mode.setting('draft_mode.idempotency_key_ttl')::pg_catalog.interval;

-- Runs retention (see draft_mode--0.1.0.sql), now also clearing expired
-- leases and removing expired idempotency keys; the summary counts them as
-- expired_leases and idempotency_keys.
CREATE OR REPLACE PROCEDURE draft_mode.run_maintenance(dry_run pg_catalog.bool DEFAULT false,
                                            force pg_catalog.bool DEFAULT false,
                                            INOUT summary pg_catalog.jsonb DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    started timestamptz := clock_timestamp();
    batch_rows int;
    batch_time interval;
    max_share float8;
    batch_started timestamptz;
    expired_count int8;
    drafts_count int8;
    prunable_count int8;
    history_count int8;
    expired_done int8 := 0;
    pruned_done int8 := 0;
    batches int := 0;
    refused jsonb := '[]';
    target record;
    done_in_batch int;
    upper_version int8;
    lowest_version int8;
    idle_batches int := 0;
    leases_count int8;
    keys_count int8;
    leases_done int8 := 0;
    keys_done int8 := 0;
BEGIN
    -- A procedure that commits cannot have a SET clause: pin search_path
    -- for each transaction instead.
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    batch_rows := draft_mode.setting('draft_mode.maintenance_batch_size')::int;
    batch_time := draft_mode.setting('draft_mode.maintenance_batch_time')::interval;
    max_share := draft_mode.setting('draft_mode.maintenance_max_share')::float8;

    SELECT count(*) INTO expired_count FROM draft_mode.expired_drafts;
    SELECT count(*) INTO drafts_count FROM draft_mode.sections WHERE draft_content IS NOT NULL;
    SELECT count(*) INTO prunable_count FROM draft_mode.prunable_history;
    SELECT count(*) INTO history_count FROM draft_mode.history;
    SELECT count(*) INTO leases_count FROM draft_mode.sections
     WHERE lease_expires_at <= clock_timestamp();
    SELECT count(*) INTO keys_count FROM draft_mode.expired_idempotency_keys;

    IF NOT force AND expired_count > max_share * drafts_count THEN
        refused := refused || jsonb_build_object('kind', 'expired_drafts', 'rows', expired_count,
                                                 'of', drafts_count);
        RAISE WARNING 'draft_mode maintenance: % of % drafts have expired, more than draft_mode.maintenance_max_share (%); not expiring them',
                      expired_count, drafts_count, max_share
            USING HINT = 'Check draft_mode.draft_ttl; if this is right, CALL draft_mode.run_maintenance(force => true).';
        expired_count := 0;
    END IF;
    IF NOT force AND prunable_count > max_share * history_count THEN
        refused := refused || jsonb_build_object('kind', 'history', 'rows', prunable_count,
                                                 'of', history_count);
        RAISE WARNING 'draft_mode maintenance: % of % history rows are past retention, more than draft_mode.maintenance_max_share (%); not pruning history',
                      prunable_count, history_count, max_share
            USING HINT = 'Check draft_mode.history_keep_versions and draft_mode.history_retention; if this is right, CALL draft_mode.run_maintenance(force => true).';
        prunable_count := 0;
    END IF;

    IF NOT dry_run THEN
        -- Expired drafts, one batch per transaction.
        WHILE expired_count > 0 LOOP
            batch_started := clock_timestamp();
            done_in_batch := 0;
            FOR target IN
                SELECT e.tenant, e.section, e.version FROM draft_mode.expired_drafts AS e
                  JOIN draft_mode.sections AS s USING (tenant, section)
                 LIMIT batch_rows FOR UPDATE OF s SKIP LOCKED
            LOOP
                PERFORM draft_mode.expire_draft(target.tenant, target.section, target.version);
                done_in_batch := done_in_batch + 1;
                EXIT WHEN clock_timestamp() - batch_started > batch_time;
            END LOOP;
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
            batches := batches + 1;
            expired_done := expired_done + done_in_batch;
            EXIT WHEN done_in_batch = 0;
        END LOOP;

        -- History: cutoffs are read once (they never move back, see
        -- history_cutoffs), then each batch of sections loses its rows below
        -- the cutoff by key range; counts move into daily_stats in the same
        -- transaction as the delete.
        IF prunable_count > 0 THEN
            CREATE TEMP TABLE IF NOT EXISTS draft_mode_prune_plan (
                tenant text, section text, keep_from int8, PRIMARY KEY (tenant, section));
            TRUNCATE pg_temp.draft_mode_prune_plan;
            INSERT INTO pg_temp.draft_mode_prune_plan SELECT * FROM draft_mode.history_cutoffs;
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        END IF;
        WHILE prunable_count > 0 LOOP
            batch_started := clock_timestamp();
            done_in_batch := 0;
            FOR target IN
                SELECT p.tenant, p.section, p.keep_from
                  FROM pg_temp.draft_mode_prune_plan AS p
                  JOIN draft_mode.sections AS s USING (tenant, section)
                 ORDER BY p.tenant, p.section
                 LIMIT batch_rows FOR UPDATE OF s SKIP LOCKED
            LOOP
                -- At most the rest of this batch's rows: versions are
                -- contiguous, so a range from the oldest one bounds the count.
                SELECT LEAST(target.keep_from, min(h.version) + batch_rows - done_in_batch),
                       min(h.version)
                  INTO upper_version, lowest_version FROM draft_mode.history AS h
                 WHERE h.tenant = target.tenant AND h.section = target.section;
                -- A section left half done (this run may end before it comes
                -- back) must start at a snapshot, or its oldest versions could
                -- not be rebuilt: cut at the newest snapshot within the
                -- budget, else at the next one (keep_from is a snapshot), so
                -- a batch may pass its size by less than a snapshot interval.
                IF upper_version < target.keep_from THEN
                    SELECT coalesce(
                               (SELECT max(h.version) FROM draft_mode.history AS h
                                 WHERE h.tenant = target.tenant AND h.section = target.section
                                   AND h.snapshot IS NOT NULL AND h.version > lowest_version
                                   AND h.version <= upper_version),
                               (SELECT min(h.version) FROM draft_mode.history AS h
                                 WHERE h.tenant = target.tenant AND h.section = target.section
                                   AND h.snapshot IS NOT NULL AND h.version > upper_version))
                      INTO upper_version;
                END IF;
                WITH removed AS (
                    DELETE FROM draft_mode.history AS h
                     WHERE h.tenant = target.tenant AND h.section = target.section
                       AND h.version < upper_version
                    RETURNING h.tenant, h.kind, (h.created_at AT TIME ZONE 'UTC')::date AS day
                ), counted AS (
                    INSERT INTO draft_mode.daily_stats AS d
                           (tenant, day, changes, edits, publishes, discards, expirations, undos)
                    SELECT r.tenant, r.day, count(*),
                           count(*) FILTER (WHERE r.kind IN ('save', 'patch', 'merge', 'restore')),
                           count(*) FILTER (WHERE r.kind = 'publish'),
                           count(*) FILTER (WHERE r.kind = 'discard'),
                           count(*) FILTER (WHERE r.kind = 'expire'),
                           count(*) FILTER (WHERE r.kind IN ('undo', 'redo'))
                      FROM removed AS r GROUP BY r.tenant, r.day
                    ON CONFLICT ON CONSTRAINT daily_stats_pkey DO UPDATE
                       SET changes = d.changes + excluded.changes, edits = d.edits + excluded.edits,
                           publishes = d.publishes + excluded.publishes,
                           discards = d.discards + excluded.discards,
                           expirations = d.expirations + excluded.expirations,
                           undos = d.undos + excluded.undos
                    RETURNING d.changes
                )
                SELECT done_in_batch + (SELECT count(*) FROM removed) INTO done_in_batch;
                IF upper_version IS NULL OR upper_version >= target.keep_from THEN
                    DELETE FROM pg_temp.draft_mode_prune_plan AS p
                     WHERE p.tenant = target.tenant AND p.section = target.section;
                END IF;
                EXIT WHEN done_in_batch >= batch_rows
                       OR clock_timestamp() - batch_started > batch_time;
            END LOOP;
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
            batches := batches + 1;
            pruned_done := pruned_done + done_in_batch;
            -- Done, or for about a second only sections editors hold locked
            -- remain: a later run picks those up.
            IF done_in_batch = 0 THEN
                idle_batches := idle_batches + 1;
                PERFORM pg_sleep(0.1);
            ELSE
                idle_batches := 0;
            END IF;
            EXIT WHEN NOT EXISTS (SELECT FROM pg_temp.draft_mode_prune_plan)
                   OR idle_batches >= 10;
        END LOOP;

        -- Expired leases are cleared (their tokens are never handed out
        -- again: they come from a sequence). Leases and keys are not history:
        -- the safety cap does not apply to them.
        WHILE leases_count > 0 LOOP
            WITH stale AS (
                SELECT s.tenant, s.section FROM draft_mode.sections AS s
                 WHERE s.lease_expires_at <= clock_timestamp()
                 LIMIT batch_rows FOR UPDATE SKIP LOCKED)
            UPDATE draft_mode.sections AS s
               SET lease_token = NULL, lease_holder = NULL, lease_acquired_at = NULL,
                   lease_expires_at = NULL, lease_ttl = NULL
              FROM stale WHERE s.tenant = stale.tenant AND s.section = stale.section;
            GET DIAGNOSTICS done_in_batch = ROW_COUNT;
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
            batches := batches + 1;
            leases_done := leases_done + done_in_batch;
            EXIT WHEN done_in_batch < batch_rows;
        END LOOP;

        -- Expired idempotency keys (a key being claimed again is locked:
        -- skipped).
        WHILE keys_count > 0 LOOP
            WITH stale AS (
                SELECT k.tenant, k.key FROM draft_mode.idempotency_keys AS k
                 WHERE k.created_at < now()
                       - draft_mode.setting('draft_mode.idempotency_key_ttl')::interval
                 LIMIT batch_rows FOR UPDATE SKIP LOCKED)
            DELETE FROM draft_mode.idempotency_keys AS k
             USING stale WHERE k.tenant = stale.tenant AND k.key = stale.key;
            GET DIAGNOSTICS done_in_batch = ROW_COUNT;
            COMMIT;
            PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
            batches := batches + 1;
            keys_done := keys_done + done_in_batch;
            EXIT WHEN done_in_batch < batch_rows;
        END LOOP;
    END IF;

    summary := jsonb_build_object(
        'dry_run', dry_run,
        'expired_drafts', CASE WHEN dry_run THEN expired_count ELSE expired_done END,
        'history_rows', CASE WHEN dry_run THEN prunable_count ELSE pruned_done END,
        'expired_leases', CASE WHEN dry_run THEN leases_count ELSE leases_done END,
        'idempotency_keys', CASE WHEN dry_run THEN keys_count ELSE keys_done END,
        'batches', batches,
        'refused', refused,
        'seconds', round(extract(epoch FROM clock_timestamp() - started)::numeric, 3));
    RAISE LOG 'draft_mode maintenance: %', summary;
END
$$;

------------------------------------------------------------------------------
-- Security: new functions reach nobody by default; editors get the store's
-- new operations, administrators the new tables and views.
------------------------------------------------------------------------------

ALTER TABLE draft_mode.idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON draft_mode.idempotency_keys
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON SEQUENCE draft_mode.lease_tokens FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    draft_mode.jsonb_patch(jsonb, jsonb), draft_mode.jsonb_merge_patch(jsonb, jsonb),
    draft_mode.jsonb_diff(jsonb, jsonb), draft_mode.jsonb_pointer_get(jsonb, text),
    draft_mode.caller(), draft_mode.jwt_claims(), draft_mode.current_actor(),
    draft_mode.current_tenant(), draft_mode.is_admin(), draft_mode.check_tenant(text)
    TO PUBLIC;

GRANT EXECUTE ON FUNCTION
    draft_mode.create_section(text, text, jsonb, text, text),
    draft_mode.save_draft(text, text, jsonb, int8, int8, text),
    draft_mode.patch_draft(text, text, jsonb, int8, int8, text, bool),
    draft_mode.merge_draft(text, text, jsonb, int8, int8, text),
    draft_mode.publish(text, text, int8, int8, text),
    draft_mode.publish_many(text, text[], text),
    draft_mode.publish_tenant(text, text),
    draft_mode.discard(text, text, int8, int8, text),
    draft_mode.history(text, text, int4, int8),
    draft_mode.restore(text, text, int8, int8, int8, text),
    draft_mode.undo(text, text, int8, int8, text),
    draft_mode.redo(text, text, int8, int8, text),
    draft_mode.acquire_lease(text, text, interval, text),
    draft_mode.renew_lease(int8, interval),
    draft_mode.release_lease(int8),
    draft_mode.take_over(text, text, interval, text),
    draft_mode.lease_status(text, text)
    TO draft_mode_editor;
GRANT SELECT ON draft_mode.leases TO draft_mode_editor;
GRANT SELECT, DELETE ON draft_mode.idempotency_keys TO draft_mode_admin;
GRANT SELECT ON draft_mode.expired_idempotency_keys TO draft_mode_admin;

SELECT pg_catalog.pg_extension_config_dump('draft_mode.idempotency_keys', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.lease_tokens', '');
