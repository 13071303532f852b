// Reads jsonb's binary form in place, without converting it to engine
// values: bounds checks and pointer lookups that cost no more than the path
// they follow (plus, for the depth limit, a look at the few containers large
// enough to nest past it), and diff.
//
// These functions may ereport and keep only trivially destructible locals.
#pragma once

#include <string_view>

#include "boundary/postgres_headers.h"
#include "engine/engine_error.h"

namespace draft_mode::boundary {

// Refuses a document the engine would refuse on conversion, without
// building it: 54000 (the jsonb_to_value error and DETAIL) when its jsonb
// size is past limits.max_document_bytes or it nests deeper than
// limits.max_depth. The depth check enters only containers large enough to
// nest past the limit (for ordinary documents, a few near the root), reads
// only their JEntries' type bits, and polls for query cancel.
void check_jsonb_bounds(Jsonb *jsonb, const engine::Limits &limits);

// The value at pointer text (its syntax already checked with
// engine::check_pointer_syntax) as a new jsonb, or null when there is none
// (missing member, index out of range or not an index, a token under a
// scalar). Object members are found by jsonb's binary search, array
// elements by index; a found container is copied out as bytes.
Jsonb *jsonb_pointer_lookup(Jsonb *jsonb, std::string_view pointer);

// The RFC 6902 patch from source to target that engine::diff gives for the
// converted documents, operation for operation, computed on their binary
// forms: the engine's Differ step by step (boundary/jsonb_read.cpp) with
// byte equality for identical() (jsonb's encoding of a value depends only
// on the value, numbers' display scale included), so identical subtrees
// cost one memcmp and nothing is converted but the values the patch holds.
// Array elements get ids from a 32-bit hash of their bytes (where the
// engine uses structural_hash) in a table probed by double hashing. Each
// side leaves some elements unmatched only under collisions made on
// purpose: here an element whose probe passes 128 slots, in the engine a
// ninth distinct value with one structural_hash; only then can the patches
// differ (one longer than the other, neither wrong). diff's bounds (max_patch_operations,
// max_document_size) are counted by the engine: past one, raise: its 54000
// error; else nullptr. The inputs are not bounded here. Polls for query
// cancel about every 1,024 elements or 1 MB of bytes compared.
Jsonb *diff_documents(Jsonb *source, Jsonb *target, bool raise);

} // namespace draft_mode::boundary
