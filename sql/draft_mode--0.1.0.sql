-- draft_mode 0.1.0: exact RFC 6902 / RFC 7396 JSON functions on jsonb.
\echo Use "CREATE EXTENSION draft_mode" to load this file. \quit

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
-- The section store.
--
-- A section's "working content" is its draft when it has one, else its
-- published content. Every change adds one to the section's version and one
-- row to history, with the RFC 6902 patches between the working content
-- before and after the change, and a full snapshot every
-- draft_mode.snapshot_interval versions (and at creation), so any version can
-- be rebuilt from the nearest snapshot plus a few patches. The tenant leads
-- every key, so each table can be distributed by tenant.
------------------------------------------------------------------------------

CREATE TABLE draft_mode.sections (
    tenant pg_catalog.text NOT NULL,
    section pg_catalog.text NOT NULL,
    section_type pg_catalog.text,
    version pg_catalog.int8 NOT NULL,
    published_content pg_catalog.jsonb NOT NULL,
    published_version pg_catalog.int8 NOT NULL,
    published_at pg_catalog.timestamptz NOT NULL,
    draft_content pg_catalog.jsonb,
    draft_updated_at pg_catalog.timestamptz,
    undo_versions pg_catalog.int8[] NOT NULL DEFAULT '{}',
    redo_versions pg_catalog.int8[] NOT NULL DEFAULT '{}',
    created_at pg_catalog.timestamptz NOT NULL,
    updated_at pg_catalog.timestamptz NOT NULL,
    updated_by pg_catalog.text,
    PRIMARY KEY (tenant, section),
    -- Bounded so that keys fit an index and notifications fit NOTIFY's limit.
    CONSTRAINT sections_tenant_length CHECK (octet_length(tenant) BETWEEN 1 AND 200),
    CONSTRAINT sections_section_length CHECK (octet_length(section) BETWEEN 1 AND 1000),
    CHECK (version >= 1 AND published_version BETWEEN 1 AND version),
    CHECK ((draft_content IS NULL) = (draft_updated_at IS NULL))
);

COMMENT ON TABLE draft_mode.sections IS
'One row per section: published content, the draft (if any), the version (compare-and-swap token) and the undo/redo stacks';

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
    PRIMARY KEY (tenant, section, version),
    FOREIGN KEY (tenant, section) REFERENCES draft_mode.sections ON DELETE CASCADE,
    CHECK (kind IN ('create', 'save', 'patch', 'merge', 'publish', 'discard', 'expire',
                    'restore', 'undo', 'redo'))
);

COMMENT ON TABLE draft_mode.history IS
'One row per change of a section: RFC 6902 patches from the previous working content (forward) and back (inverse), and periodic snapshots';

CREATE TABLE draft_mode.validators (
    section_type pg_catalog.text PRIMARY KEY,
    validator pg_catalog.regprocedure NOT NULL
);

COMMENT ON TABLE draft_mode.validators IS
'The validation function of each section type: validator(content jsonb) returns text[] of errors';

-- What every store operation returns.
CREATE TYPE draft_mode.change AS (
    tenant pg_catalog.text,
    section pg_catalog.text,
    version pg_catalog.int8,
    kind pg_catalog.text,
    changed pg_catalog.bool,
    has_draft pg_catalog.bool,
    published_version pg_catalog.int8
);

COMMENT ON TYPE draft_mode.change IS
'Result of a store operation: the section''s version after it (use it as the next expected_version), what was done, and whether anything changed';

------------------------------------------------------------------------------
-- Trusted session state: tenant and actor.
--
-- A JWT's claims, which PostgREST verifies and sets in request.jwt.claims for
-- each request, win over the draft_mode.tenant and draft_mode.actor
-- settings, which an application's connection layer sets with SET LOCAL in
-- each transaction. Neither is ever a function argument.
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

-- The actor recorded on history rows: the JWT's "sub" claim, else
-- draft_mode.actor, else the calling role.
CREATE FUNCTION draft_mode.current_actor()
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(draft_mode.jwt_claims() ->> 'sub',
                    nullif(current_setting('draft_mode.actor', true), ''),
                    draft_mode.caller()::text)
$$;

-- The tenant this session works for: the JWT's "tenant" claim, else
-- draft_mode.tenant; NULL when neither is set.
CREATE FUNCTION draft_mode.current_tenant()
RETURNS pg_catalog.text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(draft_mode.jwt_claims() ->> 'tenant',
                    nullif(current_setting('draft_mode.tenant', true), ''))
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

-- Raises 42501 unless this session may act on tenant: its own tenant, or
-- any tenant for an administrator. The error says nothing about whether
-- the other tenant or its sections exist.
CREATE FUNCTION draft_mode.check_tenant(tenant pg_catalog.text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    scoped text := draft_mode.current_tenant();
BEGIN
    IF draft_mode.is_admin() THEN
        RETURN;
    END IF;
    IF scoped IS NULL THEN
        RAISE EXCEPTION 'no tenant is set for this session'
            USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"tenant_not_set"}',
                  HINT = 'SET LOCAL draft_mode.tenant in each transaction, or send a JWT with a "tenant" claim.';
    END IF;
    IF tenant IS DISTINCT FROM scoped THEN
        RAISE EXCEPTION 'this session works for tenant "%", not "%"', scoped, tenant
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = jsonb_build_object('reason', 'tenant_mismatch', 'session_tenant', scoped)::text,
                  HINT = 'Pass the session''s own tenant, or change draft_mode.tenant.';
    END IF;
END
$$;

-- Calls a validator by OID (never resolved by name), with EXECUTE checked.
CREATE FUNCTION draft_mode.call_validator(validator pg_catalog.regprocedure,
                                          content pg_catalog.jsonb)
RETURNS pg_catalog.text[]
AS 'MODULE_PATHNAME', 'draft_mode_call_validator'
LANGUAGE C STABLE STRICT;

-- The errors the section type's validator reports for content ('{}' when the
-- type has no validator).
CREATE FUNCTION draft_mode.validation_errors(section_type pg_catalog.text, content pg_catalog.jsonb)
RETURNS pg_catalog.text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT draft_mode.call_validator(v.validator, content)
                       FROM draft_mode.validators AS v
                      WHERE v.section_type = validation_errors.section_type), '{}')
$$;

-- Registers the validator of a section type: a function (content jsonb)
-- returning text[], one message per error (empty or NULL when valid).
CREATE FUNCTION draft_mode.set_validator(section_type pg_catalog.text,
                                         validator pg_catalog.regprocedure)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_proc AS p WHERE p.oid = validator
                      AND p.pronargs = 1 AND p.proargtypes[0] = 'jsonb'::regtype
                      AND p.prorettype = 'text[]'::regtype AND p.prokind = 'f'
                      AND NOT p.proretset) THEN
        RAISE EXCEPTION 'function % is not a validator', validator
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = jsonb_build_object('validator', validator::text)::text,
                  HINT = 'A validator takes (content jsonb) and returns text[].';
    END IF;
    INSERT INTO draft_mode.validators AS v (section_type, validator)
    VALUES (set_validator.section_type, set_validator.validator)
    ON CONFLICT ON CONSTRAINT validators_pkey DO UPDATE SET validator = excluded.validator;
END
$$;

-- Removes a section type's validator; true when there was one.
CREATE FUNCTION draft_mode.remove_validator(section_type pg_catalog.text)
RETURNS pg_catalog.bool
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH removed AS (
        DELETE FROM draft_mode.validators AS v WHERE v.section_type = remove_validator.section_type
        RETURNING 1)
    SELECT count(*) > 0 FROM removed
$$;

-- Creates a section; content becomes published version 1.
CREATE FUNCTION draft_mode.create_section(tenant pg_catalog.text, section pg_catalog.text,
                                          content pg_catalog.jsonb,
                                          section_type pg_catalog.text DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_create_section'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Reads a section: mode 'draft' gives the draft, or the published content
-- when there is no draft; mode 'published' what customers see.
CREATE FUNCTION draft_mode.get_section(tenant pg_catalog.text, section pg_catalog.text,
                                       mode pg_catalog.text DEFAULT 'draft',
                                       OUT content pg_catalog.jsonb, OUT version pg_catalog.int8,
                                       OUT has_draft pg_catalog.bool,
                                       OUT published_version pg_catalog.int8,
                                       OUT section_type pg_catalog.text,
                                       OUT updated_at pg_catalog.timestamptz,
                                       OUT updated_by pg_catalog.text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF mode IS NULL OR mode NOT IN ('draft', 'published') THEN
        RAISE EXCEPTION 'invalid mode "%"', mode
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = '{"argument":"mode","allowed":["draft","published"]}',
                  HINT = 'Use mode => ''draft'' or mode => ''published''.';
    END IF;
    IF mode = 'draft' AND NOT pg_has_role(draft_mode.caller(), 'draft_mode_editor', 'MEMBER') THEN
        RAISE EXCEPTION 'only editors may read drafts'
            USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"drafts_need_editor"}',
                  HINT = 'Read with mode => ''published'', or grant draft_mode_editor.';
    END IF;
    SELECT CASE WHEN mode = 'draft' THEN coalesce(s.draft_content, s.published_content)
                ELSE s.published_content END,
           s.version, s.draft_content IS NOT NULL, s.published_version, s.section_type,
           s.updated_at, s.updated_by
      INTO content, version, has_draft, published_version, section_type, updated_at, updated_by
      FROM draft_mode.sections AS s
     WHERE s.tenant = get_section.tenant AND s.section = get_section.section;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'section "%" of tenant "%" does not exist', section, tenant
            USING ERRCODE = 'DM101', DETAIL = '{"reason":"section_not_found"}',
                  HINT = 'Create it with draft_mode.create_section().';
    END IF;
END
$$;

-- Published content only: what customers see.
CREATE VIEW draft_mode.published_sections AS
SELECT tenant, section, section_type, published_content AS content, published_version,
       published_at
  FROM draft_mode.sections;

-- Replaces the draft with content (compare-and-swap on expected_version).
CREATE FUNCTION draft_mode.save_draft(tenant pg_catalog.text, section pg_catalog.text,
                                      content pg_catalog.jsonb, expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_save_draft'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Applies an RFC 6902 patch to the draft (compare-and-swap).
CREATE FUNCTION draft_mode.patch_draft(tenant pg_catalog.text, section pg_catalog.text,
                                       patch pg_catalog.jsonb, expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_patch_draft'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Applies an RFC 7396 merge patch to the draft (compare-and-swap).
CREATE FUNCTION draft_mode.merge_draft(tenant pg_catalog.text, section pg_catalog.text,
                                       merge_patch pg_catalog.jsonb,
                                       expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_merge_draft'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Publishes the draft after validating it; without a draft, changes nothing
-- (changed = false).
CREATE FUNCTION draft_mode.publish(tenant pg_catalog.text, section pg_catalog.text,
                                   expected_version pg_catalog.int8 DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_publish'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Drops the draft: the section returns to its published content. The draft
-- stays in history (restore or undo bring it back).
CREATE FUNCTION draft_mode.discard(tenant pg_catalog.text, section pg_catalog.text,
                                   expected_version pg_catalog.int8 DEFAULT NULL)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_discard'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Publishes several sections of a tenant at once: every draft is validated
-- first, and either all are published or none (DM103 lists every error).
-- Rows are locked in section order, so concurrent calls cannot deadlock.
CREATE FUNCTION draft_mode.publish_many(tenant pg_catalog.text, sections pg_catalog.text[])
RETURNS SETOF draft_mode.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    locked record;
    failures jsonb := '[]';
    errors text[];
    missing text;
BEGIN
    PERFORM draft_mode.check_tenant(tenant);
    IF sections IS NULL OR array_position(sections, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "sections" must not be null or contain nulls'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = '{"argument":"sections"}',
                  HINT = 'Pass an array of section names.';
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
    RETURN QUERY
        SELECT published.*
          FROM (SELECT DISTINCT name FROM unnest(sections) AS name ORDER BY name) AS names,
               LATERAL draft_mode.publish(publish_many.tenant, names.name) AS published;
END
$$;

-- Publishes every section of a tenant that has a draft, atomically.
CREATE FUNCTION draft_mode.publish_tenant(tenant pg_catalog.text)
RETURNS SETOF draft_mode.change
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM draft_mode.publish_many(tenant, ARRAY(
        SELECT s.section FROM draft_mode.sections AS s
         WHERE s.tenant = publish_tenant.tenant AND s.draft_content IS NOT NULL))
$$;

-- The validator's errors for the section's working content ('{}': valid).
CREATE FUNCTION draft_mode.validate(tenant pg_catalog.text, section pg_catalog.text)
RETURNS pg_catalog.text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT draft_mode.validation_errors(g.section_type, g.content)
      FROM draft_mode.get_section(tenant, section) AS g
$$;

-- The section's changes, newest first: limit rows older than before_version.
CREATE FUNCTION draft_mode.history(tenant pg_catalog.text, section pg_catalog.text,
                                   "limit" pg_catalog.int4 DEFAULT 50,
                                   before_version pg_catalog.int8 DEFAULT NULL)
RETURNS TABLE (version pg_catalog.int8, kind pg_catalog.text, actor pg_catalog.text,
               created_at pg_catalog.timestamptz, forward_patch pg_catalog.jsonb,
               inverse_patch pg_catalog.jsonb, has_snapshot pg_catalog.bool)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.version, h.kind, h.actor, h.created_at, h.forward_patch, h.inverse_patch,
           h.snapshot IS NOT NULL
      FROM draft_mode.history AS h, draft_mode.check_tenant(history.tenant) AS allowed
     WHERE h.tenant = history.tenant AND h.section = history.section
       AND (before_version IS NULL OR h.version < before_version)
     ORDER BY h.version DESC
     LIMIT "limit"
$$;

-- The section's working content (draft, else published) at a version.
CREATE FUNCTION draft_mode.content_at(tenant pg_catalog.text, section pg_catalog.text,
                                      version pg_catalog.int8)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'draft_mode_content_at'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

-- Makes the content of an earlier version the draft (compare-and-swap).
CREATE FUNCTION draft_mode.restore(tenant pg_catalog.text, section pg_catalog.text,
                                   version pg_catalog.int8, expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_restore'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Steps back through the section's edits (compare-and-swap).
CREATE FUNCTION draft_mode.undo(tenant pg_catalog.text, section pg_catalog.text,
                                expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_undo'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Re-applies the last undone edit (compare-and-swap).
CREATE FUNCTION draft_mode.redo(tenant pg_catalog.text, section pg_catalog.text,
                                expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_redo'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------
-- Retention and maintenance.
------------------------------------------------------------------------------

-- The current value of a draft_mode setting, as SHOW prints it. Use it
-- rather than current_setting(): it loads the library, which defines the
-- settings, in sessions that have not used draft_mode yet (pg_cron's).
CREATE FUNCTION draft_mode.setting(name pg_catalog.text)
RETURNS pg_catalog.text
AS 'MODULE_PATHNAME', 'draft_mode_setting'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

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

-- Sets (or, with ttl NULL, removes) the draft lifetime of a section type.
CREATE FUNCTION draft_mode.set_draft_ttl(section_type pg_catalog.text, ttl pg_catalog.interval)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM draft_mode.draft_ttls AS t
     WHERE t.section_type = set_draft_ttl.section_type AND set_draft_ttl.ttl IS NULL;
    INSERT INTO draft_mode.draft_ttls AS t (section_type, ttl)
    SELECT set_draft_ttl.section_type, set_draft_ttl.ttl WHERE set_draft_ttl.ttl IS NOT NULL
    ON CONFLICT ON CONSTRAINT draft_ttls_pkey DO UPDATE SET ttl = excluded.ttl;
$$;

-- Drops an expired draft (a discard recorded as kind "expire").
CREATE FUNCTION draft_mode.expire_draft(tenant pg_catalog.text, section pg_catalog.text,
                                        expected_version pg_catalog.int8)
RETURNS draft_mode.change
AS 'MODULE_PATHNAME', 'draft_mode_expire_draft'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

-- Sections whose draft has sat unedited past its lifetime.
CREATE VIEW draft_mode.expired_drafts WITH (security_invoker = true) AS
SELECT s.tenant, s.section, s.version, s.draft_updated_at,
       coalesce(t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval) AS ttl
  FROM draft_mode.sections AS s
  LEFT JOIN draft_mode.draft_ttls AS t ON t.section_type = s.section_type
 WHERE s.draft_content IS NOT NULL
   AND s.draft_updated_at
       + coalesce(t.ttl, draft_mode.setting('draft_mode.draft_ttl')::pg_catalog.interval)
       < pg_catalog.now();

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

-- Runs retention: expires drafts, prunes history (moving counts into
-- daily_stats first), in batches of at most draft_mode.maintenance_batch_size
-- rows and draft_mode.maintenance_batch_time, committing after each, and
-- skipping rows editors hold locked (FOR UPDATE SKIP LOCKED). Refuses to
-- delete more than draft_mode.maintenance_max_share of a table unless force.
-- dry_run reports what it would do and changes nothing. Returns (and logs)
-- a summary. A procedure, so it can commit: call it with CALL, outside a
-- transaction block (pg_cron does).
CREATE PROCEDURE draft_mode.run_maintenance(dry_run pg_catalog.bool DEFAULT false,
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
                SELECT LEAST(target.keep_from, min(h.version) + batch_rows - done_in_batch)
                  INTO upper_version FROM draft_mode.history AS h
                 WHERE h.tenant = target.tenant AND h.section = target.section;
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
            -- Done, or only sections editors hold locked remain: a later run
            -- picks those up.
            EXIT WHEN NOT EXISTS (SELECT FROM pg_temp.draft_mode_prune_plan)
                   OR done_in_batch = 0;
        END LOOP;
    END IF;

    summary := jsonb_build_object(
        'dry_run', dry_run,
        'expired_drafts', CASE WHEN dry_run THEN expired_count ELSE expired_done END,
        'history_rows', CASE WHEN dry_run THEN prunable_count ELSE pruned_done END,
        'batches', batches,
        'refused', refused,
        'seconds', round(extract(epoch FROM clock_timestamp() - started)::numeric, 3));
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
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1'
           INTO removed USING 'draft_mode_maintenance';
    END IF;
    RETURN coalesce(removed, false);
END
$$;

------------------------------------------------------------------------------
-- Security model.
--
-- Roles: draft_mode_viewer reads published content; draft_mode_editor edits,
-- publishes and reads history; draft_mode_admin works across tenants and
-- manages validators. Grant them to your application's roles.
--
-- Tables are not writable by anyone but their owner: every change goes
-- through the store functions below, which run as SECURITY DEFINER (so
-- editors cannot rewrite history directly), with a fixed search_path, and
-- check the session's tenant themselves (draft_mode.check_tenant). Row-level
-- security scopes every direct read of a tenant's rows to the session's
-- tenant.
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

ALTER TABLE draft_mode.sections ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.history ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_mode.daily_stats ENABLE ROW LEVEL SECURITY;

-- (SELECT ...) makes each function an init plan, evaluated once per query.
CREATE POLICY tenant_isolation ON draft_mode.sections
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.history
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));
CREATE POLICY tenant_isolation ON draft_mode.daily_stats
    USING (tenant = (SELECT draft_mode.current_tenant()) OR (SELECT draft_mode.is_admin()));

-- The view applies the reader's privileges and row-level security.
ALTER VIEW draft_mode.published_sections SET (security_invoker = true);

ALTER FUNCTION draft_mode.create_section(text, text, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION draft_mode.get_section(text, text, text) SECURITY DEFINER;
ALTER FUNCTION draft_mode.save_draft(text, text, jsonb, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.patch_draft(text, text, jsonb, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.merge_draft(text, text, jsonb, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.publish(text, text, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.publish_many(text, text[]) SECURITY DEFINER;
ALTER FUNCTION draft_mode.publish_tenant(text) SECURITY DEFINER;
ALTER FUNCTION draft_mode.discard(text, text, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.history(text, text, int4, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.content_at(text, text, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.restore(text, text, int8, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.undo(text, text, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.redo(text, text, int8) SECURITY DEFINER;
ALTER FUNCTION draft_mode.set_validator(text, regprocedure) SECURITY DEFINER;
ALTER FUNCTION draft_mode.remove_validator(text) SECURITY DEFINER;
ALTER FUNCTION draft_mode.expire_draft(text, text, int8) SECURITY DEFINER;

-- Nothing reaches PUBLIC but the pure JSON functions, the session-state
-- helpers and the schema itself.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON ALL PROCEDURES IN SCHEMA draft_mode FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA draft_mode FROM PUBLIC;
GRANT USAGE ON SCHEMA draft_mode TO PUBLIC;
GRANT EXECUTE ON FUNCTION
    draft_mode.jsonb_patch(jsonb, jsonb), draft_mode.jsonb_merge_patch(jsonb, jsonb),
    draft_mode.jsonb_diff(jsonb, jsonb), draft_mode.jsonb_pointer_get(jsonb, text),
    draft_mode.caller(), draft_mode.jwt_claims(), draft_mode.current_actor(),
    draft_mode.current_tenant(), draft_mode.is_admin(), draft_mode.check_tenant(text)
    TO PUBLIC;

-- Viewers: published content of their tenant.
GRANT SELECT (tenant, section, section_type, published_content, published_version, published_at)
    ON draft_mode.sections TO draft_mode_viewer;
GRANT SELECT ON draft_mode.published_sections TO draft_mode_viewer;
GRANT EXECUTE ON FUNCTION draft_mode.get_section(text, text, text) TO draft_mode_viewer;

-- Editors: every store operation, and reads of their tenant's rows.
GRANT SELECT ON draft_mode.sections, draft_mode.history, draft_mode.validators
    TO draft_mode_editor;
GRANT EXECUTE ON FUNCTION
    draft_mode.create_section(text, text, jsonb, text),
    draft_mode.save_draft(text, text, jsonb, int8),
    draft_mode.patch_draft(text, text, jsonb, int8),
    draft_mode.merge_draft(text, text, jsonb, int8),
    draft_mode.publish(text, text, int8),
    draft_mode.publish_many(text, text[]),
    draft_mode.publish_tenant(text),
    draft_mode.discard(text, text, int8),
    draft_mode.history(text, text, int4, int8),
    draft_mode.content_at(text, text, int8),
    draft_mode.restore(text, text, int8, int8),
    draft_mode.undo(text, text, int8),
    draft_mode.redo(text, text, int8),
    draft_mode.validate(text, text),
    draft_mode.validation_errors(text, jsonb),
    draft_mode.call_validator(regprocedure, jsonb)
    TO draft_mode_editor;

-- Editors also read their tenant's activity.
GRANT SELECT ON draft_mode.daily_stats, draft_mode.daily_activity TO draft_mode_editor;

-- Administrators: validators (they run as the calling editor's role) and
-- maintenance. run_maintenance runs as its caller (a procedure that commits
-- cannot be SECURITY DEFINER), so administrators get the table privileges
-- it needs; pg_cron jobs run as the role that scheduled them.
GRANT EXECUTE ON FUNCTION draft_mode.set_validator(text, regprocedure),
    draft_mode.remove_validator(text), draft_mode.set_draft_ttl(text, interval),
    draft_mode.expire_draft(text, text, int8), draft_mode.schedule_maintenance(text),
    draft_mode.unschedule_maintenance() TO draft_mode_admin;
GRANT EXECUTE ON PROCEDURE draft_mode.run_maintenance(bool, bool, jsonb) TO draft_mode_admin;
GRANT SELECT, UPDATE, DELETE ON draft_mode.sections, draft_mode.history TO draft_mode_admin;
GRANT SELECT, INSERT, UPDATE ON draft_mode.daily_stats TO draft_mode_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON draft_mode.draft_ttls TO draft_mode_admin;
GRANT SELECT ON draft_mode.expired_drafts, draft_mode.history_cutoffs, draft_mode.prunable_history
    TO draft_mode_admin;
GRANT EXECUTE ON FUNCTION draft_mode.setting(text) TO draft_mode_admin;

SELECT pg_catalog.pg_extension_config_dump('draft_mode.sections', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.history', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.validators', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.draft_ttls', '');
SELECT pg_catalog.pg_extension_config_dump('draft_mode.daily_stats', '');
