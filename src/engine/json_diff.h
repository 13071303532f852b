// Patch generation: an RFC 6902 patch that turns one document into another.
#pragma once

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
//
// base: the pointer of source and target inside larger documents whose
// other parts are identical (the boundary finds that location on jsonb's
// binary form); every path of the patch starts with it. Syntax as
// Pointer::parse.
Value diff(const Value &source, const Value &target, Context &context,
           std::string_view base = std::string_view());

// The one-operation patch [{"op":"replace","path":"","value":target}], for
// callers (the store's history) that fall back to it when diff refuses.
Value replace_whole_document(const Value &target, Context &context);

} // namespace draft_mode::engine
