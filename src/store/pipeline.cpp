// The store pipeline's steps that are not templates (pipeline.h): argument
// checks, the tenant check, what a write presents, and the draft_mode.change
// result.
#include "store/pipeline.h"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
}

#include "store/statements.h"

namespace draft_mode::store {

Datum outcome_datum(FunctionCallInfo fcinfo, text *tenant, text *name, const Outcome &outcome,
                    MemoryContext context)
{
    MemoryContext previous = MemoryContextSwitchTo(context);
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "draft_mode: function must return draft_mode.change");
    if (descriptor->natts != 9)
        boundary::raise_outdated();
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

void check_tenant(text *tenant)
{
    Datum values[1] = {PointerGetDatum(tenant)};
    execute(tenant_statement, values, " ", true);
}

void require(FunctionCallInfo fcinfo, int argument, const char *name, const char *hint)
{
    if (PG_ARGISNULL(argument))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("argument \"%s\" must not be null", name),
                        errdetail_internal("{\"argument\":\"%s\"}", name), errhint("%s", hint)));
}

void require_expected_version(FunctionCallInfo fcinfo, int argument)
{
    require(fcinfo, argument, "expected_version",
            "Pass the version you last read (draft_mode.get_section returns it); edits are "
            "compare-and-swap.");
}

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

void check_names(text *tenant, text *name)
{
    check_length(tenant, "tenant", 200, "Tenant names are at most 200 bytes.");
    check_length(name, "section", 1000, "Section names are at most 1000 bytes.");
}

Claim claim_from(FunctionCallInfo fcinfo, int expected_argument, int token_argument,
                 int rebase_argument)
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

} // namespace draft_mode::store
