// Unit tests of JSON Pointer (RFC 6901): parsing, escaping, array indexes,
// prefixes and lookup.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/engine_error.h"
#include "engine/json_pointer.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

using Tokens = std::vector<std::string>;

// The example document of RFC 6901 section 5.
const char *const rfc6901_document = R"({
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    "k\"l": 6,
    " ": 7,
    "m~n": 8
})";

// Text of the value a pointer refers to in document, or "<missing>".
std::string lookup(const Value &document, const std::string &pointer)
{
    const Value *found = find(document, Pointer::parse(pointer));
    return found == nullptr ? "<missing>" : to_json(*found);
}

// RFC 6901 section 5: every example pointer resolves to the documented value.
TEST(PointerRfc6901, SectionFiveExamples)
{
    Value document = parse_json(rfc6901_document);
    EXPECT_TRUE(identical(*find(document, Pointer::parse("")), document));
    EXPECT_EQ(lookup(document, "/foo"), R"(["bar","baz"])");
    EXPECT_EQ(lookup(document, "/foo/0"), R"("bar")");
    EXPECT_EQ(lookup(document, "/"), "0");
    EXPECT_EQ(lookup(document, "/a~1b"), "1");
    EXPECT_EQ(lookup(document, "/c%d"), "2");
    EXPECT_EQ(lookup(document, "/e^f"), "3");
    EXPECT_EQ(lookup(document, "/g|h"), "4");
    EXPECT_EQ(lookup(document, "/i\\j"), "5");
    EXPECT_EQ(lookup(document, "/k\"l"), "6");
    EXPECT_EQ(lookup(document, "/ "), "7");
    EXPECT_EQ(lookup(document, "/m~0n"), "8");
}

// Parsing splits on '/' and unescapes ~1 then ~0 (so "~01" is "~1", not "/").
TEST(PointerParse, TokensAreUnescaped)
{
    EXPECT_EQ(Pointer::parse("").tokens, Tokens{});
    EXPECT_EQ(Pointer::parse("/").tokens, Tokens{""});
    EXPECT_EQ(Pointer::parse("//").tokens, (Tokens{"", ""}));
    EXPECT_EQ(Pointer::parse("/a/").tokens, (Tokens{"a", ""}));
    EXPECT_EQ(Pointer::parse("/a~1b/c").tokens, (Tokens{"a/b", "c"}));
    EXPECT_EQ(Pointer::parse("/m~0n").tokens, Tokens{"m~n"});
    EXPECT_EQ(Pointer::parse("/~01").tokens, Tokens{"~1"});
    EXPECT_EQ(Pointer::parse("/~10").tokens, Tokens{"/0"});
    EXPECT_EQ(Pointer::parse("/~0~1~0").tokens, Tokens{"~/~"});
    EXPECT_EQ(Pointer::parse("/0/-").tokens, (Tokens{"0", "-"}));
}

// Bad pointer syntax is InvalidPointer with a parseable detail.
TEST(PointerParse, InvalidPointersThrow)
{
    struct Case {
        const char *text;
        const char *reason;
    };
    for (const Case &c :
         {Case{"foo", "must_start_with_slash"}, Case{"#/foo", "must_start_with_slash"},
          Case{" /a", "must_start_with_slash"}, Case{"/~2", "bad_escape"}, Case{"/~", "bad_escape"},
          Case{"/a~", "bad_escape"}, Case{"/a/~x/b", "bad_escape"}, Case{"/~~0", "bad_escape"}}) {
        try {
            Pointer::parse(c.text);
            ADD_FAILURE() << "accepted " << c.text;
        } catch (const EngineError &error) {
            EXPECT_EQ(error.kind(), ErrorKind::InvalidPointer) << c.text;
            Value detail = parse_json(error.detail());
            ASSERT_TRUE(detail.is_object()) << error.detail();
            const Value *pointer = detail.as_object().find("pointer");
            const Value *reason = detail.as_object().find("reason");
            ASSERT_NE(pointer, nullptr) << error.detail();
            ASSERT_NE(reason, nullptr) << error.detail();
            EXPECT_EQ(pointer->as_string(), c.text);
            EXPECT_EQ(reason->as_string(), c.reason) << c.text;
        }
    }
}

// to_string escapes ~ and / so that parse(to_string(p)) gives p back.
TEST(PointerFormat, ToStringRoundTrip)
{
    EXPECT_EQ(Pointer{}.to_string(), "");
    EXPECT_EQ((Pointer{{""}}).to_string(), "/");
    EXPECT_EQ((Pointer{{"a/b", "m~n"}}).to_string(), "/a~1b/m~0n");
    EXPECT_EQ((Pointer{{"~1"}}).to_string(), "/~01");
    EXPECT_EQ((Pointer{{"/0"}}).to_string(), "/~10");
    for (const char *text : {"", "/", "//", "/foo/0", "/a~1b", "/m~0n", "/~0~1", "/~01", "/ ",
                             "/k\"l", "/i\\j", "/\xc3\xa9", "/-"})
        EXPECT_EQ(Pointer::parse(text).to_string(), text);
    Pointer tricky{{"~", "/", "~/~1", ""}};
    EXPECT_EQ(Pointer::parse(tricky.to_string()).tokens, tricky.tokens);
}

TEST(PointerFormat, Child)
{
    Pointer root;
    EXPECT_EQ(root.child("a/b").to_string(), "/a~1b");
    EXPECT_EQ(root.child("a").child(std::size_t{12}).to_string(), "/a/12");
    EXPECT_EQ(root.tokens, Tokens{}); // child does not change the original
}

// Array indexes: decimal digits, no leading zero, no sign, no exponent; "-"
// is not an index; values that do not fit saturate, never wrap.
TEST(PointerArrayIndex, ValidIndexes)
{
    EXPECT_EQ(parse_array_index("0"), std::optional<std::size_t>(0));
    EXPECT_EQ(parse_array_index("1"), std::optional<std::size_t>(1));
    EXPECT_EQ(parse_array_index("10"), std::optional<std::size_t>(10));
    EXPECT_EQ(parse_array_index("4294967296"), std::optional<std::size_t>(4294967296u));
}

TEST(PointerArrayIndex, InvalidIndexes)
{
    for (const char *token : {"", "01", "00", "-", "-1", "+1", "1e0", "1.0", " 1", "1 ", "0x1", "a",
                              "1a", "0099999999999999999999"})
        EXPECT_EQ(parse_array_index(token), std::nullopt) << '"' << token << '"';
}

// RFC 6901's grammar has no length limit: an index too large for size_t is
// a valid index that no array has (SIZE_MAX), never wrapped, never invalid.
TEST(PointerArrayIndex, HugeIndexesAreValidAndOutOfRange)
{
    for (const char *token : {"99999999999999999999", "18446744073709551616",
                              "36893488147419103232", "99999999999999999999999999"})
        EXPECT_EQ(parse_array_index(token), std::optional<std::size_t>(SIZE_MAX))
            << '"' << token << '"';
    EXPECT_EQ(parse_array_index("1000000000000000000"),
              std::optional<std::size_t>(1000000000000000000u));
}

// is_proper_prefix_of decides "move into own child"; equal pointers and
// token-string prefixes ("/a" vs "/ab") are not proper prefixes.
TEST(PointerPrefix, IsProperPrefixOf)
{
    auto prefix = [](const char *a, const char *b) {
        return Pointer::parse(a).is_proper_prefix_of(Pointer::parse(b));
    };
    EXPECT_TRUE(prefix("", "/a"));
    EXPECT_TRUE(prefix("", "/"));
    EXPECT_TRUE(prefix("/a", "/a/b"));
    EXPECT_TRUE(prefix("/a", "/a/b/c"));
    EXPECT_TRUE(prefix("/", "//"));
    EXPECT_TRUE(prefix("/a~1b", "/a~1b/0"));
    EXPECT_FALSE(prefix("", ""));
    EXPECT_FALSE(prefix("/a", "/a"));
    EXPECT_FALSE(prefix("/a/b", "/a"));
    EXPECT_FALSE(prefix("/a", "/ab"));
    EXPECT_FALSE(prefix("/a", "/b/a"));
    EXPECT_FALSE(prefix("/a", "/a~1b")); // token "a/b" is not under "a"
}

// find walks objects and arrays; a missing key, a bad or out-of-range index
// or a step into a scalar gives nullptr, never a crash.
TEST(PointerFind, ResolvesAndMisses)
{
    Value document = parse_json(R"({"a":[10,{"b":null},[true]],"s":"text","n":1,"z":null})");
    EXPECT_EQ(lookup(document, "/a/0"), "10");
    EXPECT_EQ(lookup(document, "/a/1/b"), "null");
    EXPECT_EQ(lookup(document, "/a/2/0"), "true");
    EXPECT_EQ(lookup(document, "/z"), "null");
    EXPECT_EQ(lookup(document, "/missing"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/3"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/-"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/01"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/1e0"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/b"), "<missing>");
    EXPECT_EQ(lookup(document, "/s/0"), "<missing>");
    EXPECT_EQ(lookup(document, "/n/x"), "<missing>");
    EXPECT_EQ(lookup(document, "/z/x"), "<missing>");
    EXPECT_EQ(lookup(document, "/a/1/b/c"), "<missing>");
    EXPECT_EQ(lookup(document, "/A"), "<missing>");
    Value scalar = parse_json("5");
    EXPECT_EQ(lookup(scalar, ""), "5");
    EXPECT_EQ(lookup(scalar, "/0"), "<missing>");
}

} // namespace
} // namespace draft_mode::engine

namespace draft_mode::engine {
namespace {

// find on pointer text: the same answers as parse + find, the same syntax
// errors (checked over the whole text even past a missing token), and no
// token list: a pointer of a million tokens is walked only as deep as the
// document goes.
TEST(PointerFindText, MatchesParseAndFind)
{
    Value document = parse_json(R"({"a/b":[0,{"~":true}],"c":{"d":1}})");
    for (const char *text : {"", "/a~1b", "/a~1b/1/~0", "/c/d", "/c/x", "/a~1b/2", "/c/d/e", "/"})
        EXPECT_EQ(find(document, std::string_view(text)), find(document, Pointer::parse(text)))
            << text;
    EXPECT_THROW(find(document, std::string_view("a")), EngineError);
    EXPECT_THROW(find(document, std::string_view("/missing/~2")), EngineError);
    std::string deep;
    for (int i = 0; i < 1000000; ++i)
        deep += "/c";
    EXPECT_EQ(find(document, std::string_view(deep)), nullptr);
}

// The token walk used by the boundary's in-place jsonb reader gives the same
// tokens as Pointer::parse, and checking syntax alone throws the same errors.
TEST(PointerTokens, WalkMatchesParse)
{
    for (const char *text : {"", "/", "//", "/a~1b/1/~0", "/~01/x", "/m~0n/", "/日本/größe"}) {
        std::string_view view(text);
        EXPECT_NO_THROW(check_pointer_syntax(view)) << text;
        Tokens tokens;
        std::size_t position = 0;
        std::string buffer(view.size(), '\0');
        while (position < view.size()) {
            std::string_view escaped = next_pointer_token(view, position);
            tokens.emplace_back(buffer.data(), unescape_pointer_token(escaped, buffer.data()));
        }
        EXPECT_EQ(tokens, Pointer::parse(text).tokens) << text;
    }
    for (const char *text : {"a", "/~2", "/a~", "#/a", "/missing/~x"}) {
        std::string reason;
        try {
            Pointer::parse(text);
        } catch (const EngineError &error) {
            reason = error.detail();
        }
        try {
            check_pointer_syntax(text);
            ADD_FAILURE() << text;
        } catch (const EngineError &error) {
            EXPECT_EQ(error.kind(), ErrorKind::InvalidPointer);
            EXPECT_EQ(error.detail(), reason) << text;
        }
    }
}

} // namespace
} // namespace draft_mode::engine
