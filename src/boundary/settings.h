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

// Store settings.
int undo_steps();        // draft_mode.undo_steps
int snapshot_interval(); // draft_mode.snapshot_interval

} // namespace draft_mode::boundary
