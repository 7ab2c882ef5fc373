// Fuzz harness: the SentencePiece model bytes a model file embeds (/tokenizer), loaded and used to
// encode and decode a fixed text and every id it knows.
#include "src/text/tokenizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  fuzz::RefusalsAreFine([&] {
    const Tokenizer t = Tokenizer::FromBytes(std::string(reinterpret_cast<const char*>(data), size), "tokenizer");
    const std::vector<int> ids = t.Encode("Fuzzed tokenizers meet ordinary text, bytes \xc3\xa9 and \n newlines.");
    t.Decode(ids);
    const int n = std::min(t.vocab_size(), 512);
    for (int id = 0; id < n; ++id) t.PieceText(id);
    t.Pieces();
  });
  return 0;
}
