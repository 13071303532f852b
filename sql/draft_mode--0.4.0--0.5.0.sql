-- draft_mode 0.4.0 -> 0.5.0: no content in change notifications unless a
-- superuser allows it, nothing of drafts for viewers in get_section, and
-- unschedule_maintenance() limited to the caller's own job.
--
-- Both found by an adversarial review. Any role that can connect may LISTEN
-- on a channel (LISTEN has no privileges), and every notification carried
-- the change's forward patch: draft content reached roles with no grant at
-- all. It now names the tenant, section, version, kind and feed cursor only,
-- unless the new superuser-only setting draft_mode.notify_patches is on;
-- listeners read the change from the feed, whose rows are tenant-isolated.
-- And get_section told viewers the draft's version and whether a draft
-- exists (how much is being edited before it is published): viewers now get
-- the published version as version and NULL for has_draft. And
-- unschedule_maintenance() run by a superuser removed every role's
-- maintenance job (a superuser sees all of cron.job): it removes the
-- caller's own only. The length errors of bind_tenant, idempotency keys
-- and consumer names carry the argument's "bytes" in their DETAIL, as the
-- library's do.
--
-- The library of 0.5.0 also closes draft_mode to validators (a validator
-- runs as its owner, but the session's role is the publisher's, whose
-- tenant and rights every draft_mode decision used: draft_mode.caller()
-- now refuses inside a validator), bounds what a rebase reads, and works
-- on jsonb's binary form for jsonb_merge_patch and jsonb_diff. No table changes. This script runs on every node of a
-- distributed install (Citus propagates ALTER EXTENSION ... UPDATE); none of
-- these functions is distributed.
\echo Use "ALTER EXTENSION draft_mode UPDATE TO '0.5.0'" to load this file. \quit

-- Reads a section: mode 'draft' gives the draft, or the published content
-- when there is no draft; mode 'published' what customers see. It also
-- tells when the draft expires. Viewers (not editors) learn nothing of
-- drafts: version is the published version, has_draft is NULL, and they get
-- neither updated_at nor updated_by (who edits drafts and when) nor the
-- draft's expiry; a published read of a section that was never published,
-- and any read of an abandoned one, is DM101.
CREATE OR REPLACE FUNCTION draft_mode.get_section(tenant pg_catalog.text, section pg_catalog.text,
                                       mode pg_catalog.text DEFAULT 'draft',
                                       OUT content pg_catalog.jsonb, OUT version pg_catalog.int8,
                                       OUT has_draft pg_catalog.bool,
                                       OUT published_version pg_catalog.int8,
                                       OUT section_type pg_catalog.text,
                                       OUT updated_at pg_catalog.timestamptz,
                                       OUT updated_by pg_catalog.text,
                                       OUT draft_expires_at pg_catalog.timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    editor bool;
    own_ttl interval;
    edited_at timestamptz;
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF mode IS NULL OR mode NOT IN ('draft', 'published') THEN
        RAISE EXCEPTION 'invalid mode "%"', mode
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"mode","allowed":["draft","published"]}',
                  HINT = 'Use mode => ''draft'' or mode => ''published''.';
    END IF;
    editor := draft_mode.is_editor();
    IF mode = 'draft' AND NOT editor THEN
        RAISE EXCEPTION 'only editors may read drafts'
            USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"drafts_need_editor"}',
                  HINT = 'Read with mode => ''published'', or grant draft_mode_editor.';
    END IF;
    SELECT CASE WHEN mode = 'draft' THEN coalesce(s.draft_content, s.published_content)
                ELSE s.published_content END,
           CASE WHEN editor THEN s.version ELSE s.published_version END,
           CASE WHEN editor THEN s.draft_content IS NOT NULL END, s.published_version, s.section_type,
           CASE WHEN editor THEN s.updated_at END, CASE WHEN editor THEN s.updated_by END,
           s.draft_ttl, s.draft_updated_at
      INTO content, version, has_draft, published_version, section_type, updated_at, updated_by,
           own_ttl, edited_at
      FROM draft_mode.sections AS s
     WHERE s.tenant = get_section.tenant AND s.section = get_section.section
       AND (s.published_version IS NOT NULL OR (mode = 'draft' AND s.draft_content IS NOT NULL));
    IF NOT FOUND THEN
        PERFORM draft_mode.raise_section_not_found(tenant, section);
    END IF;
    -- The draft's lifetime: the smallest of its own, its type's and the
    -- global one (a statement of its own: on Citus the row's is on a worker).
    IF editor AND edited_at IS NOT NULL THEN
        draft_expires_at := edited_at + LEAST(
            own_ttl,
            (SELECT t.ttl FROM draft_mode.draft_ttls AS t WHERE t.section_type = get_section.section_type),
            draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval);
    END IF;
END
$$;

-- The deferred trigger: the change's feed position, and its notification.
CREATE OR REPLACE FUNCTION draft_mode.record_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    next_position int8;
    message jsonb;
    changed_tenant text;
BEGIN
    -- A transaction that changed several tenants locks their counters in
    -- tenant order before it takes the first position: this trigger runs
    -- in the order the changes were made, so two such transactions
    -- committing at once would otherwise lock them in opposite orders and
    -- deadlock at COMMIT. (The queue shows this transaction's rows only:
    -- others' are invisible until they commit, and gone by then.)
    IF EXISTS (SELECT FROM draft_mode.change_queue AS q WHERE q.tenant <> NEW.tenant) THEN
        FOR changed_tenant IN SELECT DISTINCT q.tenant FROM draft_mode.change_queue AS q ORDER BY 1 LOOP
            INSERT INTO draft_mode.feed_counters AS c (tenant, position) VALUES (changed_tenant, 0)
            ON CONFLICT ON CONSTRAINT feed_counters_pkey DO NOTHING;
            PERFORM FROM draft_mode.feed_counters AS c WHERE c.tenant = changed_tenant FOR UPDATE;
        END LOOP;
    END IF;
    DELETE FROM draft_mode.change_queue AS q
     WHERE q.tenant = NEW.tenant AND q.section = NEW.section AND q.version = NEW.version;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO draft_mode.feed_counters AS c (tenant, position) VALUES (NEW.tenant, 1)
    ON CONFLICT ON CONSTRAINT feed_counters_pkey DO UPDATE SET position = c.position + 1
    RETURNING c.position INTO next_position;
    INSERT INTO draft_mode.feed (tenant, position, section, version)
    VALUES (NEW.tenant, next_position, NEW.section, NEW.version);
    IF draft_mode.setting('draft_mode.notify') = 'on' THEN
        message := pg_catalog.jsonb_build_object('tenant', NEW.tenant, 'section', NEW.section,
                                                 'version', NEW.version, 'kind', NEW.kind,
                                                 'cursor', draft_mode.feed_cursor(next_position));
        -- Any role that can connect may LISTEN: the forward patch goes
        -- out only where a superuser allowed it (draft_mode.notify_patches),
        -- and when it fits in NOTIFY's 8000 bytes.
        IF draft_mode.setting('draft_mode.notify_patches') = 'on' THEN
            message := message || pg_catalog.jsonb_build_object('patch', NEW.forward_patch);
            IF pg_catalog.octet_length(message::text) > 7900 THEN
                message := message - 'patch' || '{"patch_omitted": true}';
            END IF;
        END IF;
        PERFORM pg_catalog.pg_notify('draft_mode', message::text);
    END IF;
    RETURN NULL;
END
$$;

-- Removes the draft_mode_maintenance job; false when there was none.
CREATE OR REPLACE FUNCTION draft_mode.unschedule_maintenance()
RETURNS pg_catalog.bool
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bool := false;
BEGIN
    -- Only the caller's own job: a superuser sees every role's jobs in
    -- cron.job, and others' schedules are theirs to remove.
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE 'SELECT bool_or(cron.unschedule(jobid)) FROM cron.job'
                ' WHERE jobname = $1 AND username = current_user'
           INTO removed USING 'draft_mode_maintenance';
    END IF;
    RETURN coalesce(removed, false);
END
$$;

-- Binds role to tenant (replacing its binding).
CREATE OR REPLACE FUNCTION draft_mode.bind_tenant(role pg_catalog.regrole, tenant pg_catalog.text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF role IS NULL OR tenant IS NULL THEN
        RAISE EXCEPTION 'arguments "role" and "tenant" must not be null'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = '{"argument":"role, tenant"}',
                  HINT = 'Pass the role to bind and its tenant.';
    END IF;
    IF pg_catalog.octet_length(tenant) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'argument "tenant" must be 1 to 200 bytes long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('argument', 'tenant', 'reason', 'length',
                      'min_bytes', 1, 'max_bytes', 200, 'bytes', pg_catalog.octet_length(tenant))::text,
                  HINT = 'Use a shorter tenant name.';
    END IF;
    INSERT INTO draft_mode.tenant_bindings AS b (role, tenant, bound_by, bound_at)
    VALUES (bind_tenant.role, bind_tenant.tenant, draft_mode.caller(), pg_catalog.now())
    ON CONFLICT ON CONSTRAINT tenant_bindings_pkey DO UPDATE
       SET tenant = excluded.tenant, bound_by = excluded.bound_by, bound_at = excluded.bound_at;
END
$$;

-- Claims key for a call of operation with request (the call's arguments as
-- text). Returns NULL when the call should run: the key is new (or its
-- earlier use expired) and is now this transaction's. Returns the stored
-- result when the same request already ran with this key. Raises DM203 when
-- the key was used for a different request, 22023 for a key of the wrong
-- length.
CREATE OR REPLACE FUNCTION draft_mode.claim_idempotency_key(tenant pg_catalog.text,
                                                            key pg_catalog.text,
                                                            operation pg_catalog.text,
                                                            request pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    hash bytea := pg_catalog.sha256(pg_catalog.convert_to(operation || E'\n' || request, 'UTF8'));
    ttl interval := draft_mode.setting('draft_mode.idempotency_key_ttl')::pg_catalog.interval;
    -- Citus: computed here, as Citus refuses non-immutable functions in ON CONFLICT's WHERE.
    expired_before timestamptz := pg_catalog.now() - ttl;
    earlier record;
BEGIN
    IF pg_catalog.octet_length(key) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'argument "idempotency_key" must be 1 to 200 bytes long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('argument', 'idempotency_key', 'reason', 'length',
                      'min_bytes', 1, 'max_bytes', 200, 'bytes', pg_catalog.octet_length(key))::text,
                  HINT = 'Use a short unique key per request, such as a UUID.';
    END IF;
    INSERT INTO draft_mode.idempotency_keys AS k (tenant, key, operation, request_hash, created_at)
    VALUES (claim_idempotency_key.tenant, claim_idempotency_key.key,
            claim_idempotency_key.operation, hash, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO UPDATE
       SET operation = excluded.operation, request_hash = excluded.request_hash, result = NULL,
           created_at = excluded.created_at
     WHERE k.created_at < expired_before;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT k.operation, k.request_hash, k.result, k.created_at INTO earlier
      FROM draft_mode.idempotency_keys AS k
     WHERE k.tenant = claim_idempotency_key.tenant AND k.key = claim_idempotency_key.key;
    IF earlier.request_hash <> hash THEN
        RAISE EXCEPTION 'idempotency key "%" was already used for a different request', key
            USING ERRCODE = 'DM203',
                  DETAIL = pg_catalog.jsonb_build_object('reason', 'idempotency_key_reused',
                                                         'key', key, 'operation', earlier.operation,
                                                         'used_at', earlier.created_at)::text,
                  HINT = 'Use a new key for each distinct request; repeat a key only to retry the same request.';
    END IF;
    RETURN earlier.result;
END
$$;

-- Where consumer (a named worker of the tenant) is in the feed, NULL at
-- the start. Locks the consumer's row for this transaction (a second worker
-- of the same name waits): read changes() after it, do their work, and
-- advance_consumer() in the same transaction.
CREATE OR REPLACE FUNCTION draft_mode.consumer_cursor(tenant pg_catalog.text, consumer pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    at int8;
BEGIN
    PERFORM draft_mode.check_tenant(consumer_cursor.tenant);
    IF consumer IS NULL OR pg_catalog.octet_length(consumer) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'argument "consumer" must be 1 to 200 bytes long'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('argument', 'consumer', 'reason', 'length',
                      'min_bytes', 1, 'max_bytes', 200, 'bytes', pg_catalog.octet_length(consumer))::text,
                  HINT = 'Name the worker, for example ''deployer''.';
    END IF;
    INSERT INTO draft_mode.feed_consumers AS c (tenant, consumer, position, updated_at)
    VALUES (consumer_cursor.tenant, consumer_cursor.consumer, 0, pg_catalog.now())
    ON CONFLICT ON CONSTRAINT feed_consumers_pkey DO NOTHING;
    SELECT c.position INTO at FROM draft_mode.feed_consumers AS c
     WHERE c.tenant = consumer_cursor.tenant AND c.consumer = consumer_cursor.consumer FOR UPDATE;
    RETURN CASE WHEN at > 0 THEN draft_mode.feed_cursor(at) END;
END
$$;
