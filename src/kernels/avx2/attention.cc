// AVX2+FMA grouped-query attention kernels over fp32 or fp16 (widened with F16C) cached rows, up to 2
// query heads per pass over the rows (their accumulators fill the 16 registers). Scores: four keys at
// a time, each 8-wide load of a key shared by the heads, the sums reduced four at a time (Sum4);
// scalar tail. Values: column blocks of up to 32 per head held in registers while the rows stream
// past; scalar tail columns.
#include <immintrin.h>

#include "src/core/fp16.h"
#include "src/kernels/attention_exports.h"
#include "src/kernels/avx2/lanes.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

using namespace avx2;

template <int kHeads, typename T>
void ScoresHeads(const T* k, int64_t stride, const float* q, int64_t n, int64_t keys, float* s, int64_t s_stride) {
  const int64_t vec = n & ~int64_t{7};
  int64_t j = 0;
  for (; j + 4 <= keys; j += 4) {
    const T* rows[4] = {k + j * stride, k + (j + 1) * stride, k + (j + 2) * stride, k + (j + 3) * stride};
    __m256 acc[kHeads][4];
    for (auto& head : acc) {
      for (__m256& a : head) a = _mm256_setzero_ps();
    }
    for (int64_t c = 0; c < vec; c += 8) {
      __m256 key[4];
      for (int i = 0; i < 4; ++i) key[i] = Load8(rows[i] + c);
      for (int h = 0; h < kHeads; ++h) {
        const __m256 qv = _mm256_loadu_ps(q + h * n + c);
        for (int i = 0; i < 4; ++i) acc[h][i] = _mm256_fmadd_ps(key[i], qv, acc[h][i]);
      }
    }
    for (int h = 0; h < kHeads; ++h) {
      float* out = s + h * s_stride + j;
      _mm_storeu_ps(out, Sum4(acc[h]));
      for (int64_t c = vec; c < n; ++c) {
        for (int i = 0; i < 4; ++i) out[i] += AsF32(rows[i][c]) * q[h * n + c];
      }
    }
  }
  for (; j < keys; ++j) {
    const T* row = k + j * stride;
    for (int h = 0; h < kHeads; ++h) {
      __m256 acc = _mm256_setzero_ps();
      for (int64_t c = 0; c < vec; c += 8) acc = _mm256_fmadd_ps(Load8(row + c), _mm256_loadu_ps(q + h * n + c), acc);
      float sum = ReduceAdd(acc);
      for (int64_t c = vec; c < n; ++c) sum += AsF32(row[c]) * q[h * n + c];
      s[h * s_stride + j] = sum;
    }
  }
}

// out[h * n + (0 : 8 kVecs)] += sum_j p[h * p_stride + j] v_j[0 : 8 kVecs].
template <int kHeads, int kVecs, typename T>
void ValuesBlock(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  __m256 acc[kHeads][kVecs];
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) acc[h][i] = _mm256_loadu_ps(out + h * n + 8 * i);
  }
  for (int64_t j = 0; j < keys; ++j) {
    const T* row = v + j * stride;
    __m256 value[kVecs];
    for (int i = 0; i < kVecs; ++i) value[i] = Load8(row + 8 * i);
    for (int h = 0; h < kHeads; ++h) {
      const __m256 ph = _mm256_broadcast_ss(p + h * p_stride + j);
      for (int i = 0; i < kVecs; ++i) acc[h][i] = _mm256_fmadd_ps(value[i], ph, acc[h][i]);
    }
  }
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) _mm256_storeu_ps(out + h * n + 8 * i, acc[h][i]);
  }
}

template <int kHeads, typename T>
void ValuesHeads(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  int64_t c = 0;
  for (; c + 32 <= n; c += 32) ValuesBlock<kHeads, 4>(v + c, stride, p, p_stride, keys, out + c, n);
  for (; c + 8 <= n; c += 8) ValuesBlock<kHeads, 1>(v + c, stride, p, p_stride, keys, out + c, n);
  attention_detail::ValuesColumnsOneByOne<kHeads>(v, stride, p, p_stride, keys, out, c, n);
}

}  // namespace

ELASTIQ_DEFINE_ATTENTION_KERNELS(avx2, 2)

}  // namespace elastiq
