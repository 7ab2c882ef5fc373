// Fuzz harness: `run --prompt-ids` text, parsed against a vocabulary size taken from the first
// input byte's neighbourhood (small and large vocabularies both reached).
#include "src/core/parse_number.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  if (size == 0) return 0;
  const int vocab_size = data[0] < 128 ? data[0] + 1 : (data[0] - 127) * 4096;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  fuzz::RefusalsAreFine([&] {
    for (int id : ParseTokenIds(text, vocab_size, "--prompt-ids")) {
      if (id < 0 || id >= vocab_size) __builtin_trap();  // an id the engine would index out of range
    }
  });
  return 0;
}
