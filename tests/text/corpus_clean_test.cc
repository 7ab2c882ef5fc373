// Corpus clean-up rules.
#include "src/text/corpus_clean.h"

#include <gtest/gtest.h>

namespace elastiq {
namespace {

TEST(CorpusClean, BrownTagsAndQuotes) {
  EXPECT_EQ(CleanBrownSentence("The/at Fulton/np-tl jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ./."),
            "The Fulton jury said \"no evidence\".");
  EXPECT_EQ(CleanBrownSentence("It/pps was/bedz 1/2/cd done/vbn ,/, isn't/bez* it/pps ?/."),
            "It was 1/2 done, isn't it?");
  EXPECT_EQ(CleanBrownSentence("(/( see/vb below/rb )/)"), "(see below)");
  EXPECT_EQ(CleanBrownSentence("   "), "");
}

TEST(CorpusClean, BreakIntoLinesAtSentenceEnds) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "This is sentence number " + std::to_string(i) + ". ";
  std::vector<std::string> lines = BreakIntoLines(text, 200);
  EXPECT_GT(lines.size(), 5u);
  std::string joined;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 260u);
    EXPECT_EQ(l.back() == '.' || l.back() == ' ', true) << l;
    joined += l + " ";
  }
  EXPECT_NE(joined.find("sentence number 49."), std::string::npos);
  EXPECT_EQ(BreakIntoLines("a\nb\n\nc"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(CorpusClean, EmailKeepsSubjectAndBody) {
  std::string mail = "From: x@y\nSubject: Cheap meds now\nX-Spam: yes\n\nBuy   now!\n\tLimited offer.\n";
  EXPECT_EQ(EmailSubjectAndBody(mail), "Subject: Cheap meds now Buy now! Limited offer.");
  EXPECT_EQ(CollapseWhitespace("  a \n\t b  "), "a b");
}

}  // namespace
}  // namespace elastiq
