// Timing loop of MeasureTorchDecode: prefill into a DecodeCache, then greedy decode steps.
#include "supernet/decode_bench.h"

#include <chrono>
#include <random>

#include "src/core/median.h"

namespace elastiq {

TorchDecodeSpeed MeasureTorchDecode(SuperTransformer& model, const SubnetSpec& spec, int prompt_tokens,
                                    int decode_tokens, int repeats) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  torch::NoGradGuard no_grad;
  model->eval();
  std::mt19937 rng(1);
  std::vector<int64_t> prompt(static_cast<size_t>(prompt_tokens));
  for (int64_t& t : prompt) t = 4 + static_cast<int64_t>(rng() % static_cast<unsigned>(model->config().vocab_size - 4));
  const torch::Tensor prompt_ids = torch::tensor(prompt, torch::kLong).unsqueeze(0);
  std::vector<double> prefill, decode;
  for (int r = 0; r < repeats + 1; ++r) {  // the first round warms up
    DecodeCache cache;
    auto start = Clock::now();
    torch::Tensor logits = model->forward(prompt_ids, spec, {.cache = &cache}).select(1, prompt_tokens - 1);
    const double p = seconds_since(start);
    start = Clock::now();
    for (int i = 0; i < decode_tokens; ++i) {
      const torch::Tensor next = logits.argmax(-1).view({1, 1});
      logits = model->forward(next, spec, {.cache = &cache}).select(1, 0);
    }
    const double d = seconds_since(start);
    if (r == 0) continue;
    prefill.push_back(prompt_tokens / p);
    decode.push_back(decode_tokens / d);
  }
  return {Median(prefill), Median(decode)};
}

}  // namespace elastiq
