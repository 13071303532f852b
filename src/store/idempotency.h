// Idempotency keys of the C++ store functions. The key's rules (the request
// hash, the key's lifetime, DM203 for a key reused for another request)
// live once, in SQL: draft_mode.claim_idempotency_key and
// draft_mode.store_idempotent_result, which publish_many and publish_tenant
// (PL/pgSQL) call too. This file says what request a C++ call stands for,
// and turns a stored result back into the function's result type.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::store {

// Claims an idempotency key (draft_mode.claim_idempotency_key). False: run
// the call. True: *result is the stored result of the same earlier request,
// as the function's result type, in the caller's memory context.
bool replay_or_claim(FunctionCallInfo fcinfo, text *tenant, text *key, const char *operation,
                     int key_argument, Datum *result);

// Stores result (of the function's result type) for the claimed key.
void store_result(FunctionCallInfo fcinfo, text *tenant, text *key, Datum result);

} // namespace draft_mode::store
