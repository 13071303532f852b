// Public conformance suites run against the engine, one test case per record:
// json-patch-tests (RFC 6902, tests.json and spec_tests.json) and the RFC 7396
// appendix A fixtures. The data lives outside the tree, in the folder named by
// DRAFT_MODE_CONFORMANCE_DIR or else ../shared/conformance; see its README.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine_error.h"
#include "engine/json_patch.h"
#include "engine/json_text.h"
#include "engine/json_value.h"

namespace draft_mode::engine {
namespace {

// The suites and the least number of records each must yield, so that an
// empty or truncated read cannot pass silently.
struct Suite {
    const char *file;
    bool merge_patch; // RFC 7396 {original, patch, result} records
    std::size_t minimum_records;
};
const Suite suites[] = {
    {"rfc6902-tests.json", false, 90},
    {"rfc6902-spec-tests.json", false, 15},
    {"rfc7396-tests.json", true, 15},
};

// One conformance record.
struct Record {
    std::string name;         // test name suffix: file stem and index
    std::string comment;      // the record's comment, if any
    bool placeholder = false; // stands in for a missing data folder
    bool merge_patch = false;
    bool disabled = false;
    bool has_expected = false;
    bool has_error = false;
    Value document;
    Value patch;
    Value expected;
    std::string error; // the record's free-text error description
};

// Prints a record by name in test output (instead of its bytes).
void PrintTo(const Record &record, std::ostream *out)
{
    *out << record.name;
    if (!record.comment.empty())
        *out << " (" << record.comment << ")";
}

// The conformance folder, or "" when it does not exist.
std::string conformance_dir()
{
    const char *configured = std::getenv("DRAFT_MODE_CONFORMANCE_DIR");
    std::string dir =
        configured != nullptr && *configured != '\0' ? configured : "../shared/conformance";
    std::error_code error;
    return std::filesystem::is_directory(dir, error) ? dir : "";
}

// Everything the loader found: records and problems reading the files.
struct Loaded {
    std::string dir;
    std::vector<Record> records;
    std::vector<std::string> problems;
    std::vector<std::size_t> counts; // records per suite, in suites[] order
};

// Name of a file without its extension, usable in a test name.
std::string stem(const char *file)
{
    std::string name = file;
    name = name.substr(0, name.rfind('.'));
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

// Reads one suite's records into loaded.
void load_suite(const Suite &suite, Loaded &loaded)
{
    std::size_t count = 0;
    std::string path = loaded.dir + "/" + suite.file;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        loaded.problems.push_back("cannot open " + path);
        loaded.counts.push_back(0);
        return;
    }
    std::stringstream text;
    text << in.rdbuf();
    Value root;
    try {
        root = parse_json(text.str());
    } catch (const EngineError &error) {
        // Numbers that overflow a double (1e400) land here: nlohmann refuses them.
        loaded.problems.push_back(path + ": " + error.what() + " " + error.detail());
        loaded.counts.push_back(0);
        return;
    }
    if (!root.is_array()) {
        loaded.problems.push_back(path + ": not a JSON array");
        loaded.counts.push_back(0);
        return;
    }
    const Array &items = root.as_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
        Record record;
        record.name = stem(suite.file) + "_" + std::to_string(i);
        record.merge_patch = suite.merge_patch;
        if (!items[i].is_object()) {
            loaded.problems.push_back(path + " record " + std::to_string(i) + " is not an object");
            continue;
        }
        const Object &object = items[i].as_object();
        auto member = [&](const char *name) { return object.find(name); };
        if (const Value *comment = member("comment"); comment && comment->kind() == Kind::String)
            record.comment = comment->as_string();
        if (const Value *disabled = member("disabled");
            disabled && disabled->kind() == Kind::Boolean)
            record.disabled = disabled->as_boolean();
        const Value *document = member(suite.merge_patch ? "original" : "doc");
        const Value *patch = member("patch");
        const Value *expected = member(suite.merge_patch ? "result" : "expected");
        const Value *error = member("error");
        if (document == nullptr || patch == nullptr) {
            loaded.problems.push_back(path + " record " + std::to_string(i) +
                                      " lacks its document or patch");
            continue;
        }
        record.document = *document;
        record.patch = *patch;
        if (expected != nullptr) {
            record.has_expected = true;
            record.expected = *expected;
        }
        if (error != nullptr) {
            record.has_error = true;
            record.error = error->kind() == Kind::String ? error->as_string() : to_json(*error);
        }
        loaded.records.push_back(std::move(record));
        ++count;
    }
    loaded.counts.push_back(count);
}

// Loads every suite once.
const Loaded &loaded_suites()
{
    static const Loaded loaded = [] {
        Loaded result;
        result.dir = conformance_dir();
        if (result.dir.empty())
            return result;
        for (const Suite &suite : suites)
            load_suite(suite, result);
        return result;
    }();
    return loaded;
}

// The records to instantiate; a single placeholder when the folder is absent
// so that the suite reports a skip rather than nothing at all.
std::vector<Record> records_to_run()
{
    const Loaded &loaded = loaded_suites();
    if (loaded.dir.empty() || loaded.records.empty()) {
        Record placeholder;
        placeholder.name = "no_data";
        placeholder.placeholder = true;
        return {placeholder};
    }
    return loaded.records;
}

// Why conformance tests skip when the data folder is absent.
const char *const missing_data_message =
    "conformance data not found: set DRAFT_MODE_CONFORMANCE_DIR or run from a directory "
    "where ../shared/conformance exists";

// Every suite file was read in full: an empty or unreadable file fails here.
TEST(ConformanceData, SuitesLoaded)
{
    const Loaded &loaded = loaded_suites();
    if (loaded.dir.empty())
        GTEST_SKIP() << missing_data_message;
    for (const std::string &problem : loaded.problems)
        ADD_FAILURE() << problem;
    ASSERT_EQ(loaded.counts.size(), std::size(suites));
    for (std::size_t i = 0; i < std::size(suites); ++i)
        EXPECT_GE(loaded.counts[i], suites[i].minimum_records)
            << suites[i].file << " yielded too few records";
}

class ConformanceRecord : public testing::TestWithParam<Record> {};

// Applies one record: expected results must match by JSON equality, expected
// errors must be EngineErrors of a patch kind, anything else must not crash.
TEST_P(ConformanceRecord, Applies)
{
    const Record &record = GetParam();
    if (record.placeholder && loaded_suites().dir.empty())
        GTEST_SKIP() << missing_data_message;
    ASSERT_FALSE(record.placeholder) << "conformance folder present but no record loaded";
    if (record.disabled)
        GTEST_SKIP() << "disabled in the suite: " << record.comment;
    SCOPED_TRACE(record.name + (record.comment.empty() ? "" : ": " + record.comment));

    Value document = record.document;
    Context context;
    auto apply = [&] {
        if (record.merge_patch)
            apply_merge_patch(document, record.patch, context);
        else
            apply_patch(document, record.patch, context);
    };

    if (record.has_expected) {
        try {
            apply();
        } catch (const EngineError &error) {
            FAIL() << "unexpected error: " << error.what() << " " << error.detail();
        }
        EXPECT_TRUE(json_equal(document, record.expected))
            << "got " << to_json(document) << ", expected " << to_json(record.expected);
    } else if (record.has_error) {
        try {
            apply();
            ADD_FAILURE() << "succeeded, expected an error (" << record.error << "); got "
                          << to_json(document);
        } catch (const EngineError &error) {
            EXPECT_NE(error.kind(), ErrorKind::InvalidJson)
                << error.what() << " " << error.detail();
        }
    } else {
        try {
            apply();
        } catch (const EngineError &) {
            // Either outcome is acceptable; only a crash is not.
        }
    }
}

// Test names: the suite file's stem and the record's index.
std::string record_name(const testing::TestParamInfo<Record> &info)
{
    return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Suites, ConformanceRecord, testing::ValuesIn(records_to_run()),
                         record_name);

} // namespace
} // namespace draft_mode::engine
