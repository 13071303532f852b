// RFC 6902 patches and RFC 7396 merge patches applied to jsonb's binary
// form: the product path of draft_mode.jsonb_patch, jsonb_merge_patch and of
// the store's patch_draft, merge_draft and version replay.
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

#include <cstddef>

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

// jsonb_merge_patch(document, patch): both are bounded as documents, the
// patch first, then the merge is written straight into the result (no tree:
// every member the patch leaves alone is copied as bytes). Results, errors
// and limits are those of the engine's apply_merge_patch. The result is in
// CurrentMemoryContext, or is patch itself when patch is not an object.
Jsonb *splice_merge_patch(Jsonb *document, Jsonb *patch);

// Refuses a document (is_patch: an RFC 6902 patch, which may be a little
// larger and deeper) the engine would refuse on conversion (54000 past
// max_document_size, max_depth or, for a patch, max_patch_operations:
// jsonb_to_value's error), without converting it; returns its engine size
// (engine::approximate_size).
std::size_t check_document(Jsonb *document, bool is_patch = false);

// A binary container's engine size (engine::approximate_size of it
// converted), read from its JEntries.
std::size_t container_engine_size(const JsonbContainer *container);

} // namespace draft_mode::boundary
