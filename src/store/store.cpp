// Store operations: create, save/patch/merge a draft, publish, discard,
// restore, undo, redo and content_at.
//
// Every mutation runs the same pipeline: lock the section row (FOR UPDATE, so
// concurrent writers of one section queue up), check expected_version,
// compute the new state, update the row, append a history row and queue a
// notification; all in the caller's transaction, so a failure anywhere
// changes nothing. Statements are prepared once per backend (SPI_keepplan).
// This file is Postgres-side code: it may ereport, so it keeps only trivially
// destructible locals; engine work happens in store/edit.cpp.
#include "boundary/postgres_headers.h"
#include "boundary/settings.h"
#include "store/edit.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
}

namespace draft_mode::store {

namespace {

constexpr int sqlstate_section_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '1');
constexpr int sqlstate_section_exists = MAKE_SQLSTATE('D', 'M', '1', '0', '2');
constexpr int sqlstate_validation_failed = MAKE_SQLSTATE('D', 'M', '1', '0', '3');
constexpr int sqlstate_nothing_to_undo = MAKE_SQLSTATE('D', 'M', '1', '0', '4');
constexpr int sqlstate_version_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '5');
constexpr int sqlstate_version_conflict = MAKE_SQLSTATE('P', 'T', '4', '0', '9');

// A statement prepared on first use and kept for the life of the backend.
struct Statement {
    const char *sql;
    int argument_count;
    Oid argument_types[9];
    SPIPlanPtr plan;
};

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
int execute(Statement &statement, Datum *values, const char *nulls, bool read_only = false)
{
    int status = SPI_execute_plan(prepared(statement), values, nulls, read_only, 0);
    if (status < 0)
        elog(ERROR, "draft_mode: SPI_execute_plan failed: %s", SPI_result_code_string(status));
    return status;
}

Statement lock_statement = {
    "SELECT version, published_content, published_version, draft_content, section_type,"
    " undo_versions, redo_versions"
    " FROM draft_mode.sections WHERE tenant = $1 AND section = $2 FOR UPDATE",
    2,
    {TEXTOID, TEXTOID},
    nullptr};

Statement create_statement = {
    "INSERT INTO draft_mode.sections (tenant, section, section_type, version,"
    " published_content, published_version, published_at, created_at, updated_at, updated_by)"
    " VALUES ($1, $2, $3, 1, $4, 1, now(), now(), now(), draft_mode.current_actor())"
    " ON CONFLICT (tenant, section) DO NOTHING",
    4,
    {TEXTOID, TEXTOID, TEXTOID, JSONBOID},
    nullptr};

Statement update_statement = {
    "UPDATE draft_mode.sections SET version = $3, published_content = $4,"
    " published_version = $5,"
    " published_at = CASE WHEN $5 = published_version THEN published_at ELSE now() END,"
    " draft_content = $6,"
    " draft_updated_at = CASE WHEN $6 IS NULL THEN NULL ELSE now() END,"
    " undo_versions = $7, redo_versions = $8, updated_at = now(),"
    " updated_by = draft_mode.current_actor()"
    " WHERE tenant = $1 AND section = $2",
    8,
    {TEXTOID, TEXTOID, INT8OID, JSONBOID, INT8OID, JSONBOID, INT8ARRAYOID, INT8ARRAYOID},
    nullptr};

Statement history_statement = {
    "INSERT INTO draft_mode.history (tenant, section, version, kind, actor, created_at,"
    " forward_patch, inverse_patch, snapshot)"
    " VALUES ($1, $2, $3, $4, draft_mode.current_actor(), now(), $5, $6, $7)",
    7,
    {TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID, JSONBOID, JSONBOID},
    nullptr};

// The payload carries the forward patch when it fits in NOTIFY's 8000 bytes.
Statement notify_statement = {
    "SELECT pg_catalog.pg_notify('draft_mode', CASE WHEN pg_catalog.octet_length(m::text) <= 7900"
    " THEN m::text ELSE (m - 'patch' || '{\"patch_omitted\": true}')::text END)"
    " FROM (SELECT pg_catalog.jsonb_build_object('tenant', $1, 'section', $2, 'version', $3,"
    " 'kind', $4, 'patch', $5) AS m) AS message",
    5,
    {TEXTOID, TEXTOID, INT8OID, TEXTOID, JSONBOID},
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

// The validator's errors as a jsonb array, or NULL when there are none.
Statement validation_statement = {
    "SELECT CASE WHEN pg_catalog.cardinality(errors) > 0 THEN pg_catalog.to_jsonb(errors) END"
    " FROM draft_mode.validation_errors($1, $2) AS errors",
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
    Jsonb *published;
    int64 published_version;
    Jsonb *draft; // null when there is no draft
    text *section_type;
    ArrayType *undo_versions;
    ArrayType *redo_versions;

    Jsonb *working() const { return draft != nullptr ? draft : published; }
};

// What a store operation returns (draft_mode.change).
struct Outcome {
    int64 version;
    const char *kind;
    bool changed;
    bool has_draft;
    int64 published_version;
};

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

// Locks the section row for this transaction and reads it.
Section lock_section(text *tenant, text *name)
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
    section.published = DatumGetJsonbP(column(2, &is_null));
    section.published_version = DatumGetInt64(column(3, &is_null));
    Datum draft = column(4, &is_null);
    section.draft = is_null ? nullptr : DatumGetJsonbP(draft);
    Datum type = column(5, &is_null);
    section.section_type = is_null ? nullptr : DatumGetTextPP(type);
    section.undo_versions = DatumGetArrayTypeP(column(6, &is_null));
    section.redo_versions = DatumGetArrayTypeP(column(7, &is_null));
    return section;
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
    int64 published_version; // 0: the new version
    bool keep_draft;         // false: no draft afterwards
    ArrayType *undo_versions;
    ArrayType *redo_versions;
};

// Writes a change: section row, history row, notification.
Outcome commit_change(const Section &section, const NewState &state)
{
    int64 version = section.version + 1;
    int64 published_version = state.published_version == 0 ? version : state.published_version;
    Jsonb *published = state.published != nullptr ? state.published : section.published;
    // A draft identical to the published content is no draft at all.
    bool has_draft = state.keep_draft && !same_jsonb(state.content, published);

    Datum row[8] = {PointerGetDatum(section.tenant),
                    PointerGetDatum(section.name),
                    Int64GetDatum(version),
                    PointerGetDatum(published),
                    Int64GetDatum(published_version),
                    PointerGetDatum(has_draft ? state.content : nullptr),
                    PointerGetDatum(state.undo_versions),
                    PointerGetDatum(state.redo_versions)};
    char row_nulls[9] = "        ";
    if (!has_draft)
        row_nulls[5] = 'n';
    execute(update_statement, row, row_nulls);

    bool snapshot = version % boundary::snapshot_interval() == 0;
    Datum history[7] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                        Int64GetDatum(version),          CStringGetTextDatum(state.kind),
                        PointerGetDatum(state.forward),  PointerGetDatum(state.inverse),
                        PointerGetDatum(state.content)};
    execute(history_statement, history, snapshot ? "       " : "      n");

    if (boundary::notify_enabled()) {
        Datum message[5] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                            Int64GetDatum(version), CStringGetTextDatum(state.kind),
                            PointerGetDatum(state.forward)};
        execute(notify_statement, message, "     ");
    }
    return Outcome{version, state.kind, true, has_draft, published_version};
}

// The outcome of an operation that changed nothing.
Outcome unchanged(const Section &section, const char *kind)
{
    return Outcome{section.version, kind, false, section.draft != nullptr,
                   section.published_version};
}

Jsonb *empty_patch()
{
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("[]")));
}

// Records an edit of the working content (save, patch, merge, restore, undo,
// redo): it becomes the draft.
Outcome commit_edit(const Section &section, const char *kind, const EditResult &edit,
                    ArrayType *undo_versions, ArrayType *redo_versions)
{
    NewState state = {kind,         edit.content,  edit.forward,
                      edit.inverse, nullptr,       section.published_version,
                      true,         undo_versions, redo_versions};
    return commit_change(section, state);
}

// An undoable edit: pushed on the undo stack, clears the redo stack.
Outcome edit_section(text *tenant, text *name, int64 expected, Jsonb *argument, EditKind edit_kind,
                     const char *kind)
{
    Section section = lock_section(tenant, name);
    check_version(section, true, expected);
    EditResult edit = compute_edit(section.working(), argument, edit_kind);
    if (!edit.changed)
        return unchanged(section, kind);
    return commit_edit(section, kind, edit,
                       push_version(section.undo_versions, section.version + 1),
                       make_array(nullptr, 0));
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
    execute(history_row_statement, values, "   ", true);
    if (SPI_processed == 0)
        raise_pruned(section.name, version,
                     "Retention removed it; restore a version that history still "
                     "lists.");
    bool is_null;
    return DatumGetJsonbP(column(inverse ? 2 : 1, &is_null));
}

// Undo (pop undo, push redo) or redo (pop redo, push undo).
Outcome undo_or_redo(text *tenant, text *name, bool has_expected, int64 expected, bool undo)
{
    Section section = lock_section(tenant, name);
    check_version(section, has_expected, expected);
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
Jsonb *content_at_version(text *tenant, text *name, int64 current_version, int64 version)
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
    execute(snapshot_statement, values, "   ", true);
    if (SPI_processed == 0)
        raise_pruned(name, version, "Retention removed the snapshot it would be rebuilt from.");
    bool is_null;
    int64 snapshot_version = DatumGetInt64(column(1, &is_null));
    Jsonb *snapshot = DatumGetJsonbP(column(2, &is_null));
    if (snapshot_version == version)
        return snapshot;

    values[2] = Int64GetDatum(snapshot_version);
    values[3] = Int64GetDatum(version);
    execute(patches_statement, values, "    ", true);
    int count = static_cast<int>(SPI_processed);
    if (count != version - snapshot_version)
        raise_pruned(name, version, "Retention removed a change it would be rebuilt from.");
    auto **patches = static_cast<Jsonb **>(palloc(count * sizeof(Jsonb *)));
    for (int i = 0; i < count; ++i)
        patches[i] = DatumGetJsonbP(
            SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
    return apply_patches(snapshot, patches, count);
}

// Raises DM103 when the section type's validator reports errors for content.
void validate_or_raise(const Section &section, Jsonb *content)
{
    if (section.section_type == nullptr)
        return;
    Datum values[2] = {PointerGetDatum(section.section_type), PointerGetDatum(content)};
    execute(validation_statement, values, "  ", true);
    bool is_null;
    Datum errors = column(1, &is_null);
    if (is_null)
        return;
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
}

// Returns an Outcome as a draft_mode.change composite.
Datum outcome_datum(FunctionCallInfo fcinfo, text *tenant, text *name, const Outcome &outcome)
{
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "draft_mode: function must return draft_mode.change");
    descriptor = BlessTupleDesc(descriptor);
    Datum values[7] = {PointerGetDatum(tenant),
                       PointerGetDatum(name),
                       Int64GetDatum(outcome.version),
                       CStringGetTextDatum(outcome.kind),
                       BoolGetDatum(outcome.changed),
                       BoolGetDatum(outcome.has_draft),
                       Int64GetDatum(outcome.published_version)};
    bool nulls[7] = {false, false, false, false, false, false, false};
    return HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
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

// Runs body between SPI_connect and SPI_finish and returns its outcome as a
// draft_mode.change built in the caller's memory context.
template <typename Body> Datum run_operation(FunctionCallInfo fcinfo, Body body)
{
    require(fcinfo, 0, "tenant");
    require(fcinfo, 1, "section");
    text *tenant = PG_GETARG_TEXT_PP(0);
    text *name = PG_GETARG_TEXT_PP(1);
    SPI_connect();
    check_tenant(tenant);
    Outcome outcome = body(tenant, name);
    SPI_finish();
    return outcome_datum(fcinfo, tenant, name, outcome);
}

// The body of save_draft, patch_draft and merge_draft: (tenant, section,
// argument, expected_version), where argument is the edit of the given kind.
Datum edit_entry(FunctionCallInfo fcinfo, const char *argument, EditKind edit_kind,
                 const char *kind)
{
    require(fcinfo, 2, argument);
    require_expected_version(fcinfo, 3);
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        return edit_section(tenant, name, PG_GETARG_INT64(3), PG_GETARG_JSONB_P(2), edit_kind,
                            kind);
    });
}

int64 optional_int64(FunctionCallInfo fcinfo, int argument, bool *present)
{
    *present = !PG_ARGISNULL(argument);
    return *present ? PG_GETARG_INT64(argument) : 0;
}

// The body of discard and expire_draft: (tenant, section, expected_version
// => null); drops the draft, back to the published content, recorded as
// kind. Undoable: the draft stays in history.
Datum drop_draft(FunctionCallInfo fcinfo, const char *kind)
{
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        bool has_expected;
        int64 expected = optional_int64(fcinfo, 2, &has_expected);
        Section section = lock_section(tenant, name);
        check_version(section, has_expected, expected);
        if (section.draft == nullptr)
            return unchanged(section, kind);
        EditResult edit = compute_edit(section.draft, section.published, EditKind::Replace);
        NewState state = {kind,
                          section.published,
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

} // namespace

} // namespace draft_mode::store

using namespace draft_mode::store;

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_create_section);
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

// create_section(tenant, section, content, section_type): version 1, published.
Datum draft_mode_create_section(PG_FUNCTION_ARGS)
{
    require(fcinfo, 2, "content");
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        Jsonb *content = PG_GETARG_JSONB_P(2);
        // Created content is published at once, so it must be valid.
        Section created = {};
        created.name = name;
        created.section_type = PG_ARGISNULL(3) ? nullptr : PG_GETARG_TEXT_PP(3);
        validate_or_raise(created, content);
        Datum values[4] = {PointerGetDatum(tenant), PointerGetDatum(name),
                           PG_ARGISNULL(3) ? 0 : PG_GETARG_DATUM(3), PointerGetDatum(content)};
        execute(create_statement, values, PG_ARGISNULL(3) ? "  n " : "    ");
        if (SPI_processed == 0)
            ereport(ERROR, (errcode(sqlstate_section_exists),
                            errmsg("section \"%s\" of tenant \"%s\" already exists",
                                   text_to_cstring(name), text_to_cstring(tenant)),
                            errdetail_internal("{\"reason\":\"section_exists\"}"),
                            errhint("Edit it with save_draft, patch_draft or merge_draft.")));
        Datum history[7] = {PointerGetDatum(tenant),
                            PointerGetDatum(name),
                            Int64GetDatum(1),
                            CStringGetTextDatum("create"),
                            PointerGetDatum(empty_patch()),
                            PointerGetDatum(empty_patch()),
                            PointerGetDatum(content)};
        execute(history_statement, history, "       ");
        if (draft_mode::boundary::notify_enabled()) {
            Datum message[5] = {PointerGetDatum(tenant), PointerGetDatum(name), Int64GetDatum(1),
                                CStringGetTextDatum("create"), PointerGetDatum(empty_patch())};
            execute(notify_statement, message, "     ");
        }
        return Outcome{1, "create", true, false, 1};
    });
}

// save_draft(tenant, section, content, expected_version).
Datum draft_mode_save_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "content", EditKind::Replace, "save");
}

// patch_draft(tenant, section, patch, expected_version): RFC 6902.
Datum draft_mode_patch_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "patch", EditKind::Patch, "patch");
}

// merge_draft(tenant, section, merge_patch, expected_version): RFC 7396.
Datum draft_mode_merge_draft(PG_FUNCTION_ARGS)
{
    return edit_entry(fcinfo, "merge_patch", EditKind::Merge, "merge");
}

// publish(tenant, section, expected_version => null): the draft goes live.
Datum draft_mode_publish(PG_FUNCTION_ARGS)
{
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        bool has_expected;
        int64 expected = optional_int64(fcinfo, 2, &has_expected);
        Section section = lock_section(tenant, name);
        check_version(section, has_expected, expected);
        if (section.draft == nullptr)
            return unchanged(section, "publish");
        validate_or_raise(section, section.draft);
        Jsonb *empty = empty_patch();
        NewState state = {"publish", section.draft,         empty,
                          empty,     section.draft,         0,
                          false,     section.undo_versions, section.redo_versions};
        return commit_change(section, state);
    });
}

// discard(tenant, section, expected_version => null): back to published.
Datum draft_mode_discard(PG_FUNCTION_ARGS)
{
    return drop_draft(fcinfo, "discard");
}

// expire_draft(tenant, section, expected_version): discard by maintenance,
// recorded as kind "expire".
Datum draft_mode_expire_draft(PG_FUNCTION_ARGS)
{
    return drop_draft(fcinfo, "expire");
}

// restore(tenant, section, version, expected_version): that version's
// working content becomes the draft.
Datum draft_mode_restore(PG_FUNCTION_ARGS)
{
    require(fcinfo, 2, "version");
    require_expected_version(fcinfo, 3);
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        Section section = lock_section(tenant, name);
        check_version(section, true, PG_GETARG_INT64(3));
        Jsonb *old = content_at_version(tenant, name, section.version, PG_GETARG_INT64(2));
        EditResult edit = compute_edit(section.working(), old, EditKind::Replace);
        if (!edit.changed)
            return unchanged(section, "restore");
        return commit_edit(section, "restore", edit,
                           push_version(section.undo_versions, section.version + 1),
                           make_array(nullptr, 0));
    });
}

// undo(tenant, section, expected_version).
Datum draft_mode_undo(PG_FUNCTION_ARGS)
{
    require_expected_version(fcinfo, 2);
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        return undo_or_redo(tenant, name, true, PG_GETARG_INT64(2), true);
    });
}

// redo(tenant, section, expected_version).
Datum draft_mode_redo(PG_FUNCTION_ARGS)
{
    require_expected_version(fcinfo, 2);
    return run_operation(fcinfo, [&](text *tenant, text *name) {
        return undo_or_redo(tenant, name, true, PG_GETARG_INT64(2), false);
    });
}

// content_at(tenant, section, version): the working content at a version.
Datum draft_mode_content_at(PG_FUNCTION_ARGS)
{
    require(fcinfo, 0, "tenant");
    require(fcinfo, 1, "section");
    require(fcinfo, 2, "version");
    text *tenant = PG_GETARG_TEXT_PP(0);
    text *name = PG_GETARG_TEXT_PP(1);
    MemoryContext caller = CurrentMemoryContext;
    SPI_connect();
    check_tenant(tenant);
    Datum key[2] = {PointerGetDatum(tenant), PointerGetDatum(name)};
    static Statement version_statement = {
        "SELECT version FROM draft_mode.sections WHERE tenant = $1 AND section = $2",
        2,
        {TEXTOID, TEXTOID},
        nullptr};
    execute(version_statement, key, "  ", true);
    if (SPI_processed == 0)
        raise_not_found(tenant, name);
    bool is_null;
    int64 current = DatumGetInt64(column(1, &is_null));
    Jsonb *content = content_at_version(tenant, name, current, PG_GETARG_INT64(2));
    MemoryContext spi = MemoryContextSwitchTo(caller);
    Jsonb *result = reinterpret_cast<Jsonb *>(PG_DETOAST_DATUM_COPY(PointerGetDatum(content)));
    MemoryContextSwitchTo(spi);
    SPI_finish();
    PG_RETURN_JSONB_P(result);
}

} // extern "C"
