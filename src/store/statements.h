// The store's SQL: every statement it runs, as text, with the plan kept for
// it. A statement is prepared on first use in a backend and kept for the
// backend's life (SPI_keepplan); statements.cpp holds all the SQL text, so a
// reader sees in one file what the store asks of its tables.
#pragma once

#include "boundary/postgres_headers.h"

extern "C" {
#include "executor/spi.h"
}

namespace draft_mode::store {

// A statement prepared on first use and kept for the life of the backend.
struct Statement {
    const char *sql;
    int argument_count;
    Oid argument_types[12];
    SPIPlanPtr plan;
};
DRAFT_MODE_POSTGRES_SIDE(Statement);

// Runs a kept statement; nulls[i] is 'n' for a NULL argument, ' ' otherwise.
// read_only runs it in the calling statement's snapshot; otherwise (in READ
// COMMITTED) it takes a new one and sees what committed meanwhile, such as
// the history rows of a writer this transaction waited for at the row lock.
int execute(Statement &statement, Datum *values, const char *nulls, bool read_only = false);

// The value of column number (1-based) in the first row the last statement returned.
Datum column(int number, bool *is_null);

// The statements, each documented where statements.cpp defines it.
extern Statement lock_statement;
extern Statement create_statement;
extern Statement revive_statement;
extern Statement update_statement;
extern Statement history_statement;
extern Statement queue_statement;
extern Statement actor_statement;
extern Statement lease_statement;
extern Statement next_token_statement;
extern Statement renew_statement;
extern Statement release_statement;
extern Statement token_statement;
extern Statement superseded_statement;
extern Statement session_statement;
extern Statement claim_statement;
extern Statement history_row_statement;
extern Statement snapshot_statement;
extern Statement patches_statement;
extern Statement validation_statement;
extern Statement tenant_statement;
extern Statement section_version_statement;
extern Statement replace_root_statement;

} // namespace draft_mode::store
