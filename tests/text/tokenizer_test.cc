// Tokenizer: training, special ids, exact round trip, vocabulary too large for the corpus.
#include "src/text/tokenizer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(Tokenizer, TrainsAndRoundTripsExactly) {
  testing::ScratchDir dir;
  TrainTokenizer(testing::Lines(testing::SyntheticText(2000, 1)), {.vocab_size = 400, .threads = 1}, dir / "t.model");
  Tokenizer t = Tokenizer::FromFile(dir / "t.model");
  EXPECT_EQ(t.vocab_size(), 400);
  for (const std::string& s :
       {std::string("The captain saw the harbor."), std::string("Unseen wörds, ünïcode & 12345 digits!"),
        std::string("two  spaces\tand a tab")}) {
    std::vector<int> ids = t.Encode(s);
    EXPECT_FALSE(ids.empty());
    for (int id : ids) EXPECT_TRUE(id >= 0 && id < 400 && id != kUnkId) << id;  // byte fallback: no unk
    EXPECT_EQ(t.Decode(ids), s);
  }
  // Frequent words become single pieces.
  EXPECT_LT(t.Encode("the captain").size(), 5u);
  Tokenizer again = Tokenizer::FromBytes(t.model_bytes(), "bytes");
  EXPECT_EQ(again.Encode("the harbor"), t.Encode("the harbor"));
}

TEST(Tokenizer, VocabularyLargerThanTheCorpusSupportsIsAClearError) {
  testing::ScratchDir dir;
  try {
    TrainTokenizer(testing::Lines(testing::SyntheticText(200, 2)), {.vocab_size = 50000, .threads = 1},
                   dir / "t.model");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("lower --vocab-size"), std::string::npos) << e.what();
  }
  EXPECT_THROW(TrainTokenizer({}, {.vocab_size = 400}, dir / "t.model"), UserError);
  EXPECT_THROW(TrainTokenizer({"a b c"}, {.vocab_size = 100}, dir / "t.model"), UserError);
}

TEST(Tokenizer, GarbageModelBytesAreAClearError) {
  EXPECT_THROW(Tokenizer::FromBytes("not a model", "x.model"), UserError);
}

// Found by tests/fuzz/tokenizer_fuzzer: a piece with a NUL byte (or an empty one) made SentencePiece's
// trie builder throw inside a noexcept function, ending the process with std::terminate.
TEST(Tokenizer, PiecesSentencePieceCannotLoadAreAClearError) {
  using namespace std::string_literals;
  const std::string fuzzer_found =
      "\n\x0e\n\x05<unt>\x15\x00.\x00\x00\x18\x02\n\x0c\n\x03\x00s<H>U\x00\x00\x00\x00\x18\n"s;
  const std::string message = testing::UserErrorMessage([&] { Tokenizer::FromBytes(fuzzer_found, "x.model"); });
  EXPECT_NE(message.find("x.model: tokenizer piece 1 is empty or holds a NUL byte"), std::string::npos) << message;
  const std::string empty_piece = "\n\x02\n\x00"s;
  EXPECT_THROW(Tokenizer::FromBytes(empty_piece, "y.model"), UserError);
}

}  // namespace
}  // namespace elastiq
