// Post-training weight quantization into the nested packed layout (src/kernels/packed_layout.h).
// Scales come from the maxnet's full rows, so every palette entry (a prefix of rows and columns)
// shares one quantized copy (docs/METHODS.md, Quantization).
//   W8A8:    s[r] = max|W[r, :]| / 127, q = round(W / s) in [-127, 127]; plus cumulative per-panel
//            row sums of q for the activation zero-point correction.
//   ternary: BitNet b1.58 absmean, per output row: g[r] = mean|W[r, :]|,
//            t = RoundClip(W / (g + eps), -1, 1). Per row (not per tensor) so that a row prefix
//            keeps its own scale and one large row cannot flatten the others.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/kernels/packed_layout.h"

namespace elastiq {

inline constexpr float kTernaryEps = 1e-6f;

struct QuantizedMatrix {
  PackedShape shape;
  std::vector<int8_t> packed_int8;      // W8A8 (int8_bytes)
  std::vector<uint8_t> packed_ternary;  // ternary (ternary_bytes)
  std::vector<float> scale;             // (rows,)
  std::vector<int32_t> rowsum;          // W8A8: (panels, rows_padded), sum of q[r, :32 (p + 1)]
};

// w: (rows, cols) row-major. UserError (naming `name`) for NaN/Inf or cols not a multiple of 32.
QuantizedMatrix QuantizeW8(const float* w, int64_t rows, int64_t cols, const std::string& name);
QuantizedMatrix QuantizeTernary(const float* w, int64_t rows, int64_t cols, const std::string& name);

}  // namespace elastiq
