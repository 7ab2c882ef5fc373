// RMSNorm (Zhang & Sennrich 2019), RoPE (Su et al. 2021), GQA (Ainslie et al. 2023), SwiGLU (Shazeer 2020).
#include "supernet/transformer_ops.h"

#include <cmath>
#include <limits>

#include "src/core/rope.h"

namespace elastiq {

torch::Tensor PrefixView(const torch::Tensor& w, int64_t rows, int64_t cols) {
  return w.narrow(0, 0, rows).narrow(1, 0, cols);
}

torch::Tensor RmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  torch::Tensor xf = x.to(torch::kFloat);
  torch::Tensor inv = torch::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return xf * inv * weight.to(torch::kFloat);
}

RopeTables MakeRopeTables(int64_t seq_len, int64_t head_dim, double theta, int64_t offset) {
  torch::Tensor inv_freq = torch::tensor(RopeInverseFrequencies(head_dim, theta), torch::kDouble);
  torch::Tensor pos = torch::arange(offset, offset + seq_len, torch::kDouble);
  torch::Tensor angles = torch::outer(pos, inv_freq);  // (T, half)
  return {torch::cos(angles).to(torch::kFloat), torch::sin(angles).to(torch::kFloat)};
}

torch::Tensor ApplyRope(const torch::Tensor& x, const RopeTables& rope) {
  const int64_t half = x.size(-1) / 2;
  torch::Tensor xf = x.to(torch::kFloat);
  torch::Tensor x1 = xf.narrow(-1, 0, half), x2 = xf.narrow(-1, half, half);
  return torch::cat({x1 * rope.cos - x2 * rope.sin, x2 * rope.cos + x1 * rope.sin}, -1).to(x.dtype());
}

torch::Tensor GroupedQueryAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, bool causal,
                                    const torch::Tensor& key_padding) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), hd = q.size(3);
  const int64_t KV = k.size(1), G = H / KV, S = k.size(2);
  // Heads of one group are consecutive: (B, H, T, hd) -> (B, KV, G, T, hd); k, v broadcast over G.
  torch::Tensor qg = q.reshape({B, KV, G, T, hd});
  torch::Tensor scores = torch::matmul(qg, k.unsqueeze(2).transpose(-1, -2)).to(torch::kFloat);
  scores = scores * (1.0 / std::sqrt(static_cast<double>(hd)));
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (causal) {
    // Query t (at absolute position S - T + t) sees keys 0 .. S - T + t.
    torch::Tensor mask = torch::ones({T, S}, torch::kBool).triu(S - T + 1);
    scores = scores.masked_fill(mask, neg_inf);
  }
  if (key_padding.defined()) scores = scores.masked_fill(key_padding.view({B, 1, 1, 1, S}), neg_inf);
  torch::Tensor probs = torch::softmax(scores, -1).to(v.dtype());
  torch::Tensor out = torch::matmul(probs, v.unsqueeze(2));  // (B, KV, G, T, hd)
  return out.permute({0, 3, 1, 2, 4}).reshape({B, T, H * hd});
}

}  // namespace elastiq
