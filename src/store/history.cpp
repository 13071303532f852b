// Writing a change (row, history row, feed queue), the undo and redo
// stacks, and rebuilding a version from history (history.h).
#include "store/history.h"

extern "C" {
#include "access/detoast.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
}

#include "boundary/settings.h"
#include "boundary/sqlstates.h"
#include "store/statements.h"

namespace draft_mode::store {

namespace {

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

// Raises DM105: retention removed what rebuilding version needs.
[[noreturn]] void raise_pruned(text *name, int64 version, const char *hint)
{
    ereport(ERROR, (errcode(sqlstate::version_not_found),
                    errmsg("version " INT64_FORMAT " of section \"%s\" is no longer in history",
                           version, text_to_cstring(name)),
                    errdetail_internal(
                        "{\"version\":" INT64_FORMAT ",\"reason\":\"history_pruned\"}", version),
                    errhint("%s", hint)));
    pg_unreachable();
}

} // namespace

Datum actor_of_change()
{
    execute(actor_statement, nullptr, "", true);
    bool is_null = true;
    Datum actor = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
    if (is_null)
        elog(ERROR, "draft_mode: current_actor() returned NULL");
    return PointerGetDatum(DatumGetTextPCopy(actor));
}

void record_change(Datum *history, const char *nulls)
{
    execute(history_statement, history, nulls);
    execute(queue_statement, history, "     ");
}

ArrayType *make_array(const int64 *items, int count)
{
    auto *datums = static_cast<Datum *>(palloc((count + 1) * sizeof(Datum)));
    for (int i = 0; i < count; ++i)
        datums[i] = Int64GetDatum(items[i]);
    return construct_array(datums, count, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE);
}

ArrayType *push_version(ArrayType *stack, int64 version)
{
    int count;
    int64 *items = array_items(stack, &count);
    items[count++] = version;
    int keep = boundary::undo_steps();
    int skip = count > keep ? count - keep : 0;
    return make_array(items + skip, count - skip);
}

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

int64 kept_published_version(const Section &section)
{
    return section.has_published() ? section.published_version : never_published;
}

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

Outcome unchanged(const Section &section, const char *kind)
{
    return Outcome{section.version,           kind, false, section.draft != nullptr,
                   section.published_version, false};
}

Jsonb *empty_patch()
{
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("[]")));
}

Outcome commit_edit(const Section &section, const char *kind, const EditResult &edit,
                    ArrayType *undo_versions, ArrayType *redo_versions, Jsonb *detail)
{
    NewState state = {
        kind, edit.content,  edit.forward,  edit.inverse, nullptr, kept_published_version(section),
        true, undo_versions, redo_versions, detail};
    return commit_change(section, state);
}

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

Jsonb *content_at_version(text *tenant, text *name, int64 current_version, int64 version,
                          bool read_only)
{
    if (version < 1 || version > current_version)
        ereport(
            ERROR,
            (errcode(sqlstate::version_not_found),
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

} // namespace draft_mode::store
