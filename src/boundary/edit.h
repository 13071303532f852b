// Content computations of the store: new working content (from jsonb's
// binary form, boundary/jsonb_splice.h) plus the RFC 6902 patches both ways
// (boundary/history_patch.h), and rebase checks by the engine under the
// error boundary. A boundary file; its namespace is its caller's, the
// store's.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::store {

// How an edit's argument turns the old working content into the new one.
enum class EditKind {
    Replace, // the argument is the new content
    Patch,   // the argument is an RFC 6902 patch
    Merge,   // the argument is an RFC 7396 merge patch
};

// The result of an edit, in CurrentMemoryContext.
struct EditResult {
    Jsonb *content; // new working content
    Jsonb *forward; // patch: old -> new
    Jsonb *inverse; // patch: new -> old
    bool changed;   // false when new content is identical to the old
};
DRAFT_MODE_POSTGRES_SIDE(EditResult);

// Applies argument to old_content; raises the engine's SQLSTATEs on failure.
EditResult compute_edit(Jsonb *old_content, Jsonb *argument, EditKind kind);

// Applies a sequence of RFC 6902 patches to content, in order (rebuilding a
// version from a snapshot). Raises on failure.
Jsonb *apply_patches(Jsonb *content, Jsonb **patches, int count);

// The overlaps that forbid rebasing patch onto current past changes (the
// forward patches of versions first_version, first_version + 1, ...), as a
// JSON array text [{"path", "changed_path", "version"}, ...] of at most
// limit entries; nullptr when the patch may be rebased. Raises on failure.
char *rebase_conflicts(Jsonb *current, Jsonb *patch, Jsonb **changes, int count,
                       int64 first_version, int limit);

// True when two jsonb values have the same binary form (same content, same
// number text). A false "different" is possible only in theory and harmless.
bool same_jsonb(Jsonb *a, Jsonb *b);

} // namespace draft_mode::store
