-- What PostgREST (and Supabase's RPC, which is PostgREST) does with each HTTP request to a
-- draft_mode function, written out in SQL, so it can be tried (and tested: test/tap/clients.t runs
-- it with psql -X -At and compares the output with expected-output.txt) without a PostgREST server.
--
-- For POST /rpc/patch_draft with `Authorization: Bearer <JWT>` and a JSON body, PostgREST
-- verifies the JWT's signature, then in one transaction: switches to the role named by the
-- JWT's `role` claim (SET LOCAL ROLE), puts the verified claims in the transaction-local setting
-- request.jwt.claims, calls the function with the body's members as named arguments, and commits
-- (or rolls back on an error, which it turns into an HTTP status). draft_mode reads the tenant
-- from the `tenant` claim and the actor from `sub`; the body's `tenant` must match.
\set ON_ERROR_STOP on
\set SHOW_CONTEXT never
-- Errors as their SQLSTATE only (PostgREST's response body carries code, message, details, hint).
\set VERBOSITY sqlstate

-- PostgREST's HTTP status for an SQLSTATE (its documentation, "Errors"), for the codes
-- draft_mode raises: PTxyz is status xyz (so PT409 is 409 Conflict), 42501 is 403 for a signed-in
-- role, P0001 and any other unknown code (DM201, DM203...) are 400.
CREATE FUNCTION pg_temp.http_status(sqlstate text) RETURNS int LANGUAGE sql AS $$
    SELECT CASE
        WHEN sqlstate ~ '^PT[0-9]{3}$' THEN substr(sqlstate, 3)::int
        WHEN sqlstate = '42501' THEN 403
        WHEN sqlstate IN ('42883', '42P01') THEN 404
        WHEN sqlstate ~ '^(08|53)' THEN 503
        WHEN sqlstate ~ '^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|XX)' OR sqlstate ~ '^P0' AND sqlstate <> 'P0001' THEN 500
        ELSE 400
    END
$$;

-- Once, as an administrator: the role PostgREST switches to for signed-in users (Supabase calls
-- it `authenticated`) may edit. PostgREST's own login role (`authenticator`) must be a member of it.
GRANT draft_mode_editor TO authenticated;

-- The JWT of Alice, an editor of tenant acme: {"sub": "alice", "tenant": "acme", "role": "authenticated"}
\set claims '{"sub": "alice", "tenant": "acme", "role": "authenticated"}'

\echo POST /rpc/create_section {"tenant": "acme", "section": "rest/hero", "content": {"title": "Hello", "price": 19.90}}
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims_set;
SELECT to_json(r) FROM draft_mode.create_section(tenant => 'acme', section => 'rest/hero',
    content => '{"title": "Hello", "price": 19.90}') AS r;
COMMIT;

\echo POST /rpc/patch_draft {"tenant": "acme", "section": "rest/hero", "patch": [{"op": "replace", "path": "/title", "value": "Hi"}], "expected_version": 1}
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims_set;
SELECT to_json(r) FROM draft_mode.patch_draft(tenant => 'acme', section => 'rest/hero',
    patch => '[{"op": "replace", "path": "/title", "value": "Hi"}]', expected_version => 1) AS r;
COMMIT;

\echo The same request again (a stale tab): PT409, so HTTP 409 with the current version in "details"
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims_set;
SELECT to_json(r) FROM draft_mode.patch_draft(tenant => 'acme', section => 'rest/hero',
    patch => '[{"op": "replace", "path": "/title", "value": "Hi"}]', expected_version => 1) AS r;
ROLLBACK;
\set ON_ERROR_STOP on
SELECT pg_temp.http_status(:'LAST_ERROR_SQLSTATE') AS http_status;

\echo POST /rpc/get_section {"tenant": "globex", "section": "rest/hero"} with the acme JWT of Alice: 42501, HTTP 403
\set ON_ERROR_STOP off
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims_set;
SELECT to_json(r) FROM draft_mode.get_section(tenant => 'globex', section => 'rest/hero') AS r;
ROLLBACK;
\set ON_ERROR_STOP on
SELECT pg_temp.http_status(:'LAST_ERROR_SQLSTATE') AS http_status;

\echo GET /rpc/get_section?tenant=acme&section=rest/hero: the body keeps 19.90; JSON.parse in the browser makes it 19.9
BEGIN READ ONLY;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'claims', true) IS NOT NULL AS claims_set;
SELECT json_build_object('content', content, 'version', version, 'updated_by', updated_by)
  FROM draft_mode.get_section(tenant => 'acme', section => 'rest/hero');
COMMIT;
