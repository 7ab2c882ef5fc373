// Whole-string integer parsing: exact integers pass; partial, empty, spaced, scientific and
// out-of-range text is refused (UserError naming the flag), and token ids are range-checked.
#include "src/core/parse_number.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(ParseNumber, OnlyWholeIntegersInRangeParse) {
  EXPECT_EQ(TryParseInt("42"), 42);
  EXPECT_EQ(TryParseInt("-7"), -7);
  EXPECT_EQ(TryParseInt("2147483647"), 2147483647);
  for (const char* bad : {"", "4x", " 4", "4 ", "1e3", "0x10", "2147483648", "99999999999", "+"}) {
    EXPECT_FALSE(TryParseInt(bad).has_value()) << bad;
  }
  EXPECT_EQ(ParseInt("12", "--n"), 12);
  EXPECT_EQ(testing::UserErrorMessage([] { ParseInt("12abc", "--n"); }), "--n: \"12abc\" is not an integer");
}

TEST(ParseNumber, TokenIdsAreSeparatedByCommasOrSpacesAndInTheVocabulary) {
  EXPECT_EQ(ParseTokenIds("1,87, 5  9", 100, "--prompt-ids"), (std::vector<int>{1, 87, 5, 9}));
  EXPECT_TRUE(ParseTokenIds("", 100, "--prompt-ids").empty());
  EXPECT_EQ(testing::UserErrorMessage([] { ParseTokenIds("1,100", 100, "--prompt-ids"); }),
            "--prompt-ids: \"100\" is not a token id in 0..99");
  EXPECT_EQ(testing::UserErrorMessage([] { ParseTokenIds("1,-2", 100, "--prompt-ids"); }),
            "--prompt-ids: \"-2\" is not a token id in 0..99");
  EXPECT_EQ(testing::UserErrorMessage([] { ParseTokenIds("1,two", 100, "--prompt-ids"); }),
            "--prompt-ids: \"two\" is not a token id in 0..99");
}

}  // namespace
}  // namespace elastiq
