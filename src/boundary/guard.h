// The C++ -> Postgres error boundary.
//
// run_guarded() runs C++ code inside try/catch and records any failure in a
// plain ErrorBox; the caller leaves every C++ scope and only then calls
// raise_error(), so no C++ object is alive when Postgres longjmps. Code run by
// run_guarded must not call anything that can ereport.
#pragma once

#include "boundary/postgres_headers.h"
#include "engine/engine_error.h"

namespace draft_mode::boundary {

// A failure captured from C++: trivially destructible, strings in palloc'd
// memory (or static fallbacks when even that allocation fails).
struct ErrorBox {
    enum class State { None, Failed, Cancelled, OutOfMemory } state = State::None;
    int sqlstate = 0;
    const char *message = nullptr;
    const char *detail = nullptr; // JSON object text, or null
    const char *hint = nullptr;   // static text, or null
};
DRAFT_MODE_POSTGRES_SIDE(ErrorBox);

// Records an engine error, mapping its kind to the documented SQLSTATE.
void capture(ErrorBox &box, const engine::EngineError &error) noexcept;
// Records any other exception as an internal error.
void capture_unexpected(ErrorBox &box, const char *what) noexcept;

// Runs body() and reports whether it completed; failures go into box.
template <typename Body> bool run_guarded(ErrorBox &box, Body &&body) noexcept
{
    try {
        body();
        return true;
    } catch (const engine::EngineError &error) {
        capture(box, error);
    } catch (const engine::Cancelled &) {
        box.state = ErrorBox::State::Cancelled;
    } catch (const std::bad_alloc &) {
        box.state = ErrorBox::State::OutOfMemory;
    } catch (const std::exception &error) {
        capture_unexpected(box, error.what());
    } catch (...) {
        capture_unexpected(box, "unknown C++ exception");
    }
    return false;
}

// Raises the Postgres error recorded in box. Call only outside every C++
// scope that owns objects.
[[noreturn]] void raise_error(const ErrorBox &box);

// The interrupt poll given to the engine: true when a query cancel or
// backend termination is pending. Reads flags only; never longjmps.
bool cancel_pending();

} // namespace draft_mode::boundary
