-- draft_mode 0.3.0 -> 0.4.0: validators stored by name (pg_upgrade), feed
-- counters locked in tenant order, DM101 from one place, section content
-- compressed with lz4, and edits delegated to the tenant's Citus worker.
--
-- On a distributed install (draft_mode.distribute()), save_draft,
-- patch_draft and merge_draft check the tenant and take the actor on the
-- coordinator, from the session's trusted sources as before, and then run
-- the edit in ONE call on the worker that holds the tenant's rows: an
-- internal function, executable by the extension's owner only, distributed
-- by its tenant argument with force_delegation (README: "Scaling out with
-- Citus"). On one node (no Citus) nothing changes: the library does not
-- even look for the new functions. This script runs on every node of a
-- distributed install (Citus propagates ALTER EXTENSION ... UPDATE) and
-- after it, draft_mode.distribute() distributes the new function (see the end).
\echo Use "ALTER EXTENSION draft_mode UPDATE TO '0.4.0'" to load this file. \quit

------------------------------------------------------------------------------
-- Validators are stored by name, not by OID.
--
-- pg_upgrade refuses a cluster with a regprocedure column in any table
-- ("Checking for reg* data types in user tables ... fatal"): function OIDs
-- are not preserved across it. validators.validator was one, so installing
-- draft_mode 0.3.0 blocked pg_upgrade of the whole cluster. It now holds the
-- function's schema-qualified signature, resolved when the validator runs:
-- a validator whose function was dropped refuses publishes (42883) until it
-- is registered again or removed; a renamed function must be registered
-- again under its new name. The validator's owner is stored beside its
-- name: a function another role creates under the name of a dropped
-- validator is not that validator (it would run as its owner and see every
-- tenant's content of the section type), and neither is one whose owner
-- was changed.
------------------------------------------------------------------------------

-- The name a validator is stored under: its signature, schema-qualified
-- unless it lives in pg_catalog (NULL for an OID that names no function).
CREATE FUNCTION draft_mode.validator_name(validator pg_catalog.regprocedure)
RETURNS pg_catalog.text
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT validator::pg_catalog.text FROM pg_catalog.pg_proc AS p WHERE p.oid = validator
$$;

-- The role the registered function belonged to (NULL: it was dropped), and
-- its name. A validator whose function was dropped before this update keeps
-- failing closed: its name names no function. Each value is computed here
-- and written as a constant: on Citus, validators is a reference table whose
-- copies on the workers have their own function OIDs, and an UPDATE may not
-- join pg_catalog. On a distributed install, the coordinator's update
-- changes the table everywhere (Citus runs this script on each worker
-- first, where it leaves the table alone), and the DDL runs through EXECUTE:
-- for what it cannot deparse, Citus sends the statement's source text to
-- the workers, which in an extension script is the whole script.
DO $$
DECLARE
    entry record;
    function_then regprocedure;
    owner_then oid;
    name_then text;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_dist_local_group WHERE groupid <> 0)
           AND draft_mode.is_distributed() THEN
            RETURN;
        END IF;
    END IF;
    EXECUTE 'ALTER TABLE draft_mode.validators ADD COLUMN owner pg_catalog.regrole';
    EXECUTE 'ALTER TABLE draft_mode.validators ADD COLUMN signature pg_catalog.text';
    -- Read as text (a dropped function's OID prints as digits), resolved here.
    FOR entry IN SELECT v.section_type, v.validator::pg_catalog.text AS name
                   FROM draft_mode.validators AS v LOOP
        function_then := CASE WHEN entry.name LIKE '%(%)' THEN pg_catalog.to_regprocedure(entry.name) END;
        owner_then := (SELECT p.proowner FROM pg_catalog.pg_proc AS p WHERE p.oid = function_then);
        name_then := coalesce(draft_mode.validator_name(function_then), 'dropped function ' || entry.name);
        UPDATE draft_mode.validators AS v SET owner = owner_then, signature = name_then
         WHERE v.section_type = entry.section_type;
    END LOOP;
    EXECUTE 'ALTER TABLE draft_mode.validators DROP COLUMN validator';
    EXECUTE 'ALTER TABLE draft_mode.validators RENAME COLUMN signature TO validator';
    EXECUTE 'ALTER TABLE draft_mode.validators ALTER COLUMN validator SET NOT NULL';
END
$$;

CREATE OR REPLACE FUNCTION draft_mode.set_validator(section_type pg_catalog.text,
                                                    validator pg_catalog.regprocedure)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner oid;
BEGIN
    SELECT p.proowner INTO owner FROM pg_catalog.pg_proc AS p
     WHERE p.oid = validator AND p.pronargs = 1 AND p.proargtypes[0] = 'pg_catalog.jsonb'::pg_catalog.regtype
       AND p.prorettype IN ('pg_catalog.text[]'::pg_catalog.regtype, 'pg_catalog.jsonb'::pg_catalog.regtype)
       AND p.prokind = 'f'
       AND NOT p.proretset;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'function % is not a validator', validator
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('validator', validator::text,
                                                         'reason', 'wrong_signature')::text,
                  HINT = 'A validator takes (content jsonb) and returns text[] (errors) or jsonb ({"errors": [...], "warnings": [...]}).';
    END IF;
    IF NOT pg_catalog.pg_has_role(draft_mode.caller(), owner, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to register function % as a validator', validator
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.jsonb_build_object('validator', validator::text,
                                                         'reason', 'not_owner',
                                                         'owner', owner::pg_catalog.regrole::text)::text,
                  HINT = 'A validator runs as its owner: register only functions owned by a role whose privileges you have.';
    END IF;
    INSERT INTO draft_mode.validators AS v (section_type, validator, owner)
    VALUES (set_validator.section_type, draft_mode.validator_name(set_validator.validator), owner)
    ON CONFLICT ON CONSTRAINT validators_pkey
    DO UPDATE SET validator = excluded.validator, owner = excluded.owner;
END
$$;

-- The section type's validator's verdict on content, as {"errors": [...],
-- "warnings": [...]} (both empty without a validator). It runs as the
-- extension's owner so that it may call call_validator(_jsonb), which
-- nobody else may call: they would run any function with a validator's
-- signature as that function's owner.
CREATE OR REPLACE FUNCTION draft_mode.validation_result(section_type pg_catalog.text,
                                                        content pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    name text;
    registered_owner oid;
    validator regprocedure;
    returns_jsonb bool;
    raw jsonb;
BEGIN
    SELECT v.validator, v.owner INTO name, registered_owner FROM draft_mode.validators AS v
     WHERE v.section_type = validation_result.section_type;
    IF NOT FOUND THEN
        RETURN '{"errors": [], "warnings": []}';
    END IF;
    -- Stored names come from validator_name: a signature, or a dropped
    -- function's placeholder without parentheses (to_regprocedure would
    -- refuse its syntax instead of answering NULL).
    IF name LIKE '%(%)' THEN
        validator := pg_catalog.to_regprocedure(name);
    END IF;
    IF validator IS NOT NULL THEN
        SELECT p.prorettype = 'pg_catalog.jsonb'::pg_catalog.regtype INTO returns_jsonb
          FROM pg_catalog.pg_proc AS p WHERE p.oid = validator;
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc AS p
                        WHERE p.oid = validator AND p.proowner = registered_owner) THEN
            RAISE EXCEPTION 'validator function "%" of section type "%" has changed owner', name, section_type
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = pg_catalog.jsonb_build_object('validator', name, 'section_type', section_type,
                                                             'reason', 'validator_owner_changed')::text,
                      HINT = 'A validator runs as the owner it was registered with: register it again with draft_mode.set_validator() if its new owner is to be trusted.';
        END IF;
    END IF;
    IF validator IS NULL THEN
        RAISE EXCEPTION 'validator function "%" of section type "%" does not exist', name, section_type
            USING ERRCODE = 'undefined_function',
                  DETAIL = pg_catalog.jsonb_build_object('validator', name, 'section_type', section_type,
                                                         'reason', 'validator_dropped')::text,
                  HINT = 'Register the section type''s validator again with draft_mode.set_validator(), or remove it with draft_mode.remove_validator().';
    END IF;
    IF returns_jsonb THEN
        raw := draft_mode.call_validator_jsonb(validator, content);
    ELSE
        raw := pg_catalog.jsonb_build_object('errors',
                   pg_catalog.to_jsonb(draft_mode.call_validator(validator, content)));
    END IF;
    raw := coalesce(raw, '{}');
    IF pg_catalog.jsonb_typeof(raw) <> 'object'
       OR pg_catalog.jsonb_typeof(coalesce(raw -> 'errors', '[]')) NOT IN ('array', 'null')
       OR pg_catalog.jsonb_typeof(coalesce(raw -> 'warnings', '[]')) NOT IN ('array', 'null') THEN
        RAISE EXCEPTION 'validator % of section type "%" returned an unusable result', validator, section_type
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('validator', validator::text,
                                                         'reason', 'bad_validator_result')::text,
                  HINT = 'A jsonb validator returns {"errors": [...], "warnings": [...]}, each a list of messages.';
    END IF;
    RETURN pg_catalog.jsonb_build_object(
        'errors', coalesce(pg_catalog.jsonb_strip_nulls(raw) -> 'errors', '[]'),
        'warnings', coalesce(pg_catalog.jsonb_strip_nulls(raw) -> 'warnings', '[]'));
END
$$;

REVOKE ALL ON FUNCTION draft_mode.validator_name(regprocedure) FROM PUBLIC;

------------------------------------------------------------------------------
-- Transactions that change several tenants no longer deadlock at COMMIT on
-- the feed counters (two such transactions changing the same tenants in
-- opposite orders did: test/tap/cross_tenant_commits.t).
------------------------------------------------------------------------------

-- The deferred trigger: the change's feed position, and its notification.
-- The change feed's deferred trigger skips a change whose queue row is
-- gone: a delegated edit hands its queued change back to the coordinator,
-- which queues it there (feed position and notification on the
-- coordinator, as for every other change).
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
                                                 'cursor', draft_mode.feed_cursor(next_position),
                                                 'patch', NEW.forward_patch);
        -- The payload carries the forward patch when it fits in NOTIFY's
        -- 8000 bytes.
        PERFORM pg_catalog.pg_notify('draft_mode',
            CASE WHEN pg_catalog.octet_length(message::text) <= 7900 THEN message::text
                 ELSE (message - 'patch' || '{"patch_omitted": true}')::text END);
    END IF;
    RETURN NULL;
END
$$;

------------------------------------------------------------------------------
-- DM101 (the section does not exist) is raised by one function of the
-- library, for the store and for the PL/pgSQL functions that find a section
-- missing: the same message, DETAIL ({"reason", "section"}) and hint
-- everywhere.
------------------------------------------------------------------------------

-- Raises DM101, the section does not exist, for the functions below that
-- find it missing: its message, DETAIL and hint are written once, in the
-- library (store/section_row.cpp), for them and for the store.
CREATE FUNCTION draft_mode.raise_section_not_found(tenant pg_catalog.text, section pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'draft_mode_raise_section_not_found'
LANGUAGE C VOLATILE;

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
           s.version, s.draft_content IS NOT NULL, s.published_version, s.section_type,
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

CREATE OR REPLACE FUNCTION draft_mode.publish_many(tenant pg_catalog.text,
                                                   sections pg_catalog.text[],
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
    IF sections IS NULL OR pg_catalog.array_position(sections, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "sections" must not be null or contain nulls'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = '{"argument":"sections"}',
                  HINT = 'Pass an array of section names.';
    END IF;
    IF idempotency_key IS NOT NULL THEN
        outcome := draft_mode.claim_idempotency_key(tenant, idempotency_key, 'publish_many',
                                                    sections::text);
        IF outcome IS NOT NULL THEN
            RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::draft_mode.change, outcome);
            RETURN;
        END IF;
    END IF;
    SELECT name INTO missing FROM pg_catalog.unnest(sections) AS name
     WHERE NOT EXISTS (SELECT FROM draft_mode.sections AS s
                        WHERE s.tenant = publish_many.tenant AND s.section = name)
     LIMIT 1;
    IF missing IS NOT NULL THEN
        PERFORM draft_mode.raise_section_not_found(tenant, missing);
    END IF;
    FOR locked IN
        SELECT s.section, s.section_type, s.draft_content FROM draft_mode.sections AS s
         WHERE s.tenant = publish_many.tenant AND s.section = ANY (sections)
         ORDER BY s.section FOR UPDATE
    LOOP
        IF locked.draft_content IS NOT NULL THEN
            errors := draft_mode.validation_errors(locked.section_type, locked.draft_content);
            IF pg_catalog.cardinality(errors) > 0 THEN
                failures := failures || pg_catalog.jsonb_build_object('section', locked.section,
                    'section_type', locked.section_type, 'errors', pg_catalog.to_jsonb(errors));
            END IF;
        END IF;
    END LOOP;
    IF pg_catalog.jsonb_array_length(failures) > 0 THEN
        RAISE EXCEPTION '% of the sections are not valid: publish refused',
                        pg_catalog.jsonb_array_length(failures)
            USING ERRCODE = 'DM103',
                  DETAIL = pg_catalog.jsonb_build_object('sections', failures)::text,
                  HINT = 'Fix every error listed and publish again; nothing was published.';
    END IF;
    -- LATERAL calls publish once per section ((f()).* would call it per column).
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(published) ORDER BY names.name), '[]')
      INTO outcome
      FROM (SELECT DISTINCT name FROM pg_catalog.unnest(sections) AS name ORDER BY name) AS names,
           LATERAL draft_mode.publish(publish_many.tenant, names.name) AS published;
    IF idempotency_key IS NOT NULL THEN
        PERFORM draft_mode.store_idempotent_result(tenant, idempotency_key, outcome);
    END IF;
    RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::draft_mode.change, outcome);
END
$$;

CREATE OR REPLACE FUNCTION draft_mode.lease_status(tenant pg_catalog.text, section pg_catalog.text,
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
        PERFORM draft_mode.raise_section_not_found(tenant, section);
    END IF;
    IF held THEN
        SELECT s.lease_holder, s.lease_acquired_at, s.lease_expires_at
          INTO holder, acquired_at, expires_at
          FROM draft_mode.sections AS s
         WHERE s.tenant = lease_status.tenant AND s.section = lease_status.section;
    END IF;
END
$$;

REVOKE ALL ON FUNCTION draft_mode.raise_section_not_found(text, text) FROM PUBLIC;

------------------------------------------------------------------------------
-- Sections' content compressed with lz4.
--
-- Every write stores the section's new content whole, and with patches now
-- spliced on jsonb's binary form, compressing that content into TOAST was
-- the largest cost of a write: pglz_compress took a third of patch_draft's
-- CPU on the 50 KB benchmark document. lz4 compresses it several times
-- faster to about the same size (15,423 bytes against pglz's 15,186), and
-- patch_draft ran 1.48x and 1.97x faster (medians of two bench/end-to-end
-- runs, README "Performance"). Values already stored keep their compression until
-- they are written again. A server built without lz4, or a Citus version
-- that cannot change a distributed table's compression, keeps pglz (a WARNING
-- says so); nothing else depends on the method. One subcommand per ALTER
-- TABLE, for Citus (README "Scaling out with Citus").
------------------------------------------------------------------------------

DO $$
BEGIN
    ALTER TABLE draft_mode.sections ALTER COLUMN draft_content SET COMPRESSION lz4;
    ALTER TABLE draft_mode.sections ALTER COLUMN published_content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE WARNING 'draft_mode: section content stays compressed with pglz: %', SQLERRM;
END
$$;

------------------------------------------------------------------------------
-- Citus: edits delegated to the tenant's worker.
------------------------------------------------------------------------------


-- The tenants bound to the session's login role and to its current role
-- (as in 0.3.0): the roles first, then one plain query of tenant_bindings.
-- On Citus (a reference table) the 0.3.0 form, a subquery of pg_roles
-- inside the query of tenant_bindings, is planned as a distributed query
-- with a subplan each time: measured about 2 ms a call on the coordinator,
-- against 0.3 ms for this form; every store call reads it (check_tenant,
-- current_actor).
CREATE OR REPLACE FUNCTION draft_mode.bound_tenants()
RETURNS pg_catalog.text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    roles oid[] := ARRAY(SELECT r.oid FROM pg_catalog.pg_roles AS r
                          WHERE r.rolname IN (session_user, draft_mode.caller()));
BEGIN
    RETURN (SELECT pg_catalog.array_agg(DISTINCT b.tenant ORDER BY b.tenant)
              FROM draft_mode.tenant_bindings AS b
             WHERE b.role::pg_catalog.oid = ANY (roles));
END
$$;

-- Store functions refuse to run on a Citus worker for anyone but an
-- administrator: on a worker the session state is not the caller's (a
-- statement mixing a store function with a distributed table is sent to a
-- worker whole). A delegated edit arrives there as the extension's owner.
CREATE OR REPLACE FUNCTION draft_mode.check_tenant(tenant pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    scoped text;
BEGIN
    IF draft_mode.is_admin() THEN
        RETURN;
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_dist_local_group WHERE groupid <> 0) THEN
            RAISE EXCEPTION 'draft_mode''s store functions run on the Citus coordinator, not on a worker'
                USING ERRCODE = 'feature_not_supported', DETAIL = '{"reason":"not_coordinator"}',
                      HINT = 'Connect to the coordinator, and do not mix a draft_mode function call with a read of draft_mode''s tables in one statement.';
        END IF;
    END IF;
    scoped := draft_mode.current_tenant();
    IF scoped IS NULL THEN
        RAISE EXCEPTION 'no tenant is set for this session'
            USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"tenant_not_set"}',
                  HINT = CASE WHEN draft_mode.tenant_is_bound()
                              THEN 'This role takes its tenant from a binding only (draft_mode.tenant_from_session is off): ask an administrator to bind it with draft_mode.bind_tenant().'
                              ELSE 'SET LOCAL draft_mode.tenant in each transaction, or send a JWT with a "tenant" claim.' END;
    END IF;
    IF tenant IS DISTINCT FROM scoped THEN
        RAISE EXCEPTION 'this session works for tenant "%", not "%"', scoped, tenant
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.jsonb_build_object('reason', 'tenant_mismatch',
                                                         'session_tenant', scoped)::text,
                  HINT = 'Pass the session''s own tenant, or change draft_mode.tenant.';
    END IF;
END
$$;

-- The worker's half of a delegated write (internal: the extension's owner
-- only; never granted). Runs save_draft, patch_draft, merge_draft, undo,
-- redo, restore, discard or publish (operation; argument is the edit's
-- document, or restore's version as a JSON number) for tenant with actor as
-- the recorded actor: both were checked and taken on the coordinator by
-- edit_through_worker, which is the only caller. Returns
-- the result and the change it queued, taken out of this node's queue so
-- that the coordinator queues it. Citus delegates a call to the worker of
-- the tenant's shard (distributed by tenant, force_delegation: distribute());
-- run anywhere else (one node, or Citus did not delegate) it does the same
-- work there.
CREATE FUNCTION draft_mode.edit_on_worker(tenant pg_catalog.text, section pg_catalog.text,
                                          operation pg_catalog.text, argument pg_catalog.jsonb,
                                          expected_version pg_catalog.int8,
                                          lease_token pg_catalog.int8,
                                          idempotency_key pg_catalog.text,
                                          rebase pg_catalog.bool, actor pg_catalog.text,
                                          OUT change draft_mode.change,
                                          OUT queued_kind pg_catalog.text,
                                          OUT queued_patch pg_catalog.jsonb)
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    claims text := pg_catalog.current_setting('request.jwt.claims', true);
    delegate text := draft_mode.setting('draft_mode.delegate_edits');
BEGIN
    -- The actor as the store records it (draft_mode.current_actor: the
    -- JWT's sub, on a worker this session being the owner's, which no
    -- binding names; where Citus did not delegate, the caller's other
    -- claims, its tenant among them, stay as they were), and the edit run
    -- here, not delegated again.
    PERFORM pg_catalog.set_config('request.jwt.claims',
                                  (coalesce(draft_mode.jwt_claims(), '{}')
                                   || pg_catalog.jsonb_build_object('sub', actor))::text, true),
            pg_catalog.set_config('draft_mode.delegate_edits', 'off', true);
    CASE operation
        WHEN 'save_draft' THEN
            change := draft_mode.save_draft(tenant, section, argument, expected_version,
                                            lease_token, idempotency_key);
        WHEN 'patch_draft' THEN
            change := draft_mode.patch_draft(tenant, section, argument, expected_version,
                                             lease_token, idempotency_key, rebase);
        WHEN 'merge_draft' THEN
            change := draft_mode.merge_draft(tenant, section, argument, expected_version,
                                             lease_token, idempotency_key);
        WHEN 'undo' THEN
            change := draft_mode.undo(tenant, section, expected_version, lease_token,
                                      idempotency_key);
        WHEN 'redo' THEN
            change := draft_mode.redo(tenant, section, expected_version, lease_token,
                                      idempotency_key);
        WHEN 'restore' THEN
            change := draft_mode.restore(tenant, section, argument::pg_catalog.int8,
                                         expected_version, lease_token, idempotency_key);
        WHEN 'discard' THEN
            change := draft_mode.discard(tenant, section, expected_version, lease_token,
                                         idempotency_key);
        WHEN 'publish' THEN
            change := draft_mode.publish(tenant, section, expected_version, lease_token,
                                         idempotency_key);
    END CASE;
    PERFORM pg_catalog.set_config('request.jwt.claims', coalesce(claims, ''), true),
            pg_catalog.set_config('draft_mode.delegate_edits', delegate, true);
    DELETE FROM draft_mode.change_queue AS q
     WHERE q.tenant = edit_on_worker.tenant AND q.section = edit_on_worker.section
       AND q.version = (change).version
    RETURNING q.kind, q.forward_patch INTO queued_kind, queued_patch;
END
$$;

-- The coordinator's half of a delegated write (internal, called by the
-- library's save_draft, patch_draft, merge_draft, undo, redo, restore,
-- discard and publish, with operation and argument as edit_on_worker takes
-- them): NULL when the write runs where it was called (not distributed, not
-- the coordinator, draft_mode.delegate_edits off, as inside edit_on_worker,
-- or a publish while any validator is registered: a validator is user code,
-- which Citus may not have created on the workers, or which may read tables
-- the workers do not have, so a publish that may run one runs here); else
-- checks the tenant and takes the actor from this session, runs
-- edit_on_worker on the tenant's worker (one round trip; the actor is
-- evaluated here, into a variable, so that Citus sends its value), queues
-- the change here and returns the result.
CREATE FUNCTION draft_mode.edit_through_worker(operation pg_catalog.text, tenant pg_catalog.text,
                                               section pg_catalog.text, argument pg_catalog.jsonb,
                                               expected_version pg_catalog.int8,
                                               lease_token pg_catalog.int8,
                                               idempotency_key pg_catalog.text,
                                               rebase pg_catalog.bool)
RETURNS draft_mode.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    actor text;
    done record;
BEGIN
    IF draft_mode.setting('draft_mode.delegate_edits') = 'off'
       OR NOT draft_mode.is_distributed() OR NOT pg_catalog.citus_is_coordinator() THEN
        RETURN NULL;
    END IF;
    -- Nested: the other operations' test stays a simple expression, with no
    -- query of a Citus table for Citus to plan and run.
    IF operation = 'publish' THEN
        IF EXISTS (SELECT FROM draft_mode.validators) THEN
            RETURN NULL;
        END IF;
    END IF;
    PERFORM draft_mode.check_tenant(tenant);
    actor := draft_mode.current_actor();
    SELECT * INTO done
      FROM draft_mode.edit_on_worker(tenant, section, operation, argument, expected_version,
                                     lease_token, idempotency_key, rebase, actor);
    IF done.queued_kind IS NOT NULL THEN
        INSERT INTO draft_mode.change_queue (tenant, section, version, kind, forward_patch)
        VALUES (tenant, section, (done.change).version, done.queued_kind, done.queued_patch);
    END IF;
    RETURN done.change;
END
$$;

REVOKE ALL ON FUNCTION draft_mode.edit_on_worker(text, text, text, jsonb, int8, int8, text, bool,
                                                 text) FROM PUBLIC;
REVOKE ALL ON FUNCTION draft_mode.edit_through_worker(text, text, text, jsonb, int8, int8, text,
                                                      bool) FROM PUBLIC;

-- Distributes draft_mode over a Citus cluster (see 0.3.0), and now also
-- the worker's half of the edits by its tenant argument, co-located with
-- sections, with force_delegation: Citus delegates a call made inside
-- another function (edit_through_worker) only with it.
CREATE OR REPLACE FUNCTION draft_mode.distribute()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant_table text;
    global_table text;
    policy_table text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'draft_mode.distribute() needs the citus extension in this database'
            USING ERRCODE = 'DM302', DETAIL = '{"reason":"citus_missing"}',
                  HINT = 'Preload citus (shared_preload_libraries), CREATE EXTENSION citus, add the workers, then call draft_mode.distribute() on the coordinator.';
    END IF;
    IF NOT pg_catalog.citus_is_coordinator() THEN
        RAISE EXCEPTION 'draft_mode.distribute() runs on the coordinator'
            USING ERRCODE = 'DM302', DETAIL = '{"reason":"not_coordinator"}',
                  HINT = 'Connect to the coordinator (citus_set_coordinator_host) and call it there.';
    END IF;
    -- Direct reads of the tenant tables (and the views over them) are
    -- checked on the workers, which see neither the session's JWT claims nor
    -- its login role's binding: only administrators read them directly.
    FOREACH policy_table IN ARRAY ARRAY['sections', 'history', 'daily_stats', 'idempotency_keys',
                                        'feed', 'feed_counters', 'feed_consumers'] LOOP
        EXECUTE pg_catalog.format(
            'ALTER POLICY tenant_isolation ON draft_mode.%I USING (draft_mode.is_admin())', policy_table);
    END LOOP;
    ALTER POLICY administrators ON draft_mode.tenant_bindings USING (draft_mode.is_admin());
    FOREACH tenant_table IN ARRAY ARRAY['sections', 'history', 'idempotency_keys', 'daily_stats',
                                        'feed', 'feed_counters', 'feed_consumers'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                        WHERE logicalrelid = pg_catalog.format('draft_mode.%I', tenant_table)::regclass) THEN
            PERFORM pg_catalog.create_distributed_table(
                pg_catalog.format('draft_mode.%I', tenant_table)::regclass, 'tenant',
                colocate_with => CASE WHEN tenant_table = 'sections' THEN 'default'
                                      ELSE 'draft_mode.sections' END);
        END IF;
    END LOOP;
    FOREACH global_table IN ARRAY ARRAY['validators', 'draft_ttls', 'tenant_bindings'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                        WHERE logicalrelid = pg_catalog.format('draft_mode.%I', global_table)::regclass) THEN
            PERFORM pg_catalog.create_reference_table(
                pg_catalog.format('draft_mode.%I', global_table)::regclass);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_dist_object
                    WHERE classid = 'pg_catalog.pg_proc'::regclass
                      AND objid = 'draft_mode.edit_on_worker(text, text, text, jsonb, int8, int8, text, bool, text)'::regprocedure
                      AND distribution_argument_index IS NOT NULL) THEN
        PERFORM pg_catalog.create_distributed_function(
            'draft_mode.edit_on_worker(text, text, text, jsonb, int8, int8, text, bool, text)',
            distribution_arg_name => 'tenant', colocate_with => 'draft_mode.sections',
            force_delegation => true);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION draft_mode.distribute() FROM PUBLIC;

-- An install distributed under 0.3.0: the new function cannot be
-- distributed from here. Citus runs this script on the coordinator first
-- and on the workers after, and create_distributed_function needs the
-- function on the workers already ("function ... does not exist ... while
-- executing command on" a worker). Until draft_mode.distribute() runs again
-- (idempotent), edits run on the coordinator as in 0.3.0.
-- (A WARNING: PostgreSQL runs extension scripts with client_min_messages at
-- least warning. Nested IFs: without Citus, citus_is_coordinator() does not
-- exist, and PL/pgSQL plans an expression only when it reaches it.)
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        IF draft_mode.is_distributed() AND pg_catalog.citus_is_coordinator() THEN
            RAISE WARNING 'draft_mode 0.4.0 runs edits on the tenant''s worker once draft_mode.distribute() runs again'
                USING HINT = 'After ALTER EXTENSION draft_mode UPDATE has finished, SELECT draft_mode.distribute(); on the coordinator.';
        END IF;
    END IF;
END
$$;
