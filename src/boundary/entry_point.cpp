// The argument-count check every entry point runs first (entry_point.h).
#include "boundary/entry_point.h"

namespace draft_mode::boundary {

void raise_outdated()
{
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("the draft_mode library is newer than the draft_mode extension of this "
                           "database"),
                    errdetail_internal("{\"reason\":\"extension_not_updated\"}"),
                    errhint("Run ALTER EXTENSION draft_mode UPDATE in this database.")));
    pg_unreachable();
}

void check_arguments(FunctionCallInfo fcinfo, int count)
{
    if (PG_NARGS() != count)
        raise_outdated();
}

} // namespace draft_mode::boundary
