// The JSON document model of the draft_mode engine.
//
// Pure C++17: no Postgres header may be included anywhere under src/engine.
// Numbers are kept as their exact decimal text (the JSON number lexeme), never
// as double or int64, so that jsonb numerics such as 19.90,
// 12345678901234567890123 or 1e-400 survive every operation unchanged.
// Object members are kept in jsonb order (shorter keys first, then bytewise),
// unique by key, so lookups are binary searches and conversion from jsonb
// needs no sorting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace draft_mode::engine {

class Interrupt;
class Value;

// One object member: key and value.
using Member = std::pair<std::string, Value>;
using Array = std::vector<Value>;

// Object members sorted in jsonb key order, unique by key.
class Object {
  public:
    // Finds the member with this key, or nullptr.
    const Value *find(std::string_view key) const;
    Value *find(std::string_view key);
    // Inserts or replaces the member with this key; returns the stored value.
    Value &set(std::string key, Value value);
    // Removes the member with this key; returns false when there was none.
    bool erase(std::string_view key);
    // Appends a member whose key sorts after every key already present
    // (the order jsonb hands keys out in); falls back to set() otherwise.
    // Returns the stored value.
    Value &append_sorted(std::string key, Value value);

    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }
    const std::vector<Member> &members() const { return members_; }
    std::vector<Member> &members() { return members_; }

  private:
    std::vector<Member> members_;
};

// True when key a sorts before key b in jsonb order (length, then bytes).
bool jsonb_key_less(std::string_view a, std::string_view b);

enum class Kind : std::uint8_t { Null, Boolean, Number, String, Array, Object };

// A number: its decimal text, plus an optional opaque handle on the value it
// was read from (the boundary stores a jsonb Numeric there so that output
// can reuse it instead of parsing the text again). The engine only copies
// the handle along with the number; it never looks through it.
struct NumberText {
    std::string text;
    const void *origin = nullptr;
};

class Value {
  public:
    Value() = default; // null
    static Value boolean(bool b);
    // text must be a valid JSON number lexeme (checked by is_json_number);
    // origin is the opaque handle described at NumberText.
    static Value number(std::string text, const void *origin = nullptr);
    static Value string(std::string text);
    static Value array(Array items = {});
    static Value object(Object members = {});

    Kind kind() const { return static_cast<Kind>(data_.index()); }
    bool is_null() const { return kind() == Kind::Null; }
    bool is_array() const { return kind() == Kind::Array; }
    bool is_object() const { return kind() == Kind::Object; }
    bool is_container() const { return is_array() || is_object(); }

    bool as_boolean() const { return std::get<bool>(data_); }
    // Decimal text of a number.
    const std::string &number_text() const { return std::get<NumberText>(data_).text; }
    const void *number_origin() const { return std::get<NumberText>(data_).origin; }
    const std::string &as_string() const { return std::get<std::string>(data_); }
    const Array &as_array() const { return std::get<Array>(data_); }
    Array &as_array() { return std::get<Array>(data_); }
    const Object &as_object() const { return std::get<Object>(data_); }
    Object &as_object() { return std::get<Object>(data_); }

  private:
    std::variant<std::monostate, bool, NumberText, std::string, Array, Object> data_;
};

// Name of a kind for messages ("object", "array", "string", ...).
const char *kind_name(Kind kind);

// True when text is a JSON number lexeme (RFC 8259 grammar).
bool is_json_number(std::string_view text);

// Compares two JSON number lexemes by numeric value: -1, 0 or 1.
// Exact for any length and exponent ("1.0" == "1", "1e2" == "100").
int compare_numbers(std::string_view a, std::string_view b);

// JSON equality as RFC 6902 "test" defines it: numbers equal by value,
// objects regardless of member order, arrays element by element.
// With an interrupt, polls it once per node visited.
bool json_equal(const Value &a, const Value &b, Interrupt *interrupt = nullptr);

// Representation equality: like json_equal but numbers must have the same
// text ("1.0" differs from "1"). Used by diff so that exact text survives.
// With an interrupt, polls it once per node visited, so a cancel can stop
// a comparison of large subtrees.
bool identical(const Value &a, const Value &b, Interrupt *interrupt = nullptr);

// Nesting depth: 0 for a scalar, 1 for an empty or scalar-only container.
// With an interrupt, polls it once per node visited.
std::size_t depth(const Value &value, Interrupt *interrupt = nullptr);

// What one node costs in engine memory, children not included: the Value
// itself (an array element or member value lives inline in its container's
// buffer) plus the text of a string or number. An object member adds
// member_key_bytes plus its key's length. The same accounting is used by
// approximate_size and by the boundary's jsonb conversion, and it is never
// less than the node's jsonb size, so a limit on it bounds both.
constexpr std::size_t value_node_bytes = sizeof(Value);
constexpr std::size_t member_key_bytes = sizeof(std::string);

// Approximate engine memory of the value in bytes (see value_node_bytes):
// about 48 bytes per node plus text, at least its jsonb size; used for
// limits. With an interrupt, polls it once per node visited.
std::size_t approximate_size(const Value &value, Interrupt *interrupt = nullptr);

// A deep copy of value that polls interrupt once per node, so copying a
// large subtree can be cancelled (a plain copy cannot).
Value copy_value(const Value &value, Interrupt *interrupt);

// A structural hash consistent with identical(): identical values hash alike.
// With an interrupt, polls it once per node visited.
std::uint64_t structural_hash(const Value &value, Interrupt *interrupt = nullptr);

} // namespace draft_mode::engine
