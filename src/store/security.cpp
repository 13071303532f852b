// Who is calling: the role outside any SECURITY DEFINER function, for the
// actor recorded in history and for role checks.
#include "boundary/postgres_headers.h"

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_caller);

// caller() returns name: the session's current role as set by login or SET
// ROLE, even inside a SECURITY DEFINER function (where current_user is the
// function's owner).
Datum draft_mode_caller(PG_FUNCTION_ARGS)
{
    PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(
                                                    GetOuterUserId(), false))));
}

} // extern "C"
