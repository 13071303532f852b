// Rebase analysis: may a JSON Patch written against an older version of a
// document be applied to the current one?
//
// The rule (documented in the README under "Conflict auto-merge"): the patch
// may be rebased when no change made since its base version touches a path
// the patch reads or writes. Paths are JSON Pointers; a change's paths are
// the "path" and "from" members of its operations, the patch's likewise.
// Two paths overlap when one is a prefix of the other (token by token, so
// "/a" overlaps "/a/b" and "" overlaps everything, but "/a" does not overlap
// "/ab"). And array positions shift: when the patch indexes into an array
// (a token that addresses an element, or "-"), any change inside that array
// overlaps, whichever element it touched. Whether a token indexes an array
// is read from the current document; below a part of the path that does not
// exist there, a token made of digits or "-" counts as an array index.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine_error.h"
#include "json_value.h"

namespace draft_mode::engine {

// One overlap between the patch and a change made since its base version.
struct RebaseConflict {
    std::string path;         // pointer text of the patch's operation
    std::string changed_path; // pointer text of the change's operation
    std::size_t change;       // which change (index into changes, oldest first)
};

// The overlaps between patch and changes (each an RFC 6902 patch, oldest
// first), at most limit (at least 1) of them; empty when the patch may be rebased onto
// current. Operations that are not objects with string paths, or whose
// pointers do not parse, are skipped: applying the patch reports them.
std::vector<RebaseConflict> rebase_conflicts(const Value &current, const Value &patch,
                                             const std::vector<const Value *> &changes,
                                             std::size_t limit, Context &context);

} // namespace draft_mode::engine
