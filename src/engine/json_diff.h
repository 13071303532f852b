// Patch generation: an RFC 6902 patch that turns one document into another.
#pragma once

#include "engine_error.h"
#include "json_value.h"

namespace draft_mode::engine {

// Returns a patch (a JSON array of operations) such that
// apply_patch(source, diff(source, target)) yields a document identical to
// target, numbers' text included. Objects are compared member by member;
// arrays by common prefix/suffix plus a bounded Myers diff of the middle, so
// an insertion or removal in the middle of an array is one operation. A patch
// that would have more than limits.max_operations operations is replaced by
// one "replace" of the whole document, so the result always applies.
Value diff(const Value &source, const Value &target, Context &context);

} // namespace draft_mode::engine
