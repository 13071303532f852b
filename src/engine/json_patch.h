// RFC 6902 JSON Patch and RFC 7396 JSON Merge Patch.
#pragma once

#include "engine_error.h"
#include "json_value.h"

namespace draft_mode::engine {

// How much deeper than the document a patch nests: an operation's value sits
// inside the patch array and the operation object. A patch may be this much
// deeper than max_depth (so every diff of documents within it applies).
constexpr std::size_t patch_value_depth = 2;

// How much larger than max_document_bytes a patch may be: room for the
// operation object around a whole document (a one-op "replace" of "").
constexpr std::size_t patch_overhead_bytes = 1024;

// Applies an RFC 6902 patch to document, in place. Atomic from the caller's
// point of view: on any error EngineError is thrown and the caller must
// discard the document (it may be partly changed). Errors name the index of
// the failing operation and its path in both message and detail.
void apply_patch(Value &document, const Value &patch, Context &context);

// Validates a patch as apply_patch does before its first operation (not an
// array, operation count, every operation's members and pointers), throwing
// the same EngineError. Only the kinds of "value" members are looked at, so
// the boundary's binary patch path can pass a skeleton of the patch.
void validate_patch(const Value &patch, Context &context);

// Throws the EngineError apply_patch throws about operation index (op, its
// path and, for move and copy, from; at_fault names the pointer at fault),
// so that another implementation of the operations reports identical errors.
[[noreturn]] void throw_operation_error(ErrorKind kind, std::size_t index, const char *op,
                                        const std::string &path, const std::string *from,
                                        const std::string &summary, const std::string &reason,
                                        const char *at_fault);

// Merges patch into document in place, as RFC 7396 defines. A running
// estimate of the result's size (approximate_size) is kept: starting from
// context.document_size (or the document's size), each patch member in turn
// shrinks it by what it deletes or replaces and grows it by what it adds;
// when it passes limits.max_document_bytes, throw_merge_too_large.
void apply_merge_patch(Value &document, const Value &patch, Context &context);

// Throws the EngineError apply_merge_patch throws for a result past
// limits.max_document_bytes (the boundary's binary merge path raises it too).
[[noreturn]] void throw_merge_too_large(const Limits &limits);

} // namespace draft_mode::engine
