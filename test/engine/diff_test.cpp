// Tests of diff(): fixed cases, seeded property tests (diff then apply_patch
// gives back the target, both ways, and a small edit gives a small patch)
// and a scale test for a large array.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "engine/json_diff.h"
#include "engine/json_patch.h"
#include "engine/json_pointer.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

// Parses test input.
Value json(const std::string &text)
{
    return parse_json(text);
}

// The patch from source to target, as compact JSON text.
std::string diff_text(const std::string &source, const std::string &target)
{
    Context context;
    return to_json(diff(json(source), json(target), context));
}

// Applies patch to a copy of document; max_operations is raised for the
// tests whose fallback patches are long.
Value applied(const Value &document, const Value &patch, std::size_t max_operations)
{
    Context context;
    context.limits.max_operations = max_operations;
    Value copy = document;
    apply_patch(copy, patch, context);
    return copy;
}

// Diffs source into target, checks that the patch is well formed and turns
// source into exactly target, and returns the patch.
Value checked_diff(const Value &source, const Value &target,
                   std::size_t max_operations = Limits().max_operations)
{
    Context context;
    context.limits.max_operations = max_operations;
    Value patch = diff(source, target, context);
    EXPECT_TRUE(patch.is_array());
    if (!patch.is_array())
        return patch;
    for (const Value &operation : patch.as_array()) {
        EXPECT_TRUE(operation.is_object()) << to_json(operation);
        if (!operation.is_object())
            continue;
        const Value *op = operation.as_object().find("op");
        const Value *path = operation.as_object().find("path");
        EXPECT_TRUE(op != nullptr && op->kind() == Kind::String) << to_json(operation);
        EXPECT_TRUE(path != nullptr && path->kind() == Kind::String) << to_json(operation);
    }
    Value result = applied(source, patch, max_operations);
    EXPECT_TRUE(identical(result, target))
        << "source: " << to_json(source) << "\ntarget: " << to_json(target)
        << "\npatch:  " << to_json(patch) << "\nresult: " << to_json(result);
    return patch;
}

// Number of operations in a patch.
std::size_t operation_count(const Value &patch)
{
    return patch.as_array().size();
}

// ---------------------------------------------------------------- fixed cases

TEST(Diff, IdenticalDocumentsGiveEmptyPatch)
{
    EXPECT_EQ(diff_text("null", "null"), "[]");
    EXPECT_EQ(diff_text("19.90", "19.90"), "[]");
    EXPECT_EQ(diff_text(R"({"a":[1,2,{"b":"c"}],"d":true})", R"({"d":true,"a":[1,2,{"b":"c"}]})"),
              "[]");
}

TEST(Diff, OneFieldChangeIsOneOperation)
{
    EXPECT_EQ(diff_text(R"({"a":1,"b":2,"c":3})", R"({"a":1,"b":5,"c":3})"),
              R"([{"op":"replace","path":"/b","value":5}])");
}

TEST(Diff, KeyAddAndRemove)
{
    EXPECT_EQ(diff_text(R"({"a":1})", R"({"a":1,"b":[true]})"),
              R"([{"op":"add","path":"/b","value":[true]}])");
    EXPECT_EQ(diff_text(R"({"a":1,"b":2})", R"({"b":2})"), R"([{"op":"remove","path":"/a"}])");
    checked_diff(json(R"({"a":1,"bb":2,"ccc":3})"), json(R"({"b":1,"bb":2,"dddd":4})"));
}

TEST(Diff, KindChangeIsReplace)
{
    EXPECT_EQ(diff_text(R"({"a":1})", R"({"a":"1"})"),
              R"([{"op":"replace","path":"/a","value":"1"}])");
    EXPECT_EQ(diff_text(R"({"a":[1]})", R"({"a":{"0":1}})"),
              R"([{"op":"replace","path":"/a","value":{"0":1}}])");
    EXPECT_EQ(diff_text(R"({"a":null})", R"({"a":false})"),
              R"([{"op":"replace","path":"/a","value":false}])");
}

TEST(Diff, NestedChangeHasFullPath)
{
    EXPECT_EQ(diff_text(R"({"a":{"b":{"c":[1,{"d":"x"}]}}})", R"({"a":{"b":{"c":[1,{"d":"y"}]}}})"),
              R"([{"op":"replace","path":"/a/b/c/1/d","value":"y"}])");
}

TEST(Diff, KeysAreEscapedInPaths)
{
    EXPECT_EQ(diff_text(R"({"a/b":1,"m~n":2})", R"({"a/b":3,"m~n":2})"),
              R"([{"op":"replace","path":"/a~1b","value":3}])");
    EXPECT_EQ(diff_text(R"({"a/b":1,"m~n":2})", R"({"a/b":1,"m~n":4})"),
              R"([{"op":"replace","path":"/m~0n","value":4}])");
    EXPECT_EQ(diff_text(R"({"":1})", R"({"":2})"), R"([{"op":"replace","path":"/","value":2}])");
}

TEST(Diff, ArrayInsertInTheMiddleIsOneOperation)
{
    EXPECT_EQ(diff_text("[1,2,3,4,5]", "[1,2,9,3,4,5]"), R"([{"op":"add","path":"/2","value":9}])");
    EXPECT_EQ(diff_text("[1,2]", "[1,2,3]"), R"([{"op":"add","path":"/2","value":3}])");
    EXPECT_EQ(diff_text("[1,2]", "[0,1,2]"), R"([{"op":"add","path":"/0","value":0}])");
}

TEST(Diff, ArrayRemoveInTheMiddleIsOneOperation)
{
    EXPECT_EQ(diff_text("[1,2,3,4,5]", "[1,2,4,5]"), R"([{"op":"remove","path":"/2"}])");
    EXPECT_EQ(diff_text(R"([{"a":1},{"b":2},{"c":3}])", R"([{"a":1},{"c":3}])"),
              R"([{"op":"remove","path":"/1"}])");
}

TEST(Diff, SeveralRemovalsApplyInOrder)
{
    Value patch = checked_diff(json("[0,1,2,3,4,5]"), json("[0,5]"));
    EXPECT_EQ(operation_count(patch), 4u);
    patch = checked_diff(json("[0,1,2,3,4,5,6,7]"), json("[0,2,4,6]"));
    EXPECT_EQ(operation_count(patch), 4u);
    patch = checked_diff(json("[1,2,3]"), json("[]"));
    EXPECT_EQ(operation_count(patch), 3u);
}

TEST(Diff, ModifiedArrayElementIsDiffedInside)
{
    EXPECT_EQ(diff_text(R"([1,{"a":1,"b":2},3])", R"([1,{"a":1,"b":5},3])"),
              R"([{"op":"replace","path":"/1/b","value":5}])");
    // Modification next to an insertion: the changed element still gets a
    // fine-grained diff and the new one a single add.
    Value source = json(R"([{"id":1,"tags":["a","b"],"n":1},{"id":2}])");
    Value target = json(R"([{"id":1,"tags":["a","b"],"n":2},{"id":3},{"id":2}])");
    Value patch = checked_diff(source, target);
    EXPECT_EQ(
        to_json(patch),
        R"([{"op":"replace","path":"/0/n","value":2},{"op":"add","path":"/1","value":{"id":3}}])");
}

TEST(Diff, NumberTextIsARepresentationChange)
{
    EXPECT_EQ(diff_text("1.0", "1"), R"([{"op":"replace","path":"","value":1}])");
    EXPECT_EQ(diff_text(R"({"p":19.90})", R"({"p":19.9})"),
              R"([{"op":"replace","path":"/p","value":19.9}])");
    EXPECT_EQ(diff_text("[1.0,2]", "[1,2]"), R"([{"op":"replace","path":"/0","value":1}])");
    EXPECT_EQ(diff_text("[0.1000000000000000000001]", "[0.1000000000000000000002]"),
              R"([{"op":"replace","path":"/0","value":0.1000000000000000000002}])");
}

TEST(Diff, EmptyContainers)
{
    EXPECT_EQ(diff_text("[]", "[]"), "[]");
    EXPECT_EQ(diff_text("{}", "{}"), "[]");
    EXPECT_EQ(diff_text("[]", "{}"), R"([{"op":"replace","path":"","value":{}}])");
    EXPECT_EQ(diff_text("[]", "[1]"), R"([{"op":"add","path":"/0","value":1}])");
    EXPECT_EQ(diff_text("[1]", "[]"), R"([{"op":"remove","path":"/0"}])");
    EXPECT_EQ(diff_text("{}", R"({"a":{}})"), R"([{"op":"add","path":"/a","value":{}}])");
    EXPECT_EQ(diff_text(R"({"a":[]})", "{}"), R"([{"op":"remove","path":"/a"}])");
}

TEST(Diff, RootReplace)
{
    EXPECT_EQ(diff_text("1", "2"), R"([{"op":"replace","path":"","value":2}])");
    EXPECT_EQ(diff_text(R"("x")", R"({"a":1})"), R"([{"op":"replace","path":"","value":{"a":1}}])");
    EXPECT_EQ(diff_text(R"({"a":1})", "null"), R"([{"op":"replace","path":"","value":null}])");
}

TEST(Diff, ExactNumbersSurvive)
{
    Value source =
        Value::array({Value::number("1e-400"), Value::number("12345678901234567890123")});
    Value target = Value::array({Value::number("1E-400"), Value::number("12345678901234567890123"),
                                 Value::number("0.1000000000000000000001")});
    Value patch = checked_diff(source, target);
    EXPECT_EQ(operation_count(patch), 2u);
}

TEST(Diff, ReorderedArrayRoundTrips)
{
    checked_diff(json("[1,2,3,4,5,6]"), json("[6,5,4,3,2,1]"));
    checked_diff(json("[1,2,3,4,5,6]"), json("[2,1,4,3,6,5]"));
    checked_diff(json(R"([1,"a",[2],{"b":3},null])"), json(R"([null,{"b":3},[2],"a",1])"));
}

// Returns true: a cancel that is always pending.
bool always_cancelled()
{
    return true;
}

TEST(Diff, CancelStopsALongDiff)
{
    Array items;
    for (int i = 0; i < 5000; ++i)
        items.push_back(Value::number(std::to_string(i)));
    Value source = Value::array(items);
    items.back() = Value::string("changed");
    Value target = Value::array(items);
    Context context;
    context.interrupt = Interrupt(&always_cancelled);
    EXPECT_THROW(diff(source, target, context), Cancelled);
}

// ------------------------------------------------------------ property tests

// Builds random documents and random edits of them from a seeded generator.
class RandomDocuments {
  public:
    explicit RandomDocuments(std::uint32_t seed) : random_(seed) {}

    // Uniform integer in [low, high].
    std::size_t pick(std::size_t low, std::size_t high)
    {
        return std::uniform_int_distribution<std::size_t>(low, high)(random_);
    }

    // A random scalar; numbers include long decimals, tiny exponents and
    // values that are equal but written differently.
    Value scalar()
    {
        static const char *const numbers[] = {"0",
                                              "1",
                                              "1.0",
                                              "-1",
                                              "19.90",
                                              "19.9",
                                              "0.1000000000000000000001",
                                              "1e-400",
                                              "1E-400",
                                              "-0",
                                              "12345678901234567890123",
                                              "2.5e10",
                                              "7"};
        static const char *const strings[] = {"", "a", "b", "x/y", "m~n", "hello world", "é"};
        switch (pick(0, 4)) {
        case 0:
            return Value();
        case 1:
            return Value::boolean(pick(0, 1) == 1);
        case 2:
            return Value::number(numbers[pick(0, std::size(numbers) - 1)]);
        case 3:
            return Value::number(std::to_string(pick(0, 5)));
        default:
            return Value::string(strings[pick(0, std::size(strings) - 1)]);
        }
    }

    // A random key; includes the empty key and characters that need escaping.
    std::string key()
    {
        static const char *const keys[] = {"a", "b",   "c",   "id", "name",
                                           "",  "a/b", "m~n", "~1", "long key"};
        return keys[pick(0, std::size(keys) - 1)];
    }

    // A random value at most depth levels deep; arrays favour small repeated
    // scalars so that array diffs meet equal elements.
    Value value(int depth)
    {
        std::size_t choice = depth <= 0 ? 0 : pick(0, 5);
        if (choice <= 2)
            return scalar();
        if (choice <= 4) {
            Array items;
            std::size_t count = pick(0, pick(0, 1) == 0 ? 4 : 15);
            for (std::size_t i = 0; i < count; ++i)
                items.push_back(value(depth - 1));
            return Value::array(std::move(items));
        }
        Object members;
        std::size_t count = pick(0, 5);
        for (std::size_t i = 0; i < count; ++i)
            members.set(key(), value(depth - 1));
        return Value::object(std::move(members));
    }

    // A random value whose kind differs from kind.
    Value value_of_other_kind(Kind kind, int depth)
    {
        for (;;) {
            Value candidate = value(depth);
            if (candidate.kind() != kind)
                return candidate;
        }
    }

    // Applies one random edit somewhere in document, directly on the tree
    // (not through apply_patch): insert or remove an array element, add a
    // new key or remove one, change a scalar, or replace a value by one of
    // another kind. Each of these is one patch operation at most.
    void edit(Value &document)
    {
        std::vector<Value *> nodes;
        collect(document, nodes);
        Value &node = *nodes[pick(0, nodes.size() - 1)];
        std::size_t action = pick(0, 2);
        if (node.is_array() && action < 2) {
            Array &items = node.as_array();
            if (action == 0 || items.empty())
                items.insert(items.begin() + static_cast<std::ptrdiff_t>(pick(0, items.size())),
                             value(2));
            else
                items.erase(items.begin() + static_cast<std::ptrdiff_t>(pick(0, items.size() - 1)));
            return;
        }
        if (node.is_object() && action < 2) {
            Object &members = node.as_object();
            if (action == 0 || members.empty()) {
                std::string name = key();
                if (members.find(name) == nullptr)
                    members.set(name, value(2));
                else
                    members.erase(name);
            } else {
                members.erase(members.members()[pick(0, members.size() - 1)].first);
            }
            return;
        }
        if (!node.is_container() && action < 2) {
            node = scalar();
            return;
        }
        node = value_of_other_kind(node.kind(), 2);
    }

  private:
    // Every value of the tree, root first.
    static void collect(Value &value, std::vector<Value *> &nodes)
    {
        nodes.push_back(&value);
        if (value.is_array()) {
            for (Value &item : value.as_array())
                collect(item, nodes);
        } else if (value.is_object()) {
            for (Member &member : value.as_object().members())
                collect(member.second, nodes);
        }
    }

    std::mt19937 random_;
};

constexpr std::uint32_t kSeed = 20240611;

TEST(DiffProperty, SingleEditRoundTripsWithAtMostOneOperation)
{
    RandomDocuments random(kSeed);
    for (int iteration = 0; iteration < 3000; ++iteration) {
        Value source = random.value(4);
        Value target = source;
        random.edit(target);
        SCOPED_TRACE("seed " + std::to_string(kSeed) + " iteration " + std::to_string(iteration) +
                     "\nsource: " + to_json(source) + "\ntarget: " + to_json(target));
        Value forward = checked_diff(source, target);
        Value backward = checked_diff(target, source);
        EXPECT_LE(operation_count(forward), 1u) << to_json(forward);
        EXPECT_LE(operation_count(backward), 1u) << to_json(backward);
        EXPECT_EQ(operation_count(forward) == 0, identical(source, target)) << to_json(forward);
        if (HasFailure())
            return;
    }
}

TEST(DiffProperty, ManyEditsRoundTripBothWays)
{
    RandomDocuments random(kSeed + 1);
    for (int iteration = 0; iteration < 3000; ++iteration) {
        Value source = random.value(5);
        Value target = source;
        std::size_t edits = random.pick(1, 8);
        for (std::size_t i = 0; i < edits; ++i)
            random.edit(target);
        SCOPED_TRACE("seed " + std::to_string(kSeed + 1) + " iteration " +
                     std::to_string(iteration) + "\nsource: " + to_json(source) +
                     "\ntarget: " + to_json(target));
        checked_diff(source, target);
        checked_diff(target, source);
        if (HasFailure())
            return;
    }
}

TEST(DiffProperty, UnrelatedDocumentsRoundTrip)
{
    RandomDocuments random(kSeed + 2);
    for (int iteration = 0; iteration < 2000; ++iteration) {
        Value source = random.value(4);
        Value target = random.value(4);
        SCOPED_TRACE("seed " + std::to_string(kSeed + 2) + " iteration " +
                     std::to_string(iteration) + "\nsource: " + to_json(source) +
                     "\ntarget: " + to_json(target));
        checked_diff(source, target);
        if (HasFailure())
            return;
    }
}

// Flat arrays of a few repeated scalars with random insertions, removals and
// changes: the patch never has more operations than the edits that made it.
TEST(DiffProperty, FlatArrayEditsGiveAMinimalPatch)
{
    std::mt19937 random(kSeed + 3);
    auto pick = [&](std::size_t low, std::size_t high) {
        return std::uniform_int_distribution<std::size_t>(low, high)(random);
    };
    for (int iteration = 0; iteration < 3000; ++iteration) {
        Array items;
        std::size_t length = pick(0, 40);
        for (std::size_t i = 0; i < length; ++i)
            items.push_back(Value::number(std::to_string(pick(0, 5))));
        Value source = Value::array(items);
        std::size_t budget = 0;
        std::size_t edits = pick(1, 10);
        for (std::size_t i = 0; i < edits; ++i) {
            std::size_t action = pick(0, 2);
            if (action == 0 || items.empty()) {
                items.insert(items.begin() + static_cast<std::ptrdiff_t>(pick(0, items.size())),
                             Value::number(std::to_string(pick(0, 5))));
                budget += 1;
            } else if (action == 1) {
                items.erase(items.begin() + static_cast<std::ptrdiff_t>(pick(0, items.size() - 1)));
                budget += 1;
            } else {
                items[pick(0, items.size() - 1)] = Value::number(std::to_string(pick(0, 5)));
                budget += 2; // a change is a deletion plus an insertion
            }
        }
        Value target = Value::array(items);
        SCOPED_TRACE("seed " + std::to_string(kSeed + 3) + " iteration " +
                     std::to_string(iteration) + "\nsource: " + to_json(source) +
                     "\ntarget: " + to_json(target));
        Value forward = checked_diff(source, target);
        Value backward = checked_diff(target, source);
        EXPECT_LE(operation_count(forward), budget) << to_json(forward);
        EXPECT_LE(operation_count(backward), budget) << to_json(backward);
        if (HasFailure())
            return;
    }
}

// -------------------------------------------------------------------- scale

// An array of n distinct objects {"id": i}.
Array numbered_objects(std::size_t n)
{
    Array items;
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        Object member;
        member.set("id", Value::number(std::to_string(i)));
        items.push_back(Value::object(std::move(member)));
    }
    return items;
}

TEST(DiffScale, InsertIntoLargeArrayIsOneOperation)
{
    Array items = numbered_objects(50000);
    Value source = Value::array(items);
    items.insert(items.begin() + 25000, Value::string("new"));
    Value target = Value::array(std::move(items));
    Value patch = checked_diff(source, target);
    EXPECT_EQ(to_json(patch), R"([{"op":"add","path":"/25000","value":"new"}])");
    patch = checked_diff(target, source);
    EXPECT_EQ(to_json(patch), R"([{"op":"remove","path":"/25000"}])");
}

TEST(DiffScale, ScatteredEditsInLargeArray)
{
    // Insertions spread over the array: up to the Myers bound (256 edits)
    // the patch is exactly the insertions; past it the distinct elements
    // anchor the middle, and it still is.
    for (std::size_t insertions : {100u, 256u, 257u, 1000u}) {
        Array items = numbered_objects(20000);
        Value source = Value::array(items);
        for (std::size_t k = 0; k < insertions; ++k)
            items.insert(items.begin() + static_cast<std::ptrdiff_t>(k * (20000 / insertions) + k),
                         Value::string("new"));
        Value target = Value::array(std::move(items));
        SCOPED_TRACE("insertions " + std::to_string(insertions));
        Value patch = checked_diff(source, target, 100000);
        EXPECT_EQ(operation_count(patch), insertions);
        EXPECT_EQ(operation_count(checked_diff(target, source, 100000)), insertions);
    }
}

// The quality cliffs of issue 14 past the Myers bound: deleting every 19th
// of 5,000 numbers (263 edits) gave 4,979 operations; 300 removals from
// 20,000 objects gave more than 10,000 (refused, and the store stored a
// whole-document replace instead).
TEST(DiffScale, ManyScatteredRemovalsAreOneOperationEach)
{
    Array numbers;
    Array kept;
    for (int i = 1; i <= 5000; ++i) {
        numbers.push_back(Value::number(std::to_string(i)));
        if (i % 19 != 0)
            kept.push_back(Value::number(std::to_string(i)));
    }
    Value source = Value::array(std::move(numbers));
    Value target = Value::array(std::move(kept));
    EXPECT_EQ(operation_count(checked_diff(source, target, 100000)), 263u);
    EXPECT_EQ(operation_count(checked_diff(target, source, 100000)), 263u);

    Array objects = numbered_objects(20000);
    Array fewer;
    for (std::size_t i = 0; i < objects.size(); ++i)
        if ((i + 1) % 66 != 0)
            fewer.push_back(objects[i]);
    Value many = Value::array(std::move(objects));
    Value less = Value::array(std::move(fewer));
    EXPECT_EQ(operation_count(checked_diff(many, less, 100000)), 303u);
    EXPECT_EQ(operation_count(checked_diff(less, many, 100000)), 303u);
}

// A diff never depends on the limits: past max_operations it is refused
// (DiffTooLarge, a LimitExceeded), never turned into a different patch.
TEST(DiffLimits, PatchOverTheOperationLimitIsRefused)
{
    Object many;
    for (int k = 0; k < 101; ++k)
        many.set("k" + std::to_string(k), Value::number("0"));
    Value source = Value::object(std::move(many));
    Value target = Value::object();
    Context context;
    context.limits.max_operations = 100;
    try {
        diff(source, target, context);
        ADD_FAILURE() << "a 101-operation diff passed a limit of 100";
    } catch (const DiffTooLarge &error) {
        EXPECT_EQ(error.kind(), ErrorKind::LimitExceeded);
        EXPECT_EQ(error.detail(), R"({"limit":"max_patch_operations","value":100})");
    }
    context.limits.max_operations = 101;
    EXPECT_EQ(operation_count(diff(source, target, context)), 101u);
    EXPECT_EQ(to_json(replace_whole_document(target, context)),
              R"([{"op":"replace","path":"","value":{}}])");
}

// Output bytes are counted as the patch is built, each operation's path
// included: 200 changed elements under a 64 KB key would repeat that key
// 200 times (13 MB); with a 1 MB bound the diff stops after about 16.
TEST(DiffLimits, OutputBytesAreBoundedPathsIncluded)
{
    const std::string key(65536, 'k');
    Array from, to;
    for (int i = 0; i < 200; ++i) {
        from.push_back(Value::number(std::to_string(i)));
        to.push_back(Value::string("x" + std::to_string(i)));
    }
    Value source = Value::object(), target = Value::object();
    source.as_object().set(key, Value::array(from));
    target.as_object().set(key, Value::array(to));
    Context context;
    context.limits.max_document_bytes = 1 << 20;
    try {
        diff(source, target, context);
        ADD_FAILURE() << "a 13 MB diff passed a 1 MB bound";
    } catch (const DiffTooLarge &error) {
        EXPECT_EQ(error.detail(), R"({"limit":"max_document_size","value":1048576})");
    }
    // Within the bound, the 200 operations (13 MB) are larger than one
    // replace of their array (about 75 KB): that replace is the patch.
    context.limits.max_document_bytes = 64 << 20;
    Value patch = diff(source, target, context);
    EXPECT_EQ(operation_count(patch), 1u);
    EXPECT_EQ(patch.as_array()[0].as_object().find("op")->as_string(), "replace");
    EXPECT_EQ(patch.as_array()[0].as_object().find("path")->as_string(), "/" + key);
}

TEST(DiffScale, LongRunOfChangedElementsIsDiffedInPlace)
{
    // Every 10th of 10,000 elements changed: 1,000 operations inside them,
    // smaller than replacing the array. (Every other element changed, the
    // 5,000 operations would be larger than that replace, which the diff
    // then emits instead.)
    Array items = numbered_objects(10000);
    Value source = Value::array(items);
    for (std::size_t i = 0; i < items.size(); i += 10)
        items[i].as_object().set("id", Value::string("changed"));
    Value target = Value::array(std::move(items));
    Value patch = checked_diff(source, target);
    EXPECT_EQ(operation_count(patch), 1000u);
    EXPECT_EQ(to_json(patch.as_array()[0]), R"({"op":"replace","path":"/0/id","value":"changed"})");
    Array every_other = source.as_array();
    for (std::size_t i = 0; i < every_other.size(); i += 2)
        every_other[i].as_object().set("id", Value::string("changed"));
    EXPECT_EQ(operation_count(checked_diff(source, Value::array(std::move(every_other)))), 1u);
}

} // namespace
} // namespace draft_mode::engine
