// Decodes Postgres numeric values without numeric_out().
//
// The layout below is numeric's on-disk format (src/backend/utils/adt/
// numeric.c), which pg_upgrade keeps stable across releases: a 16-bit header,
// optionally a 16-bit weight, then base-10000 digits. The first digit's
// weight says how many base-10000 digits precede the decimal point, and the
// display scale (dscale) how many decimal digits follow it. The regression
// tests compare this decoder against numeric_out on many values.
#include "boundary/numeric_text.h"

#include <cstdint>
#include <cstring>

namespace draft_mode::boundary {

namespace {

constexpr std::uint16_t sign_mask = 0xC000;
constexpr std::uint16_t negative = 0x4000;
constexpr std::uint16_t short_format = 0x8000;
constexpr std::uint16_t short_sign_mask = 0x2000;
constexpr std::uint16_t short_dscale_mask = 0x1F80;
constexpr int short_dscale_shift = 7;
constexpr std::uint16_t short_weight_sign_mask = 0x0040;
constexpr std::uint16_t short_weight_mask = 0x003F;
constexpr std::uint16_t dscale_mask = 0x3FFF;
constexpr int digits_per_word = 4; // base 10000

// A numeric's header, decoded: sign, weight, display scale, and where its
// count base-10000 digit words are.
struct Decoded {
    bool is_negative;
    int weight;
    int dscale;
    int count;
    const char *digits;
};

Decoded decode(Numeric numeric)
{
    const char *bytes = VARDATA_ANY(numeric);
    std::size_t size = VARSIZE_ANY_EXHDR(numeric);
    std::uint16_t header;
    std::memcpy(&header, bytes, sizeof header);
    bool is_negative;
    int weight, dscale;
    std::size_t header_size;
    if ((header & sign_mask) == short_format) {
        is_negative = (header & short_sign_mask) != 0;
        dscale = (header & short_dscale_mask) >> short_dscale_shift;
        weight = (header & short_weight_sign_mask ? ~static_cast<int>(short_weight_mask) : 0) |
                 (header & short_weight_mask);
        header_size = sizeof(std::uint16_t);
    } else {
        std::int16_t long_weight;
        std::memcpy(&long_weight, bytes + sizeof header, sizeof long_weight);
        is_negative = (header & sign_mask) == negative;
        dscale = header & dscale_mask;
        weight = long_weight;
        header_size = sizeof(std::uint16_t) + sizeof(std::int16_t);
    }
    int count = static_cast<int>((size - header_size) / sizeof(std::int16_t));
    return Decoded{is_negative, weight, dscale, count, bytes + header_size};
}

// Appends word (0..9999) as exactly four decimal digits.
void append_word(std::string &out, int word)
{
    char digits[4] = {static_cast<char>('0' + word / 1000),
                      static_cast<char>('0' + word / 100 % 10),
                      static_cast<char>('0' + word / 10 % 10), static_cast<char>('0' + word % 10)};
    out.append(digits, 4);
}

} // namespace

void append_numeric_text(std::string &out, Numeric numeric)
{
    // A named struct, not structured bindings: lambdas may capture those
    // only from C++20 on.
    Decoded decoded = decode(numeric);
    bool is_negative = decoded.is_negative;
    int weight = decoded.weight, dscale = decoded.dscale, count = decoded.count;
    auto digit = [&](int i) -> int {
        if (i < 0 || i >= count)
            return 0;
        std::int16_t d;
        std::memcpy(&d, decoded.digits + i * sizeof d, sizeof d);
        return d;
    };

    if (is_negative && count > 0)
        out += '-';
    // Integer part: digit words 0..weight, the first without leading zeros.
    if (weight < 0) {
        out += '0';
    } else {
        out += std::to_string(digit(0));
        for (int i = 1; i <= weight; ++i)
            append_word(out, digit(i));
    }
    // Fraction: dscale decimal digits from the words after the point.
    if (dscale > 0) {
        out += '.';
        std::size_t end = out.size() + static_cast<std::size_t>(dscale);
        for (int i = weight + 1; out.size() < end; ++i)
            append_word(out, digit(i));
        out.resize(end);
    }
}

std::size_t numeric_text_length(Numeric numeric)
{
    Decoded decoded = decode(numeric);
    bool is_negative = decoded.is_negative;
    int weight = decoded.weight, dscale = decoded.dscale, count = decoded.count;
    std::size_t length = is_negative && count > 0 ? 1 : 0;
    if (weight < 0) {
        length += 1;
    } else {
        std::int16_t first = 0;
        if (count > 0)
            std::memcpy(&first, decoded.digits, sizeof first);
        length += first >= 1000 ? 4 : first >= 100 ? 3 : first >= 10 ? 2 : 1;
        length += static_cast<std::size_t>(weight) * digits_per_word;
    }
    if (dscale > 0)
        length += 1 + static_cast<std::size_t>(dscale);
    return length;
}

} // namespace draft_mode::boundary
