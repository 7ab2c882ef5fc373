// Text from files made safe for a terminal line: bytes that are not UTF-8, and control bytes, escaped.
#pragma once

#include <string>

namespace elastiq {

// `text` unchanged when it is valid UTF-8 without control characters; otherwise each offending
// byte becomes \xNN, so a name read from an untrusted file prints on one line as what it holds.
std::string PrintableText(const std::string& text);

}  // namespace elastiq
