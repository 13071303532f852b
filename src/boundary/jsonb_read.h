// Reads jsonb's binary form in place, without converting it to engine
// values: bounds checks and pointer lookups that cost no more than the path
// they follow (plus, for the depth limit, a look at the few containers large
// enough to nest past it).
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

// Where two documents differ, found on their binary form: identical when
// they do not differ at all; else the one location under which all their
// differences lie (path, an RFC 6901 pointer) and the two values there.
// Trivially destructible: values point into the documents.
struct DiffSite {
    bool identical;
    bool whole;        // the location is the root: source and target are the documents
    JsonbValue source; // when not whole: a scalar, or a jbvBinary container
    JsonbValue target;
    StringInfoData path;
};

// Narrows a diff before anything is converted: descends while the two
// containers differ in one place only (objects with the same keys and one
// value not byte-identical; arrays whose common prefix and suffix, found by
// comparing elements' bytes, leave one element on each side), which is
// exactly where jsonb_diff's engine walk would descend. jsonb's encoding of
// a value depends only on the value (numbers' display scale included), so
// byte-identical subtrees are identical() ones; when bytes differ but the
// values are identical the site is only less narrow, never wrong. Polls for
// query cancel about every 1,024 elements or 1 MB of bytes compared (a deep
// document compares its large differing subtree once per level).
void narrow_diff(Jsonb *source, Jsonb *target, DiffSite *site);

} // namespace draft_mode::boundary
