// A section's life: create_section and create_draft (version 1, or an
// abandoned section created again), publish (the draft goes live, after its
// validator), discard and expire_draft (back to the published content). Each
// entry point runs the store pipeline (pipeline.h).
#include "boundary/postgres_headers.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
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
    Datum values[1] = {PointerGetDatum(content)};
    execute(replace_root_statement, values, " ", true);
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
            ereport(ERROR, (errcode(sqlstate::section_exists),
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

// The body of discard (tenant, section, expected_version => null,
// lease_token, idempotency_key) and of expire_draft (tenant, section,
// expected_version: maintenance, which leases do not stop); drops the
// draft, back to the published content, recorded as kind. Undoable: the
// draft stays in history.
Datum drop_draft(FunctionCallInfo fcinfo, const char *kind, bool maintenance)
{
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

} // namespace

} // namespace draft_mode::store

using namespace draft_mode::store;

// create_section(tenant, section, content, section_type, idempotency_key):
// version 1, published.
DRAFT_MODE_FUNCTION(draft_mode_create_section, 5)
{
    return create_entry(fcinfo, false);
}

// create_draft(tenant, section, content, section_type, ttl,
// idempotency_key): version 1, a draft only.
DRAFT_MODE_FUNCTION(draft_mode_create_draft, 6)
{
    return create_entry(fcinfo, true);
}

// publish(tenant, section, expected_version => null, lease_token,
// idempotency_key): the draft goes live; on a distributed install with no
// validator registered, in one call delegated to the tenant's worker
// (delegation.h).
DRAFT_MODE_FUNCTION(draft_mode_publish, 5)
{
    Datum delegated = 0;
    if (edit_delegated(fcinfo, "publish", claim_arguments, &delegated))
        PG_RETURN_DATUM(delegated);
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
// idempotency_key): back to published; on a distributed install, in one
// call delegated to the tenant's worker (delegation.h).
DRAFT_MODE_FUNCTION(draft_mode_discard, 5)
{
    Datum delegated = 0;
    if (edit_delegated(fcinfo, "discard", claim_arguments, &delegated))
        PG_RETURN_DATUM(delegated);
    return drop_draft(fcinfo, "discard", false);
}

// expire_draft(tenant, section, expected_version): discard by maintenance,
// recorded as kind "expire". Its arguments are those of 0.1.0, so their
// count cannot tell an older definition: its result type does
// (run_operation checks it).
DRAFT_MODE_FUNCTION(draft_mode_expire_draft, 3)
{
    return drop_draft(fcinfo, "expire", true);
}
