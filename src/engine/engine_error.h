// Errors, limits and cancellation shared by every engine operation.
//
// The engine reports failures by throwing EngineError (or Cancelled); the
// boundary layer catches them and turns each ErrorKind into its documented
// SQLSTATE only after every C++ object involved has been destroyed.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace draft_mode::engine {

// Failure classes; each maps to one documented SQLSTATE at the boundary.
enum class ErrorKind {
    InvalidPatch,   // patch document malformed (not an array, unknown op, ...)
    InvalidPointer, // JSON Pointer syntax error
    PathNotFound,   // target or parent missing, bad index, non-container parent
    TestFailed,     // a "test" operation did not match
    LimitExceeded,  // depth, size or operation count over the configured limit
    InvalidJson,    // text input that is not JSON (engine tools and tests only)
};

// An engine failure: a one-line message in Postgres style (lower case, no
// trailing period) and a DETAIL that is a JSON object a program can parse.
class EngineError : public std::runtime_error {
  public:
    EngineError(ErrorKind kind, const std::string &message, std::string detail_json)
        : std::runtime_error(message), kind_(kind), detail_(std::move(detail_json))
    {
    }
    ErrorKind kind() const { return kind_; }
    const std::string &detail() const { return detail_; }

  private:
    ErrorKind kind_;
    std::string detail_;
};

// Thrown when the interrupt check reports a pending cancel; the boundary then
// lets Postgres raise its own cancel error.
class Cancelled : public std::exception {
  public:
    const char *what() const noexcept override { return "operation cancelled"; }
};

// Resource limits; the boundary fills them from draft_mode.* settings.
struct Limits {
    std::size_t max_depth = 1000;
    std::size_t max_operations = 10000;
    std::size_t max_document_bytes = 64u * 1024u * 1024u;
};

// Polls for cancellation at safe points of long loops. The callback must not
// throw or longjmp; it only reads a flag.
class Interrupt {
  public:
    using Poll = bool (*)();
    explicit Interrupt(Poll poll = nullptr) : poll_(poll) {}
    // Call once per unit of work (a node visited, an element shifted);
    // units > 1 counts a step that costs that many units, so a step that
    // moves a long array counts as what it costs. The flag is read once
    // every 1024 units, a few microseconds of work.
    void tick(std::size_t units = 1)
    {
        ticks_ += units;
        if (ticks_ < next_poll_)
            return;
        next_poll_ = ticks_ + 1024;
        if (poll_ != nullptr && poll_())
            throw Cancelled();
    }

  private:
    Poll poll_;
    std::size_t ticks_ = 0;
    std::size_t next_poll_ = 1024;
};

// Context every engine operation receives.
struct Context {
    Limits limits;
    Interrupt interrupt;
    // approximate_size() of the document an operation changes, when the
    // caller knows it (the boundary counts it while converting jsonb); 0: the
    // engine measures the document if it must.
    std::size_t document_size = 0;
};

// Appends text as a JSON string literal (quoted, escaped) to out.
void append_json_string(std::string &out, const std::string &text);

// Longest text (in bytes) an error message or DETAIL quotes from its input;
// the rest is cut at a UTF-8 character boundary and "..." appended, so an
// error about a 100 MB key costs a few kilobytes, not 100 MB.
constexpr std::size_t max_quoted_bytes = 1024;

// Like append_json_string, but quotes at most max_quoted_bytes of text.
void append_json_string_capped(std::string &out, const std::string &text);

} // namespace draft_mode::engine
