// Citus: an edit run in one delegated call on the worker that holds the
// tenant's rows (README: "Scaling out with Citus").
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::store {

// On a distributed install, runs the edit operation (save_draft, patch_draft
// or merge_draft, whose arguments fcinfo holds) through
// draft_mode.edit_through_worker, which checks the tenant and takes the
// actor here, on the coordinator, from the session's trusted sources, and
// has Citus delegate the work to the tenant's worker; sets *result to the
// change and returns true. Returns false when the edit runs here instead: no
// Citus in the database (one node: no statement is run), SQL older than
// 0.4.0, not distributed, not the coordinator, or draft_mode.delegate_edits
// off (as inside the delegated call itself).
bool edit_delegated(FunctionCallInfo fcinfo, const char *operation, Datum *result);

} // namespace draft_mode::store
