// Functional pieces of the MobileLLM block in LibTorch: RMSNorm, rotary embeddings, grouped-query
// attention (SwiGLU is composed in the block). Norms and softmax run in fp32 even under bf16 autocast.
#pragma once

#include <torch/torch.h>

namespace elastiq {

// W[:rows, :cols] as a view: the one slicing operator of every subnet weight.
torch::Tensor PrefixView(const torch::Tensor& w, int64_t rows, int64_t cols);

// x: (..., d); weight: (d,). Normalizes over the last dimension (a subnet's prefix width).
torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

// cos, sin: (T, head_dim / 2) for positions [offset, offset + T).
struct RopeTables {
  torch::Tensor cos, sin;
};
RopeTables MakeRopeTables(int64_t seq_len, int64_t head_dim, double theta, int64_t offset = 0);
// x: (B, heads, T, head_dim). Rotate-half convention: pairs (i, i + head_dim / 2).
torch::Tensor ApplyRope(const torch::Tensor& x, const RopeTables& rope);

// q: (B, H, T, hd), k, v: (B, KV, T, hd) with H % KV == 0 and query head h using KV head h / (H/KV).
// key_padding: optional (B, T) bool, true where the key is padding. Returns (B, T, H * hd).
torch::Tensor GroupedQueryAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal,
                                    const torch::Tensor& key_padding);

}  // namespace elastiq
