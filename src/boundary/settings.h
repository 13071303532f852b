// The draft_mode.* settings (GUCs).
#pragma once

#include "boundary/postgres_headers.h"
#include "engine/engine_error.h"

namespace draft_mode::boundary {

// Registers every draft_mode.* setting; called once from _PG_init.
void define_settings();

// Engine limits from the current values of the settings.
engine::Limits current_limits();

// An engine context: the current limits, and query cancel as its interrupt.
engine::Context engine_context();

// Refuses to run (22023, reason rejected_before_load) while a value given
// to a draft_mode setting before the library loaded was rejected and the
// setting has not been assigned since. limits_only: only the engine limits
// (max_*) count, for the JSON functions; the store checks every setting.
void require_valid_settings(bool limits_only);

// Store settings.
int undo_steps();        // draft_mode.undo_steps
int snapshot_interval(); // draft_mode.snapshot_interval
bool delegate_edits();   // draft_mode.delegate_edits

} // namespace draft_mode::boundary
