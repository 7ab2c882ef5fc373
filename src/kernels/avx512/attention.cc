// AVX-512 grouped-query attention kernels over fp32 or fp16 (widened with _mm512_cvtph_ps) cached
// rows, up to 4 query heads per pass over the rows. Scores: four keys at a time, each 16-wide load of
// a key shared by the heads, the 4 x heads sums reduced four at a time (Sum4); masked tail. Values:
// column blocks of up to 64 per head held in registers while the rows stream past, each loaded row
// shared by the heads.
#include <immintrin.h>

#include "src/kernels/attention_exports.h"
#include "src/kernels/avx512/lanes.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

using namespace avx512;

template <int kHeads, typename T>
void ScoresHeads(const T* k, int64_t stride, const float* q, int64_t n, int64_t keys, float* s, int64_t s_stride) {
  const int64_t vec = n & ~int64_t{15};
  const __mmask16 tail = FirstLanes(n - vec);
  int64_t j = 0;
  for (; j + 4 <= keys; j += 4) {
    const T* rows[4] = {k + j * stride, k + (j + 1) * stride, k + (j + 2) * stride, k + (j + 3) * stride};
    __m512 acc[kHeads][4];
    for (auto& head : acc) {
      for (__m512& a : head) a = _mm512_setzero_ps();
    }
    for (int64_t c = 0; c < vec; c += 16) {
      __m512 key[4];
      for (int i = 0; i < 4; ++i) key[i] = Load16(rows[i] + c);
      for (int h = 0; h < kHeads; ++h) {
        const __m512 qv = _mm512_loadu_ps(q + h * n + c);
        for (int i = 0; i < 4; ++i) acc[h][i] = _mm512_fmadd_ps(key[i], qv, acc[h][i]);
      }
    }
    if (tail) {
      __m512 key[4];
      for (int i = 0; i < 4; ++i) key[i] = Load16(rows[i] + vec, tail);
      for (int h = 0; h < kHeads; ++h) {
        const __m512 qv = _mm512_maskz_loadu_ps(tail, q + h * n + vec);
        for (int i = 0; i < 4; ++i) acc[h][i] = _mm512_fmadd_ps(key[i], qv, acc[h][i]);
      }
    }
    for (int h = 0; h < kHeads; ++h) _mm_storeu_ps(s + h * s_stride + j, Sum4(acc[h]));
  }
  for (; j < keys; ++j) {
    const T* row = k + j * stride;
    __m512 acc[kHeads];
    for (__m512& a : acc) a = _mm512_setzero_ps();
    for (int64_t c = 0; c < vec; c += 16) {
      const __m512 key = Load16(row + c);
      for (int h = 0; h < kHeads; ++h) acc[h] = _mm512_fmadd_ps(key, _mm512_loadu_ps(q + h * n + c), acc[h]);
    }
    if (tail) {
      const __m512 key = Load16(row + vec, tail);
      for (int h = 0; h < kHeads; ++h)
        acc[h] = _mm512_fmadd_ps(key, _mm512_maskz_loadu_ps(tail, q + h * n + vec), acc[h]);
    }
    for (int h = 0; h < kHeads; ++h) s[h * s_stride + j] = ReduceAdd(acc[h]);
  }
}

// out[h * n + (0 : 16 kVecs)] += sum_j p[h * p_stride + j] v_j[0 : 16 kVecs]; kMasked: one vector,
// its first lanes given by `tail`.
template <int kHeads, int kVecs, bool kMasked, typename T>
void ValuesBlock(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n,
                 __mmask16 tail = kAll) {
  static_assert(!kMasked || kVecs == 1);
  __m512 acc[kHeads][kVecs];
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) acc[h][i] = _mm512_maskz_loadu_ps(tail, out + h * n + 16 * i);
  }
  for (int64_t j = 0; j < keys; ++j) {
    const T* row = v + j * stride;
    __m512 value[kVecs];
    for (int i = 0; i < kVecs; ++i) value[i] = kMasked ? Load16(row, tail) : Load16(row + 16 * i);
    for (int h = 0; h < kHeads; ++h) {
      const __m512 ph = _mm512_set1_ps(p[h * p_stride + j]);
      for (int i = 0; i < kVecs; ++i) acc[h][i] = _mm512_fmadd_ps(value[i], ph, acc[h][i]);
    }
  }
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) _mm512_mask_storeu_ps(out + h * n + 16 * i, tail, acc[h][i]);
  }
}

template <int kHeads, typename T>
void ValuesHeads(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  int64_t c = 0;
  for (; c + 64 <= n; c += 64) ValuesBlock<kHeads, 4, false>(v + c, stride, p, p_stride, keys, out + c, n);
  for (; c + 16 <= n; c += 16) ValuesBlock<kHeads, 1, false>(v + c, stride, p, p_stride, keys, out + c, n);
  if (c < n) ValuesBlock<kHeads, 1, true>(v + c, stride, p, p_stride, keys, out + c, n, FirstLanes(n - c));
}

}  // namespace

ELASTIQ_DEFINE_ATTENTION_KERNELS(avx512, 4)

}  // namespace elastiq
