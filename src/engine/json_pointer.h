// JSON Pointer (RFC 6901): parsing, formatting and lookup.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_value.h"

namespace draft_mode::engine {

// A parsed pointer: its reference tokens, unescaped (~1 -> /, ~0 -> ~).
// The empty pointer "" (the whole document) has no tokens.
struct Pointer {
    std::vector<std::string> tokens;

    // Parses pointer text; throws EngineError(InvalidPointer) on bad syntax
    // (text not starting with '/', '~' not followed by 0 or 1).
    static Pointer parse(std::string_view text);
    // The pointer text, with ~ and / escaped.
    std::string to_string() const;
    // True when this pointer is a proper prefix of other.
    bool is_proper_prefix_of(const Pointer &other) const;
    // The pointer with one more token appended.
    Pointer child(std::string token) const;
    Pointer child(std::size_t index) const;
};

// Parses an array index token: digits only, no leading zero, no sign.
// Returns nullopt for anything else (including "-"); an index too large for
// size_t is SIZE_MAX, which is out of range of every array.
std::optional<std::size_t> parse_array_index(std::string_view token);

// Checks the syntax of pointer text as Pointer::parse does (throws
// EngineError(InvalidPointer) with the same reasons) without building
// anything. With an interrupt, polls it once per byte checked.
void check_pointer_syntax(std::string_view text, Interrupt *interrupt = nullptr);

// The next reference token of pointer text whose syntax was checked
// (check_pointer_syntax), still escaped: position is at a '/' and moves to
// the next '/' or the end. Never throws, never allocates.
std::string_view next_pointer_token(std::string_view text, std::size_t &position) noexcept;

// Unescapes a token from next_pointer_token (~1 -> /, ~0 -> ~) into out,
// which has room for token.size() bytes; returns the unescaped length.
// Never throws, never allocates: code outside the engine walks a pointer
// with these two.
std::size_t unescape_pointer_token(std::string_view token, char *out) noexcept;

// Finds the value a pointer refers to, or nullptr when any token is missing,
// an index is invalid, or a token walks into a scalar.
const Value *find(const Value &document, const Pointer &pointer);

// The same for pointer text, without building its token list: the syntax
// of the whole text is checked first (InvalidPointer, as Pointer::parse),
// then the walk holds one token at a time and stops at the first missing
// one, so a pointer far longer than the document costs no memory.
// With an interrupt, polls it once per byte checked.
const Value *find(const Value &document, std::string_view text, Interrupt *interrupt = nullptr);

} // namespace draft_mode::engine
