// Citus: edits delegated to the tenant's worker (see delegation.h).
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

// The arguments of draft_mode.edit_through_worker: operation, then save,
// patch and merge_draft's (tenant, section, argument, expected_version,
// lease_token, idempotency_key, rebase).
constexpr int delegation_argument_count = 8;
const Oid delegation_argument_types[delegation_argument_count] = {
    TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT8OID, INT8OID, TEXTOID, BOOLOID};

} // namespace

bool edit_delegated(FunctionCallInfo fcinfo, const char *operation, Datum *result)
{
    if (!boundary::delegate_edits() || !OidIsValid(get_extension_oid("citus", true)))
        return false;
    List *name =
        list_make2(makeString(pstrdup("draft_mode")), makeString(pstrdup("edit_through_worker")));
    if (!OidIsValid(
            LookupFuncName(name, delegation_argument_count, delegation_argument_types, true)))
        return false;
    Datum values[delegation_argument_count] = {CStringGetTextDatum(operation)};
    char nulls[delegation_argument_count + 1] = "        ";
    for (int argument = 0; argument < delegation_argument_count - 1; argument++) {
        bool given = argument < PG_NARGS() && !PG_ARGISNULL(argument);
        values[argument + 1] = given ? PG_GETARG_DATUM(argument) : 0;
        nulls[argument + 1] = given ? ' ' : 'n';
    }
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
