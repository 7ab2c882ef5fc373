// Token-id files: round trips, and ids outside the vocabulary are refused on read.
#include "src/text/token_ids.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(TokenIds, StreamRoundTrip) {
  testing::ScratchDir dir;
  WriteTokenStream(dir / "s.h5", {.vocab_size = 10, .ids = {1, 5, 9, 2}});
  TokenStream s = ReadTokenStream(dir / "s.h5");
  EXPECT_EQ(s.vocab_size, 10);
  EXPECT_EQ(s.ids, (std::vector<int32_t>{1, 5, 9, 2}));
  EXPECT_FALSE(IsLabelledTokenFile(dir / "s.h5"));
  EXPECT_THROW(ReadLabelledTokens(dir / "s.h5"), UserError);
}

TEST(TokenIds, LabelledRoundTrip) {
  testing::ScratchDir dir;
  LabelledTokens d{
      .vocab_size = 8, .class_names = {"ham", "spam"}, .labels = {1, 0}, .offsets = {0, 2, 5}, .ids = {4, 5, 6, 7, 1}};
  WriteLabelledTokens(dir / "l.h5", d);
  LabelledTokens back = ReadLabelledTokens(dir / "l.h5");
  EXPECT_EQ(back.class_names, d.class_names);
  EXPECT_EQ(back.labels, d.labels);
  EXPECT_EQ(back.offsets, d.offsets);
  EXPECT_EQ(back.ids, d.ids);
  EXPECT_TRUE(IsLabelledTokenFile(dir / "l.h5"));
}

TEST(TokenIds, OutOfVocabularyIdsAreRefused) {
  testing::ScratchDir dir;
  WriteTokenStream(dir / "s.h5", {.vocab_size = 4, .ids = {1, 4}});
  EXPECT_THROW(ReadTokenStream(dir / "s.h5"), UserError);
}

}  // namespace
}  // namespace elastiq
