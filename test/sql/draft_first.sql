-- Draft-first sections: create_draft makes a section with a draft only,
-- invisible to published reads and viewers and not validated until its
-- first publish; every edit works on it; discarding or expiring it before
-- then abandons it (gone from reads, history kept, restorable, creatable
-- again); its lifetime is the smallest of its own, its type's and the
-- global one. Tenant: 'df'.
SET draft_mode.tenant = 'df';
SET draft_mode.actor = 'builder';
\set VERBOSITY terse

-- A validator that refuses a page without a title.
CREATE FUNCTION pg_temp.needs_title(content jsonb) RETURNS text[] LANGUAGE sql AS $$
    SELECT CASE WHEN content ? 'title' THEN '{}'::text[] ELSE ARRAY['title is required'] END
$$;
SELECT draft_mode.set_validator('bot', 'pg_temp.needs_title(jsonb)');

-- Created incomplete: not validated, not live.
SELECT * FROM draft_mode.create_draft('df', 'bot/1', '{"step": 1}', 'bot', ttl => '24 hours');
SELECT content, version, has_draft, published_version, draft_expires_at - now() > interval '23 hours' AS expires_in_a_day
  FROM draft_mode.get_section('df', 'bot/1');
SELECT draft_mode.get_section('df', 'bot/1', 'published');
SELECT count(*) AS published_rows FROM draft_mode.published_sections WHERE tenant = 'df';

-- A viewer sees nothing of it, directly or through get_section.
CREATE ROLE df_viewer IN ROLE draft_mode_viewer;
SET ROLE df_viewer;
SELECT count(*) AS viewer_rows FROM draft_mode.sections WHERE tenant = 'df';
SELECT draft_mode.get_section('df', 'bot/1', 'published');
RESET ROLE;

-- Every edit works on it: patch (rebased too), merge, undo, redo, leases.
SELECT version, kind, has_draft, published_version FROM draft_mode.patch_draft('df', 'bot/1', '[{"op": "add", "path": "/step", "value": 2}]', 1);
SELECT version, kind, has_draft FROM draft_mode.merge_draft('df', 'bot/1', '{"name": "Helper"}', 2);
SELECT version, rebased FROM draft_mode.patch_draft('df', 'bot/1', '[{"op": "add", "path": "/greeting", "value": "Hi"}]', 2, rebase => true);
SELECT version, kind FROM draft_mode.undo('df', 'bot/1', 4);
SELECT version, kind FROM draft_mode.redo('df', 'bot/1', 5);
SELECT holder FROM draft_mode.acquire_lease('df', 'bot/1') AS l;
SELECT draft_mode.release_lease('df', 'bot/1', (SELECT lease_token FROM draft_mode.sections WHERE tenant = 'df' AND section = 'bot/1'));
SELECT content FROM draft_mode.get_section('df', 'bot/1');
SELECT version, kind FROM draft_mode.history('df', 'bot/1') ORDER BY version;

-- The first publish validates: refused without a title, live with one.
SELECT draft_mode.publish('df', 'bot/1');
SELECT version, kind, has_draft, published_version FROM draft_mode.patch_draft('df', 'bot/1', '[{"op": "add", "path": "/title", "value": "Helper bot"}]', 6);
SELECT version, kind, has_draft, published_version FROM draft_mode.publish('df', 'bot/1');
SELECT content, published_version FROM draft_mode.get_section('df', 'bot/1', 'published');
SELECT count(*) AS published_rows FROM draft_mode.published_sections WHERE tenant = 'df';

-- publish_many and publish_tenant include never-published drafts.
SELECT version FROM draft_mode.create_draft('df', 'bot/2', '{"title": "Two"}', 'bot');
SELECT version FROM draft_mode.create_draft('df', 'bot/3', '{"title": "Three"}');
SELECT section, version, kind, published_version FROM draft_mode.publish_many('df', ARRAY['bot/2']);
SELECT section, version, kind, published_version FROM draft_mode.publish_tenant('df');
SELECT version FROM draft_mode.create_draft('df', 'bot/3', '{}');

-- Discarding a never-published draft abandons the section.
SELECT version FROM draft_mode.create_draft('df', 'bot/4', '{"step": 1}');
SELECT version FROM draft_mode.patch_draft('df', 'bot/4', '[{"op": "replace", "path": "/step", "value": 2}]', 1);
SELECT version, kind, changed, has_draft, published_version FROM draft_mode.discard('df', 'bot/4');
SELECT draft_mode.get_section('df', 'bot/4');
SELECT draft_mode.patch_draft('df', 'bot/4', '[]', 3);
SELECT draft_mode.publish('df', 'bot/4');
-- ... its history stays, and any version can still be read
SELECT version, kind FROM draft_mode.history('df', 'bot/4') ORDER BY version;
SELECT draft_mode.content_at('df', 'bot/4', 2) AS at_2, draft_mode.content_at('df', 'bot/4', 3) AS at_3;
-- ... restore brings it back as a draft
SELECT version, kind, has_draft, published_version FROM draft_mode.restore('df', 'bot/4', 2, 3);
SELECT content, has_draft, published_version FROM draft_mode.get_section('df', 'bot/4');
-- ... abandoned again, it can be created anew: its history goes on
SELECT version FROM draft_mode.discard('df', 'bot/4');
SELECT version, kind, has_draft, published_version FROM draft_mode.create_section('df', 'bot/4', '{"title": "Again"}', 'bot');
SELECT content, version, published_version FROM draft_mode.get_section('df', 'bot/4', 'published');
SELECT version, kind, forward_patch FROM draft_mode.history('df', 'bot/4', max_rows => 1);
SELECT draft_mode.content_at('df', 'bot/4', 6) AS at_6;

-- Lifetime: the smallest of the draft's own ttl, its type's and the global one.
SELECT version FROM draft_mode.create_draft('df', 'life/own', '{}', 'bot', ttl => '2 hours');
SELECT version FROM draft_mode.create_draft('df', 'life/type', '{}', 'bot', ttl => '30 days');
SELECT version FROM draft_mode.create_draft('df', 'life/global', '{}', ttl => '900 days');
SELECT draft_mode.set_draft_ttl('bot', '5 hours');
SELECT section, round(extract(epoch FROM draft_expires_at - now()) / 3600) AS hours
  FROM draft_mode.sections AS s, draft_mode.get_section('df', s.section) AS g
 WHERE s.tenant = 'df' AND s.section LIKE 'life/%' ORDER BY section;
SELECT draft_mode.create_draft('df', 'life/bad', '{}', ttl => '0 seconds');
-- Each edit extends it: the lifetime counts from the last edit.
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '3 hours' WHERE tenant = 'df' AND section = 'life/own';
SELECT section FROM draft_mode.expired_drafts WHERE tenant = 'df' ORDER BY section;
SELECT version FROM draft_mode.patch_draft('df', 'life/own', '[{"op": "add", "path": "/n", "value": 1}]', 1);
SELECT section FROM draft_mode.expired_drafts WHERE tenant = 'df' ORDER BY section;
-- Maintenance expires a never-published draft by abandoning it.
UPDATE draft_mode.sections SET draft_updated_at = now() - interval '3 hours' WHERE tenant = 'df' AND section = 'life/own';
SET ROLE draft_mode_admin;
SELECT version, kind, has_draft, published_version FROM draft_mode.expire_draft('df', 'life/own', 2);
RESET ROLE;
SELECT draft_mode.get_section('df', 'life/own');
SELECT draft_mode.set_draft_ttl('bot', NULL);
SELECT draft_mode.remove_validator('bot');
DROP ROLE df_viewer;

-- Leave nothing behind for the tests that count every tenant's rows.
DELETE FROM draft_mode.sections WHERE tenant = 'df';
DELETE FROM draft_mode.feed_counters WHERE tenant = 'df';
DELETE FROM draft_mode.feed_consumers WHERE tenant = 'df';
