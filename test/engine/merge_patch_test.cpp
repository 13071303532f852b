// Unit tests of RFC 7396 JSON Merge Patch (apply_merge_patch).
#include <gtest/gtest.h>

#include <string>

#include "engine/engine_error.h"
#include "engine/json_patch.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

// Merges patch text into document text and returns the result as JSON text.
std::string merged(const std::string &document, const std::string &patch)
{
    Value value = parse_json(document);
    Context context;
    apply_merge_patch(value, parse_json(patch), context);
    return to_json(value);
}

// RFC 7396 Appendix A, every example in order (results compared as text, so
// they are written in jsonb key order).
TEST(MergePatchRfc7396, AppendixA)
{
    EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":"c"})"), R"({"a":"c"})");
    EXPECT_EQ(merged(R"({"a":"b"})", R"({"b":"c"})"), R"({"a":"b","b":"c"})");
    EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":null})"), "{}");
    EXPECT_EQ(merged(R"({"a":"b","b":"c"})", R"({"a":null})"), R"({"b":"c"})");
    EXPECT_EQ(merged(R"({"a":["b"]})", R"({"a":"c"})"), R"({"a":"c"})");
    EXPECT_EQ(merged(R"({"a":"c"})", R"({"a":["b"]})"), R"({"a":["b"]})");
    EXPECT_EQ(merged(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"), R"({"a":{"b":"d"}})");
    EXPECT_EQ(merged(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), R"({"a":[1]})");
    EXPECT_EQ(merged(R"(["a","b"])", R"(["c","d"])"), R"(["c","d"])");
    EXPECT_EQ(merged(R"({"a":"b"})", R"(["c"])"), R"(["c"])");
    EXPECT_EQ(merged(R"({"a":"foo"})", "null"), "null");
    EXPECT_EQ(merged(R"({"a":"foo"})", R"("bar")"), R"("bar")");
    EXPECT_EQ(merged(R"({"e":null})", R"({"a":1})"), R"({"a":1,"e":null})");
    EXPECT_EQ(merged("[1,2]", R"({"a":"b","c":null})"), R"({"a":"b"})");
    EXPECT_EQ(merged("{}", R"({"a":{"bb":{"ccc":null}}})"), R"({"a":{"bb":{}}})");
}

// Many keys interleaved with, before and after the existing ones, with
// removals and nested merges in between: one linear merge gives the sorted,
// unique result (formerly a sorted insert per key, quadratic).
TEST(MergePatchObjects, ManyKeysMergeInOrder)
{
    Value document = Value::object();
    Value patch = Value::object();
    Value expected = Value::object();
    for (int i = 0; i < 20000; ++i) {
        std::string key = "k" + std::to_string(i);
        if (i % 2 == 0) {
            document.as_object().set(key, Value::number("1"));
            if (i % 6 == 0) {
                patch.as_object().set(key, Value()); // removed
            } else if (i % 6 == 2) {
                patch.as_object().set(key, parse_json(R"({"n":2})")); // replaced
                expected.as_object().set(key, parse_json(R"({"n":2})"));
            } else {
                expected.as_object().set(key, Value::number("1")); // untouched
            }
        } else {
            patch.as_object().set(key, Value::string("new")); // added
            expected.as_object().set(key, Value::string("new"));
        }
    }
    patch.as_object().set("", Value::boolean(true)); // sorts before every key
    expected.as_object().set("", Value::boolean(true));
    Context context;
    apply_merge_patch(document, patch, context);
    EXPECT_EQ(to_json(document), to_json(expected));
    const auto &members = document.as_object().members();
    for (std::size_t i = 1; i < members.size(); ++i)
        ASSERT_TRUE(jsonb_key_less(members[i - 1].first, members[i].first)) << i;
}

// The RFC 7396 section 3 example document.
TEST(MergePatchRfc7396, SectionThreeExample)
{
    const std::string document =
        R"({"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"})";
    const std::string patch =
        R"({"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]})";
    EXPECT_TRUE(json_equal(
        parse_json(merged(document, patch)),
        parse_json(
            R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})")));
}

// Null means "remove" only as an object member value; inside arrays it is data.
TEST(MergePatchNulls, NullsInsideArraysKept)
{
    EXPECT_EQ(merged(R"({"a":1})", R"({"a":[null,1,null]})"), R"({"a":[null,1,null]})");
    EXPECT_EQ(merged("{}", "[null]"), "[null]");
    EXPECT_EQ(merged("{}", R"({"a":[{"b":null}]})"), R"({"a":[{"b":null}]})");
    // Removing a member that is not there is not an error.
    EXPECT_EQ(merged(R"({"a":1})", R"({"zz":null})"), R"({"a":1})");
}

// A patch that is not an object replaces the target wholesale.
TEST(MergePatchReplace, NonObjectPatchReplaces)
{
    EXPECT_EQ(merged(R"({"a":{"b":1}})", "[1,2]"), "[1,2]");
    EXPECT_EQ(merged(R"({"a":{"b":1}})", "42"), "42");
    EXPECT_EQ(merged(R"({"a":{"b":1}})", "true"), "true");
    EXPECT_EQ(merged(R"({"a":{"b":1}})", R"({"a":"x"})"), R"({"a":"x"})");
    EXPECT_EQ(merged(R"({"a":[1,2,3]})", R"({"a":[]})"), R"({"a":[]})");
    // An object patch on a non-object target starts from an empty object.
    EXPECT_EQ(merged("\"text\"", R"({"a":1})"), R"({"a":1})");
    EXPECT_EQ(merged(R"({"a":5})", R"({"a":{"b":1,"c":null}})"), R"({"a":{"b":1}})");
}

// Removal works at any depth and leaves the rest of the object alone.
TEST(MergePatchNested, NestedRemoval)
{
    EXPECT_EQ(merged(R"({"a":{"b":{"c":1,"d":2},"e":3},"f":4})", R"({"a":{"b":{"c":null}}})"),
              R"({"a":{"b":{"d":2},"e":3},"f":4})");
    EXPECT_EQ(merged(R"({"a":{"b":{"c":1}}})", R"({"a":{"b":null}})"), R"({"a":{}})");
    EXPECT_EQ(merged(R"({"a":{"b":1},"c":2})", R"({"a":null,"c":null})"), "{}");
    EXPECT_EQ(merged(R"({"a":1})", "{}"), R"({"a":1})");
}

// A null patch at the root replaces the whole document with null.
TEST(MergePatchNulls, NullPatchAtRoot)
{
    EXPECT_EQ(merged(R"({"a":1})", "null"), "null");
    EXPECT_EQ(merged("[1]", "null"), "null");
    EXPECT_EQ(merged("null", "null"), "null");
    EXPECT_EQ(merged("null", R"({"a":null})"), "{}");
}

// Numbers keep their exact text, merged or untouched.
TEST(MergePatchNumbers, ExactTextSurvives)
{
    EXPECT_EQ(
        merged(R"({"price":19.90,"big":12345678901234567890123,"x":1})",
               R"({"x":0.1000000000000000000001,"tiny":1e-400})"),
        R"({"x":0.1000000000000000000001,"big":12345678901234567890123,"tiny":1e-400,"price":19.90})");
}

// A pending cancel stops a large merge with Cancelled.
bool merge_cancel_requested()
{
    return true;
}

// A merge cannot build a document past max_document_bytes either.
TEST(MergePatchLimits, ResultIsBoundedBySize)
{
    Context context;
    context.limits.max_document_bytes = 1000;
    Value document = parse_json(R"({"a":")" + std::string(600, 'a') + R"("})");
    Value patch = parse_json(R"({"b":")" + std::string(600, 'b') + R"("})");
    try {
        apply_merge_patch(document, patch, context);
        ADD_FAILURE() << "merge grew the document past the limit";
    } catch (const EngineError &error) {
        EXPECT_EQ(error.kind(), ErrorKind::LimitExceeded);
    }
    // Replacing a member with one of the same size is not growth.
    Value same = parse_json(R"({"a":")" + std::string(600, 'a') + R"("})");
    Value replacement = parse_json(R"({"a":")" + std::string(600, 'c') + R"("})");
    Context fresh;
    fresh.limits.max_document_bytes = 1000;
    EXPECT_NO_THROW(apply_merge_patch(same, replacement, fresh));
}

TEST(MergePatchCancel, PendingCancelThrowsCancelled)
{
    std::string patch = "{";
    for (int i = 0; i < 5000; ++i)
        patch +=
            (i > 0 ? ",\"k" : "\"k") + std::to_string(i) + "\":{\"v\":" + std::to_string(i) + "}";
    patch += "}";
    Value patch_value = parse_json(patch);
    Value document = parse_json("{}");
    Context context;
    context.interrupt = Interrupt(&merge_cancel_requested);
    EXPECT_THROW(apply_merge_patch(document, patch_value, context), Cancelled);

    Value other = parse_json("{}");
    Context quiet;
    apply_merge_patch(other, patch_value, quiet);
    EXPECT_EQ(other.as_object().size(), 5000u);
}

} // namespace
} // namespace draft_mode::engine
