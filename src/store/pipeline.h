// The pipeline every store function runs, in order: check the arguments
// (tenant and section names, the idempotency key's length), connect SPI,
// check the session may act on the tenant, claim the idempotency key (a
// repeat returns the stored result here), run the operation's body (for a
// write: lock the row and check it, section_row.h; compute the new content,
// boundary/edit.h; write the row and its history, history.h), store the
// keyed result, and return the result built in the caller's memory context.
// All of it in the caller's transaction, so a failure anywhere changes
// nothing.
#pragma once

#include "boundary/entry_point.h"
#include "boundary/postgres_headers.h"
#include "boundary/settings.h"
#include "store/history.h"
#include "store/idempotency.h"
#include "store/section_row.h"

extern "C" {
#include "executor/spi.h"
#include "funcapi.h"
}

namespace draft_mode::store {

// Raises 42501 unless this session may act on the tenant (see
// draft_mode.check_tenant in the install script).
void check_tenant(text *tenant);

// Raises 22004 when a required argument is NULL.
void require(FunctionCallInfo fcinfo, int argument, const char *name,
             const char *hint = "Pass a value; only expected_version of publish and discard "
                                "may be null.");

// expected_version is required for edits: they are compare-and-swap.
void require_expected_version(FunctionCallInfo fcinfo, int argument);

// Raises 22023 unless value (argument name) is 1 to max_bytes bytes long:
// the table's own check would report the row instead.
void check_length(text *value, const char *name, int max_bytes, const char *hint);

// Raises 22023 for a tenant or section name no section can have (empty, or
// longer than 200 or 1000 bytes).
void check_names(text *tenant, text *name);

// What a write presents, from its arguments (-1: the function has none).
Claim claim_from(FunctionCallInfo fcinfo, int expected_argument, int token_argument,
                 int rebase_argument = -1);

// Returns an Outcome as a draft_mode.change composite, built in context.
Datum outcome_datum(FunctionCallInfo fcinfo, text *tenant, text *name, const Outcome &outcome,
                    MemoryContext context);

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
    check_names(tenant, name);
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
        boundary::raise_outdated();
    return run_call(fcinfo, operation, key_argument,
                    [&](text *tenant, text *name, MemoryContext caller) {
                        return outcome_datum(fcinfo, tenant, name, body(tenant, name), caller);
                    });
}

} // namespace draft_mode::store
