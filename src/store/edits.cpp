// Edits of the working content, each undoable: save_draft, patch_draft
// (with rebase onto a newer version), merge_draft, restore (an earlier
// version's content), undo and redo; and content_at, the read restore is
// built on. Each entry point runs the store pipeline (pipeline.h).
#include "boundary/postgres_headers.h"

extern "C" {
#include "executor/spi.h"
}

#include "boundary/edit.h"
#include "boundary/entry_point.h"
#include "boundary/sqlstates.h"
#include "store/delegation.h"
#include "store/history.h"
#include "store/pipeline.h"
#include "store/section_row.h"
#include "store/statements.h"

namespace draft_mode::store {

namespace {

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

// Undo (pop undo, push redo) or redo (pop redo, push undo).
Outcome undo_or_redo(text *tenant, text *name, const Claim &claim, bool undo)
{
    Section section = lock_for_write(tenant, name, claim);
    ArrayType *from_rest;
    int64 step;
    if (!pop_version(undo ? section.undo_versions : section.redo_versions, &from_rest, &step))
        ereport(ERROR, (errcode(sqlstate::nothing_to_undo),
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

// The body of save_draft, patch_draft and merge_draft: (tenant, section,
// argument, expected_version, lease_token, idempotency_key[, rebase]), where
// argument is the edit of the given kind.
Datum edit_entry(FunctionCallInfo fcinfo, const char *argument, EditKind edit_kind,
                 const char *kind, const char *operation)
{
    require(fcinfo, 0, "tenant");
    require(fcinfo, 1, "section");
    require(fcinfo, 2, argument);
    require_expected_version(fcinfo, 3);
    Datum delegated = 0;
    if (edit_delegated(fcinfo, operation, edit_arguments, &delegated))
        PG_RETURN_DATUM(delegated);
    Claim claim = claim_from(fcinfo, 3, 4, PG_NARGS() > 6 ? 6 : -1);
    return run_operation(fcinfo, operation, 5, [&](text *tenant, text *name) {
        return edit_section(tenant, name, claim, PG_GETARG_JSONB_P(2), edit_kind, kind);
    });
}

// The body of undo and redo: (tenant, section, expected_version,
// lease_token, idempotency_key).
Datum undo_redo_entry(FunctionCallInfo fcinfo, bool undo)
{
    require_expected_version(fcinfo, 2);
    Datum delegated = 0;
    if (edit_delegated(fcinfo, undo ? "undo" : "redo", claim_arguments, &delegated))
        PG_RETURN_DATUM(delegated);
    Claim claim = claim_from(fcinfo, 2, 3);
    return run_operation(fcinfo, undo ? "undo" : "redo", 4, [&](text *tenant, text *name) {
        return undo_or_redo(tenant, name, claim, undo);
    });
}

} // namespace

} // namespace draft_mode::store

using namespace draft_mode::store;

// save_draft(tenant, section, content, expected_version, lease_token,
// idempotency_key).
DRAFT_MODE_FUNCTION(draft_mode_save_draft, 6)
{
    return edit_entry(fcinfo, "content", EditKind::Replace, "save", "save_draft");
}

// patch_draft(tenant, section, patch, expected_version, lease_token,
// idempotency_key, rebase): RFC 6902.
DRAFT_MODE_FUNCTION(draft_mode_patch_draft, 7)
{
    return edit_entry(fcinfo, "patch", EditKind::Patch, "patch", "patch_draft");
}

// merge_draft(tenant, section, merge_patch, expected_version, lease_token,
// idempotency_key): RFC 7396.
DRAFT_MODE_FUNCTION(draft_mode_merge_draft, 6)
{
    return edit_entry(fcinfo, "merge_patch", EditKind::Merge, "merge", "merge_draft");
}

// restore(tenant, section, version, expected_version, lease_token,
// idempotency_key): that version's working content becomes the draft.
DRAFT_MODE_FUNCTION(draft_mode_restore, 6)
{
    require(fcinfo, 2, "version");
    require_expected_version(fcinfo, 3);
    Datum delegated = 0;
    if (edit_delegated(fcinfo, "restore", restore_arguments, &delegated))
        PG_RETURN_DATUM(delegated);
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
DRAFT_MODE_FUNCTION(draft_mode_undo, 5)
{
    return undo_redo_entry(fcinfo, true);
}

// redo(tenant, section, expected_version, lease_token, idempotency_key).
DRAFT_MODE_FUNCTION(draft_mode_redo, 5)
{
    return undo_redo_entry(fcinfo, false);
}

// content_at(tenant, section, version): the working content at a version.
DRAFT_MODE_FUNCTION(draft_mode_content_at, 3)
{
    require(fcinfo, 2, "version");
    return run_call(fcinfo, "content_at", -1, [&](text *tenant, text *name, MemoryContext caller) {
        Datum key[2] = {PointerGetDatum(tenant), PointerGetDatum(name)};
        execute(section_version_statement, key, "  ", true);
        if (SPI_processed == 0)
            raise_section_not_found(tenant, name);
        bool is_null;
        int64 current = DatumGetInt64(column(1, &is_null));
        Jsonb *content = content_at_version(tenant, name, current, PG_GETARG_INT64(2), true);
        MemoryContext spi = MemoryContextSwitchTo(caller);
        Datum result = PointerGetDatum(PG_DETOAST_DATUM_COPY(PointerGetDatum(content)));
        MemoryContextSwitchTo(spi);
        return result;
    });
}
