// Calls a section type's validator by OID, so an overloaded or oddly named
// function is never resolved by name.
#include "store/validator.h"

#include "boundary/entry_point.h"
#include "boundary/postgres_headers.h"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
}

namespace {

// How many validators are running in this backend (one calling another's
// publish is refused, so at most one in practice).
int validators_running = 0;

// Raises unless validator exists and is a plain function (content jsonb)
// returning result_type (text[] or jsonb; calling anything else through
// fmgr could crash); returns its owner.
Oid check_validator(Oid validator, Oid result_type)
{
    HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(validator));
    if (!HeapTupleIsValid(tuple))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("validator function %u does not exist", validator),
                        errdetail_internal("{\"validator\":%u,\"reason\":\"validator_dropped\"}",
                                           validator),
                        errhint("Register the section type's validator again with "
                                "draft_mode.set_validator(), or remove it with "
                                "draft_mode.remove_validator().")));
    auto *procedure = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
    bool valid = procedure->prokind == PROKIND_FUNCTION && !procedure->proretset &&
                 procedure->pronargs == 1 && procedure->proargtypes.values[0] == JSONBOID &&
                 procedure->prorettype == result_type;
    Oid owner = procedure->proowner;
    ReleaseSysCache(tuple);
    if (!valid)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("function %s is not a validator", format_procedure(validator)),
                 errdetail_internal("{\"validator\":%u,\"reason\":\"wrong_signature\"}", validator),
                 errhint("A validator takes (content jsonb) and returns text[] (errors) or jsonb "
                         "({\"errors\": [...], \"warnings\": [...]}).")));
    return owner;
}

// Calls validator (whose result type is result_type) on content and
// returns its result (NULL stays NULL).
//
// The validator runs as its owner (a role whose privileges the administrator
// who registered it has), never as the caller nor as the extension's owner,
// with draft_mode itself closed to it (validator_running(): no section,
// history, lease or feed is read or changed under the identity of whoever
// publishes), in a security-restricted operation (no SET ROLE, no temporary
// objects),
// and in a GUC nest level of its own that is undone when it returns: a
// validator's set_config('search_path', ..., false) must not outlive it and
// steer the statements of the SECURITY DEFINER store function that called it.
Datum call_validator(FunctionCallInfo fcinfo, Oid result_type)
{
    Oid validator = PG_GETARG_OID(0);
    Oid owner = check_validator(validator, result_type);
    FmgrInfo function;
    fmgr_info(validator, &function);
    LOCAL_FCINFO(call, 1);
    InitFunctionCallInfoData(*call, &function, 1, InvalidOid, NULL, NULL);
    call->args[0].value = PG_GETARG_DATUM(1);
    call->args[0].isnull = false;
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    int nest_level = NewGUCNestLevel();
    SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
    Datum result;
    ++validators_running;
    PG_TRY();
    {
        result = FunctionCallInvoke(call);
    }
    PG_FINALLY();
    {
        --validators_running;
        SetUserIdAndSecContext(saved_user, saved_context);
    }
    PG_END_TRY();
    // Undo every setting the validator changed, SET (not LOCAL) included.
    // (On error, aborting the (sub)transaction undoes them.)
    AtEOXact_GUC(false, nest_level);
    if (call->isnull)
        PG_RETURN_NULL();
    PG_RETURN_DATUM(result);
}

} // namespace

bool draft_mode::store::validator_running()
{
    return validators_running > 0;
}

// call_validator(validator regprocedure, content jsonb) returns text[]: a
// validator that returns its errors. Only validation_result calls it.
DRAFT_MODE_FUNCTION(draft_mode_call_validator, 2)
{
    return call_validator(fcinfo, TEXTARRAYOID);
}

// call_validator_jsonb(validator regprocedure, content jsonb) returns jsonb:
// a validator that returns {"errors": [...], "warnings": [...]}.
DRAFT_MODE_FUNCTION(draft_mode_call_validator_jsonb, 2)
{
    return call_validator(fcinfo, JSONBOID);
}
