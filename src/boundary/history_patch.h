// The patch the store's history keeps for one edit, computed on jsonb's
// binary form (boundary::diff_documents) so that an edit costs its changed
// part, not the document.
//
// May ereport; keeps only trivially destructible locals.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::boundary {

// The RFC 6902 patch from -> to as jsonb: the patch engine::diff gives, or,
// when it passes a bound (engine::DiffTooLarge), one "replace" of the whole
// document. The fallback is the store's own:
// draft_mode.jsonb_diff refuses instead. from and to must differ.
Jsonb *history_patch(Jsonb *from, Jsonb *to);

} // namespace draft_mode::boundary
