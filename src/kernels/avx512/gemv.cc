// AVX-512 GEMVs over fp32 rows, or fp16 rows widened with _mm512_cvtph_ps. y = W x: four rows per
// pass share each 16-wide load of x; masked tail, no scalar loop. y += W^T x: column blocks of up to
// 64 held in registers while the rows stream past; a masked block for the last < 16 columns.
#include <immintrin.h>

#include "src/kernels/gemv_exports.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

inline __m512 Load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 Load16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
// The first n < 16 elements (the others 0); masked loads do not touch the memory past them.
inline __m512 Load16(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline __m512 Load16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_maskz_loadu_epi16(static_cast<__mmask32>(m), p)));
}

template <typename T>
void Gemv(const T* w, int64_t w_stride, const float* x, int64_t cols, float* y, int64_t row_begin, int64_t row_end) {
  const int64_t vec_cols = cols & ~int64_t{15};
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols - vec_cols)) - 1u);
  int64_t r = row_begin;
  for (; r + 4 <= row_end; r += 4) {
    const T* w0 = w + r * w_stride;
    const T* w1 = w0 + w_stride;
    const T* w2 = w1 + w_stride;
    const T* w3 = w2 + w_stride;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 16) {
      __m512 xv = _mm512_loadu_ps(x + k);
      a0 = _mm512_fmadd_ps(Load16(w0 + k), xv, a0);
      a1 = _mm512_fmadd_ps(Load16(w1 + k), xv, a1);
      a2 = _mm512_fmadd_ps(Load16(w2 + k), xv, a2);
      a3 = _mm512_fmadd_ps(Load16(w3 + k), xv, a3);
    }
    if (tail) {
      __m512 xv = _mm512_maskz_loadu_ps(tail, x + vec_cols);
      a0 = _mm512_fmadd_ps(Load16(w0 + vec_cols, tail), xv, a0);
      a1 = _mm512_fmadd_ps(Load16(w1 + vec_cols, tail), xv, a1);
      a2 = _mm512_fmadd_ps(Load16(w2 + vec_cols, tail), xv, a2);
      a3 = _mm512_fmadd_ps(Load16(w3 + vec_cols, tail), xv, a3);
    }
    y[r] = _mm512_reduce_add_ps(a0);
    y[r + 1] = _mm512_reduce_add_ps(a1);
    y[r + 2] = _mm512_reduce_add_ps(a2);
    y[r + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; r < row_end; ++r) {
    const T* row = w + r * w_stride;
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < vec_cols; k += 16) acc = _mm512_fmadd_ps(Load16(row + k), _mm512_loadu_ps(x + k), acc);
    if (tail) acc = _mm512_fmadd_ps(Load16(row + vec_cols, tail), _mm512_maskz_loadu_ps(tail, x + vec_cols), acc);
    y[r] = _mm512_reduce_add_ps(acc);
  }
}

// y[0 : 16 kVecs] += sum_r x[r] * w[r * w_stride + (0 : 16 kVecs)], the kVecs accumulators in registers.
template <int kVecs, typename T>
void GemvtBlock(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y) {
  __m512 acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = _mm512_loadu_ps(y + 16 * v);
  for (int64_t r = 0; r < rows; ++r) {
    const __m512 p = _mm512_set1_ps(x[r]);
    const T* row = w + r * w_stride;
    for (int v = 0; v < kVecs; ++v) acc[v] = _mm512_fmadd_ps(Load16(row + 16 * v), p, acc[v]);
  }
  for (int v = 0; v < kVecs; ++v) _mm512_storeu_ps(y + 16 * v, acc[v]);
}

template <typename T>
void Gemvt(const T* w, int64_t w_stride, const float* x, int64_t rows, float* y, int64_t cols) {
  int64_t c = 0;
  for (; c + 64 <= cols; c += 64) GemvtBlock<4>(w + c, w_stride, x, rows, y + c);
  for (; c + 16 <= cols; c += 16) GemvtBlock<1>(w + c, w_stride, x, rows, y + c);
  if (c == cols) return;
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols - c)) - 1u);
  __m512 acc = _mm512_maskz_loadu_ps(tail, y + c);
  for (int64_t r = 0; r < rows; ++r) acc = _mm512_fmadd_ps(Load16(w + r * w_stride + c, tail), _mm512_set1_ps(x[r]), acc);
  _mm512_mask_storeu_ps(y + c, tail, acc);
}

}  // namespace

ELASTIQ_DEFINE_GEMV_KERNELS(avx512)

}  // namespace elastiq
