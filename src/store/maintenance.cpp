// Guards of the maintenance procedures (the procedures themselves are
// PL/pgSQL: sql/draft_mode.sql).
#include "boundary/postgres_headers.h"

extern "C" {
#include "access/xact.h"
}

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_require_no_transaction_block);

// require_no_transaction_block(operation text): raises 2D000 inside a
// transaction block. Maintenance commits between batches, which it could
// not do there; refusing at the start, whether or not there is work to do,
// keeps a developer's test from passing where production then fails.
Datum draft_mode_require_no_transaction_block(PG_FUNCTION_ARGS)
{
    if (IsTransactionBlock()) {
        char *operation = text_to_cstring(PG_GETARG_TEXT_PP(0));
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
                 errmsg("%s cannot run inside a transaction block", operation),
                 errdetail_internal("{\"reason\":\"transaction_block\"}"),
                 errhint("It commits between batches: CALL draft_mode.%s() on its own, with "
                         "autocommit on (psycopg: connection.autocommit = True), not after BEGIN.",
                         operation)));
    }
    PG_RETURN_VOID();
}

} // extern "C"
