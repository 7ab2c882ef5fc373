// Page-level accounting of the weights an entry reads, plus KV cache and scratch as the engine
// allocates them (src/runtime/engine.cc).
#include "src/runtime/footprint.h"

#include <algorithm>

#include "src/kernels/packed_layout.h"
#include "src/runtime/weight_ranges.h"

namespace elastiq {
namespace {

// Resident bytes of W[:rows, :cols] of a maxnet (maxnet_rows x maxnet_cols) matrix: its pages, the
// per-row scales and, for W8A8, the row sums of the last panel used (linear.cc reads only those).
int64_t MatrixBytes(int64_t maxnet_rows, int64_t maxnet_cols, int64_t rows, int64_t cols, WeightFormat format) {
  int64_t bytes = PagesTouched(MatrixRanges(maxnet_rows, maxnet_cols, rows, cols, format));
  if (format == WeightFormat::kF32) return bytes;
  bytes += rows * 4;  // scales (small datasets, packed together on shared pages)
  if (format == WeightFormat::kW8A8) bytes += PagesTouched({RowSumRange(maxnet_rows, rows, cols)});
  return bytes;
}

}  // namespace

Footprint EstimateFootprint(const ModelConfig& c, const SubnetSpec& s, WeightFormat format, KvCacheFormat kv_cache,
                            int context, int threads, int prefill_tokens) {
  Footprint f;
  const int64_t d = s.d_model, hd = c.head_dim(), D = c.d_model;
  const int64_t q = int64_t{s.n_heads(c)} * hd, kv = int64_t{s.n_kv_heads} * hd;
  const int64_t Q = int64_t{c.n_heads} * hd, KV = int64_t{c.n_kv_heads} * hd;
  int64_t max_ffn = 0;
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const int64_t ffn = s.ffn_dim[i];
    max_ffn = std::max(max_ffn, ffn);
    f.weights +=
        MatrixBytes(Q, D, q, d, format) + 2 * MatrixBytes(KV, D, kv, d, format) + MatrixBytes(D, Q, d, q, format);
    f.weights += 2 * MatrixBytes(c.ffn_dim, D, ffn, d, format) + MatrixBytes(D, c.ffn_dim, d, ffn, format);
    f.weights += 2 * D * 4;  // norm weights (fp32 pages, shared)
  }
  // The tied embedding / LM head: every vocabulary row, d columns (int8 in quantized formats).
  const WeightFormat head = format == WeightFormat::kF32 ? WeightFormat::kF32 : WeightFormat::kW8A8;
  f.weights += MatrixBytes(c.vocab_size, D, c.vocab_size, d, head) + D * 4;
  if (c.is_encoder()) f.weights += MatrixBytes(c.n_classes, D, c.n_classes, d, WeightFormat::kF32);

  const int64_t virtual_layers = static_cast<int64_t>(s.layers.size()) * c.repeat;
  f.kv_cache = KvCacheBytes(kv_cache, virtual_layers, context, kv);
  const int64_t T = std::max(1, prefill_tokens);
  int64_t floats = T * (2 * d + 2 * q + 2 * kv + 2 * max_ffn);           // x, h, q, attn, k, v, gate, up
  floats += c.vocab_size;                                                // logits of the last token
  floats += int64_t{threads} * c.group_size() * context + context * hd;  // attention scores, RoPE tables
  int64_t bytes = floats * 4;
  const int64_t widest = std::max({d, q, max_ffn});
  // Quantized: x_quant (bytes) and the int32 accumulators of the widest layer, or of the LM head,
  // which runs on the last token only.
  if (format != WeightFormat::kF32) bytes += T * widest + std::max(T * widest, c.vocab_size + kRowGroup) * 4;
  f.scratch = bytes;
  return f;
}

}  // namespace elastiq
