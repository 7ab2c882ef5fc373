// Per-token activation quantization (the generic rows quantize_f32u8, quantize_f32i8 of
// kernel_list.h) in plain loops the compiler vectorizes, one pass per row, for every ISA.
#include <algorithm>
#include <cmath>

#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

// Round half to even, as nearbyint in the default rounding mode, for |v| < 2^22 (the codes here are
// within +-256): adding and subtracting 1.5 * 2^23 leaves no fraction bits. Unlike the libm call
// it vectorizes.
inline float RoundHalfEven(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

// std::clamp, except that NaN (the activations of a damaged model) gives `lo`: converting NaN to an
// integer is undefined behaviour (found by tests/fuzz/model_file_fuzzer under UBSan). Written with
// std::min / std::max in this order so that it still vectorizes to minps / maxps.
inline float ClampNanToLow(float v, float lo, float hi) { return std::max(lo, std::min(v, hi)); }

}  // namespace

void quantize_f32u8__generic(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, uint8_t* q, float* scale,
                             int32_t* zero_point) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float* row = x + t * x_stride;
    float lo = 0.0f, hi = 0.0f;
    for (int64_t k = 0; k < cols; ++k) {
      lo = std::min(lo, row[k]);
      hi = std::max(hi, row[k]);
    }
    float s = (hi - lo) / 255.0f;
    if (!(s > 0.0f)) s = 1.0f;
    const float zp = std::clamp(std::nearbyint(-lo / s), 0.0f, 255.0f);
    scale[t] = s;
    zero_point[t] = static_cast<int32_t>(zp);
    uint8_t* out = q + t * cols;
    for (int64_t k = 0; k < cols; ++k)
      out[k] = static_cast<uint8_t>(ClampNanToLow(RoundHalfEven(row[k] / s) + zp, 0.0f, 255.0f));
  }
}

void quantize_f32i8__generic(const float* x, int64_t x_stride, int64_t tokens, int64_t cols, int8_t* q, float* scale) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float* row = x + t * x_stride;
    float amax = 0.0f;
    for (int64_t k = 0; k < cols; ++k) amax = std::max(amax, std::fabs(row[k]));
    float s = amax / 127.0f;
    if (!(s > 0.0f)) s = 1.0f;
    scale[t] = s;
    int8_t* out = q + t * cols;
    for (int64_t k = 0; k < cols; ++k)
      out[k] = static_cast<int8_t>(ClampNanToLow(RoundHalfEven(row[k] / s), -127.0f, 127.0f));
  }
}

}  // namespace elastiq
