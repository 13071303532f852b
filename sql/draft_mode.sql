-- draft_mode: the whole current schema, each object once, in its final form.
--
-- The Makefile copies this file to sql/draft_mode--<default_version>.sql (the version in
-- draft_mode.control) at build time, as pgvector does: CREATE EXTENSION draft_mode runs it.
-- Databases made with an older version reach the same schema through the update scripts
-- sql/draft_mode--A--B.sql, walked from the oldest install script, sql/draft_mode--0.1.0.sql;
-- test/tap/upgrade.t checks that both roads give the same catalog. So a schema change is made
-- twice: here, and in the update script of the next version.
--
-- Objects come in the order they need each other: SQL-language function bodies and policies
-- are checked when they are created, so tables come before the functions that read them, and
-- row-level security and privileges come last, when every object exists.
\echo Use "CREATE EXTENSION draft_mode" to load this file. \quit

------------------------------------------------------------------------------
-- Roles and settings.
--
-- Roles: draft_mode_viewer reads published content; draft_mode_editor edits,
-- publishes and reads history; draft_mode_admin works across tenants and
-- manages validators. Grant them to your application's roles. They are
-- cluster-wide: DROP EXTENSION leaves them, and the next CREATE EXTENSION
-- reuses them.
------------------------------------------------------------------------------

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'draft_mode_viewer') THEN
        CREATE ROLE draft_mode_viewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'draft_mode_editor') THEN
        CREATE ROLE draft_mode_editor NOLOGIN IN ROLE draft_mode_viewer;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'draft_mode_admin') THEN
        CREATE ROLE draft_mode_admin NOLOGIN IN ROLE draft_mode_editor;
    END IF;
END
$roles$;

-- The current value of a draft_mode setting, as SHOW prints it. Use it
-- rather than current_setting(): it loads the library, which defines the
-- settings, in sessions that have not used draft_mode yet (pg_cron's).
CREATE FUNCTION draft_mode.setting(name pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'draft_mode_setting'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

------------------------------------------------------------------------------
-- Exact RFC 6902 / RFC 7396 JSON functions on jsonb (pure; PUBLIC may call them).
------------------------------------------------------------------------------

-- Applies an RFC 6902 JSON Patch; atomic: any failing operation raises an
-- error and nothing is applied.
CREATE FUNCTION draft_mode.jsonb_patch(doc pg_catalog.jsonb, patch pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_jsonb_patch'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION draft_mode.jsonb_patch(pg_catalog.jsonb, pg_catalog.jsonb) IS
'Applies an RFC 6902 JSON Patch to doc; every operation succeeds or the call fails';

-- Applies an RFC 7396 JSON Merge Patch.
CREATE FUNCTION draft_mode.jsonb_merge_patch(doc pg_catalog.jsonb, patch pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_jsonb_merge_patch'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION draft_mode.jsonb_merge_patch(pg_catalog.jsonb, pg_catalog.jsonb) IS
'Applies an RFC 7396 JSON Merge Patch to doc';

-- Generates an RFC 6902 patch p such that jsonb_patch(source, p) = target.
CREATE FUNCTION draft_mode.jsonb_diff(source pg_catalog.jsonb, target pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_jsonb_diff'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION draft_mode.jsonb_diff(pg_catalog.jsonb, pg_catalog.jsonb) IS
'Returns an RFC 6902 patch that turns source into target';

-- Reads the value at an RFC 6901 JSON Pointer; NULL when it does not exist.
CREATE FUNCTION draft_mode.jsonb_pointer_get(doc pg_catalog.jsonb, pointer pg_catalog.text)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_jsonb_pointer_get'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION draft_mode.jsonb_pointer_get(pg_catalog.jsonb, pg_catalog.text) IS
'Returns the value at an RFC 6901 JSON Pointer in doc, or NULL when there is none';

------------------------------------------------------------------------------
-- Tables, indexes and types.
--
-- A section's "working content" is its draft when it has one, else its
-- published content. Every change adds one to the section's version and one
-- row to history, with the RFC 6902 patches between the working content
-- before and after the change, and a full snapshot every
-- draft_mode.snapshot_interval versions (and at creation), so any version can
-- be rebuilt from the nearest snapshot plus a few patches. The tenant leads
-- every key, so each table can be distributed by tenant (see distribute()).
-- Nobody but the owner writes these tables: every change goes through the
-- store functions.
------------------------------------------------------------------------------

-- An edit-lock lease lives in its section's row, so that a write reads the
-- version and the lease in one locked read (the FOR UPDATE of the store's
-- pipeline) and every lease change serializes with the section's writes.
CREATE TABLE draft_mode.sections (
    tenant pg_catalog.text NOT NULL,
    section pg_catalog.text NOT NULL,
    section_type pg_catalog.text,
    version pg_catalog.int8 NOT NULL,
    -- NULL until the first publish of a section made by create_draft.
    published_content pg_catalog.jsonb,
    published_version pg_catalog.int8,
    published_at pg_catalog.timestamptz,
    draft_content pg_catalog.jsonb,
    draft_updated_at pg_catalog.timestamptz,
    undo_versions pg_catalog.int8[] NOT NULL DEFAULT '{}',
    redo_versions pg_catalog.int8[] NOT NULL DEFAULT '{}',
    created_at pg_catalog.timestamptz NOT NULL,
    updated_at pg_catalog.timestamptz NOT NULL,
    updated_by pg_catalog.text,
    lease_token pg_catalog.int8,
    lease_holder pg_catalog.text,
    lease_acquired_at pg_catalog.timestamptz,
    lease_expires_at pg_catalog.timestamptz,
    lease_ttl pg_catalog.interval,
    -- The draft's own lifetime (create_draft's ttl), if it has one.
    draft_ttl pg_catalog.interval,
    PRIMARY KEY (tenant, section),
    -- Bounded so that keys fit an index and notifications fit NOTIFY's limit.
    CONSTRAINT sections_tenant_length CHECK (octet_length(tenant) BETWEEN 1 AND 200),
    CONSTRAINT sections_section_length CHECK (octet_length(section) BETWEEN 1 AND 1000),
    CHECK (version >= 1 AND published_version BETWEEN 1 AND version),
    CHECK ((draft_content IS NULL) = (draft_updated_at IS NULL)),
    -- A lease is all of token, holder, times and ttl, or none of them.
    CONSTRAINT sections_lease CHECK (
        (lease_token IS NULL AND lease_holder IS NULL AND lease_acquired_at IS NULL
         AND lease_expires_at IS NULL AND lease_ttl IS NULL)
        OR (lease_token IS NOT NULL AND lease_holder IS NOT NULL AND lease_acquired_at IS NOT NULL
            AND lease_expires_at IS NOT NULL AND lease_ttl IS NOT NULL)),
    CONSTRAINT sections_published
        CHECK ((published_content IS NULL) = (published_version IS NULL)
               AND (published_version IS NULL) = (published_at IS NULL))
);

COMMENT ON TABLE draft_mode.sections IS
'One row per section: published content, the draft (if any), the version (compare-and-swap token) and the undo/redo stacks';

-- Content is compressed with lz4: every write stores the section's new
-- content whole, and lz4 compresses it several times faster than pglz to
-- about the same size (README "Performance"). A server built without lz4
-- keeps pglz (a WARNING says so); nothing else depends on the method.
DO $$
BEGIN
    ALTER TABLE draft_mode.sections ALTER COLUMN draft_content SET COMPRESSION lz4;
    ALTER TABLE draft_mode.sections ALTER COLUMN published_content SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE WARNING 'draft_mode: section content stays compressed with pglz: %', SQLERRM;
END
$$;

-- renew_lease and release_lease find a lease by its token. Lease tokens are
-- unique per tenant (on Citus a unique index must hold the distribution
-- column); they come from one sequence on the node that runs the store
-- functions, so they stay unique and growing everywhere. The plain index
-- serves administrators' token-only lookups.
CREATE UNIQUE INDEX sections_lease_token ON draft_mode.sections (tenant, lease_token);
CREATE INDEX sections_lease_token_any_tenant ON draft_mode.sections (lease_token)
    WHERE lease_token IS NOT NULL;
-- Maintenance finds expired leases.
CREATE INDEX sections_lease_expires_at ON draft_mode.sections (lease_expires_at)
    WHERE lease_expires_at IS NOT NULL;

CREATE TABLE draft_mode.history (
    tenant pg_catalog.text NOT NULL,
    section pg_catalog.text NOT NULL,
    version pg_catalog.int8 NOT NULL,
    kind pg_catalog.text NOT NULL,
    actor pg_catalog.text,
    created_at pg_catalog.timestamptz NOT NULL,
    forward_patch pg_catalog.jsonb NOT NULL,
    inverse_patch pg_catalog.jsonb NOT NULL,
    snapshot pg_catalog.jsonb,
    -- What a change's patches do not say (take_over: the lease taken over; a
    -- rebased patch: the version it was written against).
    detail pg_catalog.jsonb,
    PRIMARY KEY (tenant, section, version),
    FOREIGN KEY (tenant, section) REFERENCES draft_mode.sections ON DELETE CASCADE,
    CONSTRAINT history_kind_check
        CHECK (kind IN ('create', 'save', 'patch', 'merge', 'publish', 'discard', 'expire',
                        'restore', 'undo', 'redo', 'take_over'))
);

COMMENT ON TABLE draft_mode.history IS
'One row per change of a section: RFC 6902 patches from the previous working content (forward) and back (inverse), and periodic snapshots';

-- A validator is stored by name (its schema-qualified signature, resolved
-- when it runs: pg_upgrade keeps no function OIDs and refuses regprocedure
-- columns) with the role that owned it when registered: it runs only while
-- it still belongs to that role.
CREATE TABLE draft_mode.validators (
    section_type pg_catalog.text PRIMARY KEY,
    owner pg_catalog.regrole,
    validator pg_catalog.text NOT NULL
);

COMMENT ON TABLE draft_mode.validators IS
'The validation function of each section type: validator(content jsonb) returns text[] of errors';

-- Draft lifetimes per section type, overriding draft_mode.draft_ttl.
CREATE TABLE draft_mode.draft_ttls (
    section_type pg_catalog.text PRIMARY KEY,
    ttl pg_catalog.interval NOT NULL CHECK (ttl > '0'::pg_catalog.interval)
);

COMMENT ON TABLE draft_mode.draft_ttls IS
'How long drafts of a section type may sit unedited before maintenance expires them (default: draft_mode.draft_ttl)';

-- Changes per tenant and day, moved here from history rows as maintenance
-- deletes them, so analytics survive retention (see daily_activity).
CREATE TABLE draft_mode.daily_stats (
    tenant pg_catalog.text NOT NULL,
    day pg_catalog.date NOT NULL,
    changes pg_catalog.int8 NOT NULL DEFAULT 0,
    edits pg_catalog.int8 NOT NULL DEFAULT 0,
    publishes pg_catalog.int8 NOT NULL DEFAULT 0,
    discards pg_catalog.int8 NOT NULL DEFAULT 0,
    expirations pg_catalog.int8 NOT NULL DEFAULT 0,
    undos pg_catalog.int8 NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, day)
);

COMMENT ON TABLE draft_mode.daily_stats IS
'Per tenant and day, the changes whose history rows retention removed: changes (all kinds), edits (save, patch, merge, restore), publishes, discards, expirations, undos (undo and redo)';

-- Idempotency keys (see claim_idempotency_key), per tenant.
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

-- Roles bound to a tenant (see bind_tenant).
CREATE TABLE draft_mode.tenant_bindings (
    role pg_catalog.regrole PRIMARY KEY,
    tenant pg_catalog.text NOT NULL,
    bound_by pg_catalog.text NOT NULL,
    bound_at pg_catalog.timestamptz NOT NULL,
    CONSTRAINT tenant_bindings_tenant_length CHECK (pg_catalog.octet_length(tenant) BETWEEN 1 AND 200)
);

COMMENT ON TABLE draft_mode.tenant_bindings IS
'Roles bound to a tenant by an administrator: the binding wins over draft_mode.tenant and JWT claims';

-- The change feed (see record_change).
CREATE TABLE draft_mode.feed_counters (
    tenant pg_catalog.text PRIMARY KEY,
    position pg_catalog.int8 NOT NULL,
    -- The newest position whose change retention removed: cursors before it
    -- are refused.
    pruned_through pg_catalog.int8 NOT NULL DEFAULT 0
);

COMMENT ON TABLE draft_mode.feed_counters IS
'Per tenant: the newest position of its change feed, and the newest one retention removed';

CREATE TABLE draft_mode.feed (
    tenant pg_catalog.text NOT NULL,
    position pg_catalog.int8 NOT NULL,
    section pg_catalog.text NOT NULL,
    version pg_catalog.int8 NOT NULL,
    PRIMARY KEY (tenant, position),
    CONSTRAINT feed_change UNIQUE (tenant, section, version),
    -- A section deleted directly (not through the store) takes its feed
    -- positions with its history.
    CONSTRAINT feed_history FOREIGN KEY (tenant, section, version)
        REFERENCES draft_mode.history ON DELETE CASCADE
);

COMMENT ON TABLE draft_mode.feed IS
'The position of every committed change (a history row) in its tenant''s change feed';

CREATE TABLE draft_mode.feed_consumers (
    tenant pg_catalog.text NOT NULL,
    consumer pg_catalog.text NOT NULL,
    position pg_catalog.int8 NOT NULL,
    updated_at pg_catalog.timestamptz NOT NULL,
    PRIMARY KEY (tenant, consumer),
    CONSTRAINT feed_consumers_consumer_length CHECK (pg_catalog.octet_length(consumer) BETWEEN 1 AND 200)
);

COMMENT ON TABLE draft_mode.feed_consumers IS
'Where each named consumer of a tenant''s change feed is: consumer_cursor() and advance_consumer()';

-- Changes waiting for their feed position: the store adds one row per
-- change, in the change's transaction; a deferred trigger takes it out at
-- commit. A local table, never distributed (on Citus it lives on the
-- coordinator, where the store runs), and never dumped: a restore does not
-- re-record what the dumped feed already holds.
CREATE TABLE draft_mode.change_queue (
    tenant pg_catalog.text NOT NULL,
    section pg_catalog.text NOT NULL,
    version pg_catalog.int8 NOT NULL,
    kind pg_catalog.text NOT NULL,
    forward_patch pg_catalog.jsonb NOT NULL
);

COMMENT ON TABLE draft_mode.change_queue IS
'Changes of open transactions waiting for their change feed position (always empty between transactions)';

-- Fencing tokens of edit-lock leases come from one sequence: they only ever
-- increase, per section and across sections, and neither releasing a lease
-- nor maintenance resets them.
CREATE SEQUENCE draft_mode.lease_tokens AS pg_catalog.int8;

COMMENT ON SEQUENCE draft_mode.lease_tokens IS
'Fencing tokens of edit-lock leases: each acquire or take-over gets the next value';

-- What every store operation returns.
CREATE TYPE draft_mode.change AS (
    tenant pg_catalog.text,
    section pg_catalog.text,
    version pg_catalog.int8,
    kind pg_catalog.text,
    changed pg_catalog.bool,
    has_draft pg_catalog.bool,
    published_version pg_catalog.int8,
    -- patch_draft(rebase => true) applied the patch on top of changes made
    -- since its expected_version.
    rebased pg_catalog.bool,
    -- What the validator warned of when a create or publish went live.
    warnings pg_catalog.text[]
);

COMMENT ON TYPE draft_mode.change IS
'Result of a store operation: the section''s version after it (use it as the next expected_version), what was done, and whether anything changed';

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

------------------------------------------------------------------------------
-- Trusted session state: tenant and actor.
--
-- A JWT's claims, which PostgREST verifies and sets in request.jwt.claims for
-- each request, win over the draft_mode.tenant and draft_mode.actor
-- settings, which an application's connection layer sets with SET LOCAL in
-- each transaction. Neither is ever a function argument.
--
-- An administrator may bind a role to a tenant. A bound role always works
-- for its tenant: session state naming another tenant is refused (42501),
-- and its changes are recorded under its role name. The superuser-only
-- setting draft_mode.tenant_from_session = off (per role, database or
-- server) stops roles without a binding from taking a tenant from session
-- state at all. Administrators work across tenants whatever the binding.
------------------------------------------------------------------------------

-- The calling role: the session's role (login or SET ROLE), also inside a
-- SECURITY DEFINER function, where current_user is the function's owner.
CREATE FUNCTION draft_mode.caller()
RETURNS pg_catalog.name
AS 'MODULE_PATHNAME', 'draft_mode_caller'
LANGUAGE C STABLE PARALLEL SAFE;

-- The claims of the request's JWT, or NULL outside PostgREST.
CREATE FUNCTION draft_mode.jwt_claims()
RETURNS pg_catalog.jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb
$$;

-- The tenants bound to the session's login role and to its current role
-- (after SET ROLE): both count, so SET ROLE cannot shed a binding.
CREATE FUNCTION draft_mode.bound_tenants()
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

-- True when this session takes its tenant and actor from a binding only:
-- it has one, or draft_mode.tenant_from_session is off.
CREATE FUNCTION draft_mode.tenant_is_bound()
RETURNS pg_catalog.bool
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT draft_mode.setting('draft_mode.tenant_from_session') = 'off'
           OR draft_mode.bound_tenants() IS NOT NULL
$$;

-- The tenant this session works for: its binding; else (unless
-- draft_mode.tenant_from_session is off) the JWT's "tenant" claim, else
-- draft_mode.tenant; NULL when none applies. Session state naming another
-- tenant than the binding raises 42501.
CREATE FUNCTION draft_mode.current_tenant()
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    from_session bool := draft_mode.setting('draft_mode.tenant_from_session') = 'on';
    bound text[] := draft_mode.bound_tenants();
    claimed text := coalesce(draft_mode.jwt_claims() ->> 'tenant',
                             nullif(pg_catalog.current_setting('draft_mode.tenant', true), ''));
BEGIN
    IF bound IS NULL THEN
        RETURN CASE WHEN from_session THEN claimed END;
    END IF;
    IF pg_catalog.cardinality(bound) > 1 THEN
        RAISE EXCEPTION 'this session''s roles are bound to different tenants'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.jsonb_build_object('reason', 'tenant_binding_conflict',
                                                         'bound_tenants', bound)::text,
                  HINT = 'Log in as, or SET ROLE to, roles bound to one tenant (draft_mode.tenant_bindings).';
    END IF;
    IF claimed IS NOT NULL AND claimed IS DISTINCT FROM bound[1] THEN
        RAISE EXCEPTION 'this session''s role is bound to tenant "%", but its session state names tenant "%"',
                        bound[1], claimed
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.jsonb_build_object('reason', 'tenant_binding_mismatch',
                                                         'bound_tenant', bound[1])::text,
                  HINT = 'Leave draft_mode.tenant and the JWT''s tenant claim unset (or equal to the binding); an administrator changes bindings with draft_mode.bind_tenant().';
    END IF;
    RETURN bound[1];
END
$$;

-- The actor recorded on history rows: for a bound session the calling role;
-- else the JWT's "sub" claim, else draft_mode.actor, else the calling role.
CREATE FUNCTION draft_mode.current_actor()
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN draft_mode.tenant_is_bound() THEN draft_mode.caller()::pg_catalog.text
                ELSE coalesce(draft_mode.jwt_claims() ->> 'sub',
                              nullif(pg_catalog.current_setting('draft_mode.actor', true), ''),
                              draft_mode.caller()::pg_catalog.text) END
$$;

-- True when the calling role may work across tenants: members of
-- draft_mode_admin (and superusers).
CREATE FUNCTION draft_mode.is_admin()
RETURNS pg_catalog.bool
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_has_role(draft_mode.caller(), 'draft_mode_admin', 'MEMBER')
$$;

-- True when the calling role may see drafts (editors and administrators).
CREATE FUNCTION draft_mode.is_editor()
RETURNS pg_catalog.bool
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.pg_has_role(draft_mode.caller(), 'draft_mode_editor', 'MEMBER')
$$;

-- Raises 42501 unless this session may act on tenant: its own tenant, or
-- any tenant for an administrator. The refusal is the same whether or not
-- the other tenant or its objects exist.
CREATE FUNCTION draft_mode.check_tenant(tenant pg_catalog.text)
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

-- Binds role to tenant (replacing its binding).
CREATE FUNCTION draft_mode.bind_tenant(role pg_catalog.regrole, tenant pg_catalog.text)
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

-- Removes role's binding; true when it had one.
CREATE FUNCTION draft_mode.unbind_tenant(role pg_catalog.regrole)
RETURNS pg_catalog.bool
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH removed AS (
        DELETE FROM draft_mode.tenant_bindings AS b WHERE b.role = unbind_tenant.role RETURNING 1)
    SELECT pg_catalog.count(*) > 0 FROM removed
$$;

------------------------------------------------------------------------------
-- Store operations.
--
-- Every write takes expected_version (compare-and-swap), lease_token
-- (required while the section is leased, refused when it is not the current
-- lease) and idempotency_key; they run as SECURITY DEFINER with a fixed
-- search_path and check the session's tenant themselves (check_tenant).
------------------------------------------------------------------------------

-- Creates a section; content becomes published version 1.
CREATE FUNCTION draft_mode.create_section(tenant pg_catalog.text, section pg_catalog.text,
                                          content pg_catalog.jsonb,
                                          section_type pg_catalog.text DEFAULT NULL,
                                          idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_create_section'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Raises DM101, the section does not exist, for the functions below that
-- find it missing: its message, DETAIL and hint are written once, in the
-- library (store/section_row.cpp), for them and for the store.
CREATE FUNCTION draft_mode.raise_section_not_found(tenant pg_catalog.text, section pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'draft_mode_raise_section_not_found'
LANGUAGE C VOLATILE;

-- Reads a section: mode 'draft' gives the draft, or the published content
-- when there is no draft; mode 'published' what customers see. It also
-- tells when the draft expires. Viewers (not editors) learn nothing of
-- drafts: version is the published version, has_draft is NULL, and they get
-- neither updated_at nor updated_by (who edits drafts and when) nor the
-- draft's expiry; a published read of a section that was never published,
-- and any read of an abandoned one, is DM101.
CREATE FUNCTION draft_mode.get_section(tenant pg_catalog.text, section pg_catalog.text,
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

-- Published content only: what customers see.
CREATE VIEW draft_mode.published_sections WITH (security_invoker = true) AS
SELECT tenant, section, section_type, published_content AS content, published_version,
       published_at
  FROM draft_mode.sections
 WHERE published_version IS NOT NULL;

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
CREATE FUNCTION draft_mode.publish_many(tenant pg_catalog.text,
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
    names text[];
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF idempotency_key IS NOT NULL THEN
        outcome := draft_mode.claim_idempotency_key(tenant, idempotency_key, 'publish_tenant', '');
        IF outcome IS NOT NULL THEN
            RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::draft_mode.change, outcome);
            RETURN;
        END IF;
    END IF;
    -- Citus: the names first, in a statement of their own; in one statement
    -- Citus would send publish_many to the worker holding the tenant.
    names := ARRAY(SELECT s.section FROM draft_mode.sections AS s
                    WHERE s.tenant = publish_tenant.tenant AND s.draft_content IS NOT NULL
                    ORDER BY s.section);
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(published) ORDER BY published.section), '[]')
      INTO outcome
      FROM draft_mode.publish_many(tenant, names) AS published;
    IF idempotency_key IS NOT NULL THEN
        PERFORM draft_mode.store_idempotent_result(tenant, idempotency_key, outcome);
    END IF;
    RETURN QUERY SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::draft_mode.change, outcome);
END
$$;

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

-- Claims key for a call of operation with request (the call's arguments as
-- text). Returns NULL when the call should run: the key is new (or its
-- earlier use expired) and is now this transaction's. Returns the stored
-- result when the same request already ran with this key. Raises DM203 when
-- the key was used for a different request, 22023 for a key of the wrong
-- length.
CREATE FUNCTION draft_mode.claim_idempotency_key(tenant pg_catalog.text,
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
-- History.
------------------------------------------------------------------------------

-- The section's changes, newest first: max_rows rows older than
-- before_version. (Until 0.3.0 max_rows was called "limit", a reserved word.)
CREATE FUNCTION draft_mode.history(tenant pg_catalog.text, section pg_catalog.text,
                                   max_rows pg_catalog.int4 DEFAULT 50,
                                   before_version pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE (version pg_catalog.int8, kind pg_catalog.text, actor pg_catalog.text,
               created_at pg_catalog.timestamptz, forward_patch pg_catalog.jsonb,
               inverse_patch pg_catalog.jsonb, has_snapshot pg_catalog.bool,
               detail pg_catalog.jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM draft_mode.check_tenant(history.tenant);
    IF max_rows IS NULL OR max_rows < 0 THEN
        RAISE EXCEPTION 'argument "max_rows" must be zero or more'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"max_rows","minimum":0}',
                  HINT = 'Pass how many rows to return, for example max_rows => 50.';
    END IF;
    RETURN QUERY
        SELECT h.version, h.kind, h.actor, h.created_at, h.forward_patch, h.inverse_patch,
               h.snapshot IS NOT NULL, h.detail
          FROM draft_mode.history AS h
         WHERE h.tenant = history.tenant AND h.section = history.section
           AND (history.before_version IS NULL OR h.version < history.before_version)
         ORDER BY h.version DESC
         LIMIT history.max_rows;
END
$$;

-- The section's working content (draft, else published) at a version.
CREATE FUNCTION draft_mode.content_at(tenant pg_catalog.text, section pg_catalog.text,
                                      version pg_catalog.int8)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_content_at'
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------
-- Edit-lock leases.
--
-- A lease lives in its section's row (see sections). All times are the
-- database's clock (clock_timestamp()). renew_lease and release_lease also
-- take (tenant, section), so a stale token gets the same answer as a write
-- presenting it; the forms taking a token alone find it only among the
-- session's tenant's sections.
------------------------------------------------------------------------------

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

-- renew_lease for a section: the token must be its current lease.
CREATE FUNCTION draft_mode.renew_lease(tenant pg_catalog.text, section pg_catalog.text,
                                       token pg_catalog.int8,
                                       ttl pg_catalog.interval DEFAULT NULL)
RETURNS draft_mode.lease
AS 'MODULE_PATHNAME', 'draft_mode_renew_section_lease'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- release_lease for a section: false when token is not its current lease.
CREATE FUNCTION draft_mode.release_lease(tenant pg_catalog.text, section pg_catalog.text,
                                         token pg_catalog.int8)
RETURNS pg_catalog.bool
AS 'MODULE_PATHNAME', 'draft_mode_release_section_lease'
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

-- Every current lease: who is editing what.
CREATE VIEW draft_mode.leases WITH (security_invoker = true) AS
SELECT tenant, section, lease_holder AS holder, lease_acquired_at AS acquired_at,
       lease_expires_at AS expires_at
  FROM draft_mode.sections
 WHERE lease_expires_at > pg_catalog.clock_timestamp();

------------------------------------------------------------------------------
-- Validators.
--
-- A validator is a function (content jsonb) returning text[] (errors) or
-- jsonb ({"errors": [...], "warnings": [...]}); warnings never block a
-- publish, which reports them (change.warnings). Validators run as their
-- owner, in a security-restricted operation whose setting changes are undone
-- when it returns (call_validator). So a validator can neither act with its
-- caller's rights nor change the search_path (or any other setting) of the
-- store function that called it. Registering one needs the privileges of its
-- owner.
------------------------------------------------------------------------------

-- Calls a validator by OID (never resolved by name), with EXECUTE checked.
CREATE FUNCTION draft_mode.call_validator(validator pg_catalog.regprocedure,
                                          content pg_catalog.jsonb)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'draft_mode_call_validator'
LANGUAGE C STABLE STRICT;

-- The same for a validator returning jsonb.
CREATE FUNCTION draft_mode.call_validator_jsonb(validator pg_catalog.regprocedure,
                                                content pg_catalog.jsonb)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_call_validator_jsonb'
LANGUAGE C STABLE STRICT;

-- The name a validator is stored under: its signature, schema-qualified
-- unless it lives in pg_catalog (NULL for an OID that names no function).
CREATE FUNCTION draft_mode.validator_name(validator pg_catalog.regprocedure)
RETURNS pg_catalog.text
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT validator::pg_catalog.text FROM pg_catalog.pg_proc AS p WHERE p.oid = validator
$$;

-- The section type's validator's verdict on content, as {"errors": [...],
-- "warnings": [...]} (both empty without a validator). It runs as the
-- extension's owner so that it may call call_validator(_jsonb), which
-- nobody else may call: they would run any function with a validator's
-- signature as that function's owner.
CREATE FUNCTION draft_mode.validation_result(section_type pg_catalog.text,
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

-- The errors the section type's validator reports for content ('{}' when
-- the type has no validator).
CREATE FUNCTION draft_mode.validation_errors(section_type pg_catalog.text,
                                             content pg_catalog.jsonb)
RETURNS pg_catalog.text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(SELECT pg_catalog.jsonb_array_elements_text(
                            draft_mode.validation_result(section_type, content) -> 'errors'))
$$;

-- Registers the validator of a section type (replacing its validator).
CREATE FUNCTION draft_mode.set_validator(section_type pg_catalog.text,
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

-- Removes a section type's validator; true when there was one. (PL/pgSQL:
-- Citus plans its statements with the arguments bound, which it cannot do
-- inside a SQL-language function.)
CREATE FUNCTION draft_mode.remove_validator(section_type pg_catalog.text)
RETURNS pg_catalog.bool
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM draft_mode.validators AS v WHERE v.section_type = remove_validator.section_type;
    RETURN FOUND;
END
$$;

CREATE FUNCTION draft_mode.validate(tenant pg_catalog.text, section pg_catalog.text,
                                    OUT errors pg_catalog.text[], OUT warnings pg_catalog.text[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(SELECT pg_catalog.jsonb_array_elements_text(r -> 'errors')),
           ARRAY(SELECT pg_catalog.jsonb_array_elements_text(r -> 'warnings'))
      FROM draft_mode.get_section(tenant, section) AS g,
           draft_mode.validation_result(g.section_type, g.content) AS r
$$;

------------------------------------------------------------------------------
-- Draft-first sections and draft lifetimes.
--
-- create_draft makes a section that has a draft and no published version:
-- invisible to published reads and to viewers, not validated until its
-- first publish. Discarding or expiring its draft before that abandons it:
-- reads and edits no longer see it; history keeps it until retention;
-- restore(version) or creating it again brings it back.
--
-- A draft's lifetime is the smallest of its own ttl (create_draft), its
-- section type's (set_draft_ttl) and draft_mode.draft_ttl, counted from its
-- last edit.
------------------------------------------------------------------------------

-- Creates a section with a draft only; it goes live at its first publish.
CREATE FUNCTION draft_mode.create_draft(tenant pg_catalog.text, section pg_catalog.text,
                                        content pg_catalog.jsonb,
                                        section_type pg_catalog.text DEFAULT NULL,
                                        ttl pg_catalog.interval DEFAULT NULL,
                                        idempotency_key pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_create_draft'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

-- Sets (or, with ttl NULL, removes) the draft lifetime of a section type.
-- (PL/pgSQL: Citus plans its statements with the arguments bound, which it
-- cannot do inside a SQL-language function.)
CREATE FUNCTION draft_mode.set_draft_ttl(section_type pg_catalog.text,
                                                    ttl pg_catalog.interval)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF ttl IS NULL THEN
        DELETE FROM draft_mode.draft_ttls AS t WHERE t.section_type = set_draft_ttl.section_type;
    ELSE
        INSERT INTO draft_mode.draft_ttls AS t (section_type, ttl)
        VALUES (set_draft_ttl.section_type, set_draft_ttl.ttl)
        ON CONFLICT ON CONSTRAINT draft_ttls_pkey DO UPDATE SET ttl = excluded.ttl;
    END IF;
END
$$;

-- Drops an expired draft (a discard recorded as kind "expire").
CREATE FUNCTION draft_mode.expire_draft(tenant pg_catalog.text, section pg_catalog.text,
                                        expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_expire_draft'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------
-- The change feed.
--
-- Every committed change of a tenant gets the next position in the tenant's
-- feed when its transaction commits (a deferred constraint trigger on
-- change_queue, where the store adds one row per change, which holds the
-- tenant's counter row only from then until the commit): positions follow
-- commit order, so a reader that passes the cursor of the last change it saw
-- never skips a change whose transaction was still open when it read. The
-- notification on channel draft_mode is sent from the same trigger and
-- carries the cursor: it is a doorbell; changes() is the truth.
------------------------------------------------------------------------------

-- A cursor is opaque to clients: 'c' and the position.
CREATE FUNCTION draft_mode.feed_cursor(at pg_catalog.int8)
RETURNS pg_catalog.text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'c' || at::pg_catalog.text
$$;

-- The position a cursor stands for (0 for NULL: the feed's start); 22023
-- for text that is no cursor.
CREATE FUNCTION draft_mode.feed_position(cursor pg_catalog.text)
RETURNS pg_catalog.int8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cursor IS NULL THEN
        RETURN 0;
    END IF;
    IF cursor !~ '^c[0-9]{1,18}$' THEN
        RAISE EXCEPTION 'invalid change feed cursor "%"', pg_catalog.left(cursor, 100)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"after","reason":"invalid_cursor"}',
                  HINT = 'Pass a cursor that changes(), feed_end() or consumer_cursor() returned, or NULL for the start.';
    END IF;
    RETURN pg_catalog.substr(cursor, 2)::pg_catalog.int8;
END
$$;

-- The deferred trigger: the change's feed position, and its notification.
CREATE FUNCTION draft_mode.record_change()
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

CREATE CONSTRAINT TRIGGER record_change AFTER INSERT ON draft_mode.change_queue
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION draft_mode.record_change();

-- The tenant's committed changes after cursor (NULL: from the start of what
-- retention kept), in feed order: each once, a section's in version order.
CREATE FUNCTION draft_mode.changes(tenant pg_catalog.text, after pg_catalog.text DEFAULT NULL,
                                   max_rows pg_catalog.int4 DEFAULT 100)
RETURNS TABLE (cursor pg_catalog.text, section pg_catalog.text, version pg_catalog.int8,
               kind pg_catalog.text, actor pg_catalog.text,
               created_at pg_catalog.timestamptz, patch pg_catalog.jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    after_position int8;
    feed_state record;
BEGIN
    PERFORM draft_mode.check_tenant(changes.tenant);
    after_position := draft_mode.feed_position(after);
    IF max_rows IS NULL OR max_rows NOT BETWEEN 0 AND 10000 THEN
        RAISE EXCEPTION 'argument "max_rows" must be between 0 and 10000'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"max_rows","minimum":0,"maximum":10000}',
                  HINT = 'Read the feed in pages: pass the last cursor as after.';
    END IF;
    SELECT c.position, c.pruned_through INTO feed_state
      FROM draft_mode.feed_counters AS c WHERE c.tenant = changes.tenant;
    IF after_position > coalesce(feed_state.position, 0) THEN
        RAISE EXCEPTION 'change feed cursor "%" is past the end of tenant "%"''s feed', after, changes.tenant
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('argument', 'after', 'reason', 'cursor_ahead',
                               'end', draft_mode.feed_cursor(coalesce(feed_state.position, 0)))::text,
                  HINT = 'Pass a cursor this tenant''s feed returned.';
    END IF;
    IF after IS NOT NULL AND after_position < feed_state.pruned_through THEN
        RAISE EXCEPTION 'change feed cursor "%" is older than what retention kept', after
            USING ERRCODE = 'DM401',
                  DETAIL = pg_catalog.jsonb_build_object('reason', 'cursor_expired',
                               'oldest_cursor', draft_mode.feed_cursor(feed_state.pruned_through),
                               'end', draft_mode.feed_cursor(feed_state.position))::text,
                  HINT = 'Changes after this cursor are gone: re-read the sections (get_section), then follow the feed from its current end (feed_end()).';
    END IF;
    RETURN QUERY
        SELECT draft_mode.feed_cursor(f.position), f.section, f.version, h.kind, h.actor,
               h.created_at, h.forward_patch
          FROM draft_mode.feed AS f
          JOIN draft_mode.history AS h
            ON h.tenant = f.tenant AND h.section = f.section AND h.version = f.version
         WHERE f.tenant = changes.tenant AND f.position > after_position
         ORDER BY f.position
         LIMIT max_rows;
END
$$;

-- The cursor of the tenant's newest committed change: where a consumer that
-- has just read every section starts.
CREATE FUNCTION draft_mode.feed_end(tenant pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM draft_mode.check_tenant(feed_end.tenant);
    RETURN draft_mode.feed_cursor(coalesce(
        (SELECT c.position FROM draft_mode.feed_counters AS c WHERE c.tenant = feed_end.tenant), 0));
END
$$;

-- Where consumer (a named worker of the tenant) is in the feed, NULL at
-- the start. Locks the consumer's row for this transaction (a second worker
-- of the same name waits): read changes() after it, do their work, and
-- advance_consumer() in the same transaction.
CREATE FUNCTION draft_mode.consumer_cursor(tenant pg_catalog.text, consumer pg_catalog.text)
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

-- Records that consumer has done the work of every change up to cursor;
-- 22023 if that would move it back.
CREATE FUNCTION draft_mode.advance_consumer(tenant pg_catalog.text, consumer pg_catalog.text,
                                            cursor pg_catalog.text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target int8;
    at int8;
BEGIN
    PERFORM draft_mode.check_tenant(advance_consumer.tenant);
    target := draft_mode.feed_position(cursor);
    at := pg_catalog.substr(coalesce(draft_mode.consumer_cursor(advance_consumer.tenant,
                                                                advance_consumer.consumer), 'c0'), 2)::int8;
    IF target > coalesce((SELECT c.position FROM draft_mode.feed_counters AS c
                           WHERE c.tenant = advance_consumer.tenant), 0) THEN
        RAISE EXCEPTION 'change feed cursor "%" is past the end of tenant "%"''s feed', cursor, tenant
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"cursor","reason":"cursor_ahead"}',
                  HINT = 'Advance a consumer to the last cursor changes() returned.';
    END IF;
    IF target < at THEN
        RAISE EXCEPTION 'consumer "%" is already past cursor "%"', consumer, cursor
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.jsonb_build_object('argument', 'cursor', 'reason', 'cursor_behind',
                                                         'consumer_cursor', draft_mode.feed_cursor(at))::text,
                  HINT = 'Advance a consumer only to a cursor after its own.';
    END IF;
    UPDATE draft_mode.feed_consumers AS c SET position = target, updated_at = pg_catalog.now()
     WHERE c.tenant = advance_consumer.tenant AND c.consumer = advance_consumer.consumer;
END
$$;

------------------------------------------------------------------------------
-- Retention and maintenance.
--
-- run_maintenance runs one procedure per phase. A phase locks each row it
-- works on and re-checks it (an editor may have changed it since the phase
-- looked), skips what changed, and isolates failures per section: a section
-- that fails is reported in the summary's "failures" and the run goes on.
------------------------------------------------------------------------------

-- Every day's activity: what daily_stats keeps of removed history, plus
-- what history still holds. Each change counts exactly once.
CREATE VIEW draft_mode.daily_activity WITH (security_invoker = true) AS
SELECT tenant, day, sum(changes)::int8 AS changes, sum(edits)::int8 AS edits,
       sum(publishes)::int8 AS publishes, sum(discards)::int8 AS discards,
       sum(expirations)::int8 AS expirations, sum(undos)::int8 AS undos
  FROM (SELECT tenant, day, changes, edits, publishes, discards, expirations, undos
          FROM draft_mode.daily_stats
        UNION ALL
        SELECT tenant, (created_at AT TIME ZONE 'UTC')::date, 1,
               (kind IN ('save', 'patch', 'merge', 'restore'))::int,
               (kind = 'publish')::int, (kind = 'discard')::int, (kind = 'expire')::int,
               (kind IN ('undo', 'redo'))::int
          FROM draft_mode.history) AS activity
 GROUP BY tenant, day;

-- Sections whose draft has sat unedited past its lifetime: the smallest of
-- its own ttl, its type's and draft_mode.draft_ttl (LEAST ignores the
-- NULLs). A leased draft is being edited, so it does not expire.
CREATE VIEW draft_mode.expired_drafts WITH (security_invoker = true) AS
SELECT s.tenant, s.section, s.version, s.draft_updated_at,
       LEAST(s.draft_ttl, t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval) AS ttl
  FROM draft_mode.sections AS s
  LEFT JOIN draft_mode.draft_ttls AS t ON t.section_type = s.section_type
 WHERE s.draft_content IS NOT NULL
   AND s.draft_updated_at
       + LEAST(s.draft_ttl, t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval)
       < pg_catalog.now()
   AND NOT coalesce(s.lease_expires_at > pg_catalog.clock_timestamp(), false);

-- Per section with history to remove, the oldest version retention keeps
-- (keep_from): it keeps the newest draft_mode.history_keep_versions
-- versions, every change newer than draft_mode.history_retention, the
-- published version, the versions on the undo and redo stacks, and the
-- snapshot (and the patches after it) that the oldest kept version is
-- rebuilt from; it removes every older version. keep_from never moves back:
-- versions, the published version and the stacks' oldest entry only grow,
-- so a keep_from read at any time stays safe afterwards.
CREATE VIEW draft_mode.history_cutoffs WITH (security_invoker = true) AS
WITH floors AS (
    SELECT s.tenant, s.section,
           LEAST(s.version - draft_mode.setting('draft_mode.history_keep_versions')::int8 + 1,
                 s.published_version,
                 (SELECT pg_catalog.min(v) FROM pg_catalog.unnest(s.undo_versions || s.redo_versions) AS v),
                 (SELECT pg_catalog.min(h.version) FROM draft_mode.history AS h
                   WHERE h.tenant = s.tenant AND h.section = s.section
                     AND h.created_at > pg_catalog.now()
                         - draft_mode.setting('draft_mode.history_retention')::pg_catalog.interval))
               AS oldest_kept
      FROM draft_mode.sections AS s
), cutoffs AS (
    SELECT f.tenant, f.section,
           (SELECT pg_catalog.max(h.version) FROM draft_mode.history AS h
             WHERE h.tenant = f.tenant AND h.section = f.section
               AND h.snapshot IS NOT NULL AND h.version <= f.oldest_kept) AS keep_from
      FROM floors AS f
)
SELECT c.tenant, c.section, c.keep_from
  FROM cutoffs AS c
 WHERE EXISTS (SELECT FROM draft_mode.history AS h
                WHERE h.tenant = c.tenant AND h.section = c.section AND h.version < c.keep_from);

-- The history rows retention may remove now.
CREATE VIEW draft_mode.prunable_history WITH (security_invoker = true) AS
SELECT h.tenant, h.section, h.version, h.kind, h.created_at
  FROM draft_mode.history_cutoffs AS c
  JOIN draft_mode.history AS h
    ON h.tenant = c.tenant AND h.section = c.section AND h.version < c.keep_from;

-- Idempotency keys past draft_mode.idempotency_key_ttl.
CREATE VIEW draft_mode.expired_idempotency_keys WITH (security_invoker = true) AS
SELECT k.tenant, k.key, k.operation, k.created_at
  FROM draft_mode.idempotency_keys AS k
 WHERE k.created_at
       < pg_catalog.now() - draft_mode.setting('draft_mode.idempotency_key_ttl')::pg_catalog.interval;

-- Refuses (2D000) inside a transaction block: maintenance commits.
CREATE FUNCTION draft_mode.require_no_transaction_block(operation pg_catalog.text)
RETURNS void
AS 'MODULE_PATHNAME', 'draft_mode_require_no_transaction_block'
LANGUAGE C VOLATILE STRICT;

-- A failure of one section in a phase, as the summary lists it.
CREATE FUNCTION draft_mode.maintenance_failure(phase pg_catalog.text, tenant pg_catalog.text,
                                               section pg_catalog.text, state pg_catalog.text,
                                               message pg_catalog.text)
RETURNS pg_catalog.jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.jsonb_build_object('phase', phase, 'tenant', tenant, 'section', section,
                                         'sqlstate', state,
                                         'message', pg_catalog.left(message, 500))
$$;

-- Expires drafts past their lifetime, batch by batch; done counts them.
CREATE PROCEDURE draft_mode.expire_drafts(batch_rows pg_catalog.int4,
                                          batch_time pg_catalog.interval,
                                          INOUT done pg_catalog.int8 DEFAULT 0,
                                          INOUT failures pg_catalog.jsonb DEFAULT '[]',
                                          only_tenant pg_catalog.text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    default_ttl interval;
    batch_started timestamptz;
    attempted int;
    target record;
    outcome draft_mode.change;
    -- Sections tried this run that failed or had changed: not tried again.
    passed_tenants text[] := '{}';
    passed_sections text[] := '{}';
    state text;
    message text;
BEGIN
    LOOP
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        default_ttl := draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval;
        batch_started := pg_catalog.clock_timestamp();
        attempted := 0;
        -- One reference to sections, locked: a row an editor changed since
        -- this statement's snapshot is re-checked as it is now.
        FOR target IN
            SELECT s.tenant, s.section, s.version FROM draft_mode.sections AS s
              LEFT JOIN draft_mode.draft_ttls AS t ON t.section_type = s.section_type
             WHERE s.draft_content IS NOT NULL
               AND s.draft_updated_at + LEAST(s.draft_ttl, t.ttl, default_ttl) < pg_catalog.now()
               AND NOT coalesce(s.lease_expires_at > pg_catalog.clock_timestamp(), false)
               AND (only_tenant IS NULL OR s.tenant = only_tenant) -- Citus: one tenant's shard
               AND NOT EXISTS (SELECT FROM unnest(passed_tenants, passed_sections)
                                        AS passed(tenant, section)
                                WHERE passed.tenant = s.tenant AND passed.section = s.section)
             LIMIT batch_rows FOR UPDATE OF s SKIP LOCKED
        LOOP
            attempted := attempted + 1;
            BEGIN
                outcome := draft_mode.expire_draft(target.tenant, target.section, target.version);
                IF outcome.changed THEN
                    done := done + 1;
                ELSE
                    passed_tenants := passed_tenants || target.tenant;
                    passed_sections := passed_sections || target.section;
                END IF;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
                failures := failures || draft_mode.maintenance_failure('expire_drafts',
                    target.tenant, target.section, state, message);
                passed_tenants := passed_tenants || target.tenant;
                passed_sections := passed_sections || target.section;
            END;
            EXIT WHEN pg_catalog.clock_timestamp() - batch_started > batch_time;
        END LOOP;
        COMMIT;
        EXIT WHEN attempted = 0;
    END LOOP;
END
$$;

-- Prunes history below each section's cutoff (history_cutoffs, read once:
-- cutoffs never move back), moving counts into daily_stats in the same
-- transaction as the delete; done counts the rows removed.
CREATE PROCEDURE draft_mode.prune_history(batch_rows pg_catalog.int4,
                                          batch_time pg_catalog.interval,
                                          INOUT done pg_catalog.int8 DEFAULT 0,
                                          INOUT failures pg_catalog.jsonb DEFAULT '[]',
                                          only_tenant pg_catalog.text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    batch_started timestamptz;
    done_in_batch int;
    removed_rows int;
    idle_batches int := 0;
    target record;
    upper_version int8;
    lowest_version int8;
    state text;
    message text;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    CREATE TEMP TABLE IF NOT EXISTS draft_mode_prune_plan (
        tenant text, section text, keep_from int8, PRIMARY KEY (tenant, section));
    TRUNCATE pg_temp.draft_mode_prune_plan;
    INSERT INTO pg_temp.draft_mode_prune_plan SELECT * FROM draft_mode.history_cutoffs AS c
     WHERE only_tenant IS NULL OR c.tenant = only_tenant; -- Citus: one tenant's shard
    COMMIT;
    LOOP
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        EXIT WHEN NOT EXISTS (SELECT FROM pg_temp.draft_mode_prune_plan);
        batch_started := pg_catalog.clock_timestamp();
        done_in_batch := 0;
        FOR target IN
            SELECT p.tenant, p.section, p.keep_from
              FROM pg_temp.draft_mode_prune_plan AS p
              JOIN draft_mode.sections AS s USING (tenant, section)
             WHERE only_tenant IS NULL OR s.tenant = only_tenant -- Citus: one tenant's shard
             ORDER BY p.tenant, p.section
             LIMIT batch_rows FOR UPDATE OF s SKIP LOCKED
        LOOP
            BEGIN
                -- At most the rest of this batch's rows: versions are
                -- contiguous, so a range from the oldest one bounds the count.
                SELECT LEAST(target.keep_from, pg_catalog.min(h.version) + batch_rows - done_in_batch),
                       pg_catalog.min(h.version)
                  INTO upper_version, lowest_version FROM draft_mode.history AS h
                 WHERE h.tenant = target.tenant AND h.section = target.section;
                -- A section left half done must start at a snapshot, or its
                -- oldest versions could not be rebuilt: cut at the newest
                -- snapshot within the budget, else at the next one (keep_from
                -- is a snapshot).
                IF upper_version < target.keep_from THEN
                    SELECT coalesce(
                               (SELECT pg_catalog.max(h.version) FROM draft_mode.history AS h
                                 WHERE h.tenant = target.tenant AND h.section = target.section
                                   AND h.snapshot IS NOT NULL AND h.version > lowest_version
                                   AND h.version <= upper_version),
                               (SELECT pg_catalog.min(h.version) FROM draft_mode.history AS h
                                 WHERE h.tenant = target.tenant AND h.section = target.section
                                   AND h.snapshot IS NOT NULL AND h.version > upper_version))
                      INTO upper_version;
                END IF;
                WITH removed AS (
                    DELETE FROM draft_mode.history AS h
                     WHERE h.tenant = target.tenant AND h.section = target.section
                       AND h.version < upper_version
                    RETURNING h.tenant, h.version, h.kind, (h.created_at AT TIME ZONE 'UTC')::date AS day
                ), unfed AS (
                    -- Their feed positions go too; cursors before the newest
                    -- of them are refused from now on (DM401).
                    DELETE FROM draft_mode.feed AS f USING removed AS r
                     WHERE f.tenant = r.tenant AND f.section = target.section AND f.version = r.version
                    RETURNING f.tenant, f.position
                ), marked AS (
                    UPDATE draft_mode.feed_counters AS c
                       SET pruned_through = GREATEST(c.pruned_through, u.newest)
                      FROM (SELECT un.tenant, pg_catalog.max(un.position) AS newest
                              FROM unfed AS un GROUP BY un.tenant) AS u
                     WHERE c.tenant = u.tenant
                    RETURNING c.tenant
                ), counted AS (
                    INSERT INTO draft_mode.daily_stats AS d
                           (tenant, day, changes, edits, publishes, discards, expirations, undos)
                    SELECT r.tenant, r.day, pg_catalog.count(*),
                           pg_catalog.count(*) FILTER (WHERE r.kind IN ('save', 'patch', 'merge', 'restore')),
                           pg_catalog.count(*) FILTER (WHERE r.kind = 'publish'),
                           pg_catalog.count(*) FILTER (WHERE r.kind = 'discard'),
                           pg_catalog.count(*) FILTER (WHERE r.kind = 'expire'),
                           pg_catalog.count(*) FILTER (WHERE r.kind IN ('undo', 'redo'))
                      FROM removed AS r GROUP BY r.tenant, r.day
                    ON CONFLICT ON CONSTRAINT daily_stats_pkey DO UPDATE
                       SET changes = d.changes + excluded.changes, edits = d.edits + excluded.edits,
                           publishes = d.publishes + excluded.publishes,
                           discards = d.discards + excluded.discards,
                           expirations = d.expirations + excluded.expirations,
                           undos = d.undos + excluded.undos
                    RETURNING d.changes
                )
                SELECT pg_catalog.count(*) INTO removed_rows FROM removed;
                done_in_batch := done_in_batch + removed_rows;
                IF upper_version IS NULL OR upper_version >= target.keep_from THEN
                    DELETE FROM pg_temp.draft_mode_prune_plan AS p
                     WHERE p.tenant = target.tenant AND p.section = target.section;
                END IF;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
                failures := failures || draft_mode.maintenance_failure('prune_history',
                    target.tenant, target.section, state, message);
                DELETE FROM pg_temp.draft_mode_prune_plan AS p
                 WHERE p.tenant = target.tenant AND p.section = target.section;
            END;
            EXIT WHEN done_in_batch >= batch_rows
                   OR pg_catalog.clock_timestamp() - batch_started > batch_time;
        END LOOP;
        COMMIT;
        done := done + done_in_batch;
        -- For about a second only sections editors hold locked remain: a
        -- later run picks those up.
        IF done_in_batch = 0 THEN
            idle_batches := idle_batches + 1;
            EXIT WHEN idle_batches >= 10;
            PERFORM pg_catalog.pg_sleep(0.1);
        ELSE
            idle_batches := 0;
        END IF;
    END LOOP;
END
$$;

-- Clears expired leases (their tokens are never handed out again).
CREATE PROCEDURE draft_mode.clear_expired_leases(batch_rows pg_catalog.int4,
                                                 INOUT done pg_catalog.int8 DEFAULT 0,
                                                 only_tenant pg_catalog.text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    done_in_batch int;
    -- Citus: the clock is read here, as Citus refuses volatile functions in an UPDATE.
    clock timestamptz;
BEGIN
    LOOP
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        clock := pg_catalog.clock_timestamp();
        WITH stale AS (
            SELECT s.tenant, s.section FROM draft_mode.sections AS s
             WHERE s.lease_expires_at <= clock
               AND (only_tenant IS NULL OR s.tenant = only_tenant) -- Citus: one tenant's shard
             LIMIT batch_rows FOR UPDATE SKIP LOCKED)
        UPDATE draft_mode.sections AS s
           SET lease_token = NULL, lease_holder = NULL, lease_acquired_at = NULL,
               lease_expires_at = NULL, lease_ttl = NULL
          FROM stale WHERE s.tenant = stale.tenant AND s.section = stale.section
           AND (only_tenant IS NULL OR s.tenant = only_tenant)
           AND s.lease_expires_at <= clock;
        GET DIAGNOSTICS done_in_batch = ROW_COUNT;
        COMMIT;
        done := done + done_in_batch;
        EXIT WHEN done_in_batch < batch_rows;
    END LOOP;
END
$$;

-- Removes idempotency keys past draft_mode.idempotency_key_ttl (a key being
-- claimed again is locked: skipped).
CREATE PROCEDURE draft_mode.remove_expired_keys(batch_rows pg_catalog.int4,
                                                INOUT done pg_catalog.int8 DEFAULT 0,
                                                only_tenant pg_catalog.text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    done_in_batch int;
    -- Citus: the cutoff is computed here, so the setting is this session's.
    expired_before timestamptz;
BEGIN
    LOOP
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        expired_before := pg_catalog.now()
            - draft_mode.setting('draft_mode.idempotency_key_ttl')::pg_catalog.interval;
        -- The condition is on the locked row itself, re-checked if the key
        -- was claimed again since this statement's snapshot.
        WITH stale AS (
            SELECT k.tenant, k.key FROM draft_mode.idempotency_keys AS k
             WHERE k.created_at < expired_before
               AND (only_tenant IS NULL OR k.tenant = only_tenant) -- Citus: one tenant's shard
             LIMIT batch_rows FOR UPDATE SKIP LOCKED)
        DELETE FROM draft_mode.idempotency_keys AS k
         USING stale WHERE k.tenant = stale.tenant AND k.key = stale.key
           AND (only_tenant IS NULL OR k.tenant = only_tenant);
        GET DIAGNOSTICS done_in_batch = ROW_COUNT;
        COMMIT;
        done := done + done_in_batch;
        EXIT WHEN done_in_batch < batch_rows;
    END LOOP;
END
$$;

-- Runs retention (README: "Retention and maintenance"): expires drafts,
-- prunes history (moving counts into daily_stats first), clears expired
-- leases and removes expired idempotency keys, in batches of at most
-- draft_mode.maintenance_batch_size rows and draft_mode.maintenance_batch_time,
-- committing after each, and skipping rows editors hold locked (FOR UPDATE
-- SKIP LOCKED). Refuses to delete more than draft_mode.maintenance_max_share
-- of drafts or history unless force. dry_run reports what it would do and
-- changes nothing. Returns (and logs) a summary. A procedure, so it can
-- commit: call it with CALL, outside a transaction block (pg_cron does); it
-- refuses to run inside one, always and before doing anything.
CREATE PROCEDURE draft_mode.run_maintenance(dry_run pg_catalog.bool DEFAULT false,
                                                       force pg_catalog.bool DEFAULT false,
                                                       INOUT summary pg_catalog.jsonb DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    started timestamptz := pg_catalog.clock_timestamp();
    batch_rows int;
    batch_time interval;
    max_share float8;
    expired_count int8;
    drafts_count int8;
    prunable_count int8;
    history_count int8;
    leases_count int8;
    keys_count int8;
    expired_done int8 := 0;
    pruned_done int8 := 0;
    leases_done int8 := 0;
    keys_done int8 := 0;
    failures jsonb := '[]';
    refused jsonb := '[]';
BEGIN
    PERFORM draft_mode.require_no_transaction_block('run_maintenance');
    -- A procedure that commits cannot have a SET clause: pin search_path
    -- for each transaction instead (each phase does too).
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    batch_rows := draft_mode.setting('draft_mode.maintenance_batch_size')::int;
    batch_time := draft_mode.setting('draft_mode.maintenance_batch_time')::interval;
    max_share := draft_mode.setting('draft_mode.maintenance_max_share')::float8;

    SELECT pg_catalog.count(*) INTO expired_count FROM draft_mode.expired_drafts;
    SELECT pg_catalog.count(*) INTO drafts_count FROM draft_mode.sections WHERE draft_content IS NOT NULL;
    SELECT pg_catalog.count(*) INTO prunable_count FROM draft_mode.prunable_history;
    SELECT pg_catalog.count(*) INTO history_count FROM draft_mode.history;
    SELECT pg_catalog.count(*) INTO leases_count FROM draft_mode.sections
     WHERE lease_expires_at <= pg_catalog.clock_timestamp();
    SELECT pg_catalog.count(*) INTO keys_count FROM draft_mode.expired_idempotency_keys;

    IF NOT force AND expired_count > max_share * drafts_count THEN
        refused := refused || pg_catalog.jsonb_build_object('kind', 'expired_drafts',
                                                            'rows', expired_count, 'of', drafts_count);
        RAISE WARNING 'draft_mode maintenance: % of % drafts have expired, more than draft_mode.maintenance_max_share (%); not expiring them',
                      expired_count, drafts_count, max_share
            USING HINT = 'Check draft_mode.draft_ttl; if this is right, CALL draft_mode.run_maintenance(force => true).';
        expired_count := 0;
    END IF;
    IF NOT force AND prunable_count > max_share * history_count THEN
        refused := refused || pg_catalog.jsonb_build_object('kind', 'history',
                                                            'rows', prunable_count, 'of', history_count);
        RAISE WARNING 'draft_mode maintenance: % of % history rows are past retention, more than draft_mode.maintenance_max_share (%); not pruning history',
                      prunable_count, history_count, max_share
            USING HINT = 'Check draft_mode.history_keep_versions and draft_mode.history_retention; if this is right, CALL draft_mode.run_maintenance(force => true).';
        prunable_count := 0;
    END IF;

    IF NOT dry_run AND draft_mode.is_distributed() THEN
        -- Citus: each phase once per tenant that has work, on its shards.
        CALL draft_mode.maintain_each_tenant(batch_rows, batch_time, expired_count > 0,
                                             prunable_count > 0, leases_count > 0, keys_count > 0,
                                             expired_done, pruned_done, leases_done, keys_done,
                                             failures);
    ELSIF NOT dry_run THEN
        IF expired_count > 0 THEN
            CALL draft_mode.expire_drafts(batch_rows, batch_time, expired_done, failures);
        END IF;
        IF prunable_count > 0 THEN
            CALL draft_mode.prune_history(batch_rows, batch_time, pruned_done, failures);
        END IF;
        -- Leases and keys are not history: the safety cap does not apply.
        IF leases_count > 0 THEN
            CALL draft_mode.clear_expired_leases(batch_rows, leases_done);
        END IF;
        IF keys_count > 0 THEN
            CALL draft_mode.remove_expired_keys(batch_rows, keys_done);
        END IF;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    END IF;

    summary := pg_catalog.jsonb_build_object(
        'dry_run', dry_run,
        'expired_drafts', CASE WHEN dry_run THEN expired_count ELSE expired_done END,
        'history_rows', CASE WHEN dry_run THEN prunable_count ELSE pruned_done END,
        'expired_leases', CASE WHEN dry_run THEN leases_count ELSE leases_done END,
        'idempotency_keys', CASE WHEN dry_run THEN keys_count ELSE keys_done END,
        'refused', refused,
        'failures', failures,
        'seconds', pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - started)::numeric, 3));
    IF pg_catalog.jsonb_array_length(failures) > 0 THEN
        RAISE WARNING 'draft_mode maintenance: % sections failed and were left as they are',
                      pg_catalog.jsonb_array_length(failures)
            USING DETAIL = failures::text,
                  HINT = 'The summary''s "failures" lists each section''s error; the rest of the run went on.';
    END IF;
    RAISE LOG 'draft_mode maintenance: %', summary;
END
$$;

-- Registers run_maintenance as a pg_cron job named draft_mode_maintenance in
-- this database; returns the job id. pg_cron stays optional: without it,
-- this raises DM301 saying how to install it or schedule another way.
CREATE FUNCTION draft_mode.schedule_maintenance(schedule pg_catalog.text DEFAULT '*/10 * * * *')
RETURNS pg_catalog.int8
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job int8;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'DM301',
                  DETAIL = jsonb_build_object('reason', 'pg_cron_missing',
                                              'database', current_database())::text,
                  HINT = format('Install pg_cron (shared_preload_libraries = ''pg_cron'', cron.database_name = %L, then CREATE EXTENSION pg_cron), schedule from the pg_cron database with SELECT cron.schedule_in_database(''draft_mode_maintenance'', %L, ''CALL draft_mode.run_maintenance()'', %L), or run CALL draft_mode.run_maintenance() from another scheduler.',
                                current_database(), schedule, current_database());
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
      USING 'draft_mode_maintenance', schedule, 'CALL draft_mode.run_maintenance()';
    RETURN job;
END
$$;

-- Removes the draft_mode_maintenance job; false when there was none.
CREATE FUNCTION draft_mode.unschedule_maintenance()
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

------------------------------------------------------------------------------
-- Citus
--
-- draft_mode.distribute() spreads the tables over a Citus cluster by tenant
-- (README: "Scaling out with Citus"). What it needs of the schema, harmless
-- on one node: unique indexes that include the tenant, no volatile function
-- inside ON CONFLICT's WHERE, and no SQL-language function with parameters
-- over a distributed or reference table (Citus cannot plan those).
------------------------------------------------------------------------------

-- True when draft_mode's tables are distributed by Citus (distribute() ran).
CREATE FUNCTION draft_mode.is_distributed()
RETURNS pg_catalog.bool
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT FROM pg_catalog.pg_dist_partition
                    WHERE logicalrelid = 'draft_mode.sections'::pg_catalog.regclass);
END
$$;

-- run_maintenance's phases on a distributed install: Citus locks rows
-- (FOR UPDATE SKIP LOCKED) only in statements on one shard, so each phase
-- runs once per tenant that has work, restricted to that tenant.
CREATE PROCEDURE draft_mode.maintain_each_tenant(batch_rows pg_catalog.int4,
                                                 batch_time pg_catalog.interval,
                                                 expire pg_catalog.bool, prune pg_catalog.bool,
                                                 leases pg_catalog.bool, keys pg_catalog.bool,
                                                 INOUT expired_done pg_catalog.int8,
                                                 INOUT pruned_done pg_catalog.int8,
                                                 INOUT leases_done pg_catalog.int8,
                                                 INOUT keys_done pg_catalog.int8,
                                                 INOUT failures pg_catalog.jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
    tenants text[];
    each_tenant text;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF expire THEN
        tenants := ARRAY(SELECT DISTINCT e.tenant FROM draft_mode.expired_drafts AS e ORDER BY 1);
        FOREACH each_tenant IN ARRAY tenants LOOP
            CALL draft_mode.expire_drafts(batch_rows, batch_time, expired_done, failures, each_tenant);
        END LOOP;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF prune THEN
        tenants := ARRAY(SELECT DISTINCT c.tenant FROM draft_mode.history_cutoffs AS c ORDER BY 1);
        FOREACH each_tenant IN ARRAY tenants LOOP
            CALL draft_mode.prune_history(batch_rows, batch_time, pruned_done, failures, each_tenant);
        END LOOP;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF leases THEN
        tenants := ARRAY(SELECT DISTINCT s.tenant FROM draft_mode.sections AS s
                          WHERE s.lease_expires_at <= pg_catalog.clock_timestamp() ORDER BY 1);
        FOREACH each_tenant IN ARRAY tenants LOOP
            CALL draft_mode.clear_expired_leases(batch_rows, leases_done, each_tenant);
        END LOOP;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    IF keys THEN
        tenants := ARRAY(SELECT DISTINCT k.tenant FROM draft_mode.expired_idempotency_keys AS k ORDER BY 1);
        FOREACH each_tenant IN ARRAY tenants LOOP
            CALL draft_mode.remove_expired_keys(batch_rows, keys_done, each_tenant);
        END LOOP;
    END IF;
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
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

-- Distributes draft_mode over a Citus cluster; run once on the coordinator
-- after CREATE EXTENSION citus, adding the workers and CREATE EXTENSION
-- draft_mode; running it again changes nothing. The tenant tables are
-- distributed by tenant and co-located (sections first: history's foreign
-- key needs it), the global tables become reference tables, and direct
-- reads of tenant rows are left to administrators. The store functions are
-- not delegated to workers: they run on the coordinator, where the
-- session's tenant and actor are (README: "Scaling out with Citus").
CREATE FUNCTION draft_mode.distribute()
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

------------------------------------------------------------------------------
-- Row-level security and privileges.
--
-- Tables are not writable by anyone but their owner: every change goes
-- through the store functions, which run as SECURITY DEFINER (so editors
-- cannot rewrite history directly), with a fixed search_path, and check the
-- session's tenant themselves (draft_mode.check_tenant). Row-level security
-- scopes every direct read of a tenant's rows to the session's tenant
-- (distribute() narrows it to administrators on Citus).
------------------------------------------------------------------------------

ALTER TABLE draft_mode.sections ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.history ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.daily_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.tenant_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.feed ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.feed_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.feed_consumers ENABLE ROW LEVEL SECURITY;
-- No policy: nobody but the owner reads it.
ALTER TABLE draft_mode.change_queue ENABLE ROW LEVEL SECURITY;

-- (SELECT ...) makes each function an init plan, evaluated once per query.
-- Viewers never see a section that was never published. (One policy per
-- table, which distribute() replaces as a whole: a restrictive policy
-- beside it let viewers read published rows on Citus' shards.)
CREATE POLICY tenant_isolation ON draft_mode.sections
    USING ((tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()))
           AND (published_version IS NOT NULL OR (SELECT draft_mode.is_editor())));
CREATE POLICY tenant_isolation ON draft_mode.history
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.daily_stats
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.idempotency_keys
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.feed
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.feed_counters
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.feed_consumers
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY administrators ON draft_mode.tenant_bindings USING ((SELECT draft_mode.is_admin()));

-- Nothing reaches PUBLIC but the pure JSON functions, the session-state
-- helpers and the schema itself.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON SEQUENCE draft_mode.lease_tokens FROM PUBLIC;
GRANT USAGE ON SCHEMA draft_mode TO PUBLIC;
GRANT EXECUTE ON FUNCTION
    draft_mode.jsonb_patch(jsonb, jsonb), draft_mode.jsonb_merge_patch(jsonb, jsonb),
    draft_mode.jsonb_diff(jsonb, jsonb), draft_mode.jsonb_pointer_get(jsonb, text),
    draft_mode.caller(), draft_mode.jwt_claims(), draft_mode.current_actor(),
    draft_mode.current_tenant(), draft_mode.is_admin(), draft_mode.check_tenant(text),
    draft_mode.tenant_is_bound(), draft_mode.bound_tenants()
    TO PUBLIC;

-- Viewers: published content of their tenant.
GRANT SELECT (tenant, section, section_type, published_content, published_version, published_at)
    ON draft_mode.sections TO draft_mode_viewer;
GRANT SELECT ON draft_mode.published_sections TO draft_mode_viewer;
GRANT EXECUTE ON FUNCTION draft_mode.get_section(text, text, text), draft_mode.is_editor()
    TO draft_mode_viewer;

-- Editors: every store operation, and reads of their tenant's rows and
-- activity. Not call_validator(_jsonb): it would let them run any function
-- with a validator's signature as that function's owner (validation_result
-- calls it as the extension's owner, for registered validators only).
GRANT SELECT ON draft_mode.sections, draft_mode.history, draft_mode.validators
    TO draft_mode_editor;
GRANT SELECT ON draft_mode.daily_stats, draft_mode.daily_activity, draft_mode.leases
    TO draft_mode_editor;
GRANT EXECUTE ON FUNCTION
    draft_mode.create_section(text, text, jsonb, text, text),
    draft_mode.create_draft(text, text, jsonb, text, interval, text),
    draft_mode.save_draft(text, text, jsonb, int8, int8, text),
    draft_mode.patch_draft(text, text, jsonb, int8, int8, text, bool),
    draft_mode.merge_draft(text, text, jsonb, int8, int8, text),
    draft_mode.publish(text, text, int8, int8, text),
    draft_mode.publish_many(text, text[], text),
    draft_mode.publish_tenant(text, text),
    draft_mode.discard(text, text, int8, int8, text),
    draft_mode.history(text, text, int4, int8),
    draft_mode.content_at(text, text, int8),
    draft_mode.restore(text, text, int8, int8, int8, text),
    draft_mode.undo(text, text, int8, int8, text),
    draft_mode.redo(text, text, int8, int8, text),
    draft_mode.acquire_lease(text, text, interval, text),
    draft_mode.renew_lease(int8, interval),
    draft_mode.renew_lease(text, text, int8, interval),
    draft_mode.release_lease(int8),
    draft_mode.release_lease(text, text, int8),
    draft_mode.take_over(text, text, interval, text),
    draft_mode.lease_status(text, text),
    draft_mode.validate(text, text),
    draft_mode.validation_errors(text, jsonb),
    draft_mode.validation_result(text, jsonb),
    draft_mode.changes(text, text, int4),
    draft_mode.feed_end(text),
    draft_mode.consumer_cursor(text, text),
    draft_mode.advance_consumer(text, text, text),
    draft_mode.feed_cursor(int8), draft_mode.feed_position(text)
    TO draft_mode_editor;

-- Administrators: validators, tenant bindings and maintenance.
-- run_maintenance and its phases run as their caller (a procedure that
-- commits cannot be SECURITY DEFINER), so administrators get the table
-- privileges they need; pg_cron jobs run as the role that scheduled them.
-- Maintenance deletes history and clears expired leases; nobody but the
-- store rewrites history or content.
GRANT EXECUTE ON FUNCTION draft_mode.setting(text),
    draft_mode.set_validator(text, regprocedure), draft_mode.remove_validator(text),
    draft_mode.set_draft_ttl(text, interval), draft_mode.expire_draft(text, text, int8),
    draft_mode.schedule_maintenance(text), draft_mode.unschedule_maintenance(),
    draft_mode.bind_tenant(regrole, text), draft_mode.unbind_tenant(regrole),
    draft_mode.require_no_transaction_block(text),
    draft_mode.maintenance_failure(text, text, text, text, text),
    draft_mode.is_distributed()
    TO draft_mode_admin;
GRANT EXECUTE ON PROCEDURE draft_mode.run_maintenance(bool, bool, jsonb),
    draft_mode.expire_drafts(int4, interval, int8, jsonb, text),
    draft_mode.prune_history(int4, interval, int8, jsonb, text),
    draft_mode.clear_expired_leases(int4, int8, text),
    draft_mode.remove_expired_keys(int4, int8, text),
    draft_mode.maintain_each_tenant(int4, interval, bool, bool, bool, bool,
                                    int8, int8, int8, int8, jsonb)
    TO draft_mode_admin;
GRANT SELECT, DELETE ON draft_mode.sections, draft_mode.history TO draft_mode_admin;
GRANT UPDATE (lease_token, lease_holder, lease_acquired_at, lease_expires_at, lease_ttl)
    ON draft_mode.sections TO draft_mode_admin;
GRANT SELECT, INSERT, UPDATE ON draft_mode.daily_stats TO draft_mode_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON draft_mode.draft_ttls TO draft_mode_admin;
GRANT SELECT, DELETE ON draft_mode.idempotency_keys, draft_mode.feed TO draft_mode_admin;
GRANT SELECT, UPDATE (pruned_through) ON draft_mode.feed_counters TO draft_mode_admin;
GRANT SELECT ON draft_mode.tenant_bindings, draft_mode.feed_consumers TO draft_mode_admin;
GRANT SELECT ON draft_mode.expired_drafts, draft_mode.history_cutoffs, draft_mode.prunable_history,
    draft_mode.expired_idempotency_keys TO draft_mode_admin;
-- setting() for everyone too: the session-state helpers call it as the caller.
GRANT EXECUTE ON FUNCTION draft_mode.setting(text) TO PUBLIC;

------------------------------------------------------------------------------
-- pg_dump keeps the data of these tables and the lease token sequence.
--
-- change_queue is not dumped: it is empty between transactions, and a
-- restore must not re-record what the dumped feed already holds.
------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('draft_mode.sections', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.history', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.validators', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.draft_ttls', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.daily_stats', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.idempotency_keys', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.lease_tokens', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.tenant_bindings', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.feed', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.feed_counters', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.feed_consumers', '');
