// Edit-lock leases: acquire_lease, take_over (recorded in history),
// renew_lease and release_lease (by token alone, or by section and token).
// A lease is a fencing token on the section row (section_row.h checks it on
// every write); its times are the database server's clock.
#include "boundary/postgres_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/json.h"
#include "utils/timestamp.h"
}

#include "boundary/edit.h"
#include "boundary/entry_point.h"
#include "boundary/sqlstates.h"
#include "store/history.h"
#include "store/pipeline.h"
#include "store/section_row.h"
#include "store/statements.h"

namespace draft_mode::store {

namespace {

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
        boundary::raise_outdated();
    descriptor = BlessTupleDesc(descriptor);
    Datum result = HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
    MemoryContextSwitchTo(previous);
    return result;
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
    *section =
        lock_section(DatumGetTextPP(column(1, &is_null)), DatumGetTextPP(column(2, &is_null)));
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
            (errcode(sqlstate::lease_lost),
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

} // namespace

} // namespace draft_mode::store

using namespace draft_mode::store;

// acquire_lease(tenant, section, ttl, idempotency_key): a new lease unless
// one is current (DM201).
DRAFT_MODE_FUNCTION(draft_mode_acquire_lease, 4)
{
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
DRAFT_MODE_FUNCTION(draft_mode_take_over, 4)
{
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
DRAFT_MODE_FUNCTION(draft_mode_renew_lease, 2)
{
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
DRAFT_MODE_FUNCTION(draft_mode_release_lease, 1)
{
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
DRAFT_MODE_FUNCTION(draft_mode_renew_section_lease, 4)
{
    require(fcinfo, 2, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(2);
    Interval *ttl = PG_ARGISNULL(3) ? nullptr : PG_GETARG_INTERVAL_P(3);
    return run_call(fcinfo, "renew_lease", -1, [&](text *tenant, text *name, MemoryContext caller) {
        return renew(fcinfo, lock_section(tenant, name), token, ttl, caller);
    });
}

// release_lease(tenant, section, token): true when token was the section's
// current lease, which it ends.
DRAFT_MODE_FUNCTION(draft_mode_release_section_lease, 3)
{
    require(fcinfo, 2, "token", "Pass the token acquire_lease returned.");
    int64 token = PG_GETARG_INT64(2);
    return run_call(fcinfo, "release_lease", -1, [&](text *tenant, text *name, MemoryContext) {
        return BoolGetDatum(release(lock_section(tenant, name), token));
    });
}
