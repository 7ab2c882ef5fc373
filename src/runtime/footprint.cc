// Page-level accounting of the weights an entry reads, plus KV cache and scratch as the engine
// allocates them (src/runtime/engine.cc).
#include "src/runtime/footprint.h"

#include <algorithm>

#include "src/format/packed_layout.h"

namespace elastiq {
namespace {

constexpr int64_t kPage = 4096;

int64_t PagesSpanned(int64_t begin, int64_t end) {  // bytes [begin, end) -> bytes of whole pages
  if (end <= begin) return 0;
  return ((end + kPage - 1) / kPage - begin / kPage) * kPage;
}

// Resident bytes of W[:rows, :cols] of a maxnet (maxnet_rows x maxnet_cols) matrix.
int64_t MatrixBytes(int64_t maxnet_rows, int64_t maxnet_cols, int64_t rows, int64_t cols, WeightFormat format) {
  if (format == WeightFormat::kF32) {
    // Row-major: each row's prefix; rows closer than a page share pages.
    const int64_t stride = maxnet_cols * 4;
    if (stride <= kPage) return PagesSpanned(0, (rows - 1) * stride + cols * 4);
    return rows * PagesSpanned(0, cols * 4);
  }
  const int64_t rows_padded = (maxnet_rows + kRowGroup - 1) / kRowGroup * kRowGroup;
  const int64_t used_rows = (rows + kRowGroup - 1) / kRowGroup * kRowGroup;
  const int64_t divisor = format == WeightFormat::kTernary ? 4 : 1;
  int64_t bytes = 0;
  for (int64_t p = 0; p < cols / kPanel; ++p) {
    const int64_t base = p * rows_padded * kPanel / divisor;
    bytes += PagesSpanned(base, base + used_rows * kPanel / divisor);
  }
  bytes += rows * 4;                                                     // scales
  if (format == WeightFormat::kW8A8) bytes += PagesSpanned(0, rows * 4);  // the row sums of one panel
  return bytes;
}

}  // namespace

Footprint EstimateFootprint(const ModelConfig& c, const SubnetSpec& s, WeightFormat format, int context, int threads,
                            int prefill_tokens) {
  Footprint f;
  const int64_t d = s.d_model, hd = c.head_dim(), D = c.d_model;
  const int64_t q = int64_t{s.n_heads(c)} * hd, kv = int64_t{s.n_kv_heads} * hd;
  const int64_t Q = int64_t{c.n_heads} * hd, KV = int64_t{c.n_kv_heads} * hd;
  int64_t max_ffn = 0;
  for (size_t i = 0; i < s.layers.size(); ++i) {
    const int64_t ffn = s.ffn_dim[i];
    max_ffn = std::max(max_ffn, ffn);
    f.weights += MatrixBytes(Q, D, q, d, format) + 2 * MatrixBytes(KV, D, kv, d, format) + MatrixBytes(D, Q, d, q, format);
    f.weights += 2 * MatrixBytes(c.ffn_dim, D, ffn, d, format) + MatrixBytes(D, c.ffn_dim, d, ffn, format);
    f.weights += 2 * D * 4;  // norm weights (fp32 pages, shared)
  }
  // The tied embedding / LM head: every vocabulary row, d columns (int8 in quantized formats).
  const WeightFormat head = format == WeightFormat::kF32 ? WeightFormat::kF32 : WeightFormat::kW8A8;
  f.weights += MatrixBytes(c.vocab_size, D, c.vocab_size, d, head) + D * 4;
  if (c.is_encoder()) f.weights += MatrixBytes(c.n_classes, D, c.n_classes, d, WeightFormat::kF32);

  const int64_t virtual_layers = static_cast<int64_t>(s.layers.size()) * c.repeat;
  f.kv_cache = 2 * virtual_layers * context * kv * 4;
  const int64_t T = std::max(1, prefill_tokens);
  int64_t floats = T * (2 * d + 2 * q + 2 * kv + 2 * max_ffn);  // x, h, q, attn, k, v, gate, up
  floats += c.vocab_size;                                        // logits of the last token
  floats += int64_t{threads} * context + context * hd;           // attention scores, RoPE tables
  int64_t bytes = floats * 4;
  const int64_t widest = std::max({d, q, max_ffn});
  if (format != WeightFormat::kF32) bytes += T * widest + T * (std::max<int64_t>(c.vocab_size, widest) + kRowGroup) * 4;  // x_quant, acc
  f.scratch = bytes;
  return f;
}

}  // namespace elastiq
