// Batch construction with per-step seeds (SplitMix64 of seed and step).
#include "supernet/batches.h"

#include <algorithm>
#include <random>

#include "src/core/error.h"
#include "src/core/hashing.h"
#include "src/text/special_tokens.h"

namespace elastiq {

torch::Tensor SampleLmWindows(const std::vector<int32_t>& ids, int batch, int seq_len, uint64_t seed, int64_t step) {
  const int64_t n = static_cast<int64_t>(ids.size());
  if (n < seq_len + 2)
    throw UserError("the training split has " + std::to_string(n) + " tokens, fewer than one window of " +
                    std::to_string(seq_len + 1) + "; use more data or a shorter --seq-len");
  std::mt19937_64 rng(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(step))));
  std::uniform_int_distribution<int64_t> offset(0, n - seq_len - 1);
  torch::Tensor out = torch::empty({batch, seq_len + 1}, torch::kLong);
  int64_t* dst = out.data_ptr<int64_t>();
  for (int b = 0; b < batch; ++b) {
    const int64_t start = offset(rng);
    for (int t = 0; t <= seq_len; ++t) *dst++ = ids[static_cast<size_t>(start + t)];
  }
  return out;
}

torch::Tensor EvalLmWindows(const std::vector<int32_t>& ids, int seq_len, const ValidationSample& windows) {
  torch::Tensor out = torch::empty({static_cast<int64_t>(windows.picks.size()), seq_len + 1}, torch::kLong);
  int64_t* dst = out.data_ptr<int64_t>();
  for (int64_t start : windows.picks) {
    for (int t = 0; t <= seq_len; ++t) *dst++ = ids[static_cast<size_t>(start + t)];
  }
  return out;
}

std::vector<int64_t> SampleExampleIndices(size_t n, int batch, uint64_t seed, int64_t step) {
  ELASTIQ_ASSERT(n > 0);
  std::mt19937_64 rng(SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(step))));
  std::uniform_int_distribution<int64_t> pick(0, static_cast<int64_t>(n) - 1);
  std::vector<int64_t> out(static_cast<size_t>(batch));
  for (auto& i : out) i = pick(rng);
  return out;
}

ClassBatch MakeClassBatch(const LabelledTokens& data, const std::vector<int64_t>& indices, int max_len) {
  const int64_t B = static_cast<int64_t>(indices.size());
  int64_t T = 1;
  for (int64_t i : indices) {
    T = std::max(
        T, std::min<int64_t>(max_len, data.offsets[static_cast<size_t>(i) + 1] - data.offsets[static_cast<size_t>(i)]));
  }
  ClassBatch b{torch::full({B, T}, int64_t{kPadId}, torch::kLong), torch::ones({B, T}, torch::kBool),
               torch::empty({B}, torch::kLong)};
  auto ids = b.ids.accessor<int64_t, 2>();
  auto pad = b.padding.accessor<bool, 2>();
  for (int64_t r = 0; r < B; ++r) {
    const size_t i = static_cast<size_t>(indices[static_cast<size_t>(r)]);
    const int64_t len = std::min<int64_t>(T, data.offsets[i + 1] - data.offsets[i]);
    for (int64_t t = 0; t < len; ++t) {
      ids[r][t] = data.ids[static_cast<size_t>(data.offsets[i] + t)];
      pad[r][t] = false;
    }
    if (len == 0) pad[r][0] = false;  // an empty example still attends to one (pad) token
    b.labels[r] = data.labels[i];
  }
  return b;
}

}  // namespace elastiq
