// Corpus clean-up rules; each one is tested in tests/text/corpus_clean_test.cc.
#include "src/text/corpus_clean.h"

#include <cctype>

namespace elastiq {
namespace {

bool AttachesLeft(const std::string& w) {  // no space before these
  static const char* kLeft[] = {",",  ".",   ";", ":",   "!",   "?",  ")",   "]",
                                "'s", "n't", "'", "'re", "'ll", "'d", "'ve", "'m"};
  for (const char* p : kLeft) {
    if (w == p) return true;
  }
  return false;
}

}  // namespace

std::string CleanBrownSentence(std::string_view tagged) {
  std::string out;
  bool quote_open = false, attach_next = false;
  size_t pos = 0;
  while (pos < tagged.size()) {
    while (pos < tagged.size() && std::isspace(static_cast<unsigned char>(tagged[pos]))) ++pos;
    size_t end = pos;
    while (end < tagged.size() && !std::isspace(static_cast<unsigned char>(tagged[end]))) ++end;
    if (end == pos) break;
    std::string_view token = tagged.substr(pos, end - pos);
    pos = end;
    size_t slash = token.rfind('/');
    std::string word(slash == std::string_view::npos || slash == 0 ? token : token.substr(0, slash));
    if (word == "``" || word == "''") {
      if (!quote_open) {
        if (!out.empty()) out += ' ';
        out += '"';
        attach_next = true;
      } else {
        out += '"';
      }
      quote_open = !quote_open;
      continue;
    }
    if (!out.empty() && !attach_next && !AttachesLeft(word)) out += ' ';
    if (word == "(" || word == "[") {
      out += word;
      attach_next = true;
      continue;
    }
    out += word;
    attach_next = false;
  }
  return out;
}

std::vector<std::string> BreakIntoLines(std::string_view text, size_t max_chars) {
  std::vector<std::string> lines;
  std::string current;
  auto flush = [&] {
    size_t b = current.find_first_not_of(' ');
    if (b != std::string::npos) lines.push_back(current.substr(b));
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      flush();
      continue;
    }
    current += c;
    bool sentence_end = (c == '.' || c == '?' || c == '!') && i + 1 < text.size() && text[i + 1] == ' ';
    if (current.size() >= max_chars && (sentence_end || current.size() >= 4 * max_chars) &&
        (sentence_end || c == ' ')) {
      flush();
    }
  }
  flush();
  return lines;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

std::string EmailSubjectAndBody(std::string_view raw) {
  size_t split = raw.find("\n\n");
  size_t split_crlf = raw.find("\r\n\r\n");
  if (split_crlf != std::string_view::npos && (split == std::string_view::npos || split_crlf < split)) {
    split = split_crlf;
  }
  std::string_view header = split == std::string_view::npos ? raw : raw.substr(0, split);
  std::string_view body = split == std::string_view::npos ? std::string_view() : raw.substr(split);
  std::string subject;
  size_t s = header.find("\nSubject:");
  if (s != std::string_view::npos) {
    size_t e = header.find('\n', s + 1);
    subject = std::string(header.substr(s + 1, e == std::string_view::npos ? std::string_view::npos : e - s - 1));
  }
  return CollapseWhitespace(subject + "\n" + std::string(body));
}

}  // namespace elastiq
