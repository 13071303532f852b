// The section row a write works on: locked FOR UPDATE for the transaction,
// read once, and checked on that one read: the lease token, then the
// expected version (or the rebase rule), and the validator before content
// goes live. The errors of these checks (DM101, DM103, DM201, DM202, PT409)
// are raised here.
#pragma once

#include "boundary/postgres_headers.h"

extern "C" {
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace draft_mode::store {

// A locked section row; pointers are in the SPI context.
struct Section {
    text *tenant;
    text *name;
    int64 version;
    Datum published_datum;   // as stored: perhaps compressed or out of line
    int64 published_version; // 0: never published (a draft-first section)
    Jsonb *draft;            // null when there is no draft
    text *section_type;
    ArrayType *undo_versions;
    ArrayType *redo_versions;
    bool has_lease; // a lease is recorded (perhaps expired)
    int64 lease_token;
    bool lease_active; // recorded and not expired
    text *lease_holder;
    TimestampTz lease_expires_at;
    Interval *lease_ttl;

    bool has_published() const { return published_version != 0; }
    // Neither published nor a draft: a draft-first section whose draft was
    // discarded or expired. Reads and edits do not see it; creating it again
    // or restoring a version brings it back, with its history.
    bool abandoned() const { return draft == nullptr && !has_published(); }
    // The published content (null: never published), decompressed (again)
    // by each call.
    Jsonb *published() const
    {
        return has_published() ? DatumGetJsonbP(published_datum) : nullptr;
    }
    Jsonb *working() const { return draft != nullptr ? draft : published(); }
};
DRAFT_MODE_POSTGRES_SIDE(Section);

// What a write presents: the version it was computed from, the lease it
// holds, and whether it asks to be rebased.
struct Claim {
    bool has_expected;
    int64 expected;
    bool has_token;
    int64 token;
    bool rebase;
};
DRAFT_MODE_POSTGRES_SIDE(Claim);

// Raises DM101: the section does not exist (or is abandoned). The one
// place the store builds DM101's message and hint.
[[noreturn]] void raise_section_not_found(text *tenant, text *name);

// Locks the section row for this transaction and reads it. An abandoned
// section does not exist for the caller unless abandoned_ok.
Section lock_section(text *tenant, text *name, bool abandoned_ok = false);

// Locks the section and checks what a write presents: lease, then version.
Section lock_for_write(text *tenant, text *name, const Claim &claim, bool abandoned_ok = false);

// A write while the section is leased must present the current token; a
// presented token must be the current, unexpired lease.
void check_lease(const Section &section, const Claim &claim);

// Raises the version conflict unless expected is null or current.
void check_version(const Section &section, bool has_expected, int64 expected);

// Checks that patch, written against version expected, may be rebased onto
// the section's working content: every change since is in history and none
// overlaps the patch (engine/json_rebase.h). Raises the version conflict
// with the overlapping paths otherwise.
void check_rebase(const Section &section, int64 expected, Jsonb *patch);

// Raises DM103 when the section type's validator reports errors for content;
// returns its warnings (text[], valid until SPI_finish), or 0 when none.
Datum validate_or_raise(const Section &section, Jsonb *content);

// Raises DM201: someone holds the section's lease.
[[noreturn]] void raise_leased(const Section &section);

// Raises DM202: token is not the section's current lease.
[[noreturn]] void raise_lease_lost(const Section &section, int64 token);

// A time as JSON writes it (ISO 8601), whatever DateStyle is.
char *json_time(TimestampTz time);

} // namespace draft_mode::store
