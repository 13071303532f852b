// RFC 6902 patches applied to jsonb's binary form by splicing: the product
// path of draft_mode.jsonb_patch and of the store's patch_draft and version
// replay.
//
// The document becomes a lazily expanded tree whose untouched nodes are
// references to byte ranges of the input jsonb (jsonb containers are
// position-independent once 4-byte aligned). Each operation finds its path by
// binary search on object keys and by index on arrays, expanding only the
// containers on that path; one serialization at the end re-encodes the
// expanded containers and copies every other subtree as raw bytes, so numbers
// keep their exact bytes by construction. Results, errors (SQLSTATE, message,
// DETAIL, HINT), limits and their order are those of the engine's
// apply_patch on converted values (engine/json_patch.h), which stays for
// rebase and the tests.
//
// These functions may ereport and keep only trivially destructible locals;
// their work memory is a child memory context, freed before they return.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::boundary {

// jsonb_patch(document, patch): the patch is bounded first (size, operation
// count, depth), then the document, then the patch is validated and applied.
// The result is in CurrentMemoryContext.
Jsonb *splice_patch(Jsonb *document, Jsonb *patch);

// Applies count patches in order (a version rebuilt from a snapshot): the
// document is bounded first, then each patch in turn before it is applied.
// One serialization at the end.
Jsonb *splice_patches(Jsonb *document, Jsonb **patches, int count);

} // namespace draft_mode::boundary
