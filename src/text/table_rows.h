// Rows of the user's own data files (CSV per RFC 4180, plain TSV, JSON Lines): each a labelled
// example or a plain-text document, or the reason it cannot be one, counted by SkippedRows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace elastiq {

struct TableRow {
  int line = 0;         // 1-based line of the file where the row starts
  std::string text;     // labelled rows: whitespace collapsed to single spaces (one line)
  std::string label;    // labelled rows only; a JSON integer label as its decimal text
  std::string problem;  // empty for a usable row, else why not ("empty text", "invalid JSON", ...)
};

struct TableColumns {
  std::string text = "text";
  std::string label = "label";
};

// True for the extensions ReadLabelledRows reads: .tsv, .csv, .jsonl.
bool IsTableFile(const std::string& path);
bool IsJsonlFile(const std::string& path);

// Labelled rows of a .tsv or .csv file (a header row names the columns) or a .jsonl file (one
// object per line). Blank lines are not rows. UserError when a column is not in the header, the
// header is missing, or the extension is none of the three.
std::vector<TableRow> ReadLabelledRows(const std::string& path, const TableColumns& columns);
// One document per line of a .jsonl file, from its string "text" field (text as written).
std::vector<TableRow> ReadJsonlTexts(const std::string& path);

// Rows refused, by reason; with `strict` the first one is a UserError naming FILE:LINE instead.
struct SkippedRows {
  bool strict = false;
  std::map<std::string, int64_t> counts;     // reason -> rows
  std::map<std::string, std::string> first;  // reason -> "FILE:LINE" of its first row

  void Add(const std::string& path, const TableRow& row);
  int64_t total() const;
  // "empty text: 3 (first at a.csv:4), invalid JSON: 1 (first at b.jsonl:9)"; "" when none.
  std::string Summary() const;
};

}  // namespace elastiq
