// main() of build/engine_tests: runs the GoogleTest engine tests and prints
// TAP on stdout (plan first, one line per test, failure messages as `# `
// comments), so test/tap/engine.t hands them to prove like every other test
// source. GoogleTest's own printer is dropped; --gtest_* arguments still work.
// A failure outside any test makes the exit status non-zero, which prove
// reports too.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>

namespace {

class TapPrinter : public testing::EmptyTestEventListener {
  public:
    void OnTestProgramStart(const testing::UnitTest &unit) override
    {
        std::printf("1..%d\n", unit.test_to_run_count());
        std::fflush(stdout);
    }

    void OnTestEnd(const testing::TestInfo &info) override
    {
        const testing::TestResult &result = *info.result();
        std::printf("%s %d - %s.%s", result.Failed() ? "not ok" : "ok", ++number_,
                    info.test_suite_name(), info.name());
        for (int i = 0; i < result.total_part_count(); ++i) {
            const testing::TestPartResult &part = result.GetTestPartResult(i);
            if (part.skipped())
                std::printf(" # SKIP %s", first_line(part.message()).c_str());
        }
        std::printf("\n");
        for (int i = 0; i < result.total_part_count(); ++i) {
            const testing::TestPartResult &part = result.GetTestPartResult(i);
            if (part.failed())
                print_failure(part);
        }
        std::fflush(stdout);
    }

  private:
    static std::string first_line(const char *text)
    {
        std::string line;
        std::istringstream stream(text);
        std::getline(stream, line);
        return line;
    }

    // Where the failure is, then GoogleTest's message, as TAP comments.
    static void print_failure(const testing::TestPartResult &part)
    {
        if (part.file_name() != nullptr)
            std::printf("# %s:%d:\n", part.file_name(), part.line_number());
        std::istringstream message(part.message());
        for (std::string line; std::getline(message, line);)
            std::printf("#   %s\n", line.c_str());
    }

    int number_ = 0;
};

} // namespace

int main(int argc, char **argv)
{
    testing::InitGoogleTest(&argc, argv);
    testing::TestEventListeners &listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new TapPrinter);
    return RUN_ALL_TESTS();
}
