// Unit tests of RFC 6902 JSON Patch (apply_patch): every operation, every
// error class with its ErrorKind and JSON detail, exact numbers, limits and
// cancellation. Where nlohmann/json's own patch() is lenient, the engine must
// follow the RFC and fail; those cases are marked below.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/engine_error.h"
#include "engine/json_patch.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

// Applies patch text to document text and returns the result as JSON text.
std::string patched(const std::string &document, const std::string &patch,
                    const Limits &limits = Limits())
{
    Value value = parse_json(document);
    Context context;
    context.limits = limits;
    apply_patch(value, parse_json(patch), context);
    return to_json(value);
}

// What an expected failure looked like.
struct Failure {
    bool threw = false;
    ErrorKind kind = ErrorKind::InvalidJson;
    std::string message;
    Value detail;
};

// Applies a patch that must fail and captures its EngineError.
Failure failure_of(const std::string &document, const std::string &patch,
                   const Limits &limits = Limits())
{
    Failure failure;
    Value value = parse_json(document);
    Value patch_value = parse_json(patch);
    Context context;
    context.limits = limits;
    try {
        apply_patch(value, patch_value, context);
        ADD_FAILURE() << "patch succeeded: " << patch << " on " << document << " gave "
                      << to_json(value);
    } catch (const EngineError &error) {
        failure.threw = true;
        failure.kind = error.kind();
        failure.message = error.what();
        try {
            failure.detail = parse_json(error.detail());
        } catch (const EngineError &) {
            ADD_FAILURE() << "detail is not JSON: " << error.detail();
        }
        if (!failure.detail.is_object())
            ADD_FAILURE() << "detail is not a JSON object: " << error.detail();
    }
    return failure;
}

// A detail field as text: strings unquoted, other values as JSON, "<absent>"
// when the field is missing.
std::string field(const Failure &failure, const char *name)
{
    if (!failure.detail.is_object())
        return "<no detail>";
    const Value *member = failure.detail.as_object().find(name);
    if (member == nullptr)
        return "<absent>";
    return member->kind() == Kind::String ? member->as_string() : to_json(*member);
}

using Fields = std::vector<std::pair<const char *, const char *>>;

// Checks that a patch fails with this kind and these detail fields.
void expect_failure(const std::string &document, const std::string &patch, ErrorKind kind,
                    const Fields &fields, const Limits &limits = Limits())
{
    SCOPED_TRACE("patch " + patch + " on " + document);
    Failure failure = failure_of(document, patch, limits);
    if (!failure.threw)
        return;
    EXPECT_EQ(failure.kind, kind) << failure.message;
    for (const auto &[name, value] : fields)
        EXPECT_EQ(field(failure, name), value)
            << "detail field \"" << name << "\" of " << to_json(failure.detail);
}

// A patch of n copies of one operation.
std::string repeated(const std::string &operation, std::size_t n)
{
    std::string patch = "[";
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0)
            patch += ',';
        patch += operation;
    }
    return patch + "]";
}

// "add" creates or replaces members, inserts into arrays (index == size and
// "-" append), and replaces the whole document at "".
TEST(PatchAdd, Objects)
{
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"/b","value":2}])"), R"({"a":1,"b":2})");
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"/a","value":[3]}])"), R"({"a":[3]})");
    EXPECT_EQ(patched(R"({"a":{}})", R"([{"op":"add","path":"/a/b~1c","value":null}])"),
              R"({"a":{"b/c":null}})");
    EXPECT_EQ(patched("{}", R"([{"op":"add","path":"/","value":1}])"), R"({"":1})");
    EXPECT_EQ(patched("{}", R"([{"op":"add","path":"/-","value":1}])"), R"({"-":1})");
    EXPECT_EQ(patched("{}", R"([{"op":"add","path":"/0","value":1}])"), R"({"0":1})");
}

TEST(PatchAdd, Arrays)
{
    EXPECT_EQ(patched("[1,2]", R"([{"op":"add","path":"/0","value":0}])"), "[0,1,2]");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"add","path":"/1","value":9}])"), "[1,9,2]");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"add","path":"/2","value":3}])"), "[1,2,3]");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"add","path":"/-","value":3}])"), "[1,2,3]");
    EXPECT_EQ(patched("[]", R"([{"op":"add","path":"/0","value":"x"}])"), R"(["x"])");
    EXPECT_EQ(patched("[]", R"([{"op":"add","path":"/-","value":"x"}])"), R"(["x"])");
    EXPECT_EQ(patched(R"({"a":[[1]]})", R"([{"op":"add","path":"/a/0/-","value":2}])"),
              R"({"a":[[1,2]]})");
    EXPECT_EQ(patched("[1]", R"([{"op":"add","path":"/1","value":[2]}])"), "[1,[2]]");
}

TEST(PatchAdd, RootReplacesDocument)
{
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"","value":[1,2]}])"), "[1,2]");
    EXPECT_EQ(patched("[1]", R"([{"op":"add","path":"","value":"s"}])"), R"("s")");
    EXPECT_EQ(patched("null", R"([{"op":"add","path":"","value":{"a":1}}])"), R"({"a":1})");
}

// "remove" deletes members and array elements (later elements shift).
TEST(PatchRemove, ObjectsAndArrays)
{
    EXPECT_EQ(patched(R"({"a":1,"b":2})", R"([{"op":"remove","path":"/a"}])"), R"({"b":2})");
    EXPECT_EQ(patched("[1,2,3]", R"([{"op":"remove","path":"/0"}])"), "[2,3]");
    EXPECT_EQ(patched("[1,2,3]", R"([{"op":"remove","path":"/2"}])"), "[1,2]");
    EXPECT_EQ(patched(R"({"a":{"b":[1,{"c":2}]}})", R"([{"op":"remove","path":"/a/b/1/c"}])"),
              R"({"a":{"b":[1,{}]}})");
    EXPECT_EQ(patched(R"({"":1,"x":2})", R"([{"op":"remove","path":"/"}])"), R"({"x":2})");
    EXPECT_EQ(patched("[1,2,3]", R"([{"op":"remove","path":"/1"},{"op":"remove","path":"/1"}])"),
              "[1]");
}

// "replace" requires an existing target; at "" it replaces the document.
TEST(PatchReplace, ObjectsArraysAndRoot)
{
    EXPECT_EQ(patched(R"({"a":1,"b":2})", R"([{"op":"replace","path":"/a","value":{"x":[]}}])"),
              R"({"a":{"x":[]},"b":2})");
    EXPECT_EQ(patched("[1,2,3]", R"([{"op":"replace","path":"/1","value":null}])"), "[1,null,3]");
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"replace","path":"","value":42}])"), "42");
    EXPECT_EQ(patched("7", R"([{"op":"replace","path":"","value":[7]}])"), "[7]");
}

// "move" is remove-then-add; from == path is a no-op; moving a value into one
// of its own children must fail (nlohmann's patch() corrupts arrays here).
TEST(PatchMove, MovesValues)
{
    EXPECT_EQ(patched(R"({"a":1,"b":{}})", R"([{"op":"move","from":"/a","path":"/b/c"}])"),
              R"({"b":{"c":1}})");
    EXPECT_EQ(patched(R"({"a":1,"b":2})", R"([{"op":"move","from":"/a","path":"/b"}])"),
              R"({"b":1})");
    EXPECT_EQ(patched(R"(["x","y","z"])", R"([{"op":"move","from":"/0","path":"/2"}])"),
              R"(["y","z","x"])");
    EXPECT_EQ(patched(R"(["x","y","z"])", R"([{"op":"move","from":"/2","path":"/0"}])"),
              R"(["z","x","y"])");
    EXPECT_EQ(patched(R"(["x","y","z"])", R"([{"op":"move","from":"/0","path":"/-"}])"),
              R"(["y","z","x"])");
    EXPECT_EQ(patched(R"({"a":[1,2],"b":[]})", R"([{"op":"move","from":"/a/1","path":"/b/0"}])"),
              R"({"a":[1],"b":[2]})");
    EXPECT_EQ(patched(R"({"a":{"b":[1]}})", R"([{"op":"move","from":"/a/b","path":""}])"), "[1]");
    EXPECT_EQ(patched(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a/b","path":"/a"}])"),
              R"({"a":1})");
}

TEST(PatchMove, SameLocationIsNoOp)
{
    EXPECT_EQ(patched(R"({"a":[1,2]})", R"([{"op":"move","from":"/a","path":"/a"}])"),
              R"({"a":[1,2]})");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"move","from":"/1","path":"/1"}])"), "[1,2]");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"move","from":"","path":""}])"), "[1,2]");
    // The source must still exist.
    expect_failure(R"({"a":1})", R"([{"op":"move","from":"/b","path":"/b"}])",
                   ErrorKind::PathNotFound, {{"reason", "member_not_found"}, {"from", "/b"}});
}

TEST(PatchMove, IntoOwnChildFails)
{
    expect_failure(R"({"a":{"b":{}}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])",
                   ErrorKind::InvalidPatch,
                   {{"operation", "0"},
                    {"op", "move"},
                    {"path", "/a/b/c"},
                    {"from", "/a"},
                    {"reason", "move_into_child"}});
    expect_failure(R"({"a":[1,2]})", R"([{"op":"move","from":"/a","path":"/a/0"}])",
                   ErrorKind::InvalidPatch, {{"reason", "move_into_child"}});
    expect_failure(R"({"a":[1,2]})", R"([{"op":"move","from":"/a","path":"/a/-"}])",
                   ErrorKind::InvalidPatch, {{"reason", "move_into_child"}});
    expect_failure(R"({"a":1})", R"([{"op":"move","from":"","path":"/b"}])",
                   ErrorKind::InvalidPatch, {{"reason", "move_into_child"}, {"from", ""}});
    // A sibling whose name merely starts with the same text is not a child.
    EXPECT_EQ(patched(R"({"a":1,"ab":{}})", R"([{"op":"move","from":"/a","path":"/ab/x"}])"),
              R"({"ab":{"x":1}})");
}

// "copy" duplicates a value; the source stays.
TEST(PatchCopy, CopiesValues)
{
    EXPECT_EQ(patched(R"({"a":[1,{"b":2}]})", R"([{"op":"copy","from":"/a/1","path":"/c"}])"),
              R"({"a":[1,{"b":2}],"c":{"b":2}})");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"copy","from":"/0","path":"/-"}])"), "[1,2,1]");
    EXPECT_EQ(patched("[1,2]", R"([{"op":"copy","from":"/1","path":"/0"}])"), "[2,1,2]");
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"copy","from":"","path":"/b"}])"),
              R"({"a":1,"b":{"a":1}})");
    EXPECT_EQ(patched(R"({"a":{"x":1}})", R"([{"op":"copy","from":"/a","path":"/a/y"}])"),
              R"({"a":{"x":1,"y":{"x":1}}})");
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/a"}])"), R"({"a":1})");
    EXPECT_EQ(patched(R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a/b","path":""}])"), "1");
}

// "test" is RFC equality: numbers by value, objects in any order, exact
// arrays; a mismatch is TestFailed.
TEST(PatchTestOp, MatchesByJsonEquality)
{
    const std::string document =
        R"({"n":1.0,"big":12345678901234567890123,"o":{"a":1,"b":[1,2]},"s":"x","z":null,"t":true})";
    EXPECT_EQ(patched(document, R"([{"op":"test","path":"/n","value":1}])"),
              to_json(parse_json(document)));
    const char *const matching[] = {
        R"([{"op":"test","path":"/n","value":1.000}])",
        R"([{"op":"test","path":"/n","value":1e0}])",
        R"([{"op":"test","path":"/n","value":0.1E1}])",
        R"([{"op":"test","path":"/big","value":12345678901234567890123.0}])",
        R"([{"op":"test","path":"/o","value":{"b":[1,2],"a":1}}])",
        R"([{"op":"test","path":"/o/b","value":[1.0,2]}])",
        R"([{"op":"test","path":"/s","value":"x"}])",
        R"([{"op":"test","path":"/z","value":null}])",
        R"([{"op":"test","path":"/t","value":true}])",
        R"([{"op":"test","path":"","value":{"t":true,"z":null,"s":"x","o":{"b":[1,2],"a":1},"n":1,"big":12345678901234567890123}}])",
    };
    for (const char *patch : matching)
        EXPECT_NO_THROW(patched(document, patch)) << patch;
}

TEST(PatchTestOp, MismatchIsTestFailed)
{
    const std::string document =
        R"({"n":0.1,"big":12345678901234567890123,"o":{"a":1},"z":null,"l":[1,2]})";
    for (const char *patch : {R"([{"op":"test","path":"/n","value":0.1000000000000000000001}])",
                              R"([{"op":"test","path":"/big","value":12345678901234567890124}])",
                              R"([{"op":"test","path":"/n","value":"0.1"}])",
                              R"([{"op":"test","path":"/o","value":{"a":1,"b":null}}])",
                              R"([{"op":"test","path":"/o","value":{}}])",
                              R"([{"op":"test","path":"/z","value":false}])",
                              R"([{"op":"test","path":"/l","value":[2,1]}])",
                              R"([{"op":"test","path":"/l","value":[1]}])"})
        expect_failure(document, patch, ErrorKind::TestFailed,
                       {{"operation", "0"}, {"op", "test"}, {"reason", "value_differs"}});
    expect_failure(
        document,
        R"([{"op":"test","path":"/n","value":0.1},{"op":"test","path":"/o/a","value":2}])",
        ErrorKind::TestFailed,
        {{"operation", "1"}, {"op", "test"}, {"path", "/o/a"}, {"reason", "value_differs"}});
    // A missing target is PathNotFound, not a failed comparison.
    expect_failure(document, R"([{"op":"test","path":"/missing","value":null}])",
                   ErrorKind::PathNotFound, {{"reason", "member_not_found"}});
}

// Malformed patch documents: InvalidPatch with a reason a program can use.
TEST(PatchErrors, PatchNotArray)
{
    for (const char *patch : {R"({"op":"add","path":"/a","value":1})", "null", "1", "\"[]\""})
        expect_failure("{}", patch, ErrorKind::InvalidPatch,
                       {{"reason", "patch_not_array"}, {"operation", "<absent>"}});
}

TEST(PatchErrors, OperationNotObject)
{
    expect_failure("{}", R"([{"op":"test","path":"","value":{}},[],1])", ErrorKind::InvalidPatch,
                   {{"operation", "1"}, {"op", "<absent>"}, {"reason", "operation_not_object"}});
    expect_failure("{}", "[null]", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"reason", "operation_not_object"}});
}

TEST(PatchErrors, MissingOrBadMembers)
{
    expect_failure("{}", R"([{"path":"/a","value":1}])", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"op", "<absent>"}, {"reason", "missing_op"}});
    expect_failure("{}", R"([{"op":1,"path":"/a","value":1}])", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"reason", "op_not_string"}});
    expect_failure("{}", R"([{"op":"add","value":1}])", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"op", "add"}, {"reason", "missing_path"}});
    expect_failure("{}", R"([{"op":"add","path":null,"value":1}])", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"op", "add"}, {"reason", "path_not_string"}});
    expect_failure("{}", R"([{"op":"remove","path":["a"]}])", ErrorKind::InvalidPatch,
                   {{"op", "remove"}, {"reason", "path_not_string"}});
    for (const char *op : {"move", "copy"}) {
        expect_failure(
            R"({"a":1})", std::string(R"([{"op":")") + op + R"(","path":"/b"}])",
            ErrorKind::InvalidPatch,
            {{"operation", "0"}, {"op", op}, {"path", "/b"}, {"reason", "missing_from"}});
        expect_failure(R"({"a":1})",
                       std::string(R"([{"op":")") + op + R"(","path":"/b","from":7}])",
                       ErrorKind::InvalidPatch, {{"op", op}, {"reason", "from_not_string"}});
    }
    for (const char *op : {"add", "replace", "test"})
        expect_failure(
            R"({"a":1})", std::string(R"([{"op":")") + op + R"(","path":"/a"}])",
            ErrorKind::InvalidPatch,
            {{"operation", "0"}, {"op", op}, {"path", "/a"}, {"reason", "missing_value"}});
    // "value": null is a value, not a missing member.
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"replace","path":"/a","value":null}])"),
              R"({"a":null})");
}

TEST(PatchErrors, UnknownOp)
{
    for (const char *op : {"spam", "ADD", "Add", "", "add "})
        expect_failure(R"({"a":1})",
                       std::string(R"([{"op":")") + op + R"(","path":"/a","value":1}])",
                       ErrorKind::InvalidPatch, {{"operation", "0"}, {"reason", "unknown_op"}});
    Failure failure = failure_of("{}", R"([{"op":"spam","path":"/a"}])");
    EXPECT_NE(failure.message.find("\"spam\""), std::string::npos) << failure.message;
}

TEST(PatchErrors, InvalidPointers)
{
    expect_failure("{}", R"([{"op":"add","path":"a","value":1}])", ErrorKind::InvalidPointer,
                   {{"operation", "0"},
                    {"op", "add"},
                    {"path", "a"},
                    {"pointer", "path"},
                    {"reason", "must_start_with_slash"}});
    expect_failure("{}", R"([{"op":"add","path":"/a~2","value":1}])", ErrorKind::InvalidPointer,
                   {{"path", "/a~2"}, {"reason", "bad_escape"}});
    expect_failure("{}", R"([{"op":"remove","path":"/~"}])", ErrorKind::InvalidPointer,
                   {{"op", "remove"}, {"path", "/~"}, {"reason", "bad_escape"}});
    expect_failure(R"({"a":1})", R"([{"op":"copy","from":"a","path":"/b"}])",
                   ErrorKind::InvalidPointer,
                   {{"op", "copy"},
                    {"path", "/b"},
                    {"from", "a"},
                    {"pointer", "from"},
                    {"reason", "must_start_with_slash"}});
    expect_failure(R"({"a":1})", R"([{"op":"move","from":"/a~","path":"/b"}])",
                   ErrorKind::InvalidPointer,
                   {{"op", "move"}, {"path", "/b"}, {"from", "/a~"}, {"reason", "bad_escape"}});
}

// Locations that do not exist: PathNotFound, naming which pointer failed.
TEST(PatchErrors, MemberMissing)
{
    expect_failure(R"({"a":1})", R"([{"op":"remove","path":"/b"}])", ErrorKind::PathNotFound,
                   {{"operation", "0"},
                    {"op", "remove"},
                    {"path", "/b"},
                    {"pointer", "path"},
                    {"reason", "member_not_found"}});
    expect_failure(R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])",
                   ErrorKind::PathNotFound, {{"op", "replace"}, {"reason", "member_not_found"}});
    expect_failure(R"({"a":1})", R"([{"op":"add","path":"/x/y","value":1}])",
                   ErrorKind::PathNotFound, {{"path", "/x/y"}, {"reason", "member_not_found"}});
    expect_failure(R"({"a":1})", R"([{"op":"remove","path":"/x/y/z"}])", ErrorKind::PathNotFound,
                   {{"reason", "member_not_found"}});
    expect_failure(R"({"a":1})", R"([{"op":"copy","from":"/b","path":"/c"}])",
                   ErrorKind::PathNotFound,
                   {{"op", "copy"},
                    {"path", "/c"},
                    {"from", "/b"},
                    {"pointer", "from"},
                    {"reason", "member_not_found"}});
    expect_failure(
        R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/x/y"}])", ErrorKind::PathNotFound,
        {{"path", "/x/y"}, {"from", "/a"}, {"pointer", "path"}, {"reason", "member_not_found"}});
    expect_failure(
        R"({"a":1})", R"([{"op":"move","from":"/b","path":"/c"}])", ErrorKind::PathNotFound,
        {{"op", "move"}, {"path", "/c"}, {"from", "/b"}, {"reason", "member_not_found"}});
    // An array is not an object: a name is not an index.
    expect_failure("[1]", R"([{"op":"add","path":"/a","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "invalid_index"}});
}

TEST(PatchErrors, IndexOutOfRange)
{
    expect_failure(
        "[1,2]", R"([{"op":"add","path":"/3","value":1}])", ErrorKind::PathNotFound,
        {{"operation", "0"}, {"op", "add"}, {"path", "/3"}, {"reason", "index_out_of_range"}});
    expect_failure("[1,2]", R"([{"op":"remove","path":"/2"}])", ErrorKind::PathNotFound,
                   {{"reason", "index_out_of_range"}});
    expect_failure("[1,2]", R"([{"op":"replace","path":"/2","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "index_out_of_range"}});
    expect_failure("[]", R"([{"op":"remove","path":"/0"}])", ErrorKind::PathNotFound,
                   {{"reason", "index_out_of_range"}});
    expect_failure("[1,2]", R"([{"op":"test","path":"/2","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "index_out_of_range"}});
    expect_failure("[1,2]", R"([{"op":"copy","from":"/5","path":"/0"}])", ErrorKind::PathNotFound,
                   {{"from", "/5"}, {"reason", "index_out_of_range"}});
    expect_failure("[[1]]", R"([{"op":"add","path":"/1/0","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "index_out_of_range"}});
    expect_failure("[1]", R"([{"op":"add","path":"/99999999999999999999999","value":1}])",
                   ErrorKind::PathNotFound, {{"reason", "index_out_of_range"}});
    // move is remove-then-add: after removing /0 the array has one element.
    expect_failure("[1,2]", R"([{"op":"move","from":"/0","path":"/2"}])", ErrorKind::PathNotFound,
                   {{"path", "/2"}, {"reason", "index_out_of_range"}});
}

TEST(PatchErrors, BadIndexSyntax)
{
    for (const char *path : {"/01", "/00", "/-1", "/1e0", "/+1", "/ 1", "/1.0", "/"})
        expect_failure(R"(["a","b"])",
                       std::string(R"([{"op":"replace","path":")") + path + R"(","value":0}])",
                       ErrorKind::PathNotFound, {{"path", path}, {"reason", "invalid_index"}});
    expect_failure(R"(["a","b"])", R"([{"op":"add","path":"/01","value":0}])",
                   ErrorKind::PathNotFound, {{"reason", "invalid_index"}});
    expect_failure(R"(["a","b"])", R"([{"op":"test","path":"/01","value":"b"}])",
                   ErrorKind::PathNotFound, {{"reason", "invalid_index"}});
}

// "-" names the slot after the last element: only add may use it.
TEST(PatchErrors, DashOnlyForAdd)
{
    expect_failure("[1,2]", R"([{"op":"remove","path":"/-"}])", ErrorKind::PathNotFound,
                   {{"op", "remove"}, {"path", "/-"}, {"reason", "invalid_index"}});
    expect_failure("[1,2]", R"([{"op":"replace","path":"/-","value":3}])", ErrorKind::PathNotFound,
                   {{"op", "replace"}, {"path", "/-"}, {"reason", "invalid_index"}});
    expect_failure("[1,2]", R"([{"op":"test","path":"/-","value":2}])", ErrorKind::PathNotFound,
                   {{"reason", "invalid_index"}});
    expect_failure("[1,2]", R"([{"op":"move","from":"/-","path":"/0"}])", ErrorKind::PathNotFound,
                   {{"from", "/-"}, {"reason", "invalid_index"}});
    expect_failure("[1,2]", R"([{"op":"copy","from":"/-","path":"/0"}])", ErrorKind::PathNotFound,
                   {{"from", "/-"}, {"reason", "invalid_index"}});
    expect_failure("[[1]]", R"([{"op":"add","path":"/-/0","value":3}])", ErrorKind::PathNotFound,
                   {{"reason", "invalid_index"}});
}

// nlohmann's patch() asserts (aborting the backend) on add under a primitive
// and turns a null parent into an object; the engine must fail instead.
TEST(PatchErrors, AddUnderScalarParentFails)
{
    for (const char *document : {R"({"a":1})", R"({"a":"text"})", R"({"a":true})", R"({"a":null})"})
        expect_failure(document, R"([{"op":"add","path":"/a/b","value":1}])",
                       ErrorKind::PathNotFound,
                       {{"operation", "0"},
                        {"op", "add"},
                        {"path", "/a/b"},
                        {"reason", "parent_not_container"}});
    expect_failure(R"({"a":null})", R"([{"op":"add","path":"/a/0","value":1}])",
                   ErrorKind::PathNotFound, {{"reason", "parent_not_container"}});
    expect_failure("[1]", R"([{"op":"add","path":"/0/-","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "parent_not_container"}});
    expect_failure("null", R"([{"op":"add","path":"/a","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "parent_not_container"}});
    expect_failure("5", R"([{"op":"add","path":"/-","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "parent_not_container"}});
    expect_failure(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/a/b"}])",
                   ErrorKind::PathNotFound, {{"path", "/a/b"}, {"reason", "parent_not_container"}});
}

// nlohmann's patch() silently ignores a remove through a primitive or null
// parent; the RFC requires the target to exist.
TEST(PatchErrors, RemoveThroughScalarParentFails)
{
    for (const char *document : {R"({"a":1})", R"({"a":null})", R"({"a":"s"})", R"({"a":false})"}) {
        expect_failure(document, R"([{"op":"remove","path":"/a/b"}])", ErrorKind::PathNotFound,
                       {{"op", "remove"}, {"path", "/a/b"}, {"reason", "parent_not_container"}});
        expect_failure(document, R"([{"op":"remove","path":"/a/b/c"}])", ErrorKind::PathNotFound,
                       {{"reason", "parent_not_container"}});
        expect_failure(document, R"([{"op":"replace","path":"/a/0","value":1}])",
                       ErrorKind::PathNotFound, {{"reason", "parent_not_container"}});
    }
    expect_failure(R"({"a":null})", R"([{"op":"move","from":"/a/b","path":"/c"}])",
                   ErrorKind::PathNotFound, {{"from", "/a/b"}, {"reason", "parent_not_container"}});
}

TEST(PatchErrors, RemoveRootFails)
{
    expect_failure(R"({"a":1})", R"([{"op":"remove","path":""}])", ErrorKind::InvalidPatch,
                   {{"operation", "0"}, {"op", "remove"}, {"path", ""}, {"reason", "remove_root"}});
    expect_failure("[1]", R"([{"op":"move","from":"","path":""}, {"op":"remove","path":""}])",
                   ErrorKind::InvalidPatch, {{"operation", "1"}, {"reason", "remove_root"}});
}

// The error must name the operation that failed (the API's atomicity contract
// is "throw and let the caller discard the document").
TEST(PatchErrors, ErrorNamesFailingOperation)
{
    const std::string patch = R"([
        {"op":"add","path":"/b","value":2},
        {"op":"test","path":"/b","value":2},
        {"op":"replace","path":"/a","value":3},
        {"op":"remove","path":"/zz"},
        {"op":"add","path":"/c","value":4}])";
    Failure failure = failure_of(R"({"a":1})", patch);
    ASSERT_TRUE(failure.threw);
    EXPECT_EQ(failure.kind, ErrorKind::PathNotFound);
    EXPECT_EQ(field(failure, "operation"), "3");
    EXPECT_EQ(field(failure, "op"), "remove");
    EXPECT_EQ(field(failure, "path"), "/zz");
    EXPECT_EQ(field(failure, "reason"), "member_not_found");
    EXPECT_NE(failure.message.find("patch operation 3"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("remove"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("\"/zz\""), std::string::npos) << failure.message;

    // Message style: lower case start, no trailing period.
    ASSERT_FALSE(failure.message.empty());
    EXPECT_NE(failure.message.back(), '.');
    EXPECT_FALSE(failure.message[0] >= 'A' && failure.message[0] <= 'Z') << failure.message;

    // The same for a malformed operation late in the patch.
    expect_failure(
        R"({"a":1})",
        R"([{"op":"add","path":"/b","value":2},{"op":"add","path":"/c","value":3},{"op":"add","path":"/d"}])",
        ErrorKind::InvalidPatch, {{"operation", "2"}, {"reason", "missing_value"}});
}

TEST(PatchErrors, PathsWithEscapesAreReportedAsText)
{
    expect_failure(R"({"a":1})", R"([{"op":"remove","path":"/m~0n/a~1b"}])",
                   ErrorKind::PathNotFound, {{"path", "/m~0n/a~1b"}});
    expect_failure(R"({"a":1})", R"([{"op":"remove","path":"/q\"uote\\back"}])",
                   ErrorKind::PathNotFound, {{"path", "/q\"uote\\back"}});
}

// Values the patch does not touch keep their number text, and values it
// inserts keep theirs: jsonb numerics must survive unchanged.
TEST(PatchNumbers, ExactTextSurvives)
{
    const std::string document =
        R"({"price":19.90,"tiny":1e-400,"big":12345678901234567890123,"p":0.1000000000000000000001,"list":[1.50,-0.0,1E+2],"x":0})";
    EXPECT_EQ(
        patched(document, R"([{"op":"replace","path":"/x","value":1}])"),
        R"({"p":0.1000000000000000000001,"x":1,"big":12345678901234567890123,"list":[1.50,-0.0,1E+2],"tiny":1e-400,"price":19.90})");
    EXPECT_EQ(
        patched(document, R"([
                  {"op":"add","path":"/list/1","value":2.000},
                  {"op":"remove","path":"/x"},
                  {"op":"add","path":"/y","value":99999999999999999999999.99999},
                  {"op":"add","path":"/z","value":1e-400}])"),
        R"({"p":0.1000000000000000000001,"y":99999999999999999999999.99999,"z":1e-400,"big":12345678901234567890123,"list":[1.50,2.000,-0.0,1E+2],"tiny":1e-400,"price":19.90})");
    EXPECT_EQ(
        patched(document, R"([
                  {"op":"copy","from":"/price","path":"/price2"},
                  {"op":"move","from":"/big","path":"/list/0"},
                  {"op":"test","path":"/price2","value":19.9},
                  {"op":"test","path":"/tiny","value":1e-400}])"),
        R"({"p":0.1000000000000000000001,"x":0,"list":[12345678901234567890123,1.50,-0.0,1E+2],"tiny":1e-400,"price":19.90,"price2":19.90})");
    Value value = parse_json(document);
    Context context;
    apply_patch(value, parse_json(R"([{"op":"copy","from":"/tiny","path":"/t2"}])"), context);
    EXPECT_EQ(value.as_object().find("t2")->number_text(), "1e-400");
    EXPECT_EQ(value.as_object().find("tiny")->number_text(), "1e-400");
}

// An empty patch is valid and changes nothing.
TEST(PatchMisc, EmptyPatch)
{
    EXPECT_EQ(patched(R"({"a":19.90})", "[]"), R"({"a":19.90})");
    EXPECT_EQ(patched("null", "[]"), "null");
}

// Extra members in an operation are ignored, as RFC 6902 section 4 requires.
TEST(PatchMisc, ExtraMembersIgnored)
{
    EXPECT_EQ(
        patched(R"({"a":1})", R"([{"op":"remove","path":"/a","value":5,"from":"bad","x":1}])"),
        "{}");
    EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"/b","value":2,"from":7}])"),
              R"({"a":1,"b":2})");
}

// Limits protect the backend: too many operations, too deep a result, or a
// document grown past max_document_bytes is LimitExceeded, never an OOM.
TEST(PatchLimits, MaxOperations)
{
    Limits limits;
    limits.max_operations = 3;
    const std::string test_op = R"({"op":"test","path":"","value":{}})";
    EXPECT_EQ(patched("{}", repeated(test_op, 3), limits), "{}");
    expect_failure("{}", repeated(test_op, 4), ErrorKind::LimitExceeded,
                   {{"limit", "max_patch_operations"}, {"value", "3"}}, limits);
    // The default limit also applies.
    expect_failure("{}", repeated(test_op, Limits().max_operations + 1), ErrorKind::LimitExceeded,
                   {{"limit", "max_patch_operations"}});
}

TEST(PatchLimits, MaxDepth)
{
    Limits limits;
    limits.max_depth = 5;
    // {"a":{"b":[[[1]]]}} nests exactly 5 levels: allowed.
    EXPECT_EQ(patched(R"({"a":{}})", R"([{"op":"add","path":"/a/b","value":[[[1]]]}])", limits),
              R"({"a":{"b":[[[1]]]}})");
    expect_failure(R"({"a":{}})", R"([{"op":"add","path":"/a/b","value":[[[[1]]]]}])",
                   ErrorKind::LimitExceeded,
                   {{"operation", "0"}, {"op", "add"}, {"reason", "max_depth"}}, limits);
    expect_failure(R"({"a":{"b":1}})", R"([{"op":"replace","path":"/a/b","value":[[[[1]]]]}])",
                   ErrorKind::LimitExceeded, {{"reason", "max_depth"}}, limits);
    expect_failure("{}", R"([{"op":"add","path":"","value":[[[[[[1]]]]]]}])",
                   ErrorKind::LimitExceeded, {{"reason", "max_depth"}}, limits);
    expect_failure(R"({"deep":[[[1]]],"a":{"b":{}}})",
                   R"([{"op":"copy","from":"/deep","path":"/a/b/c"}])", ErrorKind::LimitExceeded,
                   {{"op", "copy"}, {"reason", "max_depth"}}, limits);
    expect_failure(R"({"deep":[[[1]]],"a":{"b":{}}})",
                   R"([{"op":"move","from":"/deep","path":"/a/b/c"}])", ErrorKind::LimitExceeded,
                   {{"op", "move"}, {"reason", "max_depth"}}, limits);
    // Copying the root into itself deepens the document by one level each time.
    expect_failure("[]", repeated(R"({"op":"copy","from":"","path":"/-"})", 10),
                   ErrorKind::LimitExceeded, {{"operation", "4"}, {"reason", "max_depth"}}, limits);
}

TEST(PatchLimits, SelfCopiesStopAtMaxDocumentBytes)
{
    Limits limits;
    limits.max_document_bytes = 100000;
    // Each copy doubles the document: 64 of them would need 2^64 times its size.
    const std::string patch = repeated(R"({"op":"copy","from":"","path":"/-"})", 64);
    Failure failure = failure_of(R"(["0123456789abcdef0123456789abcdef"])", patch, limits);
    ASSERT_TRUE(failure.threw);
    EXPECT_EQ(failure.kind, ErrorKind::LimitExceeded) << failure.message;
    EXPECT_EQ(field(failure, "reason"), "max_document_size");
    EXPECT_EQ(field(failure, "op"), "copy");
    const std::string operation = field(failure, "operation");
    EXPECT_GT(std::stoi(operation), 5) << "the limit tripped too early";
    EXPECT_LT(std::stoi(operation), 20) << "the limit tripped too late";
}

TEST(PatchLimits, SingleLargeValueOverMaxDocumentBytes)
{
    Limits limits;
    limits.max_document_bytes = 1200; // the document below counts about 930 bytes
    const std::string big(800, 'x');
    const std::string document = R"({"s":")" + big + R"("})";
    EXPECT_NO_THROW(patched(document, R"([{"op":"add","path":"/n","value":1}])", limits));
    expect_failure(document, R"([{"op":"copy","from":"/s","path":"/t"}])", ErrorKind::LimitExceeded,
                   {{"reason", "max_document_size"}}, limits);
    expect_failure("{}", R"([{"op":"add","path":"/t","value":")" + big + big + R"("}])",
                   ErrorKind::LimitExceeded, {{"reason", "max_document_size"}}, limits);
}

// The size estimate counts what the engine really holds (about 48 bytes per
// node), not jsonb's 4 bytes per null: copying an array of nulls onto
// itself, which used to pass as 12 KB while taking 144 KB, is refused
// before the copy is made.
TEST(PatchLimits, SizeCountsEngineMemoryPerNode)
{
    Limits limits;
    limits.max_document_bytes = 100000;
    std::string nulls = "[null";
    for (int i = 1; i < 1500; ++i)
        nulls += ",null";
    nulls += "]";
    EXPECT_GE(approximate_size(parse_json(nulls)), 1500 * sizeof(Value));
    expect_failure(nulls, R"([{"op":"copy","from":"","path":"/-"}])", ErrorKind::LimitExceeded,
                   {{"op", "copy"}, {"reason", "max_document_size"}}, limits);
}

// An index longer than 18 digits is a valid RFC 6901 index, out of range.
TEST(PatchErrors, HugeIndexIsOutOfRange)
{
    expect_failure("[1]", R"([{"op":"remove","path":"/99999999999999999999"}])",
                   ErrorKind::PathNotFound, {{"reason", "index_out_of_range"}});
    expect_failure("[1]", R"([{"op":"add","path":"/99999999999999999999","value":1}])",
                   ErrorKind::PathNotFound, {{"reason", "index_out_of_range"}});
    expect_failure("[1]", R"([{"op":"add","path":"/099","value":1}])", ErrorKind::PathNotFound,
                   {{"reason", "invalid_index"}});
}

// Error messages and details quote at most about a kilobyte of a path.
TEST(PatchErrors, LongPathsAreCutInMessages)
{
    const std::string key(100000, 'k');
    Failure failure = failure_of("{}", R"([{"op":"remove","path":"/)" + key + R"("}])");
    ASSERT_TRUE(failure.threw);
    EXPECT_LT(failure.message.size(), 2000u);
    EXPECT_LT(to_json(failure.detail).size(), 2000u);
    EXPECT_EQ(field(failure, "reason"), "member_not_found");
}

// The size limit is about the result: replacing a value, or removing one and
// adding another of the same size, must not count both against the limit.
// Regression test for a reported bug: check_growth only ever adds to its
// running size, so a same-size replace of a value over half the limit fails.
TEST(PatchLimits, ReplacementIsNotGrowth)
{
    Limits limits;
    limits.max_document_bytes = 1000;
    const std::string big(600, 'x');
    const std::string other(600, 'y');
    const std::string document = R"({"s":")" + big + R"("})";
    // The patched document as text, or the error it raised.
    auto outcome = [&](const std::string &patch) {
        try {
            return patched(document, patch, limits);
        } catch (const EngineError &error) {
            return "error: " + std::string(error.what());
        }
    };
    EXPECT_EQ(outcome(R"([{"op":"replace","path":"/s","value":")" + other + R"("}])"),
              R"({"s":")" + other + R"("})");
    EXPECT_EQ(outcome(R"([{"op":"add","path":"/s","value":")" + other + R"("}])"),
              R"({"s":")" + other + R"("})");
    EXPECT_EQ(outcome(R"([{"op":"replace","path":"","value":{"s":")" + other + R"("}}])"),
              R"({"s":")" + other + R"("})");
    EXPECT_EQ(outcome(R"([{"op":"add","path":"/n","value":1},{"op":"remove","path":"/s"},)"
                      R"({"op":"add","path":"/t","value":")" +
                      other + R"("}])"),
              R"({"n":1,"t":")" + other + R"("})");
}

// Cancellation: a pending cancel stops a long patch with Cancelled (the
// boundary then raises Postgres' own cancel error).
int poll_count = 0;
bool cancel_requested()
{
    ++poll_count;
    return true;
}
bool no_cancel()
{
    ++poll_count;
    return false;
}

// One operation on a large document must poll too: a "test" comparing
// two large equal values, and a "copy" of a large subtree.
TEST(PatchCancel, LargeTestAndCopyPoll)
{
    Array items;
    for (int i = 0; i < 100000; ++i)
        items.push_back(Value::number(std::to_string(i)));
    Value document = Value::object();
    document.as_object().set("a", Value::array(items));
    Object test_op;
    test_op.set("op", Value::string("test"));
    test_op.set("path", Value::string("/a"));
    test_op.set("value", Value::array(items));
    Array test_patch;
    test_patch.push_back(Value::object(test_op));
    Context context;
    context.interrupt = Interrupt(&cancel_requested);
    EXPECT_THROW(apply_patch(document, Value::array(test_patch), context), Cancelled);

    Value copy_patch = parse_json(R"([{"op":"copy","from":"/a","path":"/b"}])");
    Context copying;
    copying.interrupt = Interrupt(&cancel_requested);
    EXPECT_THROW(apply_patch(document, copy_patch, copying), Cancelled);
}

TEST(PatchCancel, PendingCancelThrowsCancelled)
{
    const std::string patch = repeated(R"({"op":"add","path":"/-","value":1})", 5000);
    Value patch_value = parse_json(patch);
    Value document = parse_json("[]");
    Context context;
    context.interrupt = Interrupt(&cancel_requested);
    poll_count = 0;
    EXPECT_THROW(apply_patch(document, patch_value, context), Cancelled);
    EXPECT_EQ(poll_count, 1);

    Value other = parse_json("[]");
    Context quiet;
    quiet.interrupt = Interrupt(&no_cancel);
    poll_count = 0;
    EXPECT_NO_THROW(apply_patch(other, patch_value, quiet));
    EXPECT_GE(poll_count, 1) << "a long patch never polled for cancellation";
    EXPECT_EQ(other.as_array().size(), 5000u);
}

} // namespace
} // namespace draft_mode::engine
