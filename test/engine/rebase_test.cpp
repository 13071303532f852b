// Tests of rebase_conflicts(): the overlap rule of json_rebase.h, case by
// case, and a property test: whenever no conflict is reported, applying the
// patch after the changes gives the same document as applying the changes
// after the patch (the edits commute).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/json_patch.h"
#include "engine/json_rebase.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

const char *const storefront = R"({
    "title": "Shop",
    "body": "Welcome",
    "theme": {"color": "red", "font": "serif"},
    "items": [{"name": "a", "price": 1.50}, {"name": "b", "price": 2.00}],
    "tags": ["new", "sale"],
    "map": {"1": "one", "2": "two"}
})";

// "patch path -> changed path" for each conflict of patch against changes.
std::vector<std::string> conflicts(const std::string &patch,
                                   const std::vector<std::string> &changes, std::size_t limit = 100)
{
    Value document = parse_json(storefront);
    Value parsed_patch = parse_json(patch);
    std::vector<Value> parsed_changes;
    for (const std::string &change : changes)
        parsed_changes.push_back(parse_json(change));
    std::vector<const Value *> pointers;
    for (const Value &change : parsed_changes)
        pointers.push_back(&change);
    Context context;
    std::vector<std::string> found;
    for (const RebaseConflict &conflict :
         rebase_conflicts(document, parsed_patch, pointers, limit, context))
        found.push_back(conflict.path + " -> " + conflict.changed_path + " #" +
                        std::to_string(conflict.change));
    return found;
}

using Found = std::vector<std::string>;

TEST(Rebase, DisjointMembersDoNotConflict)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/title","value":"x"}])",
                        {R"([{"op":"replace","path":"/body","value":"y"}])",
                         R"([{"op":"add","path":"/theme/size","value":3}])"}),
              Found{});
}

TEST(Rebase, SamePathConflicts)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/title","value":"x"}])",
                        {R"([{"op":"replace","path":"/body","value":"y"}])",
                         R"([{"op":"replace","path":"/title","value":"z"}])"}),
              Found{"/title -> /title #1"});
}

TEST(Rebase, PrefixesConflictBothWays)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/theme/color","value":"x"}])",
                        {R"([{"op":"remove","path":"/theme"}])"}),
              Found{"/theme/color -> /theme #0"});
    EXPECT_EQ(conflicts(R"([{"op":"remove","path":"/theme"}])",
                        {R"([{"op":"replace","path":"/theme/font","value":"x"}])"}),
              Found{"/theme -> /theme/font #0"});
    // Token-wise prefixes only: /theme is no prefix of /themes.
    EXPECT_EQ(conflicts(R"([{"op":"add","path":"/themes","value":1}])",
                        {R"([{"op":"remove","path":"/theme"}])"}),
              Found{});
}

TEST(Rebase, RootConflictsWithEverything)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/title","value":"x"}])",
                        {R"([{"op":"replace","path":"","value":{}}])"}),
              Found{"/title ->  #0"});
    EXPECT_EQ(conflicts(R"([{"op":"test","path":"","value":{}}])",
                        {R"([{"op":"replace","path":"/body","value":"y"}])"}),
              Found{" -> /body #0"});
}

TEST(Rebase, AnyChangeInsideAnIndexedArrayConflicts)
{
    // Inserting at the front shifts the element the patch addresses.
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/items/1/price","value":3}])",
                        {R"([{"op":"add","path":"/items/0","value":{}}])"}),
              Found{"/items/1/price -> /items/0 #0"});
    // Even a change to another element's member counts.
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/items/1/price","value":3}])",
                        {R"([{"op":"replace","path":"/items/0/name","value":"c"}])"}),
              Found{"/items/1/price -> /items/0/name #0"});
    // Appending indexes the array too.
    EXPECT_EQ(conflicts(R"([{"op":"add","path":"/tags/-","value":"hot"}])",
                        {R"([{"op":"add","path":"/tags/-","value":"cold"}])"}),
              Found{"/tags/- -> /tags/- #0"});
    // A change in another array does not.
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/items/1/price","value":3}])",
                        {R"([{"op":"add","path":"/tags/0","value":"x"}])"}),
              Found{});
}

TEST(Rebase, DigitKeysOfObjectsAreNotArrayIndexes)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/map/1","value":"uno"}])",
                        {R"([{"op":"replace","path":"/map/2","value":"dos"}])"}),
              Found{});
}

TEST(Rebase, BelowMissingPathsDigitsCountAsIndexes)
{
    // /new does not exist in the current document: "0" may index an array.
    EXPECT_EQ(conflicts(R"([{"op":"add","path":"/new/0/x","value":1}])",
                        {R"([{"op":"add","path":"/new/1","value":1}])"}),
              Found{"/new/0/x -> /new/1 #0"});
    EXPECT_EQ(conflicts(R"([{"op":"add","path":"/new/key/x","value":1}])",
                        {R"([{"op":"add","path":"/new/other","value":1}])"}),
              Found{});
}

TEST(Rebase, FromMembersCountOnBothSides)
{
    EXPECT_EQ(conflicts(R"([{"op":"copy","from":"/title","path":"/subtitle"}])",
                        {R"([{"op":"replace","path":"/title","value":"z"}])"}),
              Found{"/title -> /title #0"});
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/body","value":"x"}])",
                        {R"([{"op":"move","from":"/body","path":"/intro"}])"}),
              Found{"/body -> /body #0"});
}

TEST(Rebase, LimitBoundsTheReport)
{
    EXPECT_EQ(conflicts(R"([{"op":"replace","path":"/title","value":"x"},
                            {"op":"replace","path":"/body","value":"x"}])",
                        {R"([{"op":"replace","path":"","value":{}}])"}, 1)
                  .size(),
              1u);
}

TEST(Rebase, MalformedOperationsAreLeftToApply)
{
    EXPECT_EQ(conflicts(R"([1, {"op":"replace","path":"bad"}, {"op":"replace","path":5}])",
                        {R"([{"op":"replace","path":"","value":{}}])"}),
              Found{});
    EXPECT_EQ(conflicts(R"({"not":"an array"})", {R"([{"op":"remove","path":"/title"}])"}),
              Found{});
}

// Random single-operation edits of the storefront: when rebase_conflicts
// allows the patch after the change, both orders give the same document.
TEST(Rebase, AllowedRebasesCommute)
{
    const std::vector<std::string> edits = {
        R"([{"op":"replace","path":"/title","value":"T"}])",
        R"([{"op":"replace","path":"/body","value":"B"}])",
        R"([{"op":"add","path":"/theme/size","value":12}])",
        R"([{"op":"replace","path":"/theme/color","value":"blue"}])",
        R"([{"op":"remove","path":"/theme/font"}])",
        R"([{"op":"add","path":"/items/0","value":{"name":"z","price":0.99}}])",
        R"([{"op":"replace","path":"/items/1/price","value":2.50}])",
        R"([{"op":"remove","path":"/items/0"}])",
        R"([{"op":"add","path":"/tags/-","value":"hot"}])",
        R"([{"op":"move","from":"/body","path":"/intro"}])",
        R"([{"op":"copy","from":"/title","path":"/heading"}])",
        R"([{"op":"replace","path":"/map/1","value":"uno"}])",
        R"([{"op":"remove","path":"/map/2"}])",
        R"([{"op":"replace","path":"","value":{"reset":true}}])",
    };
    std::mt19937 random(20261123);
    int allowed = 0;
    for (int round = 0; round < 500; ++round) {
        const std::string &change = edits[random() % edits.size()];
        const std::string &patch = edits[random() % edits.size()];
        Context context;
        Value base = parse_json(storefront);
        Value changed = base;
        apply_patch(changed, parse_json(change), context);
        Value change_value = parse_json(change);
        Value patch_value = parse_json(patch);
        if (!rebase_conflicts(changed, patch_value, {&change_value}, 1, context).empty())
            continue;
        ++allowed;
        Value patch_first = base;
        apply_patch(patch_first, patch_value, context);
        apply_patch(patch_first, change_value, context);
        apply_patch(changed, patch_value, context);
        EXPECT_TRUE(json_equal(patch_first, changed)) << change << " then " << patch;
    }
    EXPECT_GT(allowed, 100);
}

} // namespace
} // namespace draft_mode::engine
