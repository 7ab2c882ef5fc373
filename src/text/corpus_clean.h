// Text clean-up for the real corpora: Brown's `word/tag` tokens back to plain English, long lines
// broken at sentence ends (SentencePiece skips over-long lines), e-mails split into header and body.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace elastiq {

// "The/at jury/nn said/vbd ``/`` no/at ''/''" -> "The jury said \"no\""
std::string CleanBrownSentence(std::string_view tagged);
// Splits `text` into lines of at most about `max_chars`, breaking after ". ", "? " or "! " (or at a
// space when a sentence is longer still); existing newlines are kept as line ends.
std::vector<std::string> BreakIntoLines(std::string_view text, size_t max_chars = 1000);
// Collapses every run of whitespace (newlines, tabs) to a single space and trims the ends.
std::string CollapseWhitespace(std::string_view text);
// The body of a raw e-mail (after the first blank line), preceded by its Subject: line if any.
std::string EmailSubjectAndBody(std::string_view raw);

}  // namespace elastiq
