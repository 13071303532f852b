// Writing a change and reading history: the section row's new state, its
// history row (forward and inverse patch, a snapshot every
// draft_mode.snapshot_interval versions) queued for the change feed, the
// undo and redo stacks (int8[] of versions on the row), and rebuilding a
// version's content from the nearest snapshot.
#pragma once

#include "boundary/edit.h"
#include "boundary/postgres_headers.h"
#include "store/section_row.h"

namespace draft_mode::store {

// What a store operation returns (draft_mode.change).
struct Outcome {
    int64 version;
    const char *kind;
    bool changed;
    bool has_draft;
    int64 published_version; // 0: never published
    bool rebased;
    Datum warnings = 0; // text[] the validator warned of when it went live, or 0
};
DRAFT_MODE_POSTGRES_SIDE(Outcome);

// A new state of a section, written by commit_change.
struct NewState {
    const char *kind;
    Jsonb *content; // working content after the change
    Jsonb *forward;
    Jsonb *inverse;
    Jsonb *published;
    int64 published_version; // 0: the new version; -1: never published
    bool keep_draft;         // false: no draft afterwards
    ArrayType *undo_versions;
    ArrayType *redo_versions;
    Jsonb *detail = nullptr; // history's detail, if any
    bool snapshot = false;   // history keeps a snapshot even off the interval
};
DRAFT_MODE_POSTGRES_SIDE(NewState);

constexpr int64 never_published = -1;

// Writes a change's history row (values and nulls as history_statement
// takes them) and queues it for the feed.
void record_change(Datum *history, const char *nulls);

// The actor a change is recorded under: draft_mode.current_actor(), as a
// text Datum in CurrentMemoryContext (never NULL: it falls back to the
// calling role). Evaluated once per change, for the section row and the
// history row.
Datum actor_of_change();

// An int8[] of count items.
ArrayType *make_array(const int64 *items, int count);

// The undo stack after pushing version, keeping the newest undo_steps.
ArrayType *push_version(ArrayType *stack, int64 version);

// The stack without its top; *top receives it. False when empty.
bool pop_version(ArrayType *stack, ArrayType **rest, int64 *top);

// The published version a change that does not publish keeps.
int64 kept_published_version(const Section &section);

// Writes a change: section row, history row, notification.
Outcome commit_change(const Section &section, const NewState &state);

// The outcome of an operation that changed nothing.
Outcome unchanged(const Section &section, const char *kind);

// The empty patch, [].
Jsonb *empty_patch();

// Records an edit of the working content (save, patch, merge, restore, undo,
// redo): it becomes the draft.
Outcome commit_edit(const Section &section, const char *kind, const EditResult &edit,
                    ArrayType *undo_versions, ArrayType *redo_versions, Jsonb *detail = nullptr);

// Reads forward or inverse patch of one history row.
Jsonb *history_patch(const Section &section, int64 version, bool inverse);

// The working content at version, rebuilt from the nearest snapshot.
// read_only: read in the calling statement's snapshot (content_at is STABLE).
Jsonb *content_at_version(text *tenant, text *name, int64 current_version, int64 version,
                          bool read_only = false);

} // namespace draft_mode::store
