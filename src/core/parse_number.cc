// Integer parsing with std::from_chars over the whole string.
#include "src/core/parse_number.h"

#include <charconv>
#include <optional>
#include <sstream>

#include "src/core/error.h"

namespace elastiq {

namespace {

std::vector<std::string> ListElements(const std::string& text) {
  std::string spaced = text;
  for (char& c : spaced) c = c == ',' ? ' ' : c;
  std::istringstream in(spaced);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace

std::optional<int> TryParseInt(const std::string& text) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

int ParseInt(const std::string& text, const std::string& what) {
  const std::optional<int> value = TryParseInt(text);
  if (!value) throw UserError(what + ": \"" + text + "\" is not an integer");
  return *value;
}

std::vector<int> ParseTokenIds(const std::string& text, int vocab_size, const std::string& what) {
  std::vector<int> ids;
  for (const std::string& word : ListElements(text)) {
    const std::optional<int> id = TryParseInt(word);
    if (!id || *id < 0 || *id >= vocab_size) {
      throw UserError(what + ": \"" + word + "\" is not a token id in 0.." + std::to_string(vocab_size - 1));
    }
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace elastiq
