-- A section as version 0.1.0 stores it after create_section and one
-- patch_draft: version 2, a draft, two history rows (the first with the
-- snapshot). Loaded by upgrade.t before ALTER EXTENSION ... UPDATE.
INSERT INTO draft_mode.sections (tenant, section, version, published_content, published_version,
                                 published_at, draft_content, draft_updated_at, undo_versions,
                                 created_at, updated_at, updated_by)
VALUES ('up', 'page', 2, '{"a": 1, "b": 1}', 1, now(), '{"a": 2, "b": 1}', now(), '{2}', now(),
        now(), 'old');
INSERT INTO draft_mode.history (tenant, section, version, kind, actor, created_at, forward_patch,
                                inverse_patch, snapshot)
VALUES ('up', 'page', 1, 'create', 'old', now(), '[]', '[]', '{"a": 1, "b": 1}'),
       ('up', 'page', 2, 'patch', 'old', now(), '[{"op": "replace", "path": "/a", "value": 2}]',
        '[{"op": "replace", "path": "/a", "value": 1}]', NULL);
