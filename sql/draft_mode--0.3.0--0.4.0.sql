-- draft_mode 0.3.0 -> 0.4.0: edits delegated to the tenant's Citus worker.
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
BEGIN
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

-- The worker's half of a delegated edit (internal: the extension's owner
-- only; never granted). Runs save_draft, patch_draft or merge_draft for
-- tenant with actor as the recorded actor: both were checked and taken on
-- the coordinator by edit_through_worker, which is the only caller. Returns
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
    END CASE;
    PERFORM pg_catalog.set_config('request.jwt.claims', coalesce(claims, ''), true),
            pg_catalog.set_config('draft_mode.delegate_edits', delegate, true);
    DELETE FROM draft_mode.change_queue AS q
     WHERE q.tenant = edit_on_worker.tenant AND q.section = edit_on_worker.section
       AND q.version = (change).version
    RETURNING q.kind, q.forward_patch INTO queued_kind, queued_patch;
END
$$;

-- The coordinator's half of a delegated edit (internal, called by the
-- library's save_draft, patch_draft and merge_draft): NULL when the edit
-- runs where it was called (not distributed, not the coordinator, or
-- draft_mode.delegate_edits off, as inside edit_on_worker); else checks the tenant and takes the actor from
-- this session, runs edit_on_worker on the tenant's worker (one round trip;
-- the actor is evaluated here, into a variable, so that Citus sends its
-- value), queues the change here and returns the result.
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
