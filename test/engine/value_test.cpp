// Unit tests of the document model (json_value) and its text form (json_text):
// exact numbers, jsonb key order, equality, depth and the JSON text round trip.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine_error.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

// Keys of an object, in stored order.
std::vector<std::string> keys_of(const Object &object)
{
    std::vector<std::string> keys;
    for (const Member &member : object.members())
        keys.push_back(member.first);
    return keys;
}

// Runs parse_json and returns the kind of the EngineError it throws; fails the
// test when nothing (or something else) is thrown.
ErrorKind parse_error_kind(const std::string &text, const Limits &limits = Limits())
{
    try {
        parse_json(text, limits);
    } catch (const EngineError &error) {
        return error.kind();
    }
    ADD_FAILURE() << "parse_json accepted " << text;
    return ErrorKind::InvalidPatch;
}

// A JSON text of `levels` nested arrays around the scalar 0.
std::string nested_arrays(std::size_t levels)
{
    return std::string(levels, '[') + "0" + std::string(levels, ']');
}

// is_json_number guards Value::number: only RFC 8259 number lexemes pass.
TEST(ValueNumberLexeme, AcceptsValidLexemes)
{
    for (const char *text :
         {"0", "-0", "1", "-1", "19.90", "0.5", "-0.0", "1e2", "1E2", "1e+2", "1E-2", "1.5e300",
          "12345678901234567890123", "1e-400", "0.1000000000000000000001", "0e0", "-0.0e-0"})
        EXPECT_TRUE(is_json_number(text)) << text;
}

TEST(ValueNumberLexeme, RejectsInvalidLexemes)
{
    for (const char *text :
         {"",         "-",         "+1",    "01",    "-01",  "00",  ".5", "1.",    "1.e2",
          "1e",       "1e+",       "1e-",   "e2",    "0x10", "1 ",  " 1", "1_000", "NaN",
          "Infinity", "-Infinity", "1.2.3", "1e2e3", "--1",  "1,5", "١"})
        EXPECT_FALSE(is_json_number(text)) << text;
}

// compare_numbers must be exact: jsonb numerics are arbitrary precision, so
// neither double nor int64 arithmetic is acceptable.
TEST(ValueCompareNumbers, EqualAcrossRepresentations)
{
    EXPECT_EQ(compare_numbers("1.0", "1"), 0);
    EXPECT_EQ(compare_numbers("1", "1.000"), 0);
    EXPECT_EQ(compare_numbers("1e2", "100"), 0);
    EXPECT_EQ(compare_numbers("1E+2", "100.0"), 0);
    EXPECT_EQ(compare_numbers("0.01e4", "100"), 0);
    EXPECT_EQ(compare_numbers("100e-2", "1"), 0);
    EXPECT_EQ(compare_numbers("-0", "0"), 0);
    EXPECT_EQ(compare_numbers("-0.0", "0e5"), 0);
    EXPECT_EQ(compare_numbers("0", "0.000e-7"), 0);
    EXPECT_EQ(compare_numbers("19.90", "19.9"), 0);
    EXPECT_EQ(compare_numbers("-2.50", "-25e-1"), 0);
}

TEST(ValueCompareNumbers, OrdersBeyondDoublePrecision)
{
    EXPECT_EQ(compare_numbers("0.1000000000000000000001", "0.1"), 1);
    EXPECT_EQ(compare_numbers("0.1", "0.1000000000000000000001"), -1);
    EXPECT_EQ(compare_numbers("12345678901234567890123", "12345678901234567890124"), -1);
    EXPECT_EQ(compare_numbers("12345678901234567890124", "12345678901234567890123"), 1);
    EXPECT_EQ(compare_numbers("9007199254740993", "9007199254740992"), 1);
    EXPECT_EQ(compare_numbers("1e-400", "0"), 1);
    EXPECT_EQ(compare_numbers("0", "1e-400"), -1);
    EXPECT_EQ(compare_numbers("1e-400", "1e-399"), -1);
    EXPECT_EQ(compare_numbers("1e400", "9e399"), 1);
    EXPECT_EQ(compare_numbers("2", "10"), -1);
    EXPECT_EQ(compare_numbers("0.9", "1"), -1);
}

TEST(ValueCompareNumbers, Negatives)
{
    EXPECT_EQ(compare_numbers("-1", "1"), -1);
    EXPECT_EQ(compare_numbers("1", "-1"), 1);
    EXPECT_EQ(compare_numbers("-2", "-1"), -1);
    EXPECT_EQ(compare_numbers("-1", "-2"), 1);
    EXPECT_EQ(compare_numbers("-1e-400", "0"), -1);
    EXPECT_EQ(compare_numbers("-0", "-1e-400"), 1);
    EXPECT_EQ(compare_numbers("-12345678901234567890124", "-12345678901234567890123"), -1);
    EXPECT_EQ(compare_numbers("-0.1000000000000000000001", "-0.1"), -1);
    EXPECT_EQ(compare_numbers("-1.0", "-1"), 0);
}

// Exponents past the parser's saturation point (10^12) must still compare by
// value: the header promises exactness "for any length and exponent".
// Regression test for a reported bug: normalize() stops accumulating exponent
// digits at 10^12, so 1e10000000000000 == 1e1000000000000.
TEST(ValueCompareNumbers, HugeExponentsStayDistinct)
{
    EXPECT_EQ(compare_numbers("1e99999999999999999999", "1e99999999999999999998"), 1);
    EXPECT_EQ(compare_numbers("1e10000000000000", "1e1000000000000"), 1);
    EXPECT_EQ(compare_numbers("1e-10000000000000", "1e-1000000000000"), -1);
    EXPECT_EQ(compare_numbers("1e00000000000000000000000002", "100"), 0);
    // Reachable through the text parser: tiny exponents underflow a double,
    // which nlohmann accepts, so "test" would match these two numbers.
    EXPECT_FALSE(json_equal(parse_json("1e-10000000000000"), parse_json("1e-1000000000000")));
}

// json_equal is RFC 6902 "test" equality (numbers by value); identical also
// requires the same number text, which diff relies on to keep exact text.
TEST(ValueEquality, JsonEqualVersusIdentical)
{
    Value one_point_zero = Value::number("1.0");
    Value one = Value::number("1");
    EXPECT_TRUE(json_equal(one_point_zero, one));
    EXPECT_FALSE(identical(one_point_zero, one));
    EXPECT_TRUE(identical(one, Value::number("1")));

    Value a = parse_json(R"({"x":[1.0,{"y":19.90}],"z":null})");
    Value b = parse_json(R"({"z":null,"x":[1,{"y":19.9}]})");
    EXPECT_TRUE(json_equal(a, b));
    EXPECT_FALSE(identical(a, b));
    EXPECT_TRUE(identical(a, parse_json(R"({"z":null,"x":[1.0,{"y":19.90}]})")));
}

TEST(ValueEquality, DifferentValuesDiffer)
{
    EXPECT_FALSE(json_equal(parse_json("1"), parse_json("\"1\"")));
    EXPECT_FALSE(json_equal(parse_json("null"), parse_json("false")));
    EXPECT_FALSE(json_equal(parse_json("true"), parse_json("false")));
    EXPECT_FALSE(json_equal(parse_json("[1,2]"), parse_json("[2,1]")));
    EXPECT_FALSE(json_equal(parse_json("[1]"), parse_json("[1,1]")));
    EXPECT_FALSE(json_equal(parse_json(R"({"a":1})"), parse_json(R"({"a":1,"b":1})")));
    EXPECT_FALSE(json_equal(parse_json(R"({"a":1})"), parse_json(R"({"b":1})")));
    EXPECT_FALSE(json_equal(parse_json("{}"), parse_json("[]")));
    EXPECT_FALSE(json_equal(parse_json("0.1000000000000000000001"), parse_json("0.1")));
}

// structural_hash must agree with identical() (diff uses it to match values).
TEST(ValueEquality, HashConsistentWithIdentical)
{
    Value a = parse_json(R"({"b":[1,2.50],"a":"x"})");
    Value b = parse_json(R"({"a":"x","b":[1,2.50]})");
    ASSERT_TRUE(identical(a, b));
    EXPECT_EQ(structural_hash(a), structural_hash(b));
    EXPECT_NE(structural_hash(parse_json("[1]")), structural_hash(parse_json("[1.0]")));
}

// Objects keep jsonb key order (shorter keys first, then bytewise) whatever
// the insertion order, so lookups can binary search and jsonb needs no sort.
TEST(ValueObjectOrder, JsonbKeyLess)
{
    EXPECT_TRUE(jsonb_key_less("b", "aa"));
    EXPECT_FALSE(jsonb_key_less("aa", "b"));
    EXPECT_TRUE(jsonb_key_less("a", "b"));
    EXPECT_TRUE(jsonb_key_less("", "a"));
    EXPECT_FALSE(jsonb_key_less("a", "a"));
    EXPECT_TRUE(jsonb_key_less("B", "a"));        // bytewise, not case-folded
    EXPECT_TRUE(jsonb_key_less("z", "\xc3\xa9")); // UTF-8 é is two bytes long
    EXPECT_TRUE(jsonb_key_less("\x7f", "\x80"));  // bytes compare unsigned
}

TEST(ValueObjectOrder, SetSortsRegardlessOfInsertionOrder)
{
    const std::vector<std::string> expected = {"", "b", "c", "aa", "ab", "aaa"};
    Object forward, backward;
    for (const char *key : {"aaa", "ab", "aa", "c", "b", ""})
        forward.set(key, Value::string(key));
    for (const char *key : {"", "b", "c", "aa", "ab", "aaa"})
        backward.set(key, Value::string(key));
    EXPECT_EQ(keys_of(forward), expected);
    EXPECT_EQ(keys_of(backward), expected);
    EXPECT_EQ(to_json(parse_json(R"({"aaa":1,"ab":2,"aa":3,"c":4,"b":5,"":6})")),
              R"({"":6,"b":5,"c":4,"aa":3,"ab":2,"aaa":1})");
}

TEST(ValueObjectOrder, SetFindErase)
{
    Object object;
    EXPECT_TRUE(object.empty());
    EXPECT_EQ(object.find("a"), nullptr);
    Value &stored = object.set("a", Value::number("1"));
    EXPECT_EQ(stored.number_text(), "1");
    object.set("bb", Value::boolean(true));
    ASSERT_NE(object.find("a"), nullptr);
    EXPECT_EQ(object.find("a")->number_text(), "1");
    EXPECT_EQ(object.find("b"), nullptr);
    EXPECT_EQ(object.find("bbb"), nullptr);

    // Setting an existing key replaces its value and keeps one member.
    object.set("a", Value::string("new"));
    EXPECT_EQ(object.size(), 2u);
    EXPECT_EQ(object.find("a")->as_string(), "new");

    // find through a non-const object gives a value that can be changed.
    *object.find("bb") = Value::number("2");
    EXPECT_EQ(object.find("bb")->number_text(), "2");
    const Object &view = object;
    ASSERT_NE(view.find("bb"), nullptr);

    EXPECT_TRUE(object.erase("a"));
    EXPECT_FALSE(object.erase("a"));
    EXPECT_FALSE(object.erase("zz"));
    EXPECT_EQ(object.find("a"), nullptr);
    EXPECT_EQ(keys_of(object), std::vector<std::string>{"bb"});
    EXPECT_TRUE(object.erase("bb"));
    EXPECT_TRUE(object.empty());
}

// append_sorted is the fast path for keys arriving in jsonb order; keys out of
// order or repeated must still end up sorted and unique.
TEST(ValueObjectOrder, AppendSorted)
{
    Object object;
    object.append_sorted("b", Value::number("1"));
    object.append_sorted("c", Value::number("2"));
    object.append_sorted("aa", Value::number("3"));
    EXPECT_EQ(keys_of(object), (std::vector<std::string>{"b", "c", "aa"}));

    object.append_sorted("a", Value::number("4")); // out of order: falls back to set
    object.append_sorted("c", Value::number("5")); // repeated: replaces
    object.append_sorted("", Value::number("6"));
    EXPECT_EQ(keys_of(object), (std::vector<std::string>{"", "a", "b", "c", "aa"}));
    EXPECT_EQ(object.find("c")->number_text(), "5");
    EXPECT_EQ(object.size(), 5u);
}

// depth counts container levels; the depth limit is defined in these units.
TEST(ValueDepth, CountsContainerLevels)
{
    EXPECT_EQ(depth(parse_json("1")), 0u);
    EXPECT_EQ(depth(parse_json("\"s\"")), 0u);
    EXPECT_EQ(depth(parse_json("null")), 0u);
    EXPECT_EQ(depth(parse_json("[]")), 1u);
    EXPECT_EQ(depth(parse_json("{}")), 1u);
    EXPECT_EQ(depth(parse_json("[1,2]")), 1u);
    EXPECT_EQ(depth(parse_json(R"({"a":[]})")), 2u);
    EXPECT_EQ(depth(parse_json(R"([1,[2,[3]],{"a":{"b":{"c":[]}}}])")), 5u);
    EXPECT_EQ(depth(parse_json(nested_arrays(50))), 50u);
}

// Numbers must leave parse_json/to_json with the exact text they came in with
// (jsonb numerics are arbitrary precision; nlohmann's DOM would round them).
TEST(ValueText, RoundTripKeepsNumberText)
{
    for (const char *text :
         {"19.90", "12345678901234567890123", "1e-400", "0.1000000000000000000001", "-0.0", "1E+2",
          "1e2", "-1.50E-7", "0", "-17", "18446744073709551615", "18446744073709551616",
          "-9223372036854775808", "-9223372036854775809", "100.000"}) {
        Value value = parse_json(text);
        ASSERT_EQ(value.kind(), Kind::Number) << text;
        EXPECT_EQ(value.number_text(), text);
        EXPECT_EQ(to_json(value), text);
    }
    const std::string document =
        R"({"a":[19.90,12345678901234567890123,1e-400],"b":{"c":0.1000000000000000000001,"d":-0.0,"e":1E+2}})";
    EXPECT_EQ(to_json(parse_json(document)), document);
}

TEST(ValueText, RoundTripOfEveryKind)
{
    const std::string document =
        R"({"":"","f":false,"n":null,"s":"x\"y","t":true,"arr":[[],{},[null]],"obj":{"k":[1,"2"]}})";
    Value value = parse_json(document);
    EXPECT_EQ(to_json(value), document);
    EXPECT_TRUE(identical(parse_json(to_json(value)), value));
    EXPECT_EQ(to_json(parse_json(" [ 1 , { \"a\" : 2 } ]\n")), R"([1,{"a":2}])");
    EXPECT_EQ(parse_json("\"\\u00e9\\ud83d\\ude00\"").as_string(), "\xc3\xa9\xf0\x9f\x98\x80");
}

// Duplicate keys: the last one wins, as in jsonb.
TEST(ValueText, DuplicateKeysLastWins)
{
    Value value = parse_json(R"({"a":1,"b":2,"a":3})");
    ASSERT_TRUE(value.is_object());
    EXPECT_EQ(value.as_object().size(), 2u);
    EXPECT_EQ(value.as_object().find("a")->number_text(), "3");
    EXPECT_EQ(to_json(parse_json(R"({"a":{"x":[1,2]},"a":[3]})")), R"({"a":[3]})");
    EXPECT_EQ(to_json(parse_json(R"({"a":1,"a":{"x":{"y":1},"x":2}})")), R"({"a":{"x":2}})");
}

TEST(ValueText, InvalidJsonThrowsInvalidJson)
{
    for (const char *text : {"",
                             " ",
                             "{",
                             "[1,]",
                             "[1 2]",
                             "{\"a\"}",
                             "{\"a\":}",
                             "{a:1}",
                             "'x'",
                             "01",
                             "1.",
                             "+1",
                             "NaN",
                             "nul",
                             "truex",
                             "1 2",
                             "[1]]",
                             "\"unterminated",
                             "\"bad \\x escape\"",
                             "\"tab\there\"",
                             "\"\xff\"",
                             "1e400",
                             "-1e400"})
        EXPECT_EQ(parse_error_kind(text), ErrorKind::InvalidJson) << text;
}

TEST(ValueText, InvalidJsonDetailIsJson)
{
    try {
        parse_json("[1,]");
        FAIL() << "no error";
    } catch (const EngineError &error) {
        EXPECT_EQ(error.kind(), ErrorKind::InvalidJson);
        EXPECT_NE(std::string(error.what()).find("invalid JSON text"), std::string::npos);
        Value detail = parse_json(error.detail());
        ASSERT_TRUE(detail.is_object());
        EXPECT_NE(detail.as_object().find("position"), nullptr);
    }
}

// Nesting past Limits.max_depth is refused while parsing (no deep recursion
// later), and exactly max_depth levels are accepted.
TEST(ValueText, NestingPastMaxDepthIsLimitExceeded)
{
    Limits limits;
    limits.max_depth = 10;
    EXPECT_EQ(depth(parse_json(nested_arrays(10), limits)), 10u);
    EXPECT_EQ(parse_error_kind(nested_arrays(11), limits), ErrorKind::LimitExceeded);
    EXPECT_EQ(parse_error_kind(R"({"a":{"b":{"c":1}}})", Limits{2, 10000, 1u << 20}),
              ErrorKind::LimitExceeded);
    // The default limit applies too, long before the stack would overflow.
    EXPECT_EQ(parse_error_kind(nested_arrays(100000)), ErrorKind::LimitExceeded);
    EXPECT_EQ(depth(parse_json(nested_arrays(Limits().max_depth))), Limits().max_depth);
}

// append_json_string writes a valid JSON string literal: quotes, backslashes
// and control characters escaped, everything else (UTF-8 included) verbatim.
TEST(ValueText, AppendJsonStringEscaping)
{
    auto quoted = [](const std::string &text) {
        std::string out = "prefix:";
        append_json_string(out, text);
        return out;
    };
    EXPECT_EQ(quoted(""), "prefix:\"\"");
    EXPECT_EQ(quoted("plain"), "prefix:\"plain\"");
    EXPECT_EQ(quoted("a\"b\\c/d"), "prefix:\"a\\\"b\\\\c/d\"");
    EXPECT_EQ(quoted("\n\r\t\b\f"), "prefix:\"\\n\\r\\t\\b\\f\"");
    EXPECT_EQ(quoted(std::string("\0\x01\x1f", 3)), "prefix:\"\\u0000\\u0001\\u001f\"");
    EXPECT_EQ(quoted("\x7f"), "prefix:\"\x7f\"");
    EXPECT_EQ(quoted("\xc3\xa9 \xf0\x9f\x98\x80"), "prefix:\"\xc3\xa9 \xf0\x9f\x98\x80\"");

    // Every byte below 0x20 survives a round trip through the parser.
    std::string all_controls;
    for (int c = 0; c < 0x20; ++c)
        all_controls.push_back(static_cast<char>(c));
    all_controls += "\"\\";
    std::string literal;
    append_json_string(literal, all_controls);
    EXPECT_EQ(parse_json(literal).as_string(), all_controls);
}

// kind_name feeds error messages.
TEST(ValueKinds, KindNames)
{
    EXPECT_STREQ(kind_name(Kind::Null), "null");
    EXPECT_STREQ(kind_name(Kind::Boolean), "boolean");
    EXPECT_STREQ(kind_name(Kind::Number), "number");
    EXPECT_STREQ(kind_name(Kind::String), "string");
    EXPECT_STREQ(kind_name(Kind::Array), "array");
    EXPECT_STREQ(kind_name(Kind::Object), "object");
    EXPECT_EQ(Value().kind(), Kind::Null);
    EXPECT_TRUE(Value::array().is_container());
    EXPECT_FALSE(Value::string("x").is_container());
}

} // namespace
} // namespace draft_mode::engine
