// NEON GEMVs over fp32 rows, or fp16 rows widened with vcvt_f32_f16. y = W x: four rows at a time
// share each load of x; 4-wide FMAs, scalar tail. y += W^T x: column blocks of up to 32 held in
// registers while the rows stream past.
#include <arm_neon.h>

#include "src/kernels/fp16.h"
#include "src/kernels/gemv_exports.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

inline float32x4_t Load4(const float* p) { return vld1q_f32(p); }
inline float32x4_t Load4(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

template <typename T>
void Gemv(const T* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{3};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const T* rows[4] = {w + r * w_stride, w + (r + 1) * w_stride, w + (r + 2) * w_stride, w + (r + 3) * w_stride};
    float32x4_t a[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    for (int64_t k = 0; k < vec_cols; k += 4) {
      const float32x4_t xv = vld1q_f32(x + k);
      for (int i = 0; i < 4; ++i) a[i] = vfmaq_f32(a[i], Load4(rows[i] + k), xv);
    }
    for (int i = 0; i < 4; ++i) {
      float s = vaddvq_f32(a[i]);
      for (int64_t k = vec_cols; k < cols; ++k) s += AsF32(rows[i][k]) * x[k];
      y[r + i] = s;
    }
  }
  for (; r < row_end; ++r) {
    const T* row = w + r * w_stride;
    float32x4_t a = vdupq_n_f32(0);
    for (int64_t k = 0; k < vec_cols; k += 4) a = vfmaq_f32(a, Load4(row + k), vld1q_f32(x + k));
    float s = vaddvq_f32(a);
    for (int64_t k = vec_cols; k < cols; ++k) s += AsF32(row[k]) * x[k];
    y[r] = s;
  }
}

// y[0 : 4 kVecs] += sum_r x[r] * w[r * w_stride + (0 : 4 kVecs)], the kVecs accumulators in registers.
template <int kVecs, typename T>
void GemvtBlock(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y) {
  float32x4_t acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = vld1q_f32(y + 4 * v);
  for (int64_t r = 0; r < rows; ++r) {
    const float32x4_t p = vdupq_n_f32(x[r]);
    const T* row = w + r * w_stride;
    for (int v = 0; v < kVecs; ++v) acc[v] = vfmaq_f32(acc[v], Load4(row + 4 * v), p);
  }
  for (int v = 0; v < kVecs; ++v) vst1q_f32(y + 4 * v, acc[v]);
}

template <typename T>
void Gemvt(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols) {
  int64_t c = 0;
  for (; c + 32 <= cols; c += 32) GemvtBlock<8>(w + c, w_stride, x, rows, y + c);
  for (; c + 16 <= cols; c += 16) GemvtBlock<4>(w + c, w_stride, x, rows, y + c);
  for (; c + 4 <= cols; c += 4) GemvtBlock<1>(w + c, w_stride, x, rows, y + c);
  for (; c < cols; ++c) {
    float acc = y[c];
    for (int64_t r = 0; r < rows; ++r) acc += x[r] * AsF32(w[r * w_stride + c]);
    y[c] = acc;
  }
}

}  // namespace

ELASTIQ_DEFINE_GEMV_KERNELS(neon)

}  // namespace elastiq
