// Test executables' main: GoogleTest's, plus a listener that fails the tests of a suite whose
// SetUpTestSuite failed. GoogleTest reports those tests "[  SKIPPED ]", and CTest's skip pattern for
// discovered tests reads that line as a skip whatever the exit code: a broken suite would pass as skipped.
#include <gtest/gtest.h>

namespace {

class FailTestsOfAFailedSuite : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo& test) override {
    const testing::TestSuite* suite = testing::UnitTest::GetInstance()->current_test_suite();
    if (suite != nullptr && suite->ad_hoc_test_result().Failed())
      ADD_FAILURE() << test.test_suite_name() << "'s SetUpTestSuite failed (above), so " << test.name()
                    << " did not run";
  }
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new FailTestsOfAFailedSuite);
  return RUN_ALL_TESTS();
}
