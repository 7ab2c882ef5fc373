// CSV/TSV/JSONL rows: records split from the bytes, columns found by the header, rows checked.
#include "src/text/table_rows.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/text/corpus_clean.h"

namespace elastiq {
namespace {

struct Record {
  int line = 0;
  std::vector<std::string> fields;
  std::string problem;
};

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// How many continuation bytes follow a UTF-8 lead byte; -1 for a byte no character starts with.
int Utf8ContinuationBytes(unsigned char c) {
  if (c < 0x80) return 0;
  if (c >= 0xC2 && c <= 0xDF) return 1;
  if (c >= 0xE0 && c <= 0xEF) return 2;
  if (c >= 0xF0 && c <= 0xF4) return 3;
  return -1;
}

// Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int extra = Utf8ContinuationBytes(c);
    if (extra < 0 || s.size() - i <= static_cast<size_t>(extra)) return false;
    const unsigned char next = extra > 0 ? static_cast<unsigned char>(s[i + 1]) : 0x80;
    if ((c == 0xE0 && next < 0xA0) || (c == 0xED && next > 0x9F) || (c == 0xF0 && next < 0x90) ||
        (c == 0xF4 && next > 0x8F)) {
      return false;  // overlong, surrogate, or past U+10FFFF
    }
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

std::string ReadTableFile(const std::string& path) {
  std::string bytes = ReadFileBytes(path);
  if (bytes.rfind("\xEF\xBB\xBF", 0) == 0) bytes.erase(0, 3);  // a byte-order mark (spreadsheet exports)
  return bytes;
}

std::string LowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Calls f(line_number, line) for each line that is not blank, without its "\r\n" or "\n".
template <typename F>
void ForEachNonBlankLine(std::string_view s, F f) {
  int number = 0;
  for (size_t pos = 0; pos < s.size();) {
    size_t end = std::min(s.find('\n', pos), s.size());
    std::string_view line = s.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++number;
    if (!IsBlank(line)) f(number, line);
    pos = end + 1;
  }
}

std::vector<Record> SplitTsv(std::string_view s) {
  std::vector<Record> records;
  ForEachNonBlankLine(s, [&](int number, std::string_view line) {
    Record r{number};
    for (size_t pos = 0;;) {
      size_t tab = line.find('\t', pos);
      r.fields.emplace_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    records.push_back(std::move(r));
  });
  return records;
}

// Reads the quoted field starting at s[i] == '"' into `field` ("" inside is one quote), moving `i`
// past the closing quote and counting newlines inside; returns the problem, if any.
std::string ReadQuotedField(std::string_view s, size_t& i, int& line, std::string& field) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
      field += '"';
      ++i;
    } else if (s[i] == '"') {
      ++i;
      bool ends = i == s.size() || s[i] == ',' || s[i] == '\n' || s[i] == '\r';
      return ends ? "" : "malformed quotes";
    } else {
      line += s[i] == '\n';
      field += s[i];
    }
  }
  return "unterminated quote";
}

// RFC 4180: fields separated by commas, records by "\r\n" or "\n"; a field in double quotes may hold
// commas, newlines and doubled quotes. A quote inside an unquoted field is kept as it is.
std::vector<Record> SplitCsv(std::string_view s) {
  std::vector<Record> records;
  int line = 1;
  for (size_t i = 0; i < s.size();) {
    Record r{line};
    const size_t start = i;
    for (;;) {
      std::string field;
      if (i < s.size() && s[i] == '"') {
        std::string problem = ReadQuotedField(s, i, line, field);
        if (r.problem.empty()) r.problem = problem;
      }
      while (i < s.size() && s[i] != ',' && s[i] != '\n') field += s[i++];
      r.fields.push_back(std::move(field));
      if (i == s.size() || s[i] == '\n') break;
      ++i;  // the comma
    }
    if (!r.fields.back().empty() && r.fields.back().back() == '\r') r.fields.back().pop_back();
    if (i < s.size()) {  // the newline
      ++i;
      ++line;
    }
    if (!(r.fields.size() == 1 && IsBlank(r.fields[0]) && s[start] != '"')) records.push_back(std::move(r));
  }
  return records;
}

size_t ColumnIndex(const std::string& path, const std::vector<std::string>& header, const std::string& name,
                   const char* flag) {
  auto it = std::find(header.begin(), header.end(), name);
  if (it != header.end()) return static_cast<size_t>(it - header.begin());
  std::string names;
  for (const std::string& h : header) names += (names.empty() ? "\"" : ", \"") + h + "\"";
  throw UserError(path + ": no column \"" + name + "\" in the header row (it has " + names +
                  "); name the column with " + flag);
}

// The checks every labelled row gets once its fields are found: valid UTF-8, text and label on
// one line (whitespace runs become one space), neither empty.
TableRow FinishLabelled(TableRow row) {
  if (!row.problem.empty()) return row;
  if (!IsValidUtf8(row.text) || !IsValidUtf8(row.label)) {
    row.problem = "invalid UTF-8";
    return row;
  }
  row.text = CollapseWhitespace(row.text);
  row.label = CollapseWhitespace(row.label);
  if (row.text.empty()) row.problem = "empty text";
  if (!row.text.empty() && row.label.empty()) row.problem = "empty label";
  return row;
}

std::vector<TableRow> RowsFromRecords(const std::string& path, const std::vector<Record>& records,
                                      const TableColumns& columns) {
  if (records.empty()) {
    throw UserError(path +
                    ": empty; expected a header row naming the columns (e.g. text,label), then one example a row");
  }
  if (!records[0].problem.empty()) {
    throw UserError(path + ":" + std::to_string(records[0].line) + ": the header row has " + records[0].problem +
                    "; fix the file");
  }
  std::vector<std::string> header;
  for (const std::string& h : records[0].fields) header.push_back(CollapseWhitespace(h));
  const size_t text = ColumnIndex(path, header, columns.text, "--text-column");
  const size_t label = ColumnIndex(path, header, columns.label, "--label-column");
  std::vector<TableRow> rows;
  for (size_t i = 1; i < records.size(); ++i) {
    const Record& r = records[i];
    TableRow row{r.line, "", "", r.problem};
    if (row.problem.empty() && r.fields.size() != header.size()) row.problem = "wrong column count";
    if (row.problem.empty()) {
      row.text = r.fields[text];
      row.label = r.fields[label];
    }
    rows.push_back(FinishLabelled(row));
  }
  return rows;
}

// Parses one JSON Lines line into `j` and its string field `key` into `text`; returns the problem, if any.
std::string ParseJsonText(std::string_view line, const std::string& key, nlohmann::json& j, std::string& text) {
  if (!IsValidUtf8(line)) return "invalid UTF-8";
  j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return "invalid JSON";
  if (!j.is_object()) return "not a JSON object";
  if (!j.contains(key)) return "missing text";
  if (!j[key].is_string()) return "text not a string";
  text = j[key].get<std::string>();
  return "";
}

TableRow LabelledFromJson(int number, std::string_view line, const TableColumns& columns) {
  TableRow row{number};
  nlohmann::json j;
  row.problem = ParseJsonText(line, columns.text, j, row.text);
  if (row.problem.empty()) {
    const auto label = j.find(columns.label);
    if (label == j.end()) {
      row.problem = "missing label";
    } else if (label->is_string()) {
      row.label = label->get<std::string>();
    } else if (label->is_number_integer()) {
      row.label = label->dump();
    } else {
      row.problem = "label not a string or integer";
    }
  }
  return FinishLabelled(row);
}

}  // namespace

bool IsTableFile(const std::string& path) {
  const std::string ext = LowerExtension(path);
  return ext == ".tsv" || ext == ".csv" || ext == ".jsonl";
}

bool IsJsonlFile(const std::string& path) { return LowerExtension(path) == ".jsonl"; }

std::vector<TableRow> ReadLabelledRows(const std::string& path, const TableColumns& columns) {
  const std::string ext = LowerExtension(path);
  if (!IsTableFile(path)) {
    throw UserError(path +
                    ": labelled data is read from .tsv, .csv or .jsonl files (by extension); rename or convert it");
  }
  const std::string bytes = ReadTableFile(path);
  if (ext == ".csv") return RowsFromRecords(path, SplitCsv(bytes), columns);
  if (ext == ".tsv") return RowsFromRecords(path, SplitTsv(bytes), columns);
  std::vector<TableRow> rows;
  ForEachNonBlankLine(bytes, [&](int n, std::string_view line) { rows.push_back(LabelledFromJson(n, line, columns)); });
  return rows;
}

std::vector<TableRow> ReadJsonlTexts(const std::string& path) {
  std::vector<TableRow> rows;
  ForEachNonBlankLine(ReadTableFile(path), [&](int n, std::string_view line) {
    TableRow row{n};
    nlohmann::json j;
    row.problem = ParseJsonText(line, "text", j, row.text);
    if (row.problem.empty() && IsBlank(row.text)) row.problem = "empty text";
    rows.push_back(std::move(row));
  });
  return rows;
}

void SkippedRows::Add(const std::string& path, const TableRow& row) {
  const std::string where = path + ":" + std::to_string(row.line);
  if (strict) {
    throw UserError(
        where + ": " + row.problem +
        "; fix or remove the row, or leave out --strict to skip bad rows (they are counted in manifest.json)");
  }
  if (counts[row.problem]++ == 0) first[row.problem] = where;
}

int64_t SkippedRows::total() const {
  int64_t n = 0;
  for (const auto& [reason, count] : counts) n += count;
  return n;
}

std::string SkippedRows::Summary() const {
  std::string out;
  for (const auto& [reason, count] : counts) {
    out += (out.empty() ? "" : ", ") + reason + ": " + std::to_string(count) + " (first at " + first.at(reason) + ")";
  }
  return out;
}

}  // namespace elastiq
