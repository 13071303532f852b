// Locking a section row and the checks made on that locked read (see
// section_row.h): lease, version, rebase, validation; DM101, also for SQL.
#include "store/section_row.h"

extern "C" {
#include "executor/spi.h"
#include "utils/json.h"
#include "utils/timestamp.h"
}

#include "boundary/edit.h"
#include "boundary/entry_point.h"
#include "boundary/jsonb_splice.h"
#include "boundary/settings.h"
#include "boundary/sqlstates.h"
#include "store/pipeline.h"
#include "store/statements.h"

namespace draft_mode::store {

namespace {

// How many overlaps a refused rebase lists in its DETAIL.
constexpr int rebase_conflicts_reported = 20;

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

} // namespace

void raise_section_not_found(text *tenant, text *name)
{
    char *section = text_to_cstring(name);
    StringInfoData detail;
    initStringInfo(&detail);
    appendStringInfoString(&detail, "{\"reason\":\"section_not_found\",\"section\":");
    escape_json(&detail, section);
    appendStringInfoChar(&detail, '}');
    ereport(ERROR, (errcode(sqlstate::section_not_found),
                    errmsg("section \"%s\" of tenant \"%s\" does not exist", section,
                           text_to_cstring(tenant)),
                    errdetail_internal("%s", detail.data),
                    errhint("Create it with draft_mode.create_section() or "
                            "draft_mode.create_draft().")));
    pg_unreachable();
}

Section lock_section(text *tenant, text *name, bool abandoned_ok)
{
    Datum values[2] = {PointerGetDatum(tenant), PointerGetDatum(name)};
    execute(lock_statement, values, "  ");
    if (SPI_processed == 0)
        raise_section_not_found(tenant, name);
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
        raise_section_not_found(tenant, name);
    return section;
}

char *json_time(TimestampTz time)
{
    return JsonEncodeDateTime(nullptr, TimestampTzGetDatum(time), TIMESTAMPTZOID, nullptr);
}

void raise_leased(const Section &section)
{
    ereport(ERROR,
            (errcode(sqlstate::section_leased),
             errmsg("section \"%s\" is leased by \"%s\" until %s", text_to_cstring(section.name),
                    text_to_cstring(section.lease_holder),
                    timestamptz_to_str(section.lease_expires_at)),
             errdetail_internal("{\"reason\":\"section_leased\",%s}", lease_members(section)),
             errhint("Wait until the lease ends or is released, or take it over with "
                     "draft_mode.take_over() (recorded in history).")));
    pg_unreachable();
}

void raise_lease_lost(const Section &section, int64 token)
{
    const char *reason = !section.has_lease             ? "no_lease"
                         : section.lease_token != token ? "lease_superseded"
                                                        : "lease_expired";
    ereport(ERROR,
            (errcode(sqlstate::lease_lost),
             errmsg("lease token " INT64_FORMAT " is not the current lease of section \"%s\"",
                    token, text_to_cstring(section.name)),
             errdetail_internal("{\"reason\":\"%s\",\"token\":" INT64_FORMAT "%s%s}", reason, token,
                                section.lease_active ? "," : "",
                                section.lease_active ? lease_members(section) : ""),
             errhint("Your lease expired, was released or was taken over: acquire a new one, "
                     "re-read the section and redo the change.")));
    pg_unreachable();
}

void check_lease(const Section &section, const Claim &claim)
{
    if (claim.has_token) {
        if (!section.lease_active || section.lease_token != claim.token)
            raise_lease_lost(section, claim.token);
    } else if (section.lease_active) {
        raise_leased(section);
    }
}

void check_version(const Section &section, bool has_expected, int64 expected)
{
    if (!has_expected || expected == section.version)
        return;
    ereport(ERROR,
            (errcode(sqlstate::version_conflict),
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

Section lock_for_write(text *tenant, text *name, const Claim &claim, bool abandoned_ok)
{
    Section section = lock_section(tenant, name, abandoned_ok);
    check_lease(section, claim);
    check_version(section, claim.has_expected, claim.expected);
    return section;
}

// A rebase reads every change since expected_version into memory: at most
// max_patch_operations of them (versions), and at most max_document_size of
// draft_mode's memory for all of them together, as for one document.
// Refused past either with reason "rebase_too_large" before they are read
// or as soon as the running total passes.
[[noreturn]] void raise_rebase_too_large(const Section &section, int64 expected)
{
    ereport(ERROR,
            (errcode(sqlstate::version_conflict),
             errmsg("version conflict on section \"%s\": expected version " INT64_FORMAT
                    ", current version is " INT64_FORMAT
                    ", and the changes since are too many or too large to rebase onto",
                    text_to_cstring(section.name), expected, section.version),
             errdetail_internal("{\"current_version\":" INT64_FORMAT
                                ",\"expected_version\":" INT64_FORMAT
                                ",\"reason\":\"rebase_too_large\",\"conflicts\":[]}",
                                section.version, expected),
             errhint("Re-read the section and redo the change. A rebase considers at most "
                     "draft_mode.max_patch_operations versions, holding at most "
                     "draft_mode.max_document_size of changes.")));
    pg_unreachable();
}

void check_rebase(const Section &section, int64 expected, Jsonb *patch)
{
    engine::Limits limits = boundary::current_limits();
    if (static_cast<uint64>(section.version - expected) > limits.max_operations)
        raise_rebase_too_large(section, expected);
    Datum values[4] = {PointerGetDatum(section.tenant), PointerGetDatum(section.name),
                       Int64GetDatum(expected), Int64GetDatum(section.version)};
    execute(patches_statement, values, "    ");
    int count = static_cast<int>(SPI_processed);
    const char *conflicts = nullptr;
    if (count == section.version - expected) {
        auto **changes = static_cast<Jsonb **>(palloc(count * sizeof(Jsonb *)));
        bool is_null;
        std::size_t total = 0;
        for (int i = 0; i < count; ++i) {
            changes[i] = DatumGetJsonbP(
                SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &is_null));
            total += boundary::check_document(changes[i], true);
            if (total > limits.max_document_bytes)
                raise_rebase_too_large(section, expected);
        }
        conflicts = rebase_conflicts(section.working(), patch, changes, count, expected + 1,
                                     rebase_conflicts_reported);
        if (conflicts == nullptr)
            return;
    }
    ereport(ERROR,
            (errcode(sqlstate::version_conflict),
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
            (errcode(sqlstate::validation_failed),
             errmsg("section \"%s\" is not valid: publish refused", text_to_cstring(section.name)),
             errdetail_internal("%s", detail.data),
             errhint("Fix every error listed in \"errors\" and publish again.")));
    pg_unreachable();
}

} // namespace draft_mode::store

// raise_section_not_found(tenant text, section text): raises DM101, for the
// PL/pgSQL functions that find a section missing (get_section,
// publish_many), so its message, DETAIL and hint are written once.
DRAFT_MODE_FUNCTION(draft_mode_raise_section_not_found, 2)
{
    text *tenant = PG_ARGISNULL(0) ? cstring_to_text("") : PG_GETARG_TEXT_PP(0);
    text *name = PG_ARGISNULL(1) ? cstring_to_text("") : PG_GETARG_TEXT_PP(1);
    // A name no section can have is refused as the C entry points refuse it
    // (22023), not quoted back whole in a DM101.
    draft_mode::store::check_names(tenant, name);
    draft_mode::store::raise_section_not_found(tenant, name);
}
