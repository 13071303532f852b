// Guards of the maintenance procedures (the procedures themselves are
// PL/pgSQL: sql/draft_mode.sql).
#include "boundary/entry_point.h"
#include "boundary/postgres_headers.h"

extern "C" {
#include "access/xact.h"
}

// require_no_transaction_block(operation text): raises 2D000 inside a
// transaction block. Maintenance commits between batches, which it could
// not do there; refusing at the start, whether or not there is work to do,
// keeps a developer's test from passing where production then fails.
DRAFT_MODE_FUNCTION(draft_mode_require_no_transaction_block, 1)
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
