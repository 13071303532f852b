// Store operations: create, save/patch/merge a draft, publish, discard,
// restore, undo, redo, content_at, and edit-lock leases.
//
// Every mutation runs the same pipeline: claim its idempotency key (if
// given; a repeat returns the stored result here), lock the section row
// (FOR UPDATE, so concurrent writers of one section queue up), check the
// lease token and expected_version read by that one locked read, compute the
// new state, update the row, append a history row and queue a notification;
// all in the caller's transaction, so a failure anywhere changes nothing.
// Statements are prepared once per backend (SPI_keepplan).
// This file is Postgres-side code: it may ereport, so it keeps only trivially
// destructible locals; engine work happens in store/edit.cpp.
#include "boundary/postgres_headers.h"
#include "boundary/settings.h"
#include "store/edit.h"

extern "C" {
#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
}

namespace draft_mode::store {

namespace {

constexpr int sqlstate_section_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '1');
constexpr int sqlstate_section_exists = MAKE_SQLSTATE('D', 'M', '1', '0', '2');
constexpr int sqlstate_validation_failed = MAKE_SQLSTATE('D', 'M', '1', '0', '3');
constexpr int sqlstate_nothing_to_undo = MAKE_SQLSTATE('D', 'M', '1', '0', '4');
constexpr int sqlstate_version_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '5');
constexpr int sqlstate_version_conflict = MAKE_SQLSTATE('P', 'T', '4', '0', '9');
constexpr int sqlstate_section_leased = MAKE_SQLSTATE('D', 'M', '2', '0', '1');
constexpr int sqlstate_lease_lost = MAKE_SQLSTATE('D', 'M', '2', '0', '2');

// How many overlaps a refused rebase lists in its DETAIL.
constexpr int rebase_conflicts_reported = 20;

// A statement prepared on first use and kept for the life of the backend.
struct Statement {
    const char *sql;
    int argument_count;
    Oid argument_types[12];
    SPIPlanPtr plan;
};
DRAFT_MODE_POSTGRES_SIDE(Statement);

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

// Runs a kept statement; nulls[i] is 'n' for a NULL argument, ' ' otherwise.
// read_only runs it in the calling statement's snapshot; otherwise (in READ
// COMMITTED) it takes a new one and sees what committed meanwhile, such as
// the history rows of a writer this transaction waited for at the row lock.
int execute(Statement &statement, Datum *values, const char *nulls, bool read_only = false)
{
    int status = SPI_execute_plan(prepared(statement), values, nulls, read_only, 0);
    if (status < 0)
        elog(ERROR, "draft_mode: SPI_execute_plan failed: %s", SPI_result_code_string(status));
    return status;
}

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

// current_actor() as a text Datum in CurrentMemoryContext (never NULL: it
// falls back to the calling role).
Datum actor_of_change()
{
    execute(actor_statement, nullptr, "", true);
    bool is_null = true;
    Datum actor = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    if (is_null)
        elog(ERROR, "draft_mode: current_actor() returned NULL");
    return PointerGetDatum(DatumGetTextPCopy(actor));
}

// A change waiting for its feed position, taken at commit by the deferred
// trigger draft_mode.record_change (which also notifies). A statement of its
// own: on Citus, history is distributed and the queue is local to the
// coordinator.
Statement queue_statement = {"INSERT INTO draft_mode.change_queue (tenant, section, version,"
                             " kind, forward_patch) VALUES ($1, $2, $3, $4, $5)",
                             5,
                             {TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID},
                             nullptr};

// Writes a change's history row (values and nulls as history_statement
// takes them) and queues it for the feed.
void record_change(Datum *history, const char *nulls)
{
    execute(history_statement, history, nulls);
    execute(queue_statement, history, "     ");
}

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

void check_tenant(text *tenant)
{
    Datum values[1] = {PointerGetDatum(tenant)};
    execute(tenant_statement, values, " ", true);
}

// A locked section row; pointers are in the SPI context.
struct Section {
    text *tenant;
    text *name;
    int64 version;
    Datum published_datum;   // as stored: perhaps compressed or out of line
    int64 published_version; // 0: never published (a draft-first section)
    Jsonb *draft;            // null when there is no draft
    text *section_type;
    ArrayType *undo_versions;
    ArrayType *redo_versions;
    bool has_lease; // a lease is recorded (perhaps expired)
    int64 lease_token;
    bool lease_active; // recorded and not expired
    text *lease_holder;
    TimestampTz lease_expires_at;
    Interval *lease_ttl;

    bool has_published() const { return published_version != 0; }
    // Neither published nor a draft: a draft-first section whose draft was
    // discarded or expired. Reads and edits do not see it; creating it again
    // or restoring a version brings it back, with its history.
    bool abandoned() const { return draft == nullptr && !has_published(); }
    // The published content (null: never published), decompressed (again)
    // by each call.
    Jsonb *published() const
    {
        return has_published() ? DatumGetJsonbP(published_datum) : nullptr;
    }
    Jsonb *working() const { return draft != nullptr ? draft : published(); }
};
DRAFT_MODE_POSTGRES_SIDE(Section);

// What a write presents: the version it was computed from, the lease it
// holds, and whether it asks to be rebased.
struct Claim {
    bool has_expected;
    int64 expected;
    bool has_token;
    int64 token;
    bool rebase;
};
DRAFT_MODE_POSTGRES_SIDE(Claim);

// What a store operation returns (draft_mode.change).
struct Outcome {
    int64 version;
    const char *kind;
    bool changed;
    bool has_draft;
    int64 published_version; // 0: never published
    bool rebased;
    Datum warnings = 0; // text[] the validator warned of when it went live, or 0
};
DRAFT_MODE_POSTGRES_SIDE(Outcome);

Datum column(int number, bool *is_null)
{
    return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, number, is_null);
}

[[noreturn]] void raise_not_found(text *tenant, text *name)
{
    ereport(ERROR, (errcode(sqlstate_section_not_found),
                    errmsg("section \"%s\" of tenant \"%s\" does not exist", text_to_cstring(name),
                           text_to_cstring(tenant)),
                    errdetail_internal("{\"reason\":\"section_not_found\"}"),
                    errhint("Create it with draft_mode.create_section().")));
    pg_unreachable();
}

// Locks the section row for this transaction and reads it. An abandoned
// section does not exist for the caller unless abandoned_ok.
Section lock_section(text *tenant, text *name, bool abandoned_ok = false)
{
    Datum values[2] = {PointerGetDatum(tenant), PointerGetDatum(name)};
    execute(lock_statement, values, "  ");
    if (SPI_processed == 0)
        raise_not_found(tenant, name);
    Section section;
    bool is_null;
    section.tenant = tenant;
    section.name = name;
    section.version = DatumGetInt64(column(1, &is_null));
    section.published_datum = column(2, &is_null);
    Datum published_version = column(3, &is_null);
    section.published_version = is_null ? 0 : DatumGetInt64(published_version);
    Datum draft = column(4, &is_null);
    section.draft = is_null ? nullptr : DatumGetJsonbP(draft);
    Datum type = column(5, &is_null);
    section.section_type = is_null ? nullptr : DatumGetTextPP(type);
    section.undo_versions = DatumGetArrayTypeP(column(6, &is_null));
    section.redo_versions = DatumGetArrayTypeP(column(7, &is_null));
    Datum token = column(8, &is_null);
    section.has_lease = !is_null;
    section.lease_token = is_null ? 0 : DatumGetInt64(token);
    section.lease_active = false;
    if (section.has_lease) {
        section.lease_holder = DatumGetTextPP(column(9, &is_null));
        section.lease_expires_at = DatumGetTimestampTz(column(10, &is_null));
        section.lease_ttl = DatumGetIntervalP(column(11, &is_null));
        section.lease_active = section.lease_expires_at > GetCurrentTimestamp();
    }
    if (section.abandoned() && !abandoned_ok)
        raise_not_found(tenant, name);
    return section;
}

// A time as JSON writes it (ISO 8601), whatever DateStyle is.
char *json_time(TimestampTz time)
{
    return JsonEncodeDateTime(nullptr, TimestampTzGetDatum(time), TIMESTAMPTZOID, nullptr);
}

// The lease's holder and end as JSON members: "holder":...,"expires_at":...
char *lease_members(const Section &section)
{
    StringInfoData members;
    initStringInfo(&members);
    appendStringInfoString(&members, "\"holder\":");
    escape_json(&members, text_to_cstring(section.lease_holder));
    appendStringInfoString(&members, ",\"expires_at\":");
    escape_json(&members, json_time(section.lease_expires_at));
    return members.data;
}

// Raises DM201: someone holds the section's lease.
[[noreturn]] void raise_leased(const Section &section)
{
    ereport(ERROR,
            (errcode(sqlstate_section_leased),
             errmsg("section \"%s\" is leased by \"%s\" until %s", text_to_cstring(section.name),
                    text_to_cstring(section.lease_holder),
                    timestamptz_to_str(section.lease_expires_at)),
             errdetail_internal("{\"reason\":\"section_leased\",%s}", lease_members(section)),
             errhint("Wait until the lease ends or is released, or take it over with "
                     "draft_mode.take_over() (recorded in history).")));
    pg_unreachable();
}

// Raises DM202: token is not the section's current lease.
[[noreturn]] void raise_lease_lost(const Section &section, int64 token)
{
    const char *reason = !section.has_lease             ? "no_lease"
                         : section.lease_token != token ? "lease_superseded"
                                                        : "lease_expired";
    ereport(ERROR,
            (errcode(sqlstate_lease_lost),
             errmsg("lease token " INT64_FORMAT " is not the current lease of section \"%s\"",
                    token, text_to_cstring(section.name)),
             errdetail_internal("{\"reason\":\"%s\",\"token\":" INT64_FORMAT "%s%s}", reason, token,
                                section.lease_active ? "," : "",
                                section.lease_active ? lease_members(section) : ""),
             errhint("Your lease expired, was released or was taken over: acquire a new one, "
                     "re-read the section and redo the change.")));
    pg_unreachable();
}

// A write while the section is leased must present the current token; a
// presented token must be the current, unexpired lease.
void check_lease(const Section &section, const Claim &claim)
{
    if (claim.has_token) {
        if (!section.lease_active || section.lease_token != claim.token)
            raise_lease_lost(section, claim.token);
    } else if (section.lease_active) {
        raise_leased(section);
    }
}

// Raises the version conflict unless expected is null or current.
void check_version(const Section &section, bool has_expected, int64 expected)
{
    if (!has_expected || expected == section.version)
        return;
    ereport(ERROR,
            (errcode(sqlstate_version_conflict),
             errmsg("version conflict on section \"%s\": expected version " INT64_FORMAT
                    ", current version is " INT64_FORMAT,
                    text_to_cstring(section.name), expected, section.version),
             errdetail_internal("{\"current_version\":" INT64_FORMAT
                                ",\"expected_version\":" INT64_FORMAT "}",
                                section.version, expected),
             errhint("Re-read the section, reapply the change, and retry with expected_version "
                     "= " INT64_FORMAT ".",
                     section.version)));
}

// Elements of an int8[] (palloc'd), and their count.
int64 *array_items(ArrayType *array, int *count)
{
    Datum *datums;
    bool *nulls;
    deconstruct_array(array, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE, &datums, &nulls, count);
    auto *items = static_cast<int64 *>(palloc((*count + 1) * sizeof(int64)));
    for (int i = 0; i < *count; ++i)
        items[i] = DatumGetInt64(datums[i]);
    return items;
}

ArrayType *make_array(const int64 *items, int count)
{
    auto *datums = static_cast<Datum *>(palloc((count + 1) * sizeof(Datum)));
    for (int i = 0; i < count; ++i)
        datums[i] = Int64GetDatum(items[i]);
    return construct_array(datums, count, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE);
}

// The undo stack after pushing version, keeping the newest undo_steps.
ArrayType *push_version(ArrayType *stack, int64 version)
{
    int count;
    int64 *items = array_items(stack, &count);
    items[count++] = version;
    int keep = boundary::undo_steps();
    int skip = count > keep ? count - keep : 0;
    return make_array(items + skip, count - skip);
}

// The stack without its top; *top receives it. False when empty.
bool pop_version(ArrayType *stack, ArrayType **rest, int64 *top)
{
    int count;
    int64 *items = array_items(stack, &count);
    if (count == 0)
        return false;
    *top = items[count - 1];
    *rest = make_array(items, count - 1);
    return true;
}

// A new state of a section, written by commit_change.
struct NewState {
    const char *kind;
    Jsonb *content; // working content after the change
    Jsonb *forward;
    Jsonb *inverse;
    Jsonb *published;
    int64 published_version; // 0: the new version; -1: never published
    bool keep_draft;         // false: no draft afterwards
    ArrayType *undo_versions;
    ArrayType *redo_versions;
    Jsonb *detail = nullptr; // history's detail, if any
    bool snapshot = false;   // history keeps a snapshot even off the interval
};
DRAFT_MODE_POSTGRES_SIDE(NewState);

constexpr int64 never_published = -1;

// The published version a change that does not publish keeps.
int64 kept_published_version(const Section &section)
{
    return section.has_published() ? section.published_version : never_published;
}

// Writes a change: section row, history row, notification.
Outcome commit_change(const Section &section, const NewState &state)
{
    int64 version = section.version + 1;
    int64 published_version = state.published_version == 0 ? version : state.published_version;
    bool has_published = published_version != never_published;
    // A draft identical to the published content is no draft at all. The
    // stored published content is decompressed only if its size matches.
    bool has_draft = state.keep_draft;
    if (has_draft && state.published != nullptr)
        has_draft = !same_jsonb(state.content, state.published);
    else if (has_draft && section.has_published() &&
             toast_raw_datum_size(section.published_datum) == VARSIZE(state.content))
        has_draft = !same_jsonb(state.content, section.published());
    bool keep_stored_draft = has_draft && state.content == section.draft;

    Datum actor = actor_of_change();
    Datum row[11] = {PointerGetDatum(section.tenant),
                     PointerGetDatum(section.name),
                     Int64GetDatum(version),
                     PointerGetDatum(state.published),
                     Int64GetDatum(published_version),
                     PointerGetDatum(has_draft ? state.content : nullptr),
                     PointerGetDatum(state.undo_versions),
                     PointerGetDatum(state.redo_versions),
                     BoolGetDatum(keep_stored_draft),
                     TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
                     actor};
    char row_nulls[12] = "           ";
    if (state.published == nullptr)
        row_nulls[3] = 'n';
    if (!has_published)
        row_nulls[4] = 'n';
    if (!has_draft)
        row_nulls[5] = 'n';
    execute(update_statement, row, row_nulls);

    bool snapshot = state.snapshot || version % boundary::snapshot_interval() == 0;
    Datum history[9] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                        Int64GetDatum(version),          CStringGetTextDatum(state.kind),
                        PointerGetDatum(state.forward),  PointerGetDatum(state.inverse),
                        PointerGetDatum(state.content),  PointerGetDatum(state.detail),
                        actor};
    char history_nulls[10] = "         ";
    if (!snapshot)
        history_nulls[6] = 'n';
    if (state.detail == nullptr)
        history_nulls[7] = 'n';
    record_change(history, history_nulls);
    return Outcome{version, state.kind, true, has_draft, has_published ? published_version : 0,
                   false};
}

// The outcome of an operation that changed nothing.
Outcome unchanged(const Section &section, const char *kind)
{
    return Outcome{section.version,           kind, false, section.draft != nullptr,
                   section.published_version, false};
}

Jsonb *empty_patch()
{
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("[]")));
}

// Records an edit of the working content (save, patch, merge, restore, undo,
// redo): it becomes the draft.
Outcome commit_edit(const Section &section, const char *kind, const EditResult &edit,
                    ArrayType *undo_versions, ArrayType *redo_versions, Jsonb *detail = nullptr)
{
    NewState state = {
        kind, edit.content,  edit.forward,  edit.inverse, nullptr, kept_published_version(section),
        true, undo_versions, redo_versions, detail};
    return commit_change(section, state);
}

// Locks the section and checks what a write presents: lease, then version.
Section lock_for_write(text *tenant, text *name, const Claim &claim, bool abandoned_ok = false)
{
    Section section = lock_section(tenant, name, abandoned_ok);
    check_lease(section, claim);
    check_version(section, claim.has_expected, claim.expected);
    return section;
}

// Checks that patch, written against version expected, may be rebased onto
// the section's working content: every change since is in history and none
// overlaps the patch (engine/json_rebase.h). Raises the version conflict
// with the overlapping paths otherwise.
void check_rebase(const Section &section, int64 expected, Jsonb *patch)
{
    Datum values[4] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                       Int64GetDatum(expected), Int64GetDatum(section.version)};
    execute(patches_statement, values, "    ");
    int count = static_cast<int>(SPI_processed);
    const char *conflicts = nullptr;
    if (count == section.version - expected) {
        auto **changes = static_cast<Jsonb **>(palloc(count * sizeof(Jsonb *)));
        bool is_null;
        for (int i = 0; i < count; ++i)
            changes[i] = DatumGetJsonbP(
                SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
        conflicts = rebase_conflicts(section.working(), patch, changes, count, expected + 1,
                                     rebase_conflicts_reported);
        if (conflicts == nullptr)
            return;
    }
    ereport(ERROR,
            (errcode(sqlstate_version_conflict),
             errmsg("version conflict on section \"%s\": expected version " INT64_FORMAT
                    ", current version is " INT64_FORMAT ", and the patch cannot be rebased",
                    text_to_cstring(section.name), expected, section.version),
             errdetail_internal(
                 "{\"current_version\":" INT64_FORMAT ",\"expected_version\":" INT64_FORMAT
                 ",\"reason\":\"%s\",\"conflicts\":%s}",
                 section.version, expected, conflicts != nullptr ? "overlap" : "history_pruned",
                 conflicts != nullptr ? conflicts : "[]"),
             errhint(conflicts != nullptr
                         ? "Changes since expected_version touch what the patch reads or writes "
                           "(see \"conflicts\"): re-read the section and redo the change."
                         : "History no longer holds every change since expected_version: "
                           "re-read the section and redo the change.")));
}

// An undoable edit: pushed on the undo stack, clears the redo stack. A patch
// with claim.rebase may come from an older version (check_rebase).
Outcome edit_section(text *tenant, text *name, const Claim &claim, Jsonb *argument,
                     EditKind edit_kind, const char *kind)
{
    Section section = lock_section(tenant, name);
    check_lease(section, claim);
    bool rebased = claim.rebase && edit_kind == EditKind::Patch && claim.expected >= 1 &&
                   claim.expected < section.version;
    if (rebased)
        check_rebase(section, claim.expected, argument);
    else
        check_version(section, claim.has_expected, claim.expected);
    EditResult edit = compute_edit(section.working(), argument, edit_kind);
    if (!edit.changed) {
        Outcome outcome = unchanged(section, kind);
        outcome.rebased = rebased;
        return outcome;
    }
    Jsonb *detail = nullptr;
    if (rebased) {
        char *text = psprintf("{\"rebased_from\": " INT64_FORMAT "}", claim.expected);
        detail = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
    }
    Outcome outcome =
        commit_edit(section, kind, edit, push_version(section.undo_versions, section.version + 1),
                    make_array(nullptr, 0), detail);
    outcome.rebased = rebased;
    return outcome;
}

// Raises DM105: retention removed what rebuilding version needs.
[[noreturn]] void raise_pruned(text *name, int64 version, const char *hint)
{
    ereport(ERROR, (errcode(sqlstate_version_not_found),
                    errmsg("version " INT64_FORMAT " of section \"%s\" is no longer in history",
                           version, text_to_cstring(name)),
                    errdetail_internal(
                        "{\"version\":" INT64_FORMAT ",\"reason\":\"history_pruned\"}", version),
                    errhint("%s", hint)));
    pg_unreachable();
}

// Reads forward or inverse patch of one history row.
Jsonb *history_patch(const Section &section, int64 version, bool inverse)
{
    Datum values[3] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                       Int64GetDatum(version)};
    execute(history_row_statement, values, "   ");
    if (SPI_processed == 0)
        raise_pruned(section.name, version,
                     "Retention removed it; restore a version that history still "
                     "lists.");
    bool is_null;
    return DatumGetJsonbP(column(inverse ? 2 : 1, &is_null));
}

// Undo (pop undo, push redo) or redo (pop redo, push undo).
Outcome undo_or_redo(text *tenant, text *name, const Claim &claim, bool undo)
{
    Section section = lock_for_write(tenant, name, claim);
    ArrayType *from_rest;
    int64 step;
    if (!pop_version(undo ? section.undo_versions : section.redo_versions, &from_rest, &step))
        ereport(ERROR, (errcode(sqlstate_nothing_to_undo),
                        errmsg("nothing to %s on section \"%s\"", undo ? "undo" : "redo",
                               text_to_cstring(name)),
                        errdetail_internal("{\"reason\":\"%s\"}",
                                           undo ? "undo_stack_empty" : "redo_stack_empty"),
                        errhint(undo ? "Every edit since the section was created, up to "
                                       "draft_mode.undo_steps, has been undone."
                                     : "Redo is possible only after undo, before any new edit.")));
    EditResult edit =
        compute_edit(section.working(), history_patch(section, step, undo), EditKind::Patch);
    if (!edit.changed) {
        edit.forward = empty_patch();
        edit.inverse = edit.forward;
    }
    int64 version = section.version + 1;
    // Undo pushes the undone edit on the redo stack; redo pushes its own
    // version on the undo stack (undoing it undoes the redone edit).
    ArrayType *undo_versions = undo ? from_rest : push_version(section.undo_versions, version);
    ArrayType *redo_versions = undo ? push_version(section.redo_versions, step) : from_rest;
    return commit_edit(section, undo ? "undo" : "redo", edit, undo_versions, redo_versions);
}

// The working content at version, rebuilt from the nearest snapshot.
// read_only: read in the calling statement's snapshot (content_at is STABLE).
Jsonb *content_at_version(text *tenant, text *name, int64 current_version, int64 version,
                          bool read_only = false)
{
    if (version < 1 || version > current_version)
        ereport(
            ERROR,
            (errcode(sqlstate_version_not_found),
             errmsg("section \"%s\" has no version " INT64_FORMAT, text_to_cstring(name), version),
             errdetail_internal("{\"version\":" INT64_FORMAT ",\"current_version\":" INT64_FORMAT
                                ",\"reason\":\"no_such_version\"}",
                                version, current_version),
             errhint("Versions run from 1 to the section's current version.")));
    Datum values[4] = {PointerGetDatum(tenant), PointerGetDatum(name), Int64GetDatum(version), 0};
    execute(snapshot_statement, values, "   ", read_only);
    if (SPI_processed == 0)
        raise_pruned(name, version, "Retention removed the snapshot it would be rebuilt from.");
    bool is_null;
    int64 snapshot_version = DatumGetInt64(column(1, &is_null));
    Jsonb *snapshot = DatumGetJsonbP(column(2, &is_null));
    if (snapshot_version == version)
        return snapshot;

    values[2] = Int64GetDatum(snapshot_version);
    values[3] = Int64GetDatum(version);
    execute(patches_statement, values, "    ", read_only);
    int count = static_cast<int>(SPI_processed);
    if (count != version - snapshot_version)
        raise_pruned(name, version, "Retention removed a change it would be rebuilt from.");
    auto **patches = static_cast<Jsonb **>(palloc(count * sizeof(Jsonb *)));
    for (int i = 0; i < count; ++i)
        patches[i] = DatumGetJsonbP(
            SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
    return apply_patches(snapshot, patches, count);
}

// Raises DM103 when the section type's validator reports errors for content;
// returns its warnings (text[], valid until SPI_finish), or 0 when none.
Datum validate_or_raise(const Section &section, Jsonb *content)
{
    if (section.section_type == nullptr)
        return 0;
    Datum values[2] = {PointerGetDatum(section.section_type), PointerGetDatum(content)};
    execute(validation_statement, values, "  ", true);
    bool is_null;
    Datum warnings = column(2, &is_null);
    if (is_null)
        warnings = 0;
    Datum errors = column(1, &is_null);
    if (is_null)
        return warnings;
    StringInfoData detail;
    initStringInfo(&detail);
    appendStringInfoString(&detail, "{\"section\":");
    escape_json(&detail, text_to_cstring(section.name));
    appendStringInfoString(&detail, ",\"section_type\":");
    escape_json(&detail, text_to_cstring(section.section_type));
    appendStringInfo(&detail, ",\"errors\":%s}",
                     DatumGetCString(DirectFunctionCall1(jsonb_out, errors)));
    ereport(ERROR,
            (errcode(sqlstate_validation_failed),
             errmsg("section \"%s\" is not valid: publish refused", text_to_cstring(section.name)),
             errdetail_internal("%s", detail.data),
             errhint("Fix every error listed in \"errors\" and publish again.")));
    pg_unreachable();
}

// Raises 55000: this database's draft_mode SQL definitions are older than
// the library, which serves the newest only (ALTER EXTENSION ... UPDATE was
// not run after installing it).
[[noreturn]] void raise_outdated()
{
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("the draft_mode library is newer than the draft_mode extension of this "
                           "database"),
                    errdetail_internal("{\"reason\":\"extension_not_updated\"}"),
                    errhint("Run ALTER EXTENSION draft_mode UPDATE in this database.")));
    pg_unreachable();
}

// Checks that the SQL definition calling this function is the newest: it
// passes count arguments. Call before reading any argument.
void check_arguments(FunctionCallInfo fcinfo, int count)
{
    if (PG_NARGS() != count)
        raise_outdated();
}

// Returns an Outcome as a draft_mode.change composite, built in context.
Datum outcome_datum(FunctionCallInfo fcinfo, text *tenant, text *name, const Outcome &outcome,
                    MemoryContext context)
{
    MemoryContext previous = MemoryContextSwitchTo(context);
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "draft_mode: function must return draft_mode.change");
    if (descriptor->natts != 9)
        raise_outdated();
    descriptor = BlessTupleDesc(descriptor);
    Datum values[9] = {PointerGetDatum(tenant),
                       PointerGetDatum(name),
                       Int64GetDatum(outcome.version),
                       CStringGetTextDatum(outcome.kind),
                       BoolGetDatum(outcome.changed),
                       BoolGetDatum(outcome.has_draft),
                       Int64GetDatum(outcome.published_version),
                       BoolGetDatum(outcome.rebased),
                       outcome.warnings};
    bool nulls[9] = {false, false, false, false, false, false, outcome.published_version == 0,
                     false, outcome.warnings == 0};
    Datum result = HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
    MemoryContextSwitchTo(previous);
    return result;
}

// Returns the lease that the last statement's RETURNING (token, holder,
// acquired_at, expires_at) reports as a draft_mode.lease, built in context.
Datum lease_datum(FunctionCallInfo fcinfo, text *tenant, text *name, MemoryContext context)
{
    bool is_null;
    Datum values[6] = {PointerGetDatum(tenant), PointerGetDatum(name), column(1, &is_null),
                       column(2, &is_null),     column(3, &is_null),   column(4, &is_null)};
    bool nulls[6] = {false, false, false, false, false, false};
    MemoryContext previous = MemoryContextSwitchTo(context);
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "draft_mode: function must return draft_mode.lease");
    if (descriptor->natts != 6)
        raise_outdated();
    descriptor = BlessTupleDesc(descriptor);
    Datum result = HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
    MemoryContextSwitchTo(previous);
    return result;
}

// Raises 22004 when a required argument is NULL.
void require(FunctionCallInfo fcinfo, int argument, const char *name,
             const char *hint = "Pass a value; only expected_version of publish and discard "
                                "may be null.")
{
    if (PG_ARGISNULL(argument))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("argument \"%s\" must not be null", name),
                        errdetail_internal("{\"argument\":\"%s\"}", name), errhint("%s", hint)));
}

// expected_version is required for edits: they are compare-and-swap.
void require_expected_version(FunctionCallInfo fcinfo, int argument)
{
    require(fcinfo, argument, "expected_version",
            "Pass the version you last read (draft_mode.get_section returns it); edits are "
            "compare-and-swap.");
}

// When a lease taken now for ttl starts and ends.
struct LeaseTimes {
    TimestampTz at;
    TimestampTz expires;
    Interval *ttl;
};
DRAFT_MODE_POSTGRES_SIDE(LeaseTimes);

// A lease lasts from 1 second to 24 hours, measured on the calendar it is
// taken on (timestamp arithmetic: months and days vary in length, so every
// field of ttl counts, with its sign); raises 22023 otherwise. The clock is
// the database server's (clock_timestamp()).
LeaseTimes lease_times(Interval *ttl)
{
    LeaseTimes times = {GetCurrentTimestamp(), 0, ttl};
    // Fields this far out could overflow the timestamp: refuse them first.
    bool sane = ttl->month > -12 * 1000 && ttl->month < 12 * 1000 && ttl->day > -366 * 1000 &&
                ttl->day < 366 * 1000 && ttl->time > -1000 * 366 * USECS_PER_DAY &&
                ttl->time < 1000 * 366 * USECS_PER_DAY;
    if (sane)
        times.expires = DatumGetTimestampTz(DirectFunctionCall2(
            timestamptz_pl_interval, TimestampTzGetDatum(times.at), IntervalPGetDatum(ttl)));
    if (!sane || times.expires - times.at < USECS_PER_SEC ||
        times.expires - times.at > 24 * SECS_PER_HOUR * USECS_PER_SEC)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("lease ttl must be between 1 second and 24 hours"),
                 errdetail_internal(
                     "{\"argument\":\"ttl\",\"minimum\":\"00:00:01\",\"maximum\":\"24:00:00\"}"),
                 errhint("Take a short lease and renew it while editing (renew_lease).")));
    return times;
}

Interval *lease_ttl(FunctionCallInfo fcinfo, int argument)
{
    require(fcinfo, argument, "ttl", "Pass how long the lease lasts, for example '5 minutes'.");
    Interval *ttl = PG_GETARG_INTERVAL_P(argument);
    lease_times(ttl);
    return ttl;
}

// Raises 22023 unless value (argument name) is 1 to max_bytes bytes long:
// the table's own check would report the row instead.
void check_length(text *value, const char *name, int max_bytes, const char *hint)
{
    int bytes = VARSIZE_ANY_EXHDR(value);
    if (bytes < 1 || bytes > max_bytes)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("argument \"%s\" must be 1 to %d bytes long", name, max_bytes),
                        errdetail_internal("{\"argument\":\"%s\",\"reason\":\"length\","
                                           "\"min_bytes\":1,\"max_bytes\":%d,\"bytes\":%d}",
                                           name, max_bytes, bytes),
                        errhint("%s", hint)));
}

// The request an idempotency key stands for: every argument but the key, as
// text, each prefixed by its length.
char *request_text(FunctionCallInfo fcinfo, int key_argument)
{
    Oid *types;
    int count;
    get_func_signature(fcinfo->flinfo->fn_oid, &types, &count);
    StringInfoData request;
    initStringInfo(&request);
    for (int i = 0; i < count; ++i) {
        if (i == key_argument)
            continue;
        if (PG_ARGISNULL(i)) {
            appendStringInfoString(&request, "null;");
            continue;
        }
        Oid output;
        bool is_varlena;
        getTypeOutputInfo(types[i], &output, &is_varlena);
        char *text = OidOutputFunctionCall(output, PG_GETARG_DATUM(i));
        appendStringInfo(&request, "%zu:%s;", strlen(text), text);
    }
    return request.data;
}

// Claims an idempotency key (draft_mode.claim_idempotency_key). False: run
// the call. True: *result is the stored result of the same earlier request,
// as the function's result type, in the caller's memory context.
bool replay_or_claim(FunctionCallInfo fcinfo, text *tenant, text *key, const char *operation,
                     int key_argument, Datum *result)
{
    Datum values[4] = {PointerGetDatum(tenant), PointerGetDatum(key),
                       CStringGetTextDatum(operation),
                       CStringGetTextDatum(request_text(fcinfo, key_argument))};
    execute(claim_statement, values, "    ");
    bool is_null;
    Datum stored = column(1, &is_null);
    if (is_null)
        return false;
    Oid type = get_func_rettype(fcinfo->flinfo->fn_oid);
    char *query =
        psprintf("SELECT pg_catalog.jsonb_populate_record(NULL::%s, $1)", format_type_be(type));
    Oid argument_types[1] = {JSONBOID};
    if (SPI_execute_with_args(query, 1, argument_types, &stored, " ", true, 1) != SPI_OK_SELECT)
        elog(ERROR, "draft_mode: could not read a stored idempotent result");
    *result = SPI_datumTransfer(column(1, &is_null), false, -1);
    return true;
}

// Stores result (of the function's result type) for the claimed key.
void store_result(FunctionCallInfo fcinfo, text *tenant, text *key, Datum result)
{
    Oid argument_types[3] = {TEXTOID, TEXTOID, get_func_rettype(fcinfo->flinfo->fn_oid)};
    Datum values[3] = {PointerGetDatum(tenant), PointerGetDatum(key), result};
    if (SPI_execute_with_args(
            "SELECT draft_mode.store_idempotent_result($1, $2, pg_catalog.to_jsonb($3))", 3,
            argument_types, values, "   ", false, 0) != SPI_OK_SELECT)
        elog(ERROR, "draft_mode: could not store an idempotent result");
}

// Runs body(tenant, section, caller context) between SPI_connect and
// SPI_finish, after checking the session may act on the tenant. With an
// idempotency key (argument key_argument; -1: the function takes none), a
// repeat of the same request returns the stored result instead, and body's
// result is stored. body returns the function's result built in the
// caller's memory context.
template <typename Body>
Datum run_call(FunctionCallInfo fcinfo, const char *operation, int key_argument, Body body)
{
    require(fcinfo, 0, "tenant");
    require(fcinfo, 1, "section");
    text *tenant = PG_GETARG_TEXT_PP(0);
    text *name = PG_GETARG_TEXT_PP(1);
    text *key = key_argument >= 0 && !PG_ARGISNULL(key_argument) ? PG_GETARG_TEXT_PP(key_argument)
                                                                 : nullptr;
    check_length(tenant, "tenant", 200, "Tenant names are at most 200 bytes.");
    check_length(name, "section", 1000, "Section names are at most 1000 bytes.");
    if (key != nullptr)
        check_length(key, "idempotency_key", 200,
                     "Use a short unique key per request, such as a UUID.");
    MemoryContext caller = CurrentMemoryContext;
    boundary::require_valid_settings(false);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "draft_mode: SPI_connect failed");
    check_tenant(tenant);
    Datum result;
    if (key == nullptr || !replay_or_claim(fcinfo, tenant, key, operation, key_argument, &result)) {
        result = body(tenant, name, caller);
        if (key != nullptr)
            store_result(fcinfo, tenant, key, result);
    }
    SPI_finish();
    return result;
}

// run_call for the store's operations, whose body returns an Outcome.
template <typename Body>
Datum run_operation(FunctionCallInfo fcinfo, const char *operation, int key_argument, Body body)
{
    // Under older SQL definitions (fewer attributes of draft_mode.change),
    // refuse before any statement runs against the older schema.
    TupleDesc result;
    if (get_call_result_type(fcinfo, nullptr, &result) != TYPEFUNC_COMPOSITE || result->natts != 9)
        raise_outdated();
    return run_call(fcinfo, operation, key_argument,
                    [&](text *tenant, text *name, MemoryContext caller) {
                        return outcome_datum(fcinfo, tenant, name, body(tenant, name), caller);
                    });
}

// What a write presents, from its arguments (-1: the function has none).
Claim claim_from(FunctionCallInfo fcinfo, int expected_argument, int token_argument,
                 int rebase_argument = -1)
{
    Claim claim = {};
    claim.has_expected = !PG_ARGISNULL(expected_argument);
    claim.expected = claim.has_expected ? PG_GETARG_INT64(expected_argument) : 0;
    claim.has_token = token_argument >= 0 && !PG_ARGISNULL(token_argument);
    claim.token = claim.has_token ? PG_GETARG_INT64(token_argument) : 0;
    claim.rebase =
        rebase_argument >= 0 && !PG_ARGISNULL(rebase_argument) && PG_GETARG_BOOL(rebase_argument);
    return claim;
}

// The body of save_draft, patch_draft and merge_draft: (tenant, section,
// argument, expected_version, lease_token, idempotency_key[, rebase]), where
// argument is the edit of the given kind.
Datum edit_entry(FunctionCallInfo fcinfo, const char *argument, EditKind edit_kind,
                 const char *kind, const char *operation, int argument_count)
{
    check_arguments(fcinfo, argument_count);
    require(fcinfo, 2, argument);
    require_expected_version(fcinfo, 3);
    Claim claim = claim_from(fcinfo, 3, 4, PG_NARGS() > 6 ? 6 : -1);
    return run_operation(fcinfo, operation, 5, [&](text *tenant, text *name) {
        return edit_section(tenant, name, claim, PG_GETARG_JSONB_P(2), edit_kind, kind);
    });
}

// The body of discard (tenant, section, expected_version => null,
// lease_token, idempotency_key) and of expire_draft (tenant, section,
// expected_version: maintenance, which leases do not stop); drops the
// draft, back to the published content, recorded as kind. Undoable: the
// draft stays in history.
Datum drop_draft(FunctionCallInfo fcinfo, const char *kind, bool maintenance)
{
    // expire_draft kept its arguments: its result type tells the version
    // (run_operation checks it).
    check_arguments(fcinfo, maintenance ? 3 : 5);
    Claim claim = claim_from(fcinfo, 2, maintenance ? -1 : 3);
    return run_operation(fcinfo, kind, maintenance ? -1 : 4, [&](text *tenant, text *name) {
        Section section = lock_section(tenant, name);
        if (maintenance) {
            // Maintenance chose this draft from an earlier look at the row:
            // an editor who changed or leased it since keeps it.
            if (section.version != claim.expected || section.lease_active)
                return unchanged(section, kind);
        } else {
            check_lease(section, claim);
            check_version(section, claim.has_expected, claim.expected);
        }
        if (section.draft == nullptr)
            return unchanged(section, kind);
        if (!section.has_published()) {
            // A draft-first section that was never published is abandoned:
            // history keeps its last draft (the working content of this
            // version), from which restore brings it back.
            Jsonb *empty = empty_patch();
            NewState state = {kind,  section.draft,          empty,
                              empty, nullptr,                never_published,
                              false, make_array(nullptr, 0), make_array(nullptr, 0)};
            return commit_change(section, state);
        }
        Jsonb *published = section.published();
        EditResult edit = compute_edit(section.draft, published, EditKind::Replace);
        NewState state = {kind,
                          published,
                          edit.forward,
                          edit.inverse,
                          nullptr,
                          section.published_version,
                          false,
                          push_version(section.undo_versions, section.version + 1),
                          make_array(nullptr, 0)};
        return commit_change(section, state);
    });
}

// The body of undo and redo: (tenant, section, expected_version,
// lease_token, idempotency_key).
Datum undo_redo_entry(FunctionCallInfo fcinfo, bool undo)
{
    check_arguments(fcinfo, 5);
    require_expected_version(fcinfo, 2);
    Claim claim = claim_from(fcinfo, 2, 3);
    return run_operation(fcinfo, undo ? "undo" : "redo", 4, [&](text *tenant, text *name) {
        return undo_or_redo(tenant, name, claim, undo);
    });
}

// Gives the section a new lease (the next token) held by the actor; returns
// it as draft_mode.lease in context, and its token in *token.
Datum new_lease(FunctionCallInfo fcinfo, const Section &section, Interval *ttl,
                MemoryContext context, int64 *token)
{
    LeaseTimes times = lease_times(ttl);
    execute(next_token_statement, nullptr, "");
    bool token_null;
    Datum next_token = column(1, &token_null);
    Datum values[6] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                       TimestampTzGetDatum(times.at), TimestampTzGetDatum(times.expires),
                       IntervalPGetDatum(ttl),          next_token};
    execute(lease_statement, values, "      ");
    bool is_null;
    *token = DatumGetInt64(column(1, &is_null));
    return lease_datum(fcinfo, section.tenant, section.name, context);
}

// The tenant whose sections a token alone may name: the session's, or NULL
// (any tenant) for administrators. Raises 42501 when no tenant is set.
Datum token_scope(bool *any_tenant)
{
    execute(session_statement, nullptr, "", true);
    bool admin_null, tenant_null;
    bool admin = DatumGetBool(column(1, &admin_null));
    Datum tenant = column(2, &tenant_null);
    *any_tenant = admin;
    if (admin)
        return 0;
    if (tenant_null) {
        Datum values[1] = {0};
        execute(tenant_statement, values, "n", true); // raises tenant_not_set
    }
    return tenant;
}

// Locks the section whose current lease token is token, among the sections
// the session may act on. False when there is none: the answer is the same
// whether another tenant has that token or nobody has.
bool lock_leased_section(int64 token, Section *section)
{
    bool any_tenant;
    Datum tenant = token_scope(&any_tenant);
    Datum values[2] = {Int64GetDatum(token), tenant};
    execute(token_statement, values, any_tenant ? " n" : "  ");
    if (SPI_processed == 0)
        return false;
    bool is_null;
    *section = lock_section(DatumGetTextPP(column(1, &is_null)), DatumGetTextPP(column(2, &is_null)));
    return true;
}

// Raises DM202 for a token that is no section's current lease (of the
// sessions's tenant): lease_superseded when history shows it was taken over,
// else no_lease.
[[noreturn]] void raise_no_lease(int64 token)
{
    bool any_tenant;
    Datum tenant = token_scope(&any_tenant);
    Datum values[2] = {Int64GetDatum(token), tenant};
    execute(superseded_statement, values, any_tenant ? " n" : "  ");
    if (SPI_processed > 0) {
        bool is_null;
        raise_lease_lost(lock_section(DatumGetTextPP(column(1, &is_null)),
                                      DatumGetTextPP(column(2, &is_null))),
                         token);
    }
    ereport(ERROR,
            (errcode(sqlstate_lease_lost),
             errmsg("lease token " INT64_FORMAT " is not a current lease", token),
             errdetail_internal("{\"reason\":\"no_lease\",\"token\":" INT64_FORMAT "}", token),
             errhint("Your lease expired, was released or was taken over: acquire a new "
                     "one, re-read the section and redo the change.")));
    pg_unreachable();
}

// Extends section's lease, which token must be, by ttl (NULL: its own) from
// now; returns it as draft_mode.lease in context.
Datum renew(FunctionCallInfo fcinfo, const Section &section, int64 token, Interval *ttl,
            MemoryContext context)
{
    if (!section.lease_active || section.lease_token != token)
        raise_lease_lost(section, token);
    LeaseTimes times = lease_times(ttl != nullptr ? ttl : section.lease_ttl);
    Datum values[4] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                       TimestampTzGetDatum(times.expires), IntervalPGetDatum(times.ttl)};
    execute(renew_statement, values, "    ");
    return lease_datum(fcinfo, section.tenant, section.name, context);
}

// Ends section's lease if token is it; true when it was current.
bool release(const Section &section, int64 token)
{
    if (!section.has_lease || section.lease_token != token)
        return false;
    Datum values[2] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name)};
    execute(release_statement, values, "  ");
    return section.lease_active;
}

// A draft's own lifetime (create_draft's ttl): at least a second.
Interval *checked_draft_ttl(Interval *ttl)
{
    double microseconds = static_cast<double>(ttl->time) +
                          static_cast<double>(ttl->day) * USECS_PER_DAY +
                          static_cast<double>(ttl->month) * DAYS_PER_MONTH * USECS_PER_DAY;
    if (microseconds < USECS_PER_SEC)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("draft ttl must be at least 1 second"),
                        errdetail_internal("{\"argument\":\"ttl\",\"minimum\":\"00:00:01\"}"),
                        errhint("Pass how long the draft may sit unedited, for example "
                                "'24 hours'; NULL leaves it to the type's and the global "
                                "lifetime.")));
    return ttl;
}

// [{"op": "replace", "path": "", "value": content}]
Jsonb *replace_root(Jsonb *content)
{
    static Statement statement = {
        "SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object("
        "'op', 'replace', 'path', '', 'value', $1))",
        1,
        {JSONBOID},
        nullptr};
    Datum values[1] = {PointerGetDatum(content)};
    execute(statement, values, " ", true);
    bool is_null;
    return DatumGetJsonbP(column(1, &is_null));
}

// The body of create_section (tenant, section, content, section_type,
// idempotency_key: published at once, so validated first) and create_draft
// (tenant, section, content, section_type, ttl, idempotency_key: a draft
// only, validated at its first publish). An abandoned section of that name
// is created again: a new version of kind create, whose forward patch
// replaces everything, and whose history goes on.
Datum create_entry(FunctionCallInfo fcinfo, bool draft_only)
{
    check_arguments(fcinfo, draft_only ? 6 : 5);
    require(fcinfo, 2, "content");
    Interval *ttl = draft_only && !PG_ARGISNULL(4) ? checked_draft_ttl(PG_GETARG_INTERVAL_P(4))
                                                   : nullptr;
    const char *operation = draft_only ? "create_draft" : "create_section";
    return run_operation(fcinfo, operation, draft_only ? 5 : 4, [&](text *tenant, text *name) {
        Jsonb *content = PG_GETARG_JSONB_P(2);
        text *type = PG_ARGISNULL(3) ? nullptr : PG_GETARG_TEXT_PP(3);
        Datum warnings = 0;
        if (!draft_only) {
            Section created = {};
            created.name = name;
            created.section_type = type;
            warnings = validate_or_raise(created, content);
        }
        Datum now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
        Datum values[10] = {PointerGetDatum(tenant),  PointerGetDatum(name),
                            PointerGetDatum(type),    PointerGetDatum(content),
                            Int64GetDatum(1),         now,
                            PointerGetDatum(content), now,
                            PointerGetDatum(ttl),     now};
        // Published: columns 4-6 set, 7-9 NULL; a draft only: the other way round.
        char nulls[11] = "          ";
        for (int i = draft_only ? 3 : 6; i < (draft_only ? 6 : 9); ++i)
            nulls[i] = 'n';
        if (type == nullptr)
            nulls[2] = 'n';
        if (ttl == nullptr)
            nulls[8] = 'n';
        execute(create_statement, values, nulls);
        if (SPI_processed == 1) {
            Jsonb *empty = empty_patch();
            Datum history[9] = {PointerGetDatum(tenant),        PointerGetDatum(name),
                                Int64GetDatum(1),               CStringGetTextDatum("create"),
                                PointerGetDatum(empty),         PointerGetDatum(empty),
                                PointerGetDatum(content),       0,
                                actor_of_change()};
            record_change(history, "       n ");
            return Outcome{1, "create", true, draft_only, draft_only ? 0 : 1, false, warnings};
        }
        Section section = lock_section(tenant, name, true);
        if (!section.abandoned())
            ereport(ERROR, (errcode(sqlstate_section_exists),
                            errmsg("section \"%s\" of tenant \"%s\" already exists",
                                   text_to_cstring(name), text_to_cstring(tenant)),
                            errdetail_internal("{\"reason\":\"section_exists\"}"),
                            errhint("Edit it with save_draft, patch_draft or merge_draft.")));
        Datum revived[4] = {PointerGetDatum(tenant), PointerGetDatum(name), PointerGetDatum(type),
                            PointerGetDatum(ttl)};
        char revived_nulls[5] = "    ";
        revived_nulls[2] = nulls[2];
        revived_nulls[3] = nulls[8];
        execute(revive_statement, revived, revived_nulls);
        NewState state = {"create",
                          content,
                          replace_root(content),
                          empty_patch(),
                          draft_only ? nullptr : content,
                          draft_only ? never_published : 0,
                          draft_only,
                          make_array(nullptr, 0),
                          make_array(nullptr, 0)};
        state.snapshot = true;
        Outcome outcome = commit_change(section, state);
        outcome.warnings = warnings;
        return outcome;
    });
}

} // namespace

} // namespace draft_mode::store

using namespace draft_mode::store;

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_create_section);
PG_FUNCTION_INFO_V1(draft_mode_create_draft);
PG_FUNCTION_INFO_V1(draft_mode_save_draft);
PG_FUNCTION_INFO_V1(draft_mode_patch_draft);
PG_FUNCTION_INFO_V1(draft_mode_merge_draft);
PG_FUNCTION_INFO_V1(draft_mode_publish);
PG_FUNCTION_INFO_V1(draft_mode_discard);
PG_FUNCTION_INFO_V1(draft_mode_expire_draft);
PG_FUNCTION_INFO_V1(draft_mode_restore);
PG_FUNCTION_INFO_V1(draft_mode_undo);
PG_FUNCTION_INFO_V1(draft_mode_redo);
PG_FUNCTION_INFO_V1(draft_mode_content_at);
PG_FUNCTION_INFO_V1(draft_mode_acquire_lease);
PG_FUNCTION_INFO_V1(draft_mode_renew_lease);
PG_FUNCTION_INFO_V1(draft_mode_release_lease);
PG_FUNCTION_INFO_V1(draft_mode_take_over);
PG_FUNCTION_INFO_V1(draft_mode_renew_section_lease);
PG_FUNCTION_INFO_V1(draft_mode_release_section_lease);

// create_section(tenant, section, content, section_type, idempotency_key):
// version 1, published.
Datum draft_mode_create_section(PG_FUNCTION_ARGS)
{
    return create_entry(fcinfo, false);
}

// create_draft(tenant, section, content, section_type, ttl,
// idempotency_key): version 1, a draft only.
Datum draft_mode_create_draft(PG_FUNCTION_ARGS)
{
    return create_entry(fcinfo, true);
}

// save_draft(tenant, section, content, expected_version, lease_token,
// idempotency_key).
Datum draft_mode_save_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "content", EditKind::Replace, "save", "save_draft", 6);
}

// patch_draft(tenant, section, patch, expected_version, lease_token,
// idempotency_key, rebase): RFC 6902.
Datum draft_mode_patch_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "patch", EditKind::Patch, "patch", "patch_draft", 7);
}

// merge_draft(tenant, section, merge_patch, expected_version, lease_token,
// idempotency_key): RFC 7396.
Datum draft_mode_merge_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "merge_patch", EditKind::Merge, "merge", "merge_draft", 6);
}

// publish(tenant, section, expected_version => null, lease_token,
// idempotency_key): the draft goes live.
Datum draft_mode_publish(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 5);
    Claim claim = claim_from(fcinfo, 2, 3);
    return run_operation(fcinfo, "publish", 4, [&](text *tenant, text *name) {
        Section section = lock_for_write(tenant, name, claim);
        if (section.draft == nullptr)
            return unchanged(section, "publish");
        Datum warnings = validate_or_raise(section, section.draft);
        Jsonb *empty = empty_patch();
        NewState state = {"publish", section.draft,         empty,
                          empty,     section.draft,         0,
                          false,     section.undo_versions, section.redo_versions};
        Outcome outcome = commit_change(section, state);
        outcome.warnings = warnings;
        return outcome;
    });
}

// discard(tenant, section, expected_version => null, lease_token,
// idempotency_key): back to published.
Datum draft_mode_discard(PG_FUNCTION_ARGS)
{
    return drop_draft(fcinfo, "discard", false);
}

// expire_draft(tenant, section, expected_version): discard by maintenance,
// recorded as kind "expire".
Datum draft_mode_expire_draft(PG_FUNCTION_ARGS)
{
    return drop_draft(fcinfo, "expire", true);
}

// restore(tenant, section, version, expected_version, lease_token,
// idempotency_key): that version's working content becomes the draft.
Datum draft_mode_restore(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 6);
    require(fcinfo, 2, "version");
    require_expected_version(fcinfo, 3);
    Claim claim = claim_from(fcinfo, 3, 4);
    return run_operation(fcinfo, "restore", 5, [&](text *tenant, text *name) {
        Section section = lock_for_write(tenant, name, claim, true);
        Jsonb *old = content_at_version(tenant, name, section.version, PG_GETARG_INT64(2));
        // An abandoned section's working content is its last draft, as
        // history rebuilds it.
        Jsonb *current = section.abandoned()
                             ? content_at_version(tenant, name, section.version, section.version)
                             : section.working();
        EditResult edit = compute_edit(current, old, EditKind::Replace);
        if (!edit.changed) {
            if (!section.abandoned())
                return unchanged(section, "restore");
            // Restoring the last draft of an abandoned section brings it back.
            edit.content = old;
            edit.forward = empty_patch();
            edit.inverse = edit.forward;
        }
        return commit_edit(section, "restore", edit,
                           push_version(section.undo_versions, section.version + 1),
                           make_array(nullptr, 0));
    });
}

// undo(tenant, section, expected_version, lease_token, idempotency_key).
Datum draft_mode_undo(PG_FUNCTION_ARGS)
{
    return undo_redo_entry(fcinfo, true);
}

// redo(tenant, section, expected_version, lease_token, idempotency_key).
Datum draft_mode_redo(PG_FUNCTION_ARGS)
{
    return undo_redo_entry(fcinfo, false);
}

// content_at(tenant, section, version): the working content at a version.
Datum draft_mode_content_at(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 3);
    require(fcinfo, 2, "version");
    return run_call(fcinfo, "content_at", -1, [&](text *tenant, text *name, MemoryContext caller) {
        static Statement version_statement = {"SELECT version FROM draft_mode.sections"
                                              " WHERE tenant = $1 AND section = $2",
                                              2,
                                              {TEXTOID, TEXTOID},
                                              nullptr};
        Datum key[2] = {PointerGetDatum(tenant), PointerGetDatum(name)};
        execute(version_statement, key, "  ", true);
        if (SPI_processed == 0)
            raise_not_found(tenant, name);
        bool is_null;
        int64 current = DatumGetInt64(column(1, &is_null));
        Jsonb *content = content_at_version(tenant, name, current, PG_GETARG_INT64(2), true);
        MemoryContext spi = MemoryContextSwitchTo(caller);
        Datum result = PointerGetDatum(PG_DETOAST_DATUM_COPY(PointerGetDatum(content)));
        MemoryContextSwitchTo(spi);
        return result;
    });
}

// acquire_lease(tenant, section, ttl, idempotency_key): a new lease unless
// one is current (DM201).
Datum draft_mode_acquire_lease(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 4);
    Interval *ttl = lease_ttl(fcinfo, 2);
    return run_call(fcinfo, "acquire_lease", 3,
                    [&](text *tenant, text *name, MemoryContext caller) {
                        Section section = lock_section(tenant, name);
                        if (section.lease_active)
                            raise_leased(section);
                        int64 token;
                        return new_lease(fcinfo, section, ttl, caller, &token);
                    });
}

// take_over(tenant, section, ttl, idempotency_key): a new lease whatever
// the current one; taking one from its holder is a change of kind
// take_over (detail: the lease taken over and the new token).
Datum draft_mode_take_over(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 4);
    Interval *ttl = lease_ttl(fcinfo, 2);
    return run_call(fcinfo, "take_over", 3, [&](text *tenant, text *name, MemoryContext caller) {
        Section section = lock_section(tenant, name);
        int64 token;
        Datum lease = new_lease(fcinfo, section, ttl, caller, &token);
        if (section.lease_active) {
            StringInfoData detail;
            initStringInfo(&detail);
            appendStringInfo(&detail,
                             "{\"previous_token\":" INT64_FORMAT ",\"token\":" INT64_FORMAT
                             ",\"previous_holder\":",
                             section.lease_token, token);
            escape_json(&detail, text_to_cstring(section.lease_holder));
            appendStringInfoString(&detail, ",\"previous_expires_at\":");
            escape_json(&detail, json_time(section.lease_expires_at));
            appendStringInfoChar(&detail, '}');
            Jsonb *empty = empty_patch();
            NewState state = {
                "take_over",
                section.working(),
                empty,
                empty,
                nullptr,
                kept_published_version(section),
                section.draft != nullptr,
                section.undo_versions,
                section.redo_versions,
                DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(detail.data)))};
            commit_change(section, state);
        }
        return lease;
    });
}

// renew_lease(token, ttl => the lease's own): extends a current lease of
// the session's tenant from now; DM202 when token is not one.
Datum draft_mode_renew_lease(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 2);
    require(fcinfo, 0, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(0);
    Interval *ttl = PG_ARGISNULL(1) ? nullptr : PG_GETARG_INTERVAL_P(1);
    MemoryContext caller = CurrentMemoryContext;
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "draft_mode: SPI_connect failed");
    Section section;
    if (!lock_leased_section(token, &section))
        raise_no_lease(token);
    Datum result = renew(fcinfo, section, token, ttl, caller);
    SPI_finish();
    return result;
}

// release_lease(token): ends the lease; true when token was a current lease.
Datum draft_mode_release_lease(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 1);
    require(fcinfo, 0, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(0);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "draft_mode: SPI_connect failed");
    Section section;
    bool released = lock_leased_section(token, &section) && release(section, token);
    SPI_finish();
    PG_RETURN_BOOL(released);
}

// renew_lease(tenant, section, token, ttl => the lease's own): as
// renew_lease(token), answering a stale token as a write would (DM202 with
// no_lease, lease_expired or lease_superseded).
Datum draft_mode_renew_section_lease(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 4);
    require(fcinfo, 2, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(2);
    Interval *ttl = PG_ARGISNULL(3) ? nullptr : PG_GETARG_INTERVAL_P(3);
    return run_call(fcinfo, "renew_lease", -1, [&](text *tenant, text *name, MemoryContext caller) {
        return renew(fcinfo, lock_section(tenant, name), token, ttl, caller);
    });
}

// release_lease(tenant, section, token): true when token was the section's
// current lease, which it ends.
Datum draft_mode_release_section_lease(PG_FUNCTION_ARGS)
{
    check_arguments(fcinfo, 3);
    require(fcinfo, 2, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(2);
    return run_call(fcinfo, "release_lease", -1, [&](text *tenant, text *name, MemoryContext) {
        return BoolGetDatum(release(lock_section(tenant, name), token));
    });
}

} // extern "C"
