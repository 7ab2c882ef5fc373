// Whole-string integer parsing for numbers that arrive as text (command-line lists, schedules, a
// helper's output): a value that is not entirely an integer in range is a UserError naming `what`,
// never an exception that escapes the one-line error handler.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace elastiq {

// "42" -> 42; "", "4x", " 4", "1e3", "99999999999" -> nullopt.
std::optional<int> TryParseInt(const std::string& text);
// TryParseInt or UserError "<what>: \"4x\" is not an integer".
int ParseInt(const std::string& text, const std::string& what);

// Token ids separated by commas and/or spaces ("1,87, 5"), each an integer in [0, vocab_size),
// or UserError "<what>: \"999\" is not a token id in 0..255": the --prompt-ids of run and generate.
std::vector<int> ParseTokenIds(const std::string& text, int vocab_size, const std::string& what);

}  // namespace elastiq
