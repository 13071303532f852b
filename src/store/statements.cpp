// The store's SQL text and kept plans (statements.h). Every statement is
// schema-qualified: the store functions run with search_path = pg_catalog,
// pg_temp.
#include "store/statements.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
}

namespace draft_mode::store {

namespace {

// The statement's plan, prepared and kept on first use.
SPIPlanPtr prepared(Statement &statement)
{
    if (statement.plan == nullptr) {
        SPIPlanPtr plan =
            SPI_prepare(statement.sql, statement.argument_count, statement.argument_types);
        if (plan == nullptr)
            elog(ERROR, "draft_mode: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
        statement.plan = plan;
    }
    return statement.plan;
}

} // namespace

// Reads version and lease together: the row as this transaction locked it.
// Whether the lease is current is decided by lock_section on this node's
// clock once the lock is held (with Citus, the coordinator's clock, which
// lease_times set the lease with, not the worker's).
Statement lock_statement = {
    "SELECT version, published_content, published_version, draft_content, section_type,"
    " undo_versions, redo_versions, lease_token, lease_holder, lease_expires_at, lease_ttl"
    " FROM draft_mode.sections WHERE tenant = $1 AND section = $2 FOR UPDATE",
    2,
    {TEXTOID, TEXTOID},
    nullptr};

// A new section at version 1: published ($4, $5 = 1, $6 now) or a draft
// only ($7, $8 now, with its own lifetime $9); $10 is now() (the
// transaction's start), passed in for Citus (see update_statement).
Statement create_statement = {
    "INSERT INTO draft_mode.sections (tenant, section, section_type, version,"
    " published_content, published_version, published_at, draft_content, draft_updated_at,"
    " draft_ttl, created_at, updated_at, updated_by)"
    " VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $10, draft_mode.current_actor())"
    " ON CONFLICT (tenant, section) DO NOTHING",
    10,
    {TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT8OID, TIMESTAMPTZOID, JSONBOID, TIMESTAMPTZOID,
     INTERVALOID, TIMESTAMPTZOID},
    nullptr};

// An abandoned section created again keeps its row and history: its type and
// draft lifetime are the new ones.
Statement revive_statement = {"UPDATE draft_mode.sections SET section_type = $3, draft_ttl = $4"
                              " WHERE tenant = $1 AND section = $2",
                              4,
                              {TEXTOID, TEXTOID, TEXTOID, INTERVALOID},
                              nullptr};

// $4 NULL keeps the published content, $9 true the draft, as stored: the
// row keeps their TOAST references instead of compressing them again. $10 is
// now() (the transaction's start), passed in: Citus refuses non-immutable
// functions inside CASE on a distributed table.
Statement update_statement = {
    "UPDATE draft_mode.sections SET version = $3,"
    " published_content = coalesce($4, published_content), published_version = $5,"
    " published_at = CASE WHEN $5 IS NULL THEN NULL WHEN $5 = published_version THEN published_at"
    " ELSE $10 END,"
    " draft_content = CASE WHEN $9 THEN draft_content ELSE $6 END,"
    " draft_updated_at = CASE WHEN $6 IS NULL THEN NULL ELSE $10 END,"
    " undo_versions = $7, redo_versions = $8, updated_at = $10, updated_by = $11"
    " WHERE tenant = $1 AND section = $2",
    11,
    {TEXTOID, TEXTOID, INT8OID, JSONBOID, INT8OID, JSONBOID, INT8ARRAYOID, INT8ARRAYOID, BOOLOID,
     TIMESTAMPTZOID, TEXTOID},
    nullptr};

// A change's history row; record_change() queues it for the feed. $9 is the
// actor (current_actor(), computed once per change: see actor_of_change).
Statement history_statement = {
    "INSERT INTO draft_mode.history (tenant, section, version, kind, actor, created_at,"
    " forward_patch, inverse_patch, snapshot, detail)"
    " VALUES ($1, $2, $3, $4, $9, pg_catalog.now(), $5, $6, $7, $8)",
    9,
    {TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID, JSONBOID, JSONBOID, JSONBOID, TEXTOID},
    nullptr};

// The actor a change is recorded under. draft_mode.current_actor() is a SQL
// function over other SQL functions (tenant bindings, settings, JWT claims),
// planned again at every call: evaluated once per change and passed to both
// the section row and the history row, instead of once in each (about a
// tenth of a patch_draft, bench/end-to-end).
Statement actor_statement = {"SELECT draft_mode.current_actor()", 0, {InvalidOid}, nullptr};

// A change waiting for its feed position, taken at commit by the deferred
// trigger draft_mode.record_change (which also notifies). A statement of its
// own: on Citus, history is distributed and the queue is local to the
// coordinator.
Statement queue_statement = {"INSERT INTO draft_mode.change_queue (tenant, section, version,"
                             " kind, forward_patch) VALUES ($1, $2, $3, $4, $5)",
                             5,
                             {TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID},
                             nullptr};

// A new lease on a section: fencing token $6 (token_statement's), held by
// the actor, from $3 until $4 (times computed and checked by lease_times).
Statement lease_statement = {
    "UPDATE draft_mode.sections SET lease_token = $6,"
    " lease_holder = draft_mode.current_actor(), lease_acquired_at = $3,"
    " lease_expires_at = $4, lease_ttl = $5"
    " WHERE tenant = $1 AND section = $2"
    " RETURNING lease_token, lease_holder, lease_acquired_at, lease_expires_at",
    6,
    {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INTERVALOID, INT8OID},
    nullptr};

// The next fencing token, drawn in a statement of its own: Citus refuses
// volatile functions in an UPDATE of a distributed table, and the sequence
// stays on the node that runs the store functions (the coordinator).
Statement next_token_statement = {
    "SELECT pg_catalog.nextval('draft_mode.lease_tokens')", 0, {}, nullptr};

Statement renew_statement = {
    "UPDATE draft_mode.sections SET lease_expires_at = $3, lease_ttl = $4"
    " WHERE tenant = $1 AND section = $2"
    " RETURNING lease_token, lease_holder, lease_acquired_at, lease_expires_at",
    4,
    {TEXTOID, TEXTOID, TIMESTAMPTZOID, INTERVALOID},
    nullptr};

Statement release_statement = {
    "UPDATE draft_mode.sections SET lease_token = NULL, lease_holder = NULL,"
    " lease_acquired_at = NULL, lease_expires_at = NULL, lease_ttl = NULL"
    " WHERE tenant = $1 AND section = $2",
    2,
    {TEXTOID, TEXTOID},
    nullptr};

// The section a lease token belongs to, among tenant $2's (NULL: any
// tenant's, for administrators).
Statement token_statement = {"SELECT tenant, section FROM draft_mode.sections"
                             " WHERE lease_token = $1 AND ($2 IS NULL OR tenant = $2)",
                             2,
                             {INT8OID, TEXTOID},
                             nullptr};

// The section whose lease token $1 was taken over, among tenant $2's.
Statement superseded_statement = {
    "SELECT tenant, section FROM draft_mode.history"
    " WHERE ($2 IS NULL OR tenant = $2) AND kind = 'take_over'"
    " AND (detail ->> 'previous_token')::pg_catalog.int8 = $1 LIMIT 1",
    2,
    {INT8OID, TEXTOID},
    nullptr};

// Whether the session works across tenants, and its tenant.
Statement session_statement = {
    "SELECT draft_mode.is_admin(), draft_mode.current_tenant()", 0, {}, nullptr};

// Claims an idempotency key: NULL to run the call, else its stored result.
Statement claim_statement = {"SELECT draft_mode.claim_idempotency_key($1, $2, $3, $4)",
                             4,
                             {TEXTOID, TEXTOID, TEXTOID, TEXTOID},
                             nullptr};

Statement history_row_statement = {"SELECT forward_patch, inverse_patch FROM draft_mode.history"
                                   " WHERE tenant = $1 AND section = $2 AND version = $3",
                                   3,
                                   {TEXTOID, TEXTOID, INT8OID},
                                   nullptr};

Statement snapshot_statement = {
    "SELECT version, snapshot FROM draft_mode.history"
    " WHERE tenant = $1 AND section = $2 AND version <= $3 AND snapshot IS NOT NULL"
    " ORDER BY version DESC LIMIT 1",
    3,
    {TEXTOID, TEXTOID, INT8OID},
    nullptr};

Statement patches_statement = {
    "SELECT version, forward_patch FROM draft_mode.history"
    " WHERE tenant = $1 AND section = $2 AND version > $3 AND version <= $4 ORDER BY version",
    4,
    {TEXTOID, TEXTOID, INT8OID, INT8OID},
    nullptr};

// The validator's errors as a jsonb array and its warnings as text[], each
// NULL when there are none.
Statement validation_statement = {
    "SELECT CASE WHEN pg_catalog.jsonb_array_length(r -> 'errors') > 0 THEN r -> 'errors' END,"
    " CASE WHEN pg_catalog.jsonb_array_length(r -> 'warnings') > 0"
    " THEN ARRAY(SELECT pg_catalog.jsonb_array_elements_text(r -> 'warnings')) END"
    " FROM draft_mode.validation_result($1, $2) AS r",
    2,
    {TEXTOID, JSONBOID},
    nullptr};

// Raises 42501 unless this session may act on the tenant (see
// draft_mode.check_tenant in the install script).
Statement tenant_statement = {"SELECT draft_mode.check_tenant($1)", 1, {TEXTOID}, nullptr};

// The current version of a section (content_at reads it in its snapshot).
Statement section_version_statement = {"SELECT version FROM draft_mode.sections"
                                       " WHERE tenant = $1 AND section = $2",
                                       2,
                                       {TEXTOID, TEXTOID},
                                       nullptr};

// [{"op": "replace", "path": "", "value": $1}]: the forward patch of a
// section created again.
Statement replace_root_statement = {
    "SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object("
    "'op', 'replace', 'path', '', 'value', $1))",
    1,
    {JSONBOID},
    nullptr};

int execute(Statement &statement, Datum *values, const char *nulls, bool read_only)
{
    int status = SPI_execute_plan(prepared(statement), values, nulls, read_only, 0);
    if (status < 0)
        elog(ERROR, "draft_mode: SPI_execute_plan failed: %s", SPI_result_code_string(status));
    return status;
}

Datum column(int number, bool *is_null)
{
    return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, number, is_null);
}

} // namespace draft_mode::store
