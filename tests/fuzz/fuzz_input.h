// Shared by the libFuzzer harnesses: hand the fuzzer's bytes to readers that take a path, and
// tell expected refusals (UserError: the one-line error the CLI prints) from bugs (anything else
// escapes the harness, and libFuzzer reports it as a crash with the input that caused it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "src/core/error.h"

namespace elastiq::fuzz {

// Writes the bytes to this process's scratch file with `suffix` (in $TMPDIR, /dev/shm when it
// exists) and returns its path; the same path every call, so a campaign leaves one file behind.
std::string WriteInputFile(const uint8_t* data, size_t size, const std::string& suffix);

// Splits the input at its first NUL byte into two texts (the second empty when there is none):
// harnesses that read two documents, e.g. a model config and a subnet spec.
std::pair<std::string_view, std::string_view> SplitAtNul(const uint8_t* data, size_t size);

// Runs `body`; a UserError is the reader refusing bad input, which is correct behaviour.
template <typename Body>
void RefusalsAreFine(Body&& body) {
  try {
    body();
  } catch (const UserError&) {
  }
}

}  // namespace elastiq::fuzz
