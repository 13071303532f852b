// One way to declare a SQL-callable function (as pg_duckdb's
// DECLARE_PG_FUNCTION): DRAFT_MODE_FUNCTION(name, argument_count) { body }
// declares PG_FUNCTION_INFO_V1(name) and the extern "C" function, which
// checks the argument count (check_arguments) before the body runs, so no
// entry point can forget it. The body is an ordinary C++ function of
// fcinfo (PG_GETARG_*, PG_RETURN_* work in it) and is Postgres-side code:
// it may ereport, so it keeps only trivially destructible locals.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::boundary {

// Raises 55000 (reason extension_not_updated): this database's draft_mode
// SQL definitions are older than the library, which serves the newest only
// (ALTER EXTENSION ... UPDATE was not run after installing it).
[[noreturn]] void raise_outdated();

// Checks that the SQL definition calling this function is the newest: it
// passes count arguments. DRAFT_MODE_FUNCTION calls it before the body reads
// any argument.
void check_arguments(FunctionCallInfo fcinfo, int count);

} // namespace draft_mode::boundary

// Declares and defines the entry point name, taking argument_count
// arguments; the braces that follow are its body (see the top of this file).
// Use at global scope.
#define DRAFT_MODE_FUNCTION(name, argument_count)                                                  \
    extern "C" {                                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                                     \
    }                                                                                              \
    static Datum name##_body(FunctionCallInfo fcinfo);                                             \
    extern "C" Datum name(PG_FUNCTION_ARGS)                                                        \
    {                                                                                              \
        ::draft_mode::boundary::check_arguments(fcinfo, argument_count);                           \
        return name##_body(fcinfo);                                                                \
    }                                                                                              \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
