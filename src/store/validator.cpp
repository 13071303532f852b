// Calls a section type's validator by OID, so an overloaded or oddly named
// function is never resolved by name.
#include "boundary/postgres_headers.h"

extern "C" {
#include "utils/acl.h"
#include "utils/lsyscache.h"
}

extern "C" {

PG_FUNCTION_INFO_V1(draft_mode_call_validator);

// call_validator(validator regprocedure, content jsonb) returns text[]:
// the validator's result (NULL stays NULL). Checks EXECUTE permission like a
// call by name would.
Datum draft_mode_call_validator(PG_FUNCTION_ARGS)
{
    Oid validator = PG_GETARG_OID(0);
    AclResult permission = pg_proc_aclcheck(validator, GetUserId(), ACL_EXECUTE);
    if (permission != ACLCHECK_OK)
        aclcheck_error(permission, OBJECT_FUNCTION, get_func_name(validator));
    FmgrInfo function;
    fmgr_info(validator, &function);
    LOCAL_FCINFO(call, 1);
    InitFunctionCallInfoData(*call, &function, 1, InvalidOid, NULL, NULL);
    call->args[0].value = PG_GETARG_DATUM(1);
    call->args[0].isnull = false;
    Datum errors = FunctionCallInvoke(call);
    if (call->isnull)
        PG_RETURN_NULL();
    PG_RETURN_DATUM(errors);
}

} // extern "C"
