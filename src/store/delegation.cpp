// Citus: per-section writes delegated to the tenant's worker (see
// delegation.h).
#include "store/delegation.h"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
}

#include "boundary/settings.h"
#include "store/statements.h"

namespace draft_mode::store {

namespace {

// The arguments of draft_mode.edit_through_worker: operation, tenant,
// section, argument (the edit's document, or restore's version as a JSON
// number), expected_version, lease_token, idempotency_key, rebase.
constexpr int delegation_argument_count = 8;
const Oid delegation_argument_types[delegation_argument_count] = {
    TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT8OID, INT8OID, TEXTOID, BOOLOID};

// Sets slot of values and nulls to argument position of fcinfo (null when
// the operation has no such argument or it is null).
void pass_argument(FunctionCallInfo fcinfo, int position, int slot, Datum *values, char *nulls)
{
    bool given = position >= 0 && position < PG_NARGS() && !PG_ARGISNULL(position);
    values[slot] = given ? PG_GETARG_DATUM(position) : 0;
    nulls[slot] = given ? ' ' : 'n';
}

} // namespace

bool edit_delegated(FunctionCallInfo fcinfo, const char *operation,
                    const DelegatedArguments &positions, Datum *result)
{
    if (!boundary::delegate_edits() || !OidIsValid(get_extension_oid("citus", true)) ||
        PG_ARGISNULL(0) || PG_ARGISNULL(1))
        return false;
    List *name =
        list_make2(makeString(pstrdup("draft_mode")), makeString(pstrdup("edit_through_worker")));
    if (!OidIsValid(
            LookupFuncName(name, delegation_argument_count, delegation_argument_types, true)))
        return false;
    Datum values[delegation_argument_count] = {CStringGetTextDatum(operation)};
    char nulls[delegation_argument_count + 1] = "        ";
    pass_argument(fcinfo, 0, 1, values, nulls);
    pass_argument(fcinfo, 1, 2, values, nulls);
    pass_argument(fcinfo, positions.argument, 3, values, nulls);
    if (positions.version >= 0 && !PG_ARGISNULL(positions.version)) {
        char *version = psprintf(INT64_FORMAT, PG_GETARG_INT64(positions.version));
        values[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(version));
        nulls[3] = ' ';
    }
    pass_argument(fcinfo, positions.expected_version, 4, values, nulls);
    pass_argument(fcinfo, positions.lease_token, 5, values, nulls);
    pass_argument(fcinfo, positions.idempotency_key, 6, values, nulls);
    pass_argument(fcinfo, positions.rebase, 7, values, nulls);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "draft_mode: SPI_connect failed");
    if (SPI_execute_with_args(
            "SELECT draft_mode.edit_through_worker($1, $2, $3, $4, $5, $6, $7, $8)",
            delegation_argument_count, const_cast<Oid *>(delegation_argument_types), values, nulls,
            false, 1) != SPI_OK_SELECT ||
        SPI_processed != 1)
        elog(ERROR, "draft_mode: could not delegate %s", operation);
    bool is_null;
    Datum change = column(1, &is_null);
    if (!is_null)
        *result = SPI_datumTransfer(change, false, -1);
    SPI_finish();
    return !is_null;
}

} // namespace draft_mode::store
