// jsonb <-> engine Value, walking jsonb's binary form directly (no text).
//
// Engine values built here live on the C++ heap and are owned by an
// OwnedValue slot registered on a memory context: if Postgres raises an error
// at any point, resetting that context deletes them, so no longjmp ever has
// to run a C++ destructor. Functions here may ereport and therefore keep only
// trivially destructible locals.
#pragma once

#include "boundary/postgres_headers.h"
#include "engine/engine_error.h"
#include "engine/json_value.h"

namespace draft_mode::boundary {

// A heap engine Value owned by the memory context the slot was made in, and
// its engine size (engine::approximate_size) as counted while converting.
struct OwnedValue {
    engine::Value *value;
    std::size_t size;
};
DRAFT_MODE_POSTGRES_SIDE(OwnedValue);

// Makes an empty slot whose value is deleted when CurrentMemoryContext is
// reset or deleted (or earlier, by release()).
OwnedValue *make_owned_value();

// Deletes the slot's value now; the context callback then does nothing.
void release(OwnedValue *slot);

// Converts jsonb into a new Value stored in slot, bounded before the work:
// raises 54000 (with the documented DETAIL and HINT) when the document nests
// deeper than limits.max_depth, or, for a patch (is_patch), deeper than
// max_depth + engine::patch_value_depth; when its engine size would pass
// limits.max_document_bytes (refused at once when its jsonb size already
// does, else as soon as the count passes it); and, for a patch, when jsonb's
// array header counts more than limits.max_operations operations (before
// anything is converted). Polls for query cancel once per jsonb token.
// Numbers keep a pointer to their Numeric inside jsonb, so jsonb must
// outlive every Value built from it (and every jsonb built by value_to_jsonb
// from those values).
engine::Value &jsonb_to_value(Jsonb *jsonb, OwnedValue *slot, const engine::Limits &limits,
                              bool is_patch = false);

// The same for a value inside a jsonb (a scalar, or a container as
// jbvBinary), converted where it is (the jsonb is not copied first): its
// numbers point into that jsonb, which must outlive the Value. Bounded as a
// document.
engine::Value &jsonb_value_to_value(const JsonbValue &value, OwnedValue *slot,
                                    const engine::Limits &limits);

// The refusals of jsonb_to_value that need no walk: 54000 for an input
// whose jsonb size is past the size limit, and for a patch (is_patch) whose
// array header counts more than limits.max_operations operations.
void check_input_header(Jsonb *jsonb, const engine::Limits &limits, bool is_patch);

// Raises jsonb_to_value's 54000 error for an input (a document, or a patch
// when is_patch) nesting deeper than the depth limit.
[[noreturn]] void raise_input_too_deep(const engine::Limits &limits, bool is_patch);

// Raises the documented 54000 error for an input (a document, or a patch
// when is_patch) over the size limit of max_bytes.
[[noreturn]] void raise_document_too_large(std::size_t max_bytes, bool is_patch);

// Builds jsonb (in CurrentMemoryContext) from an engine Value. size_hint,
// when known (the size of the document the value came from), sizes the
// output buffer up front so it does not grow by repeated copies. Polls for
// query cancel once per value written; a result past jsonb's own size limit
// raises the documented 54000 error (limit "jsonb_size") before jsonb would.
Jsonb *value_to_jsonb(const engine::Value &value, std::size_t size_hint = 0);

// Writing jsonb's binary layout (value_to_jsonb, and jsonb_splice's
// re-encoded containers). pad_to_int appends zero bytes up to a multiple of
// 4 and returns how many; reserve reserves length bytes and returns their
// offset; check_length refuses a container past jsonb's own limit with the
// documented 54000 error (limit "jsonb_size") before jsonb's undocumented
// one could fire (results are bounded by draft_mode.max_document_size,
// below that limit, so it is a safety net; length is a 64-bit sum so that
// it cannot wrap).
int pad_to_int(StringInfo buffer);
int reserve(StringInfo buffer, int length);
void check_length(uint64 length);

} // namespace draft_mode::boundary
