-- The section store, part 3: history, content_at, restore, snapshots, and
-- the actor recorded on every change.
--
-- pg_temp.try shows an error's SQLSTATE, message, DETAIL and HINT (code
-- 00000 when the statement succeeded); pg_temp.state shows everything a call
-- may change. After every change, pg_temp.seen records the working content
-- that get_section returns under the version it returns; content_at must
-- rebuild exactly that for every version. Timestamps appear only in
-- comparisons. Tenants: 'hist', 'actors'.

\set ECHO none
\i test/sql/include/store_helpers.sql
\set ECHO all

-- The working content after each change, keyed by the version get_section reports.
CREATE TEMPORARY TABLE seen (version int8 PRIMARY KEY, content jsonb NOT NULL);
CREATE FUNCTION pg_temp.remember(tenant text, section text) RETURNS int8
LANGUAGE sql AS $$
    INSERT INTO seen SELECT g.version, g.content FROM draft_mode.get_section(tenant, section) AS g
    ON CONFLICT (version) DO NOTHING
    RETURNING version
$$;

--
-- A section with one change of every kind
--
SELECT version, kind FROM draft_mode.create_section('hist', 'page',
    '{"title": "Shoes", "items": [{"sku": "s-1", "price": 49.90}]}', 'page');
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.patch_draft('hist', 'page',
    '[{"op": "add", "path": "/items/-", "value": {"sku": "s-2", "price": 59.00}}]', 1);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.merge_draft('hist', 'page', '{"title": "Shoes & boots"}', 2);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.save_draft('hist', 'page',
    '{"title": "Boots", "items": [{"sku": "s-2", "price": 59.00}]}', 3);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.publish('hist', 'page');
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.patch_draft('hist', 'page',
    '[{"op": "replace", "path": "/items/0/price", "value": 0.10}]', 5);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.discard('hist', 'page');
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.restore('hist', 'page', 2, 7);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.undo('hist', 'page', 8);
SELECT pg_temp.remember('hist', 'page');
SELECT version, kind FROM draft_mode.redo('hist', 'page', 9);
SELECT pg_temp.remember('hist', 'page');
SELECT * FROM pg_temp.state('hist', 'page');

-- history: newest first, one row per change, with both patches; created_at
-- only as comparisons (recent, and never later than a newer row's)
SELECT version, kind, forward_patch, inverse_patch, has_snapshot,
       actor = current_user AS by_me,
       created_at BETWEEN now() - interval '1 hour' AND now() AS recent,
       created_at <= coalesce(lag(created_at) OVER (ORDER BY version DESC), 'infinity')
           AS ordered
  FROM draft_mode.history('hist', 'page');
-- limit and before_version page through it
SELECT version, kind FROM draft_mode.history('hist', 'page', max_rows => 3);
SELECT version, kind FROM draft_mode.history('hist', 'page', 3, before_version => 8);
SELECT version, kind FROM draft_mode.history('hist', 'page', before_version => 3);
SELECT version, kind FROM draft_mode.history('hist', 'page', before_version => 1);
SELECT version, kind FROM draft_mode.history('hist', 'page', 0);
-- every patch in history turns the previous version into this one, and back
SELECT h.version,
       draft_mode.jsonb_patch(p.content, h.forward_patch) = s.content AS forward_ok,
       draft_mode.jsonb_patch(s.content, h.inverse_patch) = p.content AS inverse_ok
  FROM draft_mode.history('hist', 'page') AS h
  JOIN seen AS s ON s.version = h.version
  JOIN seen AS p ON p.version = h.version - 1
 ORDER BY h.version;

--
-- content_at: every version, as it was
--
SELECT s.version, draft_mode.content_at('hist', 'page', s.version) AS content_at,
       draft_mode.content_at('hist', 'page', s.version) = s.content AS same_as_then
  FROM seen AS s ORDER BY s.version;
-- byte for byte, numbers included (0.10 stays 0.10, 59.00 stays 59.00)
SELECT bool_and(draft_mode.content_at('hist', 'page', s.version)::text = s.content::text)
       AS identical_text
  FROM seen AS s;
-- versions that do not exist: DM105
SELECT * FROM pg_temp.try($$SELECT draft_mode.content_at('hist', 'page', 0)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.content_at('hist', 'page', 11)$$) \gx
SELECT code, detail FROM pg_temp.try($$SELECT draft_mode.content_at('hist', 'page', -1)$$);
SELECT * FROM pg_temp.try($$SELECT draft_mode.content_at('hist', 'page', NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.content_at('hist', 'nope', 1)$$) \gx

--
-- restore: an earlier version's content becomes the draft
--
SELECT * FROM draft_mode.restore('hist', 'page', version => 1, expected_version => 10);
SELECT pg_temp.remember('hist', 'page');
SELECT content, has_draft FROM draft_mode.get_section('hist', 'page');
SELECT version, kind, forward_patch FROM draft_mode.history('hist', 'page', 1);
-- restoring the version whose content is current: changed = false, no row
SELECT * FROM draft_mode.restore('hist', 'page', 1, 11);
SELECT * FROM draft_mode.restore('hist', 'page', 11, 11);
-- restoring the published content leaves no draft
SELECT * FROM draft_mode.restore('hist', 'page', version => 5, expected_version => 11);
SELECT pg_temp.remember('hist', 'page');
-- failures change nothing: stale expected_version, versions that do not
-- exist, NULL arguments
SELECT * FROM pg_temp.state('hist', 'page');
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'page', 2, 11)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'page', 0, 12)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'page', 13, 12)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'page', NULL, 12)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'page', 2, NULL)$$) \gx
SELECT * FROM pg_temp.try($$SELECT draft_mode.restore('hist', 'nope', 1, 1)$$) \gx
SELECT * FROM pg_temp.state('hist', 'page');

--
-- Snapshots: every draft_mode.snapshot_interval versions (and at creation);
-- versions between are rebuilt from the nearest snapshot plus patches
--
SHOW draft_mode.snapshot_interval;
SET draft_mode.snapshot_interval = 4;
DO $$
BEGIN
    FOR i IN 1..9 LOOP
        PERFORM draft_mode.merge_draft('hist', 'page', jsonb_build_object('step', i), 11 + i);
        PERFORM pg_temp.remember('hist', 'page');
    END LOOP;
END
$$;
SELECT version, kind, has_snapshot FROM draft_mode.history('hist', 'page')
 WHERE has_snapshot ORDER BY version;
SELECT count(*) AS versions,
       count(*) FILTER (WHERE draft_mode.content_at('hist', 'page', s.version) = s.content)
           AS rebuilt_exactly
  FROM seen AS s;
-- the interval may change at any time; old snapshots stay usable
SET draft_mode.snapshot_interval = 1;
SELECT version, kind FROM draft_mode.patch_draft('hist', 'page',
    '[{"op": "remove", "path": "/step"}]', 21);
SELECT pg_temp.remember('hist', 'page');
RESET draft_mode.snapshot_interval;
SELECT version, kind, has_snapshot FROM draft_mode.history('hist', 'page', 2);
SELECT count(*) AS versions,
       count(*) FILTER (WHERE draft_mode.content_at('hist', 'page', s.version) = s.content)
           AS rebuilt_exactly
  FROM seen AS s;
SELECT max(version) AS last_seen FROM seen;
SELECT version FROM draft_mode.get_section('hist', 'page');

--
-- The actor: the "sub" claim of request.jwt.claims (verified by PostgREST),
-- else draft_mode.actor, else the calling role; never an argument
--
SELECT version FROM draft_mode.create_section('actors', 'a', '{"n": 0}');
SET draft_mode.actor = 'alice';
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 1}', 1);
SELECT updated_by FROM draft_mode.get_section('actors', 'a');
SET request.jwt.claims = '{"sub": "bob", "role": "editor"}';
-- the verified claim wins over draft_mode.actor
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 2}', 2);
RESET draft_mode.actor;
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 3}', 3);
SELECT updated_by FROM draft_mode.get_section('actors', 'a');
-- an empty draft_mode.actor counts as unset
SET draft_mode.actor = '';
SELECT version, kind FROM draft_mode.publish('actors', 'a');
-- claims without "sub", or no claims: current_user
SET request.jwt.claims = '{"role": "anon"}';
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 5}', 5);
RESET request.jwt.claims;
SELECT version, kind FROM draft_mode.discard('actors', 'a');
SET draft_mode.actor = 'carol';
SELECT version, kind FROM draft_mode.undo('actors', 'a', 7);
SELECT version, kind FROM draft_mode.redo('actors', 'a', 8);
SELECT version, kind FROM draft_mode.restore('actors', 'a', 2, 9);
SELECT version, kind FROM draft_mode.save_draft('actors', 'a', '{"n": 10}', 10);
SELECT version, kind FROM draft_mode.patch_draft('actors', 'a',
    '[{"op": "replace", "path": "/n", "value": 11}]', 11);
-- a transaction-local actor
BEGIN;
SET LOCAL draft_mode.actor = 'dave';
SELECT version, kind FROM draft_mode.publish('actors', 'a');
COMMIT;
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 13}', 13);
RESET draft_mode.actor;
SELECT version, kind, CASE WHEN actor = current_user THEN 'current_user' ELSE actor END AS actor
  FROM draft_mode.history('actors', 'a') ORDER BY version;
SELECT CASE WHEN updated_by = current_user THEN 'current_user' ELSE updated_by END AS updated_by
  FROM draft_mode.get_section('actors', 'a');
-- no function of the store that anyone but the extension's owner may run
-- takes an actor as an argument (edit_on_worker, the worker's half of an edit
-- delegated on Citus, is internal: it gets the actor the coordinator took)
SELECT p.oid::regprocedure AS takes_an_actor,
       EXISTS (SELECT FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS x
                WHERE x.grantee <> p.proowner AND x.privilege_type = 'EXECUTE') AS others_may_run
  FROM pg_proc AS p
 CROSS JOIN LATERAL unnest(p.proargnames, coalesce(p.proargmodes::text[],
                                                    array_fill('i'::text, ARRAY[p.pronargs])))
       AS a(name, mode)
 WHERE p.pronamespace = 'draft_mode'::regnamespace AND a.mode IN ('i', 'b', 'v')
   AND a.name IN ('actor', 'updated_by', 'user', 'author')
 ORDER BY 1;
-- set in a new session before the extension's library is loaded, the actor
-- still applies once it is
\c
SET draft_mode.actor = 'erin';
SELECT version, kind FROM draft_mode.merge_draft('actors', 'a', '{"n": 15}', 14);
SELECT actor FROM draft_mode.history('actors', 'a', 1);
SHOW draft_mode.actor;
