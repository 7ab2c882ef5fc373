// The fp16 KV cache's cost in logits: two engines on one model, one with an fp32 and one with an
// fp16 cache, fed the same tokens (a prefill, then one token per step), over `windows` windows of
// text (a token file) or of random ids. Prints one JSON line: max and mean |f16 - f32| over every
// logit compared, the largest |logit|, and the share of positions whose argmax differs.
// Usage: kv_cache_logits MODEL.h5 fp32|w8a8|ternary TOKENS.h5|random PREFILL DECODE [WINDOWS]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "src/runtime/engine.h"
#include "src/text/token_ids.h"

namespace elastiq {
namespace {

struct Stats {
  double max_abs = 0.0, sum_abs = 0.0, max_logit = 0.0;
  int64_t logits = 0, positions = 0, argmax_differs = 0;
  void Add(std::span<const float> a, std::span<const float> b, int64_t vocab) {
    for (size_t i = 0; i < a.size(); ++i) {
      const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
      max_abs = std::max(max_abs, d);
      sum_abs += d;
      max_logit = std::max(max_logit, std::fabs(static_cast<double>(a[i])));
    }
    logits += static_cast<int64_t>(a.size());
    for (size_t p = 0; p < a.size(); p += static_cast<size_t>(vocab)) {
      auto argmax = [&](std::span<const float> v) {
        return std::max_element(v.begin() + p, v.begin() + p + vocab) - v.begin();
      };
      argmax_differs += argmax(a) != argmax(b);
      ++positions;
    }
  }
};

int Run(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: kv_cache_logits MODEL.h5 fp32|w8a8|ternary TOKENS.h5|random PREFILL DECODE [WINDOWS]\n");
    return 2;
  }
  const std::string model = argv[1], source = argv[3];
  const int prefill = std::stoi(argv[4]), decode = std::stoi(argv[5]), windows = argc > 6 ? std::stoi(argv[6]) : 1;
  auto store = WeightStore::Open(model);
  const ModelConfig& c = store->config();
  const SubnetSpec& spec = store->file().EntryOrLargest("").spec;
  const int length = prefill + decode;
  std::vector<int32_t> ids;
  if (source == "random") {
    std::mt19937 rng(1);
    for (int64_t i = 0; i < int64_t{length} * windows; ++i)
      ids.push_back(4 + static_cast<int32_t>(rng() % static_cast<unsigned>(c.vocab_size - 4)));
  } else {
    ids = ReadTokenStream(source).ids;
    if (static_cast<int64_t>(ids.size()) < int64_t{length} * windows)
      throw UserError(source + ": too few tokens for the windows asked");
  }
  const EngineOptions base{.threads = 1, .context = length, .format = ParseWeightFormat(argv[2])};
  EngineOptions half = base;
  half.kv_cache = KvCacheFormat::kF16;
  Engine f32(*store, spec, base), f16(*store, spec, half);
  Stats s;
  for (int w = 0; w < windows; ++w) {
    f32.Reset();
    f16.Reset();
    const std::span<const int> window(ids.data() + int64_t{w} * length, static_cast<size_t>(length));
    s.Add(f32.Feed(window.first(static_cast<size_t>(prefill)), true),
          f16.Feed(window.first(static_cast<size_t>(prefill)), true), c.vocab_size);
    for (int t = prefill; t < length; ++t)
      s.Add(f32.Feed(window.subspan(static_cast<size_t>(t), 1)), f16.Feed(window.subspan(static_cast<size_t>(t), 1)),
            c.vocab_size);
  }
  std::printf(
      "{\"model\": \"%s\", \"format\": \"%s\", \"tokens\": \"%s\", \"prefill\": %d, \"decode\": %d, \"windows\": %d, "
      "\"max_abs_diff\": %.4g, \"mean_abs_diff\": %.4g, \"max_abs_logit\": %.4g, \"positions\": %lld, "
      "\"argmax_differs\": %lld}\n",
      model.c_str(), argv[2], source.c_str(), prefill, decode, windows, s.max_abs,
      s.sum_abs / static_cast<double>(s.logits), s.max_logit, static_cast<long long>(s.positions),
      static_cast<long long>(s.argmax_differs));
  return 0;
}

}  // namespace
}  // namespace elastiq

int main(int argc, char** argv) {
  try {
    return elastiq::Run(argc, argv);
  } catch (const elastiq::UserError& e) {
    std::fprintf(stderr, "kv_cache_logits: %s\n", e.what());
    return 2;
  }
}
