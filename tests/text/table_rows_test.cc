// Rows of CSV, TSV and JSONL files: quoting, columns by header, every bad-row reason, strict mode.
#include "src/text/table_rows.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// "line label|text" or "line: problem" per row, to compare whole files at once.
std::vector<std::string> Describe(const std::vector<TableRow>& rows) {
  std::vector<std::string> out;
  for (const TableRow& r : rows) {
    out.push_back(std::to_string(r.line) + (r.problem.empty() ? " " + r.label + "|" + r.text : ": " + r.problem));
  }
  return out;
}

std::vector<std::string> Rows(const testing::ScratchDir& dir, const std::string& name, const std::string& content,
                              const TableColumns& columns = {}) {
  testing::WriteText(dir / name, content);
  return Describe(ReadLabelledRows(dir / name, columns));
}

TEST(TableRows, CsvQuotesCommasAndNewlines) {
  testing::ScratchDir dir;
  const std::string csv =
      "\xEF\xBB\xBFid,text,label\r\n"
      "1,plain words,ham\r\n"
      "2,\"a, b and \"\"c\"\"\",spam\r\n"
      "3,\"two\nlines\tand a tab\",ham\n"
      "\n"
      "4,  spaced   out  , spam \n"
      "5,x\"y,ham";
  EXPECT_EQ(Rows(dir, "a.csv", csv),
            (std::vector<std::string>{"2 ham|plain words", "3 spam|a, b and \"c\"", "4 ham|two lines and a tab",
                                      "7 spam|spaced out", "8 ham|x\"y"}));
}

TEST(TableRows, CsvBadRows) {
  testing::ScratchDir dir;
  const std::string csv =
      "text,label\n"
      "only one field\n"
      "\"closed\"junk,ham\n"
      ",spam\n"
      "words,\n"
      "\"bad \xC0\xAF utf8\",ham\n"
      "ok,ham\n"
      "\"never closed,ham\nmore,spam\n";
  EXPECT_EQ(Rows(dir, "b.csv", csv),
            (std::vector<std::string>{"2: wrong column count", "3: malformed quotes", "4: empty text", "5: empty label",
                                      "6: invalid UTF-8", "7 ham|ok", "8: unterminated quote"}));
}

TEST(TableRows, TsvAndCustomColumns) {
  testing::ScratchDir dir;
  EXPECT_EQ(Rows(dir, "a.tsv", "label\ttext\nham\thello there\r\nspam\tbuy\tnow\n\nspam\tbuy now\n"),
            (std::vector<std::string>{"2 ham|hello there", "3: wrong column count", "5 spam|buy now"}));
  EXPECT_EQ(Rows(dir, "b.tsv", "body\tsentiment\tsource\ngreat film\tpos\tweb\n", {"body", "sentiment"}),
            (std::vector<std::string>{"2 pos|great film"}));
  EXPECT_EQ(Rows(dir, "c.jsonl", "{\"body\": \"dull\", \"sentiment\": \"neg\"}\n", {"body", "sentiment"}),
            (std::vector<std::string>{"1 neg|dull"}));
}

TEST(TableRows, UnknownColumnListsTheHeader) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "a.csv", "id,body,y\n1,x,0\n");
  std::string message = testing::UserErrorMessage([&] { ReadLabelledRows(dir / "a.csv", {}); });
  EXPECT_NE(message.find("a.csv: no column \"text\" in the header row (it has \"id\", \"body\", \"y\")"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("--text-column"), std::string::npos);
  message = testing::UserErrorMessage([&] { ReadLabelledRows(dir / "a.csv", {"body", "label"}); });
  EXPECT_NE(message.find("no column \"label\""), std::string::npos) << message;
  EXPECT_NE(message.find("--label-column"), std::string::npos);
  testing::WriteText(dir / "empty.tsv", "\n");
  EXPECT_NE(testing::UserErrorMessage([&] { ReadLabelledRows(dir / "empty.tsv", {}); }).find("header row"),
            std::string::npos);
  testing::WriteText(dir / "data.txt", "text,label\n");
  EXPECT_NE(testing::UserErrorMessage([&] { ReadLabelledRows(dir / "data.txt", {}); }).find(".tsv, .csv or .jsonl"),
            std::string::npos);
}

TEST(TableRows, JsonlLabelsAndBadLines) {
  testing::ScratchDir dir;
  const std::string jsonl =
      "{\"text\": \"first\\nline\", \"label\": \"pos\"}\n"
      "{\"text\": \"second\", \"label\": 3}\n"
      "{\"text\": \"neg id\", \"label\": -1}\n"
      "not json\n"
      "[1, 2]\n"
      "{\"label\": \"pos\"}\n"
      "{\"text\": 5, \"label\": \"pos\"}\n"
      "{\"text\": \"x\"}\n"
      "{\"text\": \"x\", \"label\": true}\n"
      "{\"text\": \"x\", \"label\": 1.5}\n"
      "{\"text\": \"bad \xED\xA0\x80\", \"label\": \"pos\"}\n"
      "{\"text\": \"  \", \"label\": \"pos\"}\n"
      "\n";
  EXPECT_EQ(Rows(dir, "a.jsonl", jsonl),
            (std::vector<std::string>{"1 pos|first line", "2 3|second", "3 -1|neg id", "4: invalid JSON",
                                      "5: not a JSON object", "6: missing text", "7: text not a string",
                                      "8: missing label", "9: label not a string or integer",
                                      "10: label not a string or integer", "11: invalid UTF-8", "12: empty text"}));
}

TEST(TableRows, JsonlTextDocuments) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "d.jsonl",
                     "{\"text\": \"Para one.\\n\\nPara two.\", \"meta\": 1}\n{\"content\": \"x\"}\n{\"text\": \"\"}\n"
                     "{\"text\": \"Third \\u00e9.\"}\n{oops\n");
  EXPECT_EQ(Describe(ReadJsonlTexts(dir / "d.jsonl")),
            (std::vector<std::string>{"1 |Para one.\n\nPara two.", "2: missing text", "3: empty text",
                                      "4 |Third \xC3\xA9.", "5: invalid JSON"}));
}

TEST(TableRows, SkippedRowsCountOrRefuse) {
  SkippedRows skipped;
  skipped.Add("a.csv", {4, "", "", "empty text"});
  skipped.Add("b.csv", {9, "", "", "empty text"});
  skipped.Add("b.csv", {2, "", "", "invalid JSON"});
  EXPECT_EQ(skipped.total(), 3);
  EXPECT_EQ(skipped.counts.at("empty text"), 2);
  EXPECT_EQ(skipped.Summary(), "empty text: 2 (first at a.csv:4), invalid JSON: 1 (first at b.csv:2)");
  SkippedRows strict{.strict = true};
  std::string message = testing::UserErrorMessage([&] { strict.Add("dir/a.csv", {7, "", "", "wrong column count"}); });
  EXPECT_EQ(message.rfind("dir/a.csv:7: wrong column count; ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace elastiq
