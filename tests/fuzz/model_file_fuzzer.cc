// Fuzz harness: a model file from someone else, from its bytes to one token through the engine.
// Covers the HDF5 open, the header/config/palette checks, the weight-shape table, the packed int8
// and ternary layout checks of quantized entries, the embedded tokenizer, and one forward pass.
// The content seal is checked on every input, then turned off (--no-verify) so that inputs reach
// libhdf5 and the checks behind it, as a file crafted with a matching seal would.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "src/format/file_seal.h"
#include "src/runtime/engine.h"
#include "src/runtime/footprint.h"
#include "src/runtime/weight_store.h"
#include "src/text/tokenizer.h"
#include "tests/fuzz/fuzz_input.h"

namespace elastiq::fuzz {
namespace {

constexpr int kContext = 8;
// The engine checks its state against the machine's memory; the fuzzer's own limit is lower, so
// entries whose KV cache and buffers exceed this are left to the machine check's own tests.
constexpr int64_t kStateLimit = 64 << 20;

void RunOneToken(const WeightStore& store, const SubnetSpec& spec, WeightFormat format) {
  const ModelConfig& c = store.config();
  const int context = std::min(kContext, c.max_seq_len);
  const Footprint f = EstimateFootprint(c, spec, format, KvCacheFormat::kF16, context, 1, 2);
  if (f.kv_cache + f.scratch > kStateLimit) return;
  Engine engine(store, spec, {.threads = 1, .context = context, .format = format, .kv_cache = KvCacheFormat::kF16});
  const std::vector<int> tokens = {1, 2};
  if (c.is_encoder()) {
    engine.Classify(tokens);
  } else {
    engine.Feed(tokens);
  }
}

void TryTokenizer(const WeightStore& store) {
  const Tokenizer tokenizer = EmbeddedTokenizer(store.file());
  const std::vector<int> ids = tokenizer.Encode("a fuzzed model file");
  tokenizer.Decode(ids);
}

}  // namespace
}  // namespace elastiq::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace elastiq;
  const std::string path = fuzz::WriteInputFile(data, size, ".h5");
  unsetenv("ELASTIQ_NO_VERIFY");
  fuzz::RefusalsAreFine([&] { CheckSeal(path); });
  setenv("ELASTIQ_NO_VERIFY", "1", 1);
  fuzz::RefusalsAreFine([&] {
    const std::unique_ptr<WeightStore> store = WeightStore::Open(path);
    fuzz::RefusalsAreFine([&] { fuzz::TryTokenizer(*store); });
    const auto& palette = store->file().palette();
    for (size_t i = 0; i < std::min<size_t>(palette.size(), 3); ++i) {
      for (WeightFormat format : {WeightFormat::kF32, WeightFormat::kW8A8, WeightFormat::kTernary}) {
        fuzz::RefusalsAreFine([&] { fuzz::RunOneToken(*store, palette[i].spec, format); });
      }
    }
  });
  return 0;
}
