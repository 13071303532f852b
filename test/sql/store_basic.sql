-- The section store, part 1: create_section, get_section, the published_sections
-- view, and the three draft edits (save_draft, patch_draft, merge_draft) with
-- their compare-and-swap on expected_version.
--
-- Errors are shown through pg_temp.try, which runs a statement, catches its
-- error and returns SQLSTATE, message, DETAIL and HINT (printed with \gx, one
-- field per line). Each failure is followed by pg_temp.state, which shows
-- that the failed call changed nothing: version, draft, published content,
-- history rows and undo/redo stacks. Timestamps never appear in the output;
-- only comparisons of them do. Tenants: 'basic', and 'other' to show that
-- sections are per tenant.

\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all

--
-- create_section
--
-- version 1, kind create, published at once, no draft; section_type optional
SELECT * FROM draft_mode.create_section('basic', 'home/hero',
    '{"title": "Summer sale", "price": 19.90, "tags": ["new", "sale"]}', section_type => 'hero');
SELECT * FROM draft_mode.create_section(tenant => 'basic', section => 'footer',
                                        content => '{"links": []}');
-- any jsonb is content, a scalar too; names are case-sensitive free text
SELECT * FROM draft_mode.create_section('basic', 'Footer', '"just a string"');
SELECT * FROM pg_temp.state('basic', 'home/hero');
SELECT version, kind, forward_patch, inverse_patch, has_snapshot, actor = current_user AS by_me
  FROM draft_mode.history('basic', 'home/hero');

-- creating an existing section: DM102, the existing one is untouched
SELECT * FROM pg_temp.try($$SELECT draft_mode.create_section('basic', 'home/hero', '{}')$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- the same name under another tenant is another section
SELECT * FROM draft_mode.create_section('other', 'home/hero', '{"title": "Other"}');
SELECT content, version FROM draft_mode.get_section('other', 'home/hero');

-- required arguments: 22004
SELECT * FROM pg_temp.try($$SELECT draft_mode.create_section('basic', 'x', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.create_section(NULL, 'x', '{}')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.create_section('basic', NULL, '{}')$$) \gx
SELECT count(*) AS sections_named_x FROM draft_mode.sections WHERE section = 'x';

--
-- get_section
--
-- every column; updated_at is the time of the last change, updated_by its actor
SELECT content, version, has_draft, published_version, section_type,
       updated_at BETWEEN now() - interval '1 hour' AND now() AS updated_at_recent,
       updated_by = current_user AS updated_by_me
  FROM draft_mode.get_section('basic', 'home/hero');
SELECT content, version, has_draft, published_version, section_type
  FROM draft_mode.get_section('basic', 'home/hero', mode => 'published');
SELECT content, section_type FROM draft_mode.get_section('basic', 'Footer');
-- invalid mode: 22023 (case matters; NULL is invalid too)
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('basic', 'home/hero', 'live')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('basic', 'home/hero', 'Draft')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('basic', 'home/hero', NULL)$$) \gx
-- missing section: DM101 (in either mode, and for a section of another tenant)
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('basic', 'nope')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('basic', 'nope', 'published')$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.get_section('nobody', 'footer')$$) \gx

--
-- save_draft: replaces the whole working content
--
SELECT updated_at AS created_updated_at FROM draft_mode.get_section('basic', 'home/hero') \gset
SELECT * FROM draft_mode.save_draft('basic', 'home/hero',
    '{"title": "Summer sale!", "price": 19.90, "tags": ["new", "sale"]}', expected_version => 1);
-- draft mode shows the draft, published mode and the view the published content
SELECT content, version, has_draft, published_version,
       updated_at > :'created_updated_at' AS updated_at_moved
  FROM draft_mode.get_section('basic', 'home/hero');
SELECT content, version, has_draft, published_version
  FROM draft_mode.get_section('basic', 'home/hero', 'published');
SELECT tenant, section, section_type, content, published_version,
       published_at BETWEEN now() - interval '1 hour' AND now() AS published_at_recent
  FROM draft_mode.published_sections WHERE tenant = 'basic' ORDER BY section;
SELECT version, kind, forward_patch, inverse_patch, has_snapshot
  FROM draft_mode.history('basic', 'home/hero');

-- stale expected_version: PT409 with both versions in DETAIL; nothing changes
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', 'home/hero', '{"title": "Late"}', 1)$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- an expected_version from the future is just as stale
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', 'home/hero', '{"title": "Late"}', 3)$$) \gx
-- NULL expected_version: 22004; so are NULL content and NULL names
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', 'home/hero', '{"title": "Blind"}', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', 'home/hero', NULL, 2)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', NULL, '{}', 2)$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- missing section: DM101
SELECT * FROM pg_temp.try($$SELECT draft_mode.save_draft('basic', 'nope', '{}', 1)$$) \gx

-- saving the current content again: changed = false, same version, no history row
SELECT * FROM draft_mode.save_draft('basic', 'home/hero',
    '{"tags": ["new", "sale"], "price": 19.90, "title": "Summer sale!"}', 2);
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- 19.9 is not 19.90: numbers compare as written, so this is a change
SELECT * FROM draft_mode.save_draft('basic', 'home/hero',
    '{"title": "Summer sale!", "price": 19.9, "tags": ["new", "sale"]}', 2);
SELECT content -> 'price' AS price FROM draft_mode.get_section('basic', 'home/hero');
SELECT forward_patch FROM draft_mode.history('basic', 'home/hero', 1);

-- a draft identical to the published content is no draft: saving the
-- published content back changes the version but leaves has_draft false
SELECT * FROM draft_mode.save_draft('basic', 'home/hero',
    '{"title": "Summer sale", "price": 19.90, "tags": ["new", "sale"]}', 3);
SELECT * FROM pg_temp.state('basic', 'home/hero');
SELECT content, has_draft FROM draft_mode.get_section('basic', 'home/hero');

--
-- patch_draft: RFC 6902
--
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": "Winter sale"},
      {"op": "add", "path": "/tags/-", "value": "winter"}]', expected_version => 4);
SELECT content FROM draft_mode.get_section('basic', 'home/hero');
SELECT version, kind, forward_patch, inverse_patch
  FROM draft_mode.history('basic', 'home/hero', 1);
-- the patched draft keeps numbers a patch does not touch exactly as written
SELECT content -> 'price' AS untouched_price FROM draft_mode.get_section('basic', 'home/hero');

-- stale: PT409, nothing changes
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}]', 4)$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}]', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero', NULL, 5)$$) \gx

-- invalid patches: the engine's SQLSTATE, and nothing changes, not even the
-- operations of the patch that came before the failing one
-- DM001: not a patch
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '{"op": "remove", "path": "/tags"}', 5)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}, {"op": "rename", "path": "/title"}]', 5)$$) \gx
-- DM002: invalid pointer
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}, {"op": "add", "path": "title", "value": 1}]', 5)$$) \gx
-- DM003: a location that does not exist
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}, {"op": "replace", "path": "/subtitle", "value": "x"}]', 5)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags/9"}]', 5)$$) \gx
-- DM004: a failed test op (after an operation that would have succeeded)
SELECT * FROM pg_temp.try($$SELECT draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "remove", "path": "/tags"}, {"op": "test", "path": "/price", "value": 19.95}]', 5)$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- a successful test guards the edit (19.90 tests equal to 19.9: numbers
-- compare by value in a test)
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "test", "path": "/price", "value": 19.9}, {"op": "remove", "path": "/tags/0"}]', 5);
SELECT content FROM draft_mode.get_section('basic', 'home/hero');

-- a patch that leaves the content identical: changed = false, no history row
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero', '[]', 6);
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "test", "path": "/title", "value": "Winter sale"}]', 6);
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "replace", "path": "/title", "value": "Winter sale"}]', 6);
SELECT * FROM draft_mode.patch_draft('basic', 'home/hero',
    '[{"op": "add", "path": "/x", "value": 1}, {"op": "remove", "path": "/x"}]', 6);
SELECT * FROM pg_temp.state('basic', 'home/hero');

--
-- merge_draft: RFC 7396
--
SELECT * FROM draft_mode.merge_draft('basic', 'home/hero',
    '{"title": "Spring sale", "price": null, "badge": {"text": "-20%", "color": "red"}}',
    expected_version => 6);
SELECT content FROM draft_mode.get_section('basic', 'home/hero');
SELECT version, kind, forward_patch, inverse_patch
  FROM draft_mode.history('basic', 'home/hero', 1);
-- stale, NULL: PT409 and 22004, nothing changes
SELECT * FROM pg_temp.try($$SELECT draft_mode.merge_draft('basic', 'home/hero', '{"title": null}', 6)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.merge_draft('basic', 'home/hero', '{"title": null}', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.merge_draft('basic', 'home/hero', NULL, 7)$$) \gx
SELECT * FROM pg_temp.state('basic', 'home/hero');
-- a merge patch that changes nothing: changed = false
SELECT * FROM draft_mode.merge_draft('basic', 'home/hero', '{}', 7);
SELECT * FROM draft_mode.merge_draft('basic', 'home/hero',
    '{"title": "Spring sale", "missing": null, "badge": {"color": "red"}}', 7);
-- a merge patch that is not an object replaces the whole content
SELECT * FROM draft_mode.merge_draft('basic', 'Footer', '["a", "list"]', 1);
SELECT content, has_draft FROM draft_mode.get_section('basic', 'Footer');
SELECT * FROM pg_temp.state('basic', 'home/hero');

-- the edits never touched the published content or the other tenant
SELECT tenant, section, content, published_version
  FROM draft_mode.published_sections WHERE section = 'home/hero' ORDER BY tenant;
-- history lists every change once, versions 1..current without gaps
SELECT section, count(*) AS rows, min(version), max(version),
       count(DISTINCT version) = max(version) AS no_gaps
  FROM draft_mode.history WHERE tenant = 'basic' GROUP BY section ORDER BY section;
