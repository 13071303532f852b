// Citus: a per-section write run in one delegated call on the worker that
// holds the tenant's rows (README: "Scaling out with Citus").
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::store {

// Where a delegated operation's arguments are in its fcinfo (-1: it has
// none); tenant and section are always arguments 0 and 1.
struct DelegatedArguments {
    int argument;         // the edit's jsonb document
    int version;          // restore's version, sent as a JSON number in argument's place
    int expected_version; // the compare-and-swap version
    int lease_token;
    int idempotency_key;
    int rebase;           // patch_draft's
};
DRAFT_MODE_POSTGRES_SIDE(DelegatedArguments);

// save_draft and merge_draft: (tenant, section, document, expected_version,
// lease_token, idempotency_key); patch_draft also rebase (argument 6).
constexpr DelegatedArguments edit_arguments = {2, -1, 3, 4, 5, 6};
// undo, redo, discard and publish: (tenant, section, expected_version,
// lease_token, idempotency_key).
constexpr DelegatedArguments claim_arguments = {-1, -1, 2, 3, 4, -1};
// restore: (tenant, section, version, expected_version, lease_token,
// idempotency_key).
constexpr DelegatedArguments restore_arguments = {-1, 2, 3, 4, 5, -1};

// On a distributed install, runs the operation (save_draft, patch_draft,
// merge_draft, undo, redo, restore, discard or publish, whose arguments
// fcinfo holds where positions says) through draft_mode.edit_through_worker,
// which checks the tenant and takes the actor here, on the coordinator, from
// the session's trusted sources, and has Citus delegate the work to the
// tenant's worker; sets *result to the change and returns true. Returns false when
// the operation runs here instead: no Citus in the database (one node: no
// statement is run), a null tenant or section (refused here), SQL older
// than 0.4.0, not distributed, not the coordinator, a publish while any
// validator is registered (user code, which may not exist or work on the
// workers), or draft_mode.delegate_edits off (as inside the delegated call
// itself).
bool edit_delegated(FunctionCallInfo fcinfo, const char *operation,
                    const DelegatedArguments &positions, Datum *result);

} // namespace draft_mode::store
