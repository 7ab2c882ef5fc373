// NEON grouped-query attention kernels over fp32 or fp16 (widened with vcvt_f32_f16) cached rows, up
// to 4 query heads per pass over the rows. Scores: four keys at a time, each 4-wide load of a key
// shared by the heads, the sums reduced four at a time (Sum4); scalar tail. Values: column blocks of
// up to 16 per head held in registers while the rows stream past; scalar tail columns.
#include <arm_neon.h>

#include "src/core/fp16.h"
#include "src/kernels/attention_exports.h"
#include "src/kernels/kernels.h"
#include "src/kernels/neon/lanes.h"

namespace elastiq {
namespace {

using namespace neon;

template <int kHeads, typename T>
void ScoresHeads(const T* k, int64_t stride, const float* q, int64_t n, int64_t keys, float* s, int64_t s_stride) {
  const int64_t vec = n & ~int64_t{3};
  int64_t j = 0;
  for (; j + 4 <= keys; j += 4) {
    const T* rows[4] = {k + j * stride, k + (j + 1) * stride, k + (j + 2) * stride, k + (j + 3) * stride};
    float32x4_t acc[kHeads][4];
    for (auto& head : acc) {
      for (float32x4_t& a : head) a = vdupq_n_f32(0);
    }
    for (int64_t c = 0; c < vec; c += 4) {
      float32x4_t key[4];
      for (int i = 0; i < 4; ++i) key[i] = Load4(rows[i] + c);
      for (int h = 0; h < kHeads; ++h) {
        const float32x4_t qv = vld1q_f32(q + h * n + c);
        for (int i = 0; i < 4; ++i) acc[h][i] = vfmaq_f32(acc[h][i], key[i], qv);
      }
    }
    for (int h = 0; h < kHeads; ++h) {
      float* out = s + h * s_stride + j;
      vst1q_f32(out, Sum4(acc[h]));
      for (int64_t c = vec; c < n; ++c) {
        for (int i = 0; i < 4; ++i) out[i] += AsF32(rows[i][c]) * q[h * n + c];
      }
    }
  }
  for (; j < keys; ++j) {
    const T* row = k + j * stride;
    for (int h = 0; h < kHeads; ++h) {
      float32x4_t acc = vdupq_n_f32(0);
      for (int64_t c = 0; c < vec; c += 4) acc = vfmaq_f32(acc, Load4(row + c), vld1q_f32(q + h * n + c));
      float sum = vaddvq_f32(acc);
      for (int64_t c = vec; c < n; ++c) sum += AsF32(row[c]) * q[h * n + c];
      s[h * s_stride + j] = sum;
    }
  }
}

// out[h * n + (0 : 4 kVecs)] += sum_j p[h * p_stride + j] v_j[0 : 4 kVecs].
template <int kHeads, int kVecs, typename T>
void ValuesBlock(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  float32x4_t acc[kHeads][kVecs];
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) acc[h][i] = vld1q_f32(out + h * n + 4 * i);
  }
  for (int64_t j = 0; j < keys; ++j) {
    const T* row = v + j * stride;
    float32x4_t value[kVecs];
    for (int i = 0; i < kVecs; ++i) value[i] = Load4(row + 4 * i);
    for (int h = 0; h < kHeads; ++h) {
      const float ph = p[h * p_stride + j];
      for (int i = 0; i < kVecs; ++i) acc[h][i] = vfmaq_n_f32(acc[h][i], value[i], ph);
    }
  }
  for (int h = 0; h < kHeads; ++h) {
    for (int i = 0; i < kVecs; ++i) vst1q_f32(out + h * n + 4 * i, acc[h][i]);
  }
}

template <int kHeads, typename T>
void ValuesHeads(const T* v, int64_t stride, const float* p, int64_t p_stride, int64_t keys, float* out, int64_t n) {
  int64_t c = 0;
  for (; c + 16 <= n; c += 16) ValuesBlock<kHeads, 4>(v + c, stride, p, p_stride, keys, out + c, n);
  for (; c + 4 <= n; c += 4) ValuesBlock<kHeads, 1>(v + c, stride, p, p_stride, keys, out + c, n);
  attention_detail::ValuesColumnsOneByOne<kHeads>(v, stride, p, p_stride, keys, out, c, n);
}

}  // namespace

ELASTIQ_DEFINE_ATTENTION_KERNELS(neon, 4)

}  // namespace elastiq
