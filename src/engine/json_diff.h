// Patch generation: an RFC 6902 patch that turns one document into another.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine_error.h"
#include "json_value.h"

namespace draft_mode::engine {

// Thrown by diff when the patch would pass a bound: more operations than
// limits.max_operations, or more engine bytes than limits.max_document_bytes
// (paths and values included). Its kind is LimitExceeded.
class DiffTooLarge : public EngineError {
  public:
    DiffTooLarge(const std::string &message, std::string detail)
        : EngineError(ErrorKind::LimitExceeded, message, std::move(detail))
    {
    }
};

// Returns a patch (a JSON array of operations) such that
// apply_patch(source, diff(source, target)) yields a document identical to
// target, numbers' text included. Objects are compared member by member;
// arrays by common prefix/suffix plus a bounded Myers diff of the middle, so
// an insertion or removal in the middle of an array is one operation.
// The result depends on source and target only, never on the limits: a
// patch over limits.max_operations operations or limits.max_document_bytes
// bytes is refused (DiffTooLarge) as soon as the bound is passed.
Value diff(const Value &source, const Value &target, Context &context);

// The one-operation patch [{"op":"replace","path":"","value":target}], for
// callers (the store's history) that fall back to it when diff refuses.
Value replace_whole_document(const Value &target, Context &context);

// The pieces of diff, for the boundary's walk of two documents on jsonb's
// binary form (boundary/jsonb_read.h), which emits the same operations in
// the same order through them and hands the engine only the values it
// converts.

// A patch being built: its operations and their engine bytes, the running
// counts that diff's bounds apply to.
struct PatchBuilder {
    Array &ops;
    std::size_t &bytes;
};

// Appends {"op", "path"[, "value"]}, value (when not null) moved into it;
// throws DiffTooLarge first when the operation would pass a bound.
void append_operation(PatchBuilder &patch, const char *op, const std::string &path, Value *value,
                      Context &context);

// diff's rule for the operations appended under one container since the
// patch had first operations and bytes_before bytes: they are replaced by
// one "replace" of the container when there are two or more, when they pass
// 64 KB (small diffs keep their fine-grained operations), and when they are
// larger than that "replace" would be. may_collapse: the first two tests
// (no need to measure the container); collapse_wanted: the last, given the
// container's approximate_size at path; collapse: the replacement.
bool may_collapse(const PatchBuilder &patch, std::size_t first, std::size_t bytes_before);
bool collapse_wanted(const PatchBuilder &patch, std::size_t bytes_before, const std::string &path,
                     std::size_t target_size);
void collapse(PatchBuilder &patch, std::size_t first, std::size_t bytes_before,
              const std::string &path, Value *target, Context &context);

// One step of an edit script over the middles of two arrays.
enum class Edit : std::uint8_t { Keep, Delete, Insert };

// An array's elements as ids: equal ids for identical elements.
using ElementIds = std::vector<std::uint32_t>;

// The edit script diff replays for two arrays' middles (what is left once
// the identical prefix and suffix are trimmed, with more than one element
// on each side), given as ids (equal ids for identical elements, every id
// below source_ids.size() + target_ids.size()): a bounded
// Myers script, else one anchored on the elements that occur once on each
// side. False when pairing the middles by position is shorter.
bool array_edit_script(const ElementIds &source_ids, const ElementIds &target_ids,
                       std::vector<Edit> &script, Context &context);

} // namespace draft_mode::engine
