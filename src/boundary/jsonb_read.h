// Reads jsonb's binary form in place, without converting it to engine
// values: bounds checks and pointer lookups that cost no more than the path
// they follow (plus one scan of the container headers for the depth limit).
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
// limits.max_depth. The depth scan reads only container headers and
// JEntries, polls for query cancel, and is skipped when the document is too
// small to nest that deep.
void check_jsonb_bounds(Jsonb *jsonb, const engine::Limits &limits);

// The value at pointer text (its syntax already checked with
// engine::check_pointer_syntax) as a new jsonb, or null when there is none
// (missing member, index out of range or not an index, a token under a
// scalar). Object members are found by jsonb's binary search, array
// elements by index; a found container is copied out as bytes.
Jsonb *jsonb_pointer_lookup(Jsonb *jsonb, std::string_view pointer);

} // namespace draft_mode::boundary
