// Claiming an idempotency key, replaying its stored result, storing a new
// one (idempotency.h).
#include "store/idempotency.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
}

#include "store/statements.h"

namespace draft_mode::store {

namespace {

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

} // namespace

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

void store_result(FunctionCallInfo fcinfo, text *tenant, text *key, Datum result)
{
    Oid argument_types[3] = {TEXTOID, TEXTOID, get_func_rettype(fcinfo->flinfo->fn_oid)};
    Datum values[3] = {PointerGetDatum(tenant), PointerGetDatum(key), result};
    if (SPI_execute_with_args(
            "SELECT draft_mode.store_idempotent_result($1, $2, pg_catalog.to_jsonb($3))", 3,
            argument_types, values, "   ", false, 0) != SPI_OK_SELECT)
        elog(ERROR, "draft_mode: could not store an idempotent result");
}

} // namespace draft_mode::store
