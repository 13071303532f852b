// jsonb <-> engine Value, walking jsonb's binary form directly (no text).
//
// Engine values built here live on the C++ heap and are owned by an
// OwnedValue slot registered on a memory context: if Postgres raises an error
// at any point, resetting that context deletes them, so no longjmp ever has
// to run a C++ destructor. Functions here may ereport and therefore keep only
// trivially destructible locals.
#pragma once

#include "boundary/postgres_headers.h"
#include "engine/json_value.h"

namespace draft_mode::boundary {

// A heap engine Value owned by the memory context the slot was made in.
struct OwnedValue {
    engine::Value *value;
};

// Makes an empty slot whose value is deleted when CurrentMemoryContext is
// reset or deleted (or earlier, by release()).
OwnedValue *make_owned_value();

// Deletes the slot's value now; the context callback then does nothing.
void release(OwnedValue *slot);

// Converts jsonb into a new Value stored in slot. Raises 54000 when the
// document nests deeper than max_depth, or, for a patch (is_patch), deeper
// than max_depth + engine::patch_value_depth. Numbers keep a pointer to their
// Numeric inside jsonb, so jsonb must outlive every Value built from it
// (and every jsonb built by value_to_jsonb from those values).
engine::Value &jsonb_to_value(Jsonb *jsonb, OwnedValue *slot, std::size_t max_depth,
                              bool is_patch = false);

// Builds jsonb (in CurrentMemoryContext) from an engine Value. size_hint,
// when known (the size of the document the value came from), sizes the
// output buffer up front so it does not grow by repeated copies.
Jsonb *value_to_jsonb(const engine::Value &value, std::size_t size_hint = 0);

} // namespace draft_mode::boundary
