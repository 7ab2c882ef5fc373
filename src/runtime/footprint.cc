// Page-level accounting of the weights an entry reads, plus KV cache and scratch as the engine
// allocates them (src/runtime/engine.cc).
#include "src/runtime/footprint.h"

#include <algorithm>

#include "src/core/error.h"
#include "src/kernels/packed_layout.h"
#include "src/runtime/memory_probe.h"
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

  // The state in double, so that no declared size (max_seq_len, repeat, vocab_size) overflows;
  // stored saturated (a total beyond any machine is all a check needs to see).
  f.kv_cache = KvCacheBytes(kv_cache, static_cast<int64_t>(s.layers.size()) * c.repeat, context, kv);
  const double T = std::max(1, prefill_tokens);
  double floats = T * static_cast<double>(2 * d + 2 * q + 2 * kv + 2 * max_ffn);  // x, h, q, attn, k, v, gate, up
  floats += c.vocab_size;                                                         // logits of the last token
  floats +=
      static_cast<double>(threads) * c.group_size() * context + static_cast<double>(context) * hd;  // scores, RoPE
  double bytes = floats * 4;
  const double widest = static_cast<double>(std::max({d, q, max_ffn}));
  // Quantized: x_quant (bytes) and the int32 accumulators of the widest layer, or of the LM head,
  // which runs on the last token only.
  if (format != WeightFormat::kF32) bytes += T * widest + std::max(T * widest, c.vocab_size + double{kRowGroup}) * 4;
  f.scratch = SaturatedBytes(bytes);
  return f;
}

void RequireStateFitsMachine(const Footprint& f, const ModelConfig& c, int context, int64_t machine_bytes,
                             const std::string& file) {
  const int64_t state = SaturatedBytes(static_cast<double>(f.kv_cache) + static_cast<double>(f.scratch));
  if (machine_bytes <= 0 || state <= machine_bytes) return;
  throw UserError(file + ": running it for " + std::to_string(context) + " tokens of context (max_seq_len " +
                  std::to_string(c.max_seq_len) + ", repeat " + std::to_string(c.repeat) + ", vocab_size " +
                  std::to_string(c.vocab_size) + ") needs " + FormatBytes(state) +
                  " of KV cache and buffers, more than this machine's " + FormatBytes(machine_bytes) +
                  "; give a shorter --context or check those fields");
}

}  // namespace elastiq
