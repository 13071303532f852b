// Every SQLSTATE of draft_mode's own, in one list: its name in C++ and its
// code. Each is documented, with its DETAIL reasons, in the README's error
// table (README.md, "## Errors"); a new code goes here and there together.
// Codes raised only by the SQL scripts (PL/pgSQL, ERRCODE = '...') are listed
// too, so this is the one place to look a code up. Standard SQLSTATEs (22004,
// 22023, 54000, ...) keep PostgreSQL's ERRCODE_* names.
#pragma once

#include "boundary/postgres_headers.h"

namespace draft_mode::sqlstate {

// Engine errors (boundary/guard.cpp maps engine::ErrorKind to them).

// DM001, README error table: an invalid RFC 6902 patch.
inline constexpr int invalid_patch = MAKE_SQLSTATE('D', 'M', '0', '0', '1');
// DM002, README error table: an invalid RFC 6901 JSON pointer.
inline constexpr int invalid_pointer = MAKE_SQLSTATE('D', 'M', '0', '0', '2');
// DM003, README error table: a patch's location does not exist.
inline constexpr int path_not_found = MAKE_SQLSTATE('D', 'M', '0', '0', '3');
// DM004, README error table: a patch's "test" operation failed.
inline constexpr int test_failed = MAKE_SQLSTATE('D', 'M', '0', '0', '4');

// The section store (src/store/).

// DM101, README error table: the section does not exist (raised by
// store::raise_section_not_found, which SQL calls as draft_mode.raise_section_not_found).
inline constexpr int section_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '1');
// DM102, README error table: create_section of a section that exists.
inline constexpr int section_exists = MAKE_SQLSTATE('D', 'M', '1', '0', '2');
// DM103, README error table: publish refused, the content fails validation
// (also publish_many in SQL).
inline constexpr int validation_failed = MAKE_SQLSTATE('D', 'M', '1', '0', '3');
// DM104, README error table: nothing to undo, or nothing to redo.
inline constexpr int nothing_to_undo = MAKE_SQLSTATE('D', 'M', '1', '0', '4');
// DM105, README error table: no such version, or history no longer holds it.
inline constexpr int version_not_found = MAKE_SQLSTATE('D', 'M', '1', '0', '5');
// PT409, README error table: version conflict (PostgREST answers HTTP 409).
inline constexpr int version_conflict = MAKE_SQLSTATE('P', 'T', '4', '0', '9');
// DM201, README error table: the section is leased by someone else.
inline constexpr int section_leased = MAKE_SQLSTATE('D', 'M', '2', '0', '1');
// DM202, README error table: the lease token is not the current lease.
inline constexpr int lease_lost = MAKE_SQLSTATE('D', 'M', '2', '0', '2');
// DM203, README error table: an idempotency key reused for a different
// request. Raised in SQL only (draft_mode.claim_idempotency_key).
inline constexpr int idempotency_key_reused = MAKE_SQLSTATE('D', 'M', '2', '0', '3');

// Raised in SQL only (the maintenance, Citus and change feed functions).

// DM301, README error table: schedule_maintenance() without pg_cron.
inline constexpr int pg_cron_missing = MAKE_SQLSTATE('D', 'M', '3', '0', '1');
// DM302, README error table: distribute() without Citus, or off the
// coordinator.
inline constexpr int citus_missing = MAKE_SQLSTATE('D', 'M', '3', '0', '2');
// DM401, README error table: a change feed cursor older than retention kept.
inline constexpr int cursor_expired = MAKE_SQLSTATE('D', 'M', '4', '0', '1');

} // namespace draft_mode::sqlstate
