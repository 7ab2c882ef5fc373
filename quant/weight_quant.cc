// Per-row symmetric int8 and absmean ternary quantization (round half to even, as torch.round).
#include "quant/weight_quant.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"

namespace elastiq {
namespace {

void CheckFinite(const float* w, int64_t n, const std::string& name) {
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(w[i])) {
      throw UserError(name + ": holds NaN or Inf (element " + std::to_string(i) +
                      "); the model diverged or the file is damaged");
    }
  }
}

}  // namespace

QuantizedMatrix QuantizeW8(const float* w, int64_t rows, int64_t cols, const std::string& name) {
  QuantizedMatrix m;
  m.shape = MakePackedShape(rows, cols, name.c_str());
  CheckFinite(w, rows * cols, name);
  std::vector<int8_t> q(static_cast<size_t>(rows * cols));
  m.scale.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    float max_abs = 0.0f;
    for (int64_t c = 0; c < cols; ++c) max_abs = std::max(max_abs, std::fabs(w[r * cols + c]));
    const float s = max_abs > 0.0f ? max_abs / 127.0f : 1.0f;
    m.scale[static_cast<size_t>(r)] = s;
    for (int64_t c = 0; c < cols; ++c) {
      q[static_cast<size_t>(r * cols + c)] =
          static_cast<int8_t>(std::clamp(std::nearbyint(w[r * cols + c] / s), -127.0f, 127.0f));
    }
  }
  m.packed_int8 = PackInt8(m.shape, q.data());
  const int64_t panels = m.shape.panels();
  m.rowsum.assign(static_cast<size_t>(panels * m.shape.rows_padded), 0);
  for (int64_t r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int64_t p = 0; p < panels; ++p) {
      for (int64_t c = p * kPanel; c < (p + 1) * kPanel; ++c) sum += q[static_cast<size_t>(r * cols + c)];
      m.rowsum[static_cast<size_t>(p * m.shape.rows_padded + r)] = sum;
    }
  }
  return m;
}

QuantizedMatrix QuantizeTernary(const float* w, int64_t rows, int64_t cols, const std::string& name) {
  QuantizedMatrix m;
  m.shape = MakePackedShape(rows, cols, name.c_str());
  CheckFinite(w, rows * cols, name);
  std::vector<int8_t> t(static_cast<size_t>(rows * cols));
  m.scale.resize(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    double sum_abs = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum_abs += std::fabs(w[r * cols + c]);
    const float gamma = static_cast<float>(sum_abs / static_cast<double>(cols));
    m.scale[static_cast<size_t>(r)] = gamma;
    for (int64_t c = 0; c < cols; ++c) {
      t[static_cast<size_t>(r * cols + c)] =
          static_cast<int8_t>(std::clamp(std::nearbyint(w[r * cols + c] / (gamma + kTernaryEps)), -1.0f, 1.0f));
    }
  }
  m.packed_ternary = PackTernary(m.shape, t.data());
  return m;
}

}  // namespace elastiq
