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
-- caller's own only.
--
-- The library of 0.5.0 also closes draft_mode to validators (a validator
-- runs as its owner, but the session's role is the publisher's, whose
-- tenant and rights every draft_mode decision used: draft_mode.caller()
-- now refuses inside a validator), sends notifications only where
-- draft_mode.notify is turned on (it was on by default: the names of every
-- tenant's sections reached any role that can connect), bounds what a
-- rebase reads, and works on jsonb's binary form for jsonb_merge_patch and
-- jsonb_diff. No table changes. This script runs on every node of a
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
