#!/usr/bin/env bash
# ALTER EXTENSION draft_mode UPDATE works across every released version: the
# oldest install script's version is created, updated to default_version
# through the upgrade scripts in sql/, and its catalog (functions, tables,
# constraints, indexes, views, policies, grants, extension members) must
# equal a fresh install of default_version. A negative control shows the
# comparison notices a difference. A section written under the oldest
# version (rows as that version's functions write them, inserted directly:
# the installed library is the newest, which writes the newest schema) keeps
# its content, versions and history across the update and takes the newest
# version's writes (a rebased patch under a lease). Before the update, the
# newest library refuses calls through the oldest version's definitions
# with 55000 (it never reads arguments those definitions do not pass).
set -euo pipefail
root=${DRAFT_MODE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
sql() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
databases=(draft_mode_upgraded draft_mode_fresh draft_mode_altered draft_mode_outdated)
trap 'for db in "${databases[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1 || true; done' EXIT

newest=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$root/draft_mode.control")
versions=$(ls "$root"/sql/draft_mode--*.sql | sed -n 's|.*/draft_mode--\([0-9.]*\)\.sql$|\1|p' | sort -V)
oldest=$(echo "$versions" | head -n 1)
steps=$(find "$root/sql" -name 'draft_mode--*--*.sql' | wc -l)

# Everything the extension defines, one line per object, in a stable order.
describe() {
  sql -d "$1" <<'SQL'
SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
       || ' ' || coalesce(array_to_string(p.proacl, ','), '')
  FROM pg_proc AS p WHERE p.pronamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type || ' '
       || c.is_nullable || ' ' || coalesce(c.column_default, '')
  FROM information_schema.columns AS c WHERE c.table_schema = 'draft_mode'
UNION ALL
SELECT 'constraint ' || r.conrelid::regclass || ' ' || r.conname || ' ' || pg_get_constraintdef(r.oid)
  FROM pg_constraint AS r WHERE r.connamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'draft_mode'
UNION ALL
SELECT 'view ' || c.oid::regclass || ' ' || md5(pg_get_viewdef(c.oid)) || ' '
       || coalesce(array_to_string(c.reloptions, ','), '')
  FROM pg_class AS c WHERE c.relnamespace = 'draft_mode'::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' rls=' || c.relrowsecurity || ' '
       || coalesce(array_to_string(c.relacl, ','), '')
  FROM pg_class AS c WHERE c.relnamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'policy ' || tablename || ' ' || policyname || ' ' || cmd || ' ' || coalesce(qual, '')
  FROM pg_policies WHERE schemaname = 'draft_mode'
UNION ALL
SELECT 'type ' || t.oid::regtype FROM pg_type AS t
 WHERE t.typnamespace = 'draft_mode'::regnamespace AND t.typtype = 'c' AND t.typrelid IN
       (SELECT oid FROM pg_class WHERE relkind = 'c')
UNION ALL
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend AS d JOIN pg_extension AS e ON d.refobjid = e.oid
 WHERE e.extname = 'draft_mode' AND d.deptype = 'e'
ORDER BY 1;
SQL
}

echo "1..6"
echo "# versions: $(echo $versions | tr '\n' ' ')(default $newest); $steps upgrade scripts"
[ "$steps" -eq 0 ] && echo "# no upgrade script yet: the walk is a fresh install of $oldest"
for db in "${databases[@]}"; do dropdb --if-exists "$db" >/dev/null 2>&1; createdb "$db"; done

if sql -d draft_mode_upgraded -c "SET client_min_messages = warning" -c "CREATE EXTENSION draft_mode VERSION '$oldest'" \
     -f "$root/test/tap/upgrade_data.sql" \
     -c "ALTER EXTENSION draft_mode UPDATE TO '$newest'" >/dev/null; then
  echo "ok 1 - install $oldest and update to $newest"
else
  echo "not ok 1 - install $oldest and update to $newest"
fi
installed=$(sql -d draft_mode_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'draft_mode'")
[ "$installed" = "$newest" ] && echo "ok 2 - the updated extension reports $newest" \
  || echo "not ok 2 - the updated extension reports $newest (got '$installed')"

sql -d draft_mode_fresh -c "CREATE EXTENSION draft_mode"
upgraded=$(describe draft_mode_upgraded)
fresh=$(describe draft_mode_fresh)
if [ -n "$fresh" ] && [ "$upgraded" = "$fresh" ]; then
  echo "ok 3 - the updated catalog equals a fresh install ($(echo "$fresh" | wc -l) objects)"
else
  echo "not ok 3 - the updated catalog equals a fresh install"
  diff <(echo "$fresh") <(echo "$upgraded") | head -40 | sed 's/^/# /'
fi

# Negative control: a catalog that really differs is noticed.
sql -d draft_mode_altered -c "CREATE EXTENSION draft_mode" \
  -c "ALTER TABLE draft_mode.history ADD COLUMN extra int" >/dev/null
altered=$(describe draft_mode_altered)
[ "$altered" != "$fresh" ] && echo "ok 4 - the comparison notices a changed catalog" \
  || echo "not ok 4 - the comparison notices a changed catalog"

# Data of the oldest version under the newest (for 0.2.0: a lease, then a
# patch from version 1 rebased over the edit made before the update).
after=$(sql -d draft_mode_upgraded 2>&1 <<'SQL' || true
SELECT set_config('draft_mode.notify', 'off', false) \g /dev/null
SELECT token AS lease FROM draft_mode.acquire_lease('up', 'page') \gset
SELECT version, rebased FROM draft_mode.patch_draft('up', 'page',
    '[{"op": "replace", "path": "/b", "value": 3}]', 1, lease_token => :lease, rebase => true);
SELECT content FROM draft_mode.get_section('up', 'page');
SELECT string_agg(kind, ',' ORDER BY version) FROM draft_mode.history('up', 'page');
SQL
)
expected='3|t
{"a": 2, "b": 3}
create,patch,patch'
if [ "$after" = "$expected" ]; then
  echo "ok 5 - a section written under $oldest works under $newest"
else
  echo "not ok 5 - a section written under $oldest works under $newest"
  echo "$after" | sed 's/^/# /'
fi

# The newest library under the oldest version's SQL, before the update.
if [ "$oldest" = "$newest" ]; then
  echo "ok 6 # skip only one version"
else
  outdated=$(sql -d draft_mode_outdated 2>&1 <<SQL || true
CREATE EXTENSION draft_mode VERSION '$oldest';
\\i $root/test/tap/upgrade_data.sql
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    EXECUTE statement;
    RETURN '00000';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
\$\$;
SELECT string_agg(DISTINCT code, ',') FROM (VALUES
    (\$\$SELECT draft_mode.create_section('up', 'new', '{}')\$\$),
    (\$\$SELECT draft_mode.patch_draft('up', 'page', '[]', 2)\$\$),
    (\$\$SELECT draft_mode.save_draft('up', 'page', '{}', 2)\$\$),
    (\$\$SELECT draft_mode.publish('up', 'page')\$\$),
    (\$\$SELECT draft_mode.discard('up', 'page')\$\$),
    (\$\$SELECT draft_mode.undo('up', 'page', 2)\$\$),
    (\$\$SELECT draft_mode.expire_draft('up', 'page', 2)\$\$)) AS calls(statement),
  LATERAL (SELECT pg_temp.try(statement) AS code) AS tried;
SQL
)
  if [ "$outdated" = 55000 ]; then
    echo "ok 6 - before the update, the $newest library refuses $oldest definitions with 55000"
  else
    echo "not ok 6 - before the update, the $newest library refuses $oldest definitions with 55000"
    echo "$outdated" | sed 's/^/# /'
  fi
fi
