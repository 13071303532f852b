#!/usr/bin/env bash
# ALTER EXTENSION draft_mode UPDATE works across every released version: the
# oldest install script's version (sql/draft_mode--0.1.0.sql) is created,
# updated to default_version through the upgrade scripts in sql/, and its
# catalog must equal a fresh install of default_version, whose install script
# the Makefile makes from sql/draft_mode.sql (the server's copy must be that
# file). The catalog is everything describe() lists: functions (definitions,
# SECURITY DEFINER, SET, volatility, strictness, privileges), columns (in
# order, with defaults, compression and column privileges), constraints, indexes, views,
# relations (row-level security, options, privileges), sequences and their
# owners, policies (USING, WITH CHECK, roles), triggers, types, the schema's
# privileges, comments, the tables pg_dump keeps (extconfig/extcondition),
# default privileges and the extension's members. A negative control shows
# the comparison notices a difference. A section written under the oldest
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
# The oldest install script kept in sql/ (the install script of default_version is made by the
# Makefile, and older builds may have left theirs); the versions are it and every update's target.
oldest=$(ls "$root"/sql/draft_mode--*.sql | sed -n 's|.*/draft_mode--\([0-9.]*\)\.sql$|\1|p' \
  | grep -vxF "$newest" | sort -V | head -n 1)
oldest=${oldest:-$newest}
versions=$( (echo "$oldest"; ls "$root"/sql/draft_mode--*--*.sql 2>/dev/null \
  | sed -n 's|.*/draft_mode--[0-9.]*--\([0-9.]*\)\.sql$|\1|p') | sort -uV)
steps=$(find "$root/sql" -name 'draft_mode--*--*.sql' | wc -l)

# Everything the extension defines, one line per object, in a stable order. Privileges are
# compared as sets (an ACL's entries in any order grant the same), and so are the extension's
# configuration tables.
describe() {
  sql -d "$1" <<'SQL'
WITH objects AS (
SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) AS a), '-')
       AS line
  FROM pg_proc AS p WHERE p.pronamespace = 'draft_mode'::regnamespace
UNION ALL
-- pg_get_functiondef prints these too; listed so that a difference reads plainly.
SELECT 'function ' || p.oid::regprocedure || ' kind=' || p.prokind::text || ' security_definer=' || p.prosecdef
       || ' volatility=' || p.provolatile::text || ' strict=' || p.proisstrict || ' parallel=' || p.proparallel::text
       || ' config=' || coalesce(array_to_string(p.proconfig, ';'), '-')
  FROM pg_proc AS p WHERE p.pronamespace = 'draft_mode'::regnamespace
UNION ALL
-- Columns of tables, views and composite types, at their position among the live columns.
SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' #'
       || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' '
       || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || CASE WHEN a.attidentity <> '' THEN ' identity=' || a.attidentity::text ELSE '' END
       || CASE WHEN a.attgenerated <> '' THEN ' generated=' || a.attgenerated::text ELSE '' END
       || CASE WHEN a.attcollation <> t.typcollation THEN ' collate ' || a.attcollation::regcollation ELSE '' END
       || CASE WHEN a.attcompression <> '' THEN ' compression=' || a.attcompression::text ELSE '' END
       || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) AS x), '-')
  FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid
  JOIN pg_type AS t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relnamespace = 'draft_mode'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
   AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || r.conrelid::regclass || ' ' || r.conname || ' ' || pg_get_constraintdef(r.oid)
  FROM pg_constraint AS r WHERE r.connamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'draft_mode'
UNION ALL
SELECT 'view ' || c.oid::regclass || ' ' || md5(pg_get_viewdef(c.oid))
  FROM pg_class AS c WHERE c.relnamespace = 'draft_mode'::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' persistence=' || c.relpersistence::text
       || ' rls=' || c.relrowsecurity || ' force_rls=' || c.relforcerowsecurity
       || ' options=' || coalesce(array_to_string(c.reloptions, ','), '-')
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) AS a), '-')
  FROM pg_class AS c WHERE c.relnamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'sequence ' || s.seqrelid::regclass || ' ' || format_type(s.seqtypid, NULL) || ' start='
       || s.seqstart || ' increment=' || s.seqincrement || ' min=' || s.seqmin || ' max=' || s.seqmax
       || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle || ' owned_by='
       || coalesce((SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend AS d
                      JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-')
  FROM pg_sequence AS s JOIN pg_class AS c ON c.oid = s.seqrelid
 WHERE c.relnamespace = 'draft_mode'::regnamespace
UNION ALL
SELECT 'policy ' || tablename || ' ' || policyname || ' ' || permissive || ' ' || cmd
       || ' to=' || array_to_string(roles, ',') || ' using=' || coalesce(qual, '-')
       || ' check=' || coalesce(with_check, '-')
  FROM pg_policies WHERE schemaname = 'draft_mode'
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(g.oid) || ' enabled=' || g.tgenabled::text
  FROM pg_trigger AS g JOIN pg_class AS c ON c.oid = g.tgrelid
 WHERE c.relnamespace = 'draft_mode'::regnamespace AND NOT g.tgisinternal
UNION ALL
SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(t.typacl) AS a), '-')
  FROM pg_type AS t
 WHERE t.typnamespace = 'draft_mode'::regnamespace AND t.typtype <> 'b'
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class AS c WHERE c.oid = t.typrelid) = 'c')
UNION ALL
SELECT 'schema ' || n.nspname || ' owner=' || n.nspowner::regrole
       || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) AS a), '-')
  FROM pg_namespace AS n WHERE n.nspname = 'draft_mode'
UNION ALL
-- Comments (obj_description and col_description) of everything in the schema, the schema and
-- the extension.
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || md5(d.description)
  FROM pg_description AS d, pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
 WHERE o.schema = 'draft_mode' OR (o.type = 'schema' AND o.identity = 'draft_mode')
    OR (o.type = 'extension' AND o.identity = 'draft_mode')
UNION ALL
-- Tables pg_dump keeps the rows of (pg_extension_config_dump), with their conditions.
SELECT 'config ' || config.relation::regclass || ' where=' || coalesce(config.condition, '-')
  FROM pg_extension AS e, unnest(e.extconfig, e.extcondition) AS config(relation, condition)
 WHERE e.extname = 'draft_mode'
UNION ALL
SELECT 'extension ' || e.extname || ' relocatable=' || e.extrelocatable || ' schema=' || e.extnamespace::regnamespace
  FROM pg_extension AS e WHERE e.extname = 'draft_mode'
UNION ALL
SELECT 'default privileges ' || a.defaclrole::regrole || ' ' || coalesce(a.defaclnamespace::regnamespace::text, '-')
       || ' ' || a.defaclobjtype::text || ' '
       || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.defaclacl) AS x), '-')
  FROM pg_default_acl AS a
UNION ALL
SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend AS d JOIN pg_extension AS e ON d.refobjid = e.oid
 WHERE e.extname = 'draft_mode' AND d.deptype = 'e'
)
SELECT line FROM objects ORDER BY 1;
SQL
}

echo "1..7"
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

# A fresh install runs the server's draft_mode--$newest.sql: it must be sql/draft_mode.sql
# (make install copies it), or the comparison below would test some other file.
sharedir=$(sql -c "SELECT setting FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'")
if cmp -s "$sharedir/extension/draft_mode--$newest.sql" "$root/sql/draft_mode.sql"; then
  echo "ok 3 - the server's install script of $newest is sql/draft_mode.sql"
else
  echo "not ok 3 - the server's install script of $newest is sql/draft_mode.sql"
  echo "# $sharedir/extension/draft_mode--$newest.sql differs from sql/draft_mode.sql or is missing: run make install"
fi

sql -d draft_mode_fresh -c "CREATE EXTENSION draft_mode"
upgraded=$(describe draft_mode_upgraded)
fresh=$(describe draft_mode_fresh)
if [ -n "$fresh" ] && [ "$upgraded" = "$fresh" ]; then
  echo "ok 4 - the updated catalog equals a fresh install ($(echo "$fresh" | wc -l) objects)"
else
  echo "not ok 4 - the updated catalog equals a fresh install"
  diff <(echo "$fresh") <(echo "$upgraded") | head -40 | sed 's/^/# /'
fi

# Negative control: a catalog that really differs is noticed.
sql -d draft_mode_altered -c "CREATE EXTENSION draft_mode" \
  -c "ALTER TABLE draft_mode.history ADD COLUMN extra int" >/dev/null
altered=$(describe draft_mode_altered)
[ "$altered" != "$fresh" ] && echo "ok 5 - the comparison notices a changed catalog" \
  || echo "not ok 5 - the comparison notices a changed catalog"

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
  echo "ok 6 - a section written under $oldest works under $newest"
else
  echo "not ok 6 - a section written under $oldest works under $newest"
  echo "$after" | sed 's/^/# /'
fi

# The newest library under the oldest version's SQL, before the update.
if [ "$oldest" = "$newest" ]; then
  echo "ok 7 # skip only one version"
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
    echo "ok 7 - before the update, the $newest library refuses $oldest definitions with 55000"
  else
    echo "not ok 7 - before the update, the $newest library refuses $oldest definitions with 55000"
    echo "$outdated" | sed 's/^/# /'
  fi
fi
