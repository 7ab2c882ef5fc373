// AVX2+FMA GEMVs over fp32 rows, or fp16 rows widened with F16C (_mm256_cvtph_ps). y = W x: four
// rows at a time share each load of x; 8-wide FMAs, scalar tail. y += W^T x: column blocks of up to
// 64 held in registers while the rows stream past, each row's x broadcast once.
#include <immintrin.h>

#include "src/kernels/fp16.h"
#include "src/kernels/gemv_exports.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

inline __m256 Load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 Load8(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <typename T>
void Gemv(const T* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{7};
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const T* w0 = w + r * w_stride;
    const T* w1 = w0 + w_stride;
    const T* w2 = w1 + w_stride;
    const T* w3 = w2 + w_stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 8) {
      __m256 xv = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(Load8(w0 + k), xv, a0);
      a1 = _mm256_fmadd_ps(Load8(w1 + k), xv, a1);
      a2 = _mm256_fmadd_ps(Load8(w2 + k), xv, a2);
      a3 = _mm256_fmadd_ps(Load8(w3 + k), xv, a3);
    }
    float s0 = HorizontalSum(a0), s1 = HorizontalSum(a1), s2 = HorizontalSum(a2), s3 = HorizontalSum(a3);
    for (int64_t k = vec_cols; k < cols; ++k) {
      s0 += AsF32(w0[k]) * x[k];
      s1 += AsF32(w1[k]) * x[k];
      s2 += AsF32(w2[k]) * x[k];
      s3 += AsF32(w3[k]) * x[k];
    }
    y[r] = s0;
    y[r + 1] = s1;
    y[r + 2] = s2;
    y[r + 3] = s3;
  }
  for (; r < row_end; ++r) {
    const T* row = w + r * w_stride;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 8) acc = _mm256_fmadd_ps(Load8(row + k), _mm256_loadu_ps(x + k), acc);
    float s = HorizontalSum(acc);
    for (int64_t k = vec_cols; k < cols; ++k) s += AsF32(row[k]) * x[k];
    y[r] = s;
  }
}

// y[0 : 8 kVecs] += sum_r x[r] * w[r * w_stride + (0 : 8 kVecs)], the kVecs accumulators in registers.
template <int kVecs, typename T>
void GemvtBlock(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y) {
  __m256 acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = _mm256_loadu_ps(y + 8 * v);
  for (int64_t r = 0; r < rows; ++r) {
    const __m256 p = _mm256_broadcast_ss(x + r);
    const T* row = w + r * w_stride;
    for (int v = 0; v < kVecs; ++v) acc[v] = _mm256_fmadd_ps(Load8(row + 8 * v), p, acc[v]);
  }
  for (int v = 0; v < kVecs; ++v) _mm256_storeu_ps(y + 8 * v, acc[v]);
}

template <typename T>
void Gemvt(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols) {
  int64_t c = 0;
  for (; c + 64 <= cols; c += 64) GemvtBlock<8>(w + c, w_stride, x, rows, y + c);
  for (; c + 32 <= cols; c += 32) GemvtBlock<4>(w + c, w_stride, x, rows, y + c);
  for (; c + 8 <= cols; c += 8) GemvtBlock<1>(w + c, w_stride, x, rows, y + c);
  for (; c < cols; ++c) {
    float acc = y[c];
    for (int64_t r = 0; r < rows; ++r) acc += x[r] * AsF32(w[r * w_stride + c]);
    y[c] = acc;
  }
}

}  // namespace

ELASTIQ_DEFINE_GEMV_KERNELS(avx2)

}  // namespace elastiq
