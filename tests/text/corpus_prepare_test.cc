// Data preparation from user text: deterministic document-level splits, stats, bad input.
#include "src/text/corpus_prepare.h"

#include <gtest/gtest.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/text/data_dir.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(CorpusPrepare, SplitsAreDeterministicAndNonEmpty) {
  std::vector<Document> docs;
  for (int i = 0; i < 200; ++i) docs.push_back({"doc" + std::to_string(i), "text", ""});
  auto a = AssignSplits(docs, 50, 50), b = AssignSplits(docs, 50, 50);
  EXPECT_EQ(a, b);
  EXPECT_GT(std::count(a.begin(), a.end(), "val"), 0);
  EXPECT_GT(std::count(a.begin(), a.end(), "test"), 0);
  EXPECT_GT(std::count(a.begin(), a.end(), "train"), 150);
  // Adding documents does not move existing ones.
  docs.push_back({"extra", "text", ""});
  auto c = AssignSplits(docs, 50, 50);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), c.begin()));
  // Three documents still give every split one.
  std::vector<Document> few = {{"x", "", ""}, {"y", "", ""}, {"z", "", ""}};
  auto f = AssignSplits(few, 50, 50);
  EXPECT_EQ(std::count(f.begin(), f.end(), "train"), 1);
  EXPECT_EQ(std::count(f.begin(), f.end(), "val"), 1);
}

TEST(CorpusPrepare, UserFolderBecomesSplitsWithStats) {
  testing::ScratchDir dir;
  for (int i = 0; i < 30; ++i)
    testing::WriteText(dir / ("in/book" + std::to_string(i) + ".txt"), testing::SyntheticText(60, i));
  testing::WriteText(dir / "in/.hidden", "ignored");
  PrepareResult r = PrepareData({.corpora = {dir / "in"}, .out_dir = dir / "out"});
  ASSERT_EQ(r.stats.size(), 3u);
  EXPECT_FALSE(r.labelled);
  int64_t docs = 0;
  for (const SplitStats& s : r.stats) {
    EXPECT_GT(s.documents, 0) << s.split;
    EXPECT_GT(s.words, 0);
    docs += s.documents;
  }
  EXPECT_EQ(docs, 30);
  DataDir d = OpenDataDir(dir / "out");
  EXPECT_FALSE(d.labelled());
  std::vector<Document> train = ReadSplit(d, "train");
  EXPECT_EQ(static_cast<int64_t>(train.size()), r.stats[0].documents);
  EXPECT_EQ(train[0].text.find("\n\n"), std::string::npos);
  // Same input, same output.
  std::string first = ReadFileBytes(dir / "out/train.txt");
  PrepareData({.corpora = {dir / "in"}, .out_dir = dir / "out2"});
  EXPECT_EQ(ReadFileBytes(dir / "out2/train.txt"), first);
}

TEST(CorpusPrepare, EmptyCorpusAndMissingPathsAreErrors) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "empty/a.txt", "  \n\n ");
  EXPECT_THROW(PrepareData({.corpora = {dir / "empty"}, .out_dir = dir / "out"}), UserError);
  EXPECT_THROW(PrepareData({.corpora = {dir / "nothing-here"}, .out_dir = dir / "out"}), UserError);
  EXPECT_THROW(PrepareData({.corpora = {}, .out_dir = dir / "out"}), UserError);
  EXPECT_THROW(OpenDataDir(dir / "empty"), UserError);  // no manifest
}

}  // namespace
}  // namespace elastiq
