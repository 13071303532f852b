// The JSON document model: construction, ordering, equality, size and hashing.
#include "json_value.h"

#include <algorithm>
#include <cstring>

#include "engine_error.h"

namespace draft_mode::engine {

bool jsonb_key_less(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return a.size() < b.size();
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

namespace {

// Position of the first member whose key does not sort before key.
template <typename Members> auto lower_bound_key(Members &members, std::string_view key)
{
    return std::lower_bound(
        members.begin(), members.end(), key,
        [](const Member &member, std::string_view k) { return jsonb_key_less(member.first, k); });
}

} // namespace

const Value *Object::find(std::string_view key) const
{
    auto it = lower_bound_key(members_, key);
    return it != members_.end() && it->first == key ? &it->second : nullptr;
}

Value *Object::find(std::string_view key)
{
    auto it = lower_bound_key(members_, key);
    return it != members_.end() && it->first == key ? &it->second : nullptr;
}

Value &Object::set(std::string key, Value value)
{
    auto it = lower_bound_key(members_, key);
    if (it != members_.end() && it->first == key) {
        it->second = std::move(value);
        return it->second;
    }
    return members_.emplace(it, std::move(key), std::move(value))->second;
}

bool Object::erase(std::string_view key)
{
    auto it = lower_bound_key(members_, key);
    if (it == members_.end() || it->first != key)
        return false;
    members_.erase(it);
    return true;
}

Value &Object::append_sorted(std::string key, Value value)
{
    if (members_.empty() || jsonb_key_less(members_.back().first, key))
        return members_.emplace_back(std::move(key), std::move(value)).second;
    return set(std::move(key), std::move(value));
}

Value Value::boolean(bool b)
{
    Value v;
    v.data_ = b;
    return v;
}

Value Value::number(std::string text, const void *origin)
{
    Value v;
    v.data_ = NumberText{std::move(text), origin};
    return v;
}

Value Value::string(std::string text)
{
    Value v;
    v.data_ = std::move(text);
    return v;
}

Value Value::array(Array items)
{
    Value v;
    v.data_ = std::move(items);
    return v;
}

Value Value::object(Object members)
{
    Value v;
    v.data_ = std::move(members);
    return v;
}

const char *kind_name(Kind kind)
{
    switch (kind) {
    case Kind::Null:
        return "null";
    case Kind::Boolean:
        return "boolean";
    case Kind::Number:
        return "number";
    case Kind::String:
        return "string";
    case Kind::Array:
        return "array";
    case Kind::Object:
        return "object";
    }
    return "unknown";
}

namespace {

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// A signed integer of any size: sign and decimal digits without leading
// zeros (empty for zero). Exponents of JSON numbers can be arbitrarily long.
struct BigInteger {
    bool negative = false;
    std::string magnitude;
};

std::string strip_leading_zeros(std::string digits)
{
    std::size_t first = digits.find_first_not_of('0');
    return first == std::string::npos ? std::string() : digits.substr(first);
}

// Compares magnitudes (digit strings without leading zeros).
int compare_magnitudes(const std::string &a, const std::string &b)
{
    if (a.size() != b.size())
        return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// a + b for magnitudes.
std::string add_magnitudes(const std::string &a, const std::string &b)
{
    std::string sum;
    int carry = 0;
    for (std::size_t i = 0; i < a.size() || i < b.size() || carry; ++i) {
        int digit = carry;
        if (i < a.size())
            digit += a[a.size() - 1 - i] - '0';
        if (i < b.size())
            digit += b[b.size() - 1 - i] - '0';
        sum.push_back(static_cast<char>('0' + digit % 10));
        carry = digit / 10;
    }
    return strip_leading_zeros(std::string(sum.rbegin(), sum.rend()));
}

// a - b for magnitudes with a >= b.
std::string subtract_magnitudes(const std::string &a, const std::string &b)
{
    std::string difference;
    int borrow = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        int digit =
            (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
        borrow = digit < 0;
        difference.push_back(static_cast<char>('0' + (digit + 10) % 10));
    }
    return strip_leading_zeros(std::string(difference.rbegin(), difference.rend()));
}

BigInteger add(const BigInteger &a, const BigInteger &b)
{
    BigInteger result;
    if (a.negative == b.negative) {
        result.negative = a.negative;
        result.magnitude = add_magnitudes(a.magnitude, b.magnitude);
    } else if (compare_magnitudes(a.magnitude, b.magnitude) >= 0) {
        result.negative = a.negative;
        result.magnitude = subtract_magnitudes(a.magnitude, b.magnitude);
    } else {
        result.negative = b.negative;
        result.magnitude = subtract_magnitudes(b.magnitude, a.magnitude);
    }
    if (result.magnitude.empty())
        result.negative = false;
    return result;
}

BigInteger from_integer(long long value)
{
    BigInteger result;
    result.negative = value < 0;
    result.magnitude = strip_leading_zeros(std::to_string(value < 0 ? -value : value));
    if (result.magnitude.empty())
        result.negative = false;
    return result;
}

int compare(const BigInteger &a, const BigInteger &b)
{
    if (a.negative != b.negative)
        return a.negative ? -1 : 1;
    int magnitude = compare_magnitudes(a.magnitude, b.magnitude);
    return a.negative ? -magnitude : magnitude;
}

// A number split into sign, significant digits (no leading or trailing zeros)
// and the decimal exponent of the first digit, so that the value is
// sign * 0.d1d2d3... * 10^exponent. Zero has no digits.
struct Decimal {
    bool negative = false;
    std::string digits;
    BigInteger exponent;
};

// Splits a JSON number lexeme (assumed valid) into a normalized Decimal.
Decimal normalize(std::string_view text)
{
    Decimal d;
    std::size_t i = 0;
    if (i < text.size() && text[i] == '-') {
        d.negative = true;
        ++i;
    }
    std::string mantissa;
    long long point = -1; // digits before the decimal point
    for (; i < text.size() && (is_digit(text[i]) || text[i] == '.'); ++i) {
        if (text[i] == '.')
            point = static_cast<long long>(mantissa.size());
        else
            mantissa.push_back(text[i]);
    }
    if (point < 0)
        point = static_cast<long long>(mantissa.size());
    BigInteger exp10;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-'))
            exp10.negative = text[i++] == '-';
        exp10.magnitude = strip_leading_zeros(std::string(text.substr(i)));
        if (exp10.magnitude.empty())
            exp10.negative = false;
    }
    std::size_t first = mantissa.find_first_not_of('0');
    if (first == std::string::npos) {
        d.negative = false; // -0 equals 0
        return d;
    }
    std::size_t last = mantissa.find_last_not_of('0');
    d.digits = mantissa.substr(first, last - first + 1);
    d.exponent = add(exp10, from_integer(point - static_cast<long long>(first)));
    return d;
}

// Compares magnitudes of two normalized decimals.
int compare_magnitude(const Decimal &a, const Decimal &b)
{
    if (a.digits.empty() || b.digits.empty())
        return a.digits.empty() ? (b.digits.empty() ? 0 : -1) : 1;
    if (int c = compare(a.exponent, b.exponent); c != 0)
        return c;
    int c = a.digits.compare(b.digits);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

} // namespace

bool is_json_number(std::string_view text)
{
    std::size_t i = 0, n = text.size();
    if (i < n && text[i] == '-')
        ++i;
    if (i >= n || !is_digit(text[i]))
        return false;
    if (text[i] == '0')
        ++i;
    else
        while (i < n && is_digit(text[i]))
            ++i;
    if (i < n && text[i] == '.') {
        ++i;
        if (i >= n || !is_digit(text[i]))
            return false;
        while (i < n && is_digit(text[i]))
            ++i;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < n && (text[i] == '+' || text[i] == '-'))
            ++i;
        if (i >= n || !is_digit(text[i]))
            return false;
        while (i < n && is_digit(text[i]))
            ++i;
    }
    return i == n;
}

int compare_numbers(std::string_view a, std::string_view b)
{
    if (a == b)
        return 0;
    Decimal da = normalize(a), db = normalize(b);
    if (da.negative != db.negative)
        return da.negative ? -1 : 1;
    int magnitude = compare_magnitude(da, db);
    return da.negative ? -magnitude : magnitude;
}

namespace {

// Shared structure of json_equal and identical; they differ only in how
// numbers compare.
template <typename NumbersEqual>
bool equal_with(const Value &a, const Value &b, NumbersEqual numbers_equal,
                Interrupt *interrupt = nullptr)
{
    if (interrupt != nullptr)
        interrupt->tick();
    if (a.kind() != b.kind())
        return false;
    switch (a.kind()) {
    case Kind::Null:
        return true;
    case Kind::Boolean:
        return a.as_boolean() == b.as_boolean();
    case Kind::Number:
        return numbers_equal(a.number_text(), b.number_text());
    case Kind::String:
        return a.as_string() == b.as_string();
    case Kind::Array: {
        const Array &x = a.as_array(), &y = b.as_array();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!equal_with(x[i], y[i], numbers_equal, interrupt))
                return false;
        return true;
    }
    case Kind::Object: {
        // Both sides are sorted by key, so member order never matters.
        const auto &x = a.as_object().members(), &y = b.as_object().members();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i].first != y[i].first ||
                !equal_with(x[i].second, y[i].second, numbers_equal, interrupt))
                return false;
        return true;
    }
    }
    return false;
}

} // namespace

bool json_equal(const Value &a, const Value &b, Interrupt *interrupt)
{
    return equal_with(
        a, b,
        [interrupt](const std::string &x, const std::string &y) {
            // Comparing long number texts costs about their length.
            if (interrupt != nullptr)
                interrupt->tick(x.size() + y.size());
            return compare_numbers(x, y) == 0;
        },
        interrupt);
}

bool identical(const Value &a, const Value &b, Interrupt *interrupt)
{
    return equal_with(
        a, b, [](const std::string &x, const std::string &y) { return x == y; }, interrupt);
}

std::size_t depth(const Value &value, Interrupt *interrupt)
{
    if (interrupt != nullptr)
        interrupt->tick();
    std::size_t deepest = 0;
    if (value.is_array()) {
        for (const Value &item : value.as_array())
            deepest = std::max(deepest, depth(item, interrupt));
    } else if (value.is_object()) {
        for (const Member &member : value.as_object().members())
            deepest = std::max(deepest, depth(member.second, interrupt));
    } else {
        return 0;
    }
    return deepest + 1;
}

std::size_t approximate_size(const Value &value, Interrupt *interrupt)
{
    if (interrupt != nullptr)
        interrupt->tick();
    switch (value.kind()) {
    case Kind::Null:
    case Kind::Boolean:
        return value_node_bytes;
    case Kind::Number:
        return value_node_bytes + value.number_text().size();
    case Kind::String:
        return value_node_bytes + value.as_string().size();
    case Kind::Array: {
        std::size_t total = value_node_bytes;
        for (const Value &item : value.as_array())
            total += approximate_size(item, interrupt);
        return total;
    }
    case Kind::Object: {
        std::size_t total = value_node_bytes;
        for (const Member &member : value.as_object().members())
            total +=
                member_key_bytes + member.first.size() + approximate_size(member.second, interrupt);
        return total;
    }
    }
    return value_node_bytes;
}

Value copy_value(const Value &value, Interrupt *interrupt)
{
    if (interrupt != nullptr)
        interrupt->tick();
    switch (value.kind()) {
    case Kind::Array: {
        const Array &items = value.as_array();
        Array copy;
        copy.reserve(items.size());
        for (const Value &item : items)
            copy.push_back(copy_value(item, interrupt));
        return Value::array(std::move(copy));
    }
    case Kind::Object: {
        const std::vector<Member> &members = value.as_object().members();
        Object copy;
        copy.members().reserve(members.size());
        for (const Member &member : members)
            copy.members().emplace_back(member.first, copy_value(member.second, interrupt));
        return Value::object(std::move(copy));
    }
    default:
        // Scalars: one allocation at most, proportional to their text.
        if (interrupt != nullptr && value.kind() != Kind::Null && value.kind() != Kind::Boolean)
            interrupt->tick((value.kind() == Kind::String ? value.as_string().size()
                                                          : value.number_text().size()) /
                            4096);
        return value;
    }
}

namespace {

// FNV-1a over bytes, continuing from hash.
std::uint64_t fnv1a(std::uint64_t hash, const void *data, std::size_t size)
{
    const auto *bytes = static_cast<const unsigned char *>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::uint64_t hash_into(std::uint64_t hash, const Value &value, Interrupt *interrupt)
{
    if (interrupt != nullptr)
        interrupt->tick();
    auto kind = static_cast<unsigned char>(value.kind());
    hash = fnv1a(hash, &kind, 1);
    switch (value.kind()) {
    case Kind::Null:
        return hash;
    case Kind::Boolean: {
        unsigned char b = value.as_boolean() ? 1 : 0;
        return fnv1a(hash, &b, 1);
    }
    case Kind::Number:
        return fnv1a(hash, value.number_text().data(), value.number_text().size());
    case Kind::String:
        return fnv1a(hash, value.as_string().data(), value.as_string().size());
    case Kind::Array: {
        for (const Value &item : value.as_array())
            hash = hash_into(hash, item, interrupt);
        std::size_t n = value.as_array().size();
        return fnv1a(hash, &n, sizeof n);
    }
    case Kind::Object: {
        for (const Member &member : value.as_object().members()) {
            hash = fnv1a(hash, member.first.data(), member.first.size());
            hash = fnv1a(hash, "\0", 1);
            hash = hash_into(hash, member.second, interrupt);
        }
        std::size_t n = value.as_object().size();
        return fnv1a(hash, &n, sizeof n);
    }
    }
    return hash;
}

} // namespace

std::uint64_t structural_hash(const Value &value, Interrupt *interrupt)
{
    return hash_into(14695981039346656037ULL, value, interrupt);
}

} // namespace draft_mode::engine
