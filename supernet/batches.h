// Training and evaluation batches from token-id files. Training batches are a pure function of
// (seed, step), so a resumed run sees exactly the batches the uninterrupted run would have seen.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "src/text/token_ids.h"
#include "src/text/validation_sample.h"

namespace elastiq {

// (B, T + 1) int64 windows at random offsets of the token stream.
torch::Tensor SampleLmWindows(const std::vector<int32_t>& ids, int batch, int seq_len, uint64_t seed, int64_t step);
// The evaluation windows of a sample (src/text/validation_sample.h): (N, T + 1) int64.
torch::Tensor EvalLmWindows(const std::vector<int32_t>& ids, int seq_len, const ValidationSample& windows);

struct ClassBatch {
  torch::Tensor ids;      // (B, T) int64, padded with kPadId
  torch::Tensor padding;  // (B, T) bool, true at padding
  torch::Tensor labels;   // (B,) int64
};
std::vector<int64_t> SampleExampleIndices(size_t n, int batch, uint64_t seed, int64_t step);
ClassBatch MakeClassBatch(const LabelledTokens& data, const std::vector<int64_t>& indices, int max_len);

}  // namespace elastiq
