// JSON text <-> Value, for tests, the fuzzer, benchmarks and messages.
// The extension itself converts jsonb directly and never goes through text.
#pragma once

#include <string>
#include <string_view>

#include "engine_error.h"
#include "json_value.h"

namespace draft_mode::engine {

// Parses JSON text with exact numbers. Duplicate object keys: the last wins
// (as in jsonb). Throws EngineError(InvalidJson) on malformed input and
// EngineError(LimitExceeded) past limits.max_depth.
Value parse_json(std::string_view text, const Limits &limits = Limits());

// Serializes compactly; numbers are written as their exact text.
std::string to_json(const Value &value);

} // namespace draft_mode::engine
