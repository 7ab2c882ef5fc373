// `data prepare` from the user's own files: labelled TSV/CSV/JSONL folders read back unchanged,
// bad rows counted or refused, class checks, and plain-text JSONL documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/text/corpus_prepare.h"
#include "src/text/data_dir.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using Pairs = std::multiset<std::pair<std::string, std::string>>;  // (label, text)

Pairs ReadBack(const std::string& dir) {
  DataDir d = OpenDataDir(dir);
  EXPECT_TRUE(d.labelled());
  Pairs pairs;
  for (const std::string& split : SplitNames()) {
    for (const Document& doc : ReadSplit(d, split)) pairs.insert({doc.label, doc.text});
  }
  return pairs;
}

// `n` rows "review <i> ..." labelled pos/neg in turn, as CSV with a quoted, multi-line text column.
std::string ReviewsCsv(int n, Pairs& expected) {
  std::string csv = "id,review,stars\n";
  for (int i = 0; i < n; ++i) {
    const std::string label = i % 2 ? "neg" : "pos";
    csv += std::to_string(i) + ",\"review " + std::to_string(i) + ", \"\"quoted\"\"\nsecond line\"," + label + "\n";
    expected.insert({label, "review " + std::to_string(i) + ", \"quoted\" second line"});
  }
  return csv;
}

TEST(LabelledPrepare, FolderOfFilesRoundTrips) {
  testing::ScratchDir dir;
  Pairs expected;
  testing::WriteText(dir / "in/a.csv", ReviewsCsv(30, expected));
  std::string jsonl;
  for (int i = 0; i < 30; ++i) {
    jsonl += R"({"review": "json\treview )" + std::to_string(i) + R"(", "stars": )" + (i % 2 ? "\"neg\"" : "\"pos\"") +
             "}\n";
    expected.insert({i % 2 ? "neg" : "pos", "json review " + std::to_string(i)});
  }
  testing::WriteText(dir / "in/b.jsonl", jsonl);
  testing::WriteText(dir / "in/README.md", "not data");
  PrepareResult r =
      PrepareData({.labelled = {dir / "in"}, .columns = {.text = "review", .label = "stars"}, .out_dir = dir / "out"});
  EXPECT_TRUE(r.labelled);
  EXPECT_EQ(r.classes, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(r.skipped.total(), 0);
  EXPECT_EQ(r.stats[0].documents + r.stats[1].documents + r.stats[2].documents, 60);
  EXPECT_EQ(ReadBack(dir / "out"), expected);
  DataDir d = OpenDataDir(dir / "out");
  EXPECT_EQ(d.class_names(), r.classes);
  EXPECT_EQ(d.manifest["columns"]["text"], "review");
  EXPECT_EQ(d.manifest["skipped_rows"], nlohmann::json::object());
  // Ids are file + line, so the split is the same every time.
  const std::string train = ReadFileBytes(dir / "out/train.tsv");
  PrepareData({.labelled = {dir / "in"}, .columns = {.text = "review", .label = "stars"}, .out_dir = dir / "out2"});
  EXPECT_EQ(ReadFileBytes(dir / "out2/train.tsv"), train);
}

TEST(LabelledPrepare, TsvAndIntegerJsonlLabels) {
  testing::ScratchDir dir;
  std::string tsv = "text\tlabel\n", jsonl;
  Pairs expected;
  for (int i = 0; i < 20; ++i) {
    tsv += "tab line " + std::to_string(i) + "\t" + std::to_string(i % 3) + "\n";
    jsonl += R"({"text": "json line )" + std::to_string(i) + R"(", "label": )" + std::to_string(i % 3) + "}\n";
    expected.insert({std::to_string(i % 3), "tab line " + std::to_string(i)});
    expected.insert({std::to_string(i % 3), "json line " + std::to_string(i)});
  }
  testing::WriteText(dir / "a.tsv", tsv);
  testing::WriteText(dir / "b.jsonl", jsonl);
  PrepareResult r = PrepareData({.labelled = {dir / "a.tsv", dir / "b.jsonl"}, .out_dir = dir / "out"});
  EXPECT_EQ(r.classes, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(ReadBack(dir / "out"), expected);
}

TEST(LabelledPrepare, BadRowsAreCountedOrRefused) {
  testing::ScratchDir dir;
  Pairs expected;
  std::string csv = ReviewsCsv(20, expected);
  csv += "20,,pos\n21,\"no label\",\n22,too,many,fields\n23,\"\xFF\",neg\n24,,neg\n";
  testing::WriteText(dir / "a.csv", csv);
  const PrepareOptions options{.labelled = {dir / "a.csv"}, .columns = {"review", "stars"}, .out_dir = dir / "out"};
  PrepareResult r = PrepareData(options);
  EXPECT_EQ(r.skipped.total(), 5);
  const std::map<std::string, int64_t> counts = {
      {"empty text", 2}, {"empty label", 1}, {"wrong column count", 1}, {"invalid UTF-8", 1}};
  EXPECT_EQ(r.skipped.counts, counts);
  EXPECT_EQ(r.skipped.first.at("empty text"), dir / "a.csv:42");
  EXPECT_EQ(OpenDataDir(dir / "out").manifest["skipped_rows"], nlohmann::json(counts));
  EXPECT_EQ(ReadBack(dir / "out"), expected);

  PrepareOptions strict = options;
  strict.strict = true;
  strict.out_dir = dir / "strict-out";
  const std::string message = testing::UserErrorMessage([&] { PrepareData(strict); });
  EXPECT_EQ(message.rfind(dir / "a.csv:42: empty text;", 0), 0u) << message;
  EXPECT_FALSE(std::filesystem::exists(dir / "strict-out"));  // nothing written
}

TEST(LabelledPrepare, ClassChecks) {
  testing::ScratchDir dir;
  // A class whose only example lands in val or test: find such a row by the split the ids get.
  const std::string path = dir / "rare.tsv";
  std::vector<Document> ids;
  for (int line = 2; line < 202; ++line) ids.push_back({path + "#" + std::to_string(line), "", ""});
  const std::vector<std::string> split = AssignSplits(ids, 50, 50);
  const size_t rare = std::find_if(split.begin(), split.end(), [](auto& s) { return s != "train"; }) - split.begin();
  ASSERT_LT(rare, split.size());
  std::string tsv = "text\tlabel\n";
  for (size_t i = 0; i < ids.size(); ++i) {
    tsv += "example " + std::to_string(i) + "\t" + (i == rare ? "rare" : i % 2 ? "a" : "b") + "\n";
  }
  testing::WriteText(path, tsv);
  std::string message = testing::UserErrorMessage([&] { PrepareData({.labelled = {path}, .out_dir = dir / "o1"}); });
  EXPECT_NE(message.find("class \"rare\" has 1 example(s)"), std::string::npos) << message;
  EXPECT_NE(message.find("none in the train split; add more examples"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(dir / "o1"));

  testing::WriteText(dir / "one.csv", "text,label\na,x\nb,x\nc,x\nd,x\ne,x\nf,x\ng,x\nh,x\n");
  message = testing::UserErrorMessage([&] { PrepareData({.labelled = {dir / "one.csv"}, .out_dir = dir / "o2"}); });
  EXPECT_NE(message.find("at least two classes"), std::string::npos) << message;
}

TEST(LabelledPrepare, OptionAndInputErrors) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "a.csv", "text,label\nhello,x\n");
  testing::WriteText(dir / "t/a.txt", "some text");
  auto message = [&](const PrepareOptions& o) { return testing::UserErrorMessage([&] { PrepareData(o); }); };
  EXPECT_NE(message({.corpora = {dir / "t"}, .labelled = {dir / "a.csv"}, .out_dir = dir / "o"})
                .find("--labelled cannot be combined with --corpus"),
            std::string::npos);
  EXPECT_NE(message({.out_dir = dir / "o"}).find("give --corpus"), std::string::npos);
  EXPECT_NE(message({.labelled = {dir / "t"}, .out_dir = dir / "o"}).find("holds no .tsv, .csv or .jsonl files"),
            std::string::npos);
  EXPECT_NE(message({.labelled = {dir / "missing.csv"}, .out_dir = dir / "o"}).find("no such file or folder"),
            std::string::npos);
  testing::WriteText(dir / "bad.csv", "text,label\n,x\n");
  EXPECT_NE(message({.labelled = {dir / "bad.csv"}, .out_dir = dir / "o"})
                .find("holds no labelled examples (rows skipped so far: empty text: 1"),
            std::string::npos);
  EXPECT_NE(message({.labelled = {dir / "a.csv", dir / "a.csv"}, .out_dir = dir / "o"}).find("is listed twice"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "o"));
}

TEST(LabelledPrepare, PlainTextJsonlDocuments) {
  testing::ScratchDir dir;
  std::string jsonl;
  for (int i = 0; i < 30; ++i)
    jsonl += R"({"text": "Document )" + std::to_string(i) +
             R"(.\n\nIts second line."})"
             "\n";
  jsonl += "{\"title\": \"no text\"}\nnot json\n";
  testing::WriteText(dir / "in/docs.jsonl", jsonl);
  testing::WriteText(dir / "in/notes.txt", testing::SyntheticText(20, 1));
  PrepareResult r = PrepareData({.corpora = {dir / "in"}, .out_dir = dir / "out"});
  EXPECT_FALSE(r.labelled);
  EXPECT_EQ(r.stats[0].documents + r.stats[1].documents + r.stats[2].documents, 31);
  EXPECT_EQ(r.skipped.counts, (std::map<std::string, int64_t>{{"invalid JSON", 1}, {"missing text", 1}}));
  DataDir d = OpenDataDir(dir / "out");
  EXPECT_EQ(d.manifest["skipped_rows"]["missing text"], 1);
  std::set<std::string> texts;
  for (const std::string& split : SplitNames()) {
    for (const Document& doc : ReadSplit(d, split)) texts.insert(doc.text);
  }
  for (int i = 0; i < 30; ++i) EXPECT_EQ(texts.count("Document " + std::to_string(i) + ".\nIts second line."), 1u);

  PrepareOptions strict{.corpora = {dir / "in/docs.jsonl"}, .strict = true, .out_dir = dir / "strict"};
  EXPECT_EQ(testing::UserErrorMessage([&] { PrepareData(strict); }).rfind(dir / "in/docs.jsonl:31: missing text;", 0),
            0u);
}

}  // namespace
}  // namespace elastiq
