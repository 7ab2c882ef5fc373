// Work items (token, KV head) round-robin over the threads: scores, softmax per head, values.
#include "src/runtime/attention.h"

#include <algorithm>
#include <cmath>

namespace elastiq {

void AttendItem(const KernelTable& kernels, const KvCache& kv, int layer, int64_t col, const float* q, int64_t heads,
                int64_t head_dim, int64_t keys, float* scores, int64_t scores_stride, float* out) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  kv.Scores(kernels, layer, col, q, heads, head_dim, keys, scores, scores_stride);
  for (int64_t h = 0; h < heads; ++h) kernels.softmax_f32(scores + h * scores_stride, keys, scale);  // p_hj
  std::fill_n(out, heads * head_dim, 0.0f);
  kv.AccumulateValues(kernels, layer, col, scores, scores_stride, heads, keys, out, head_dim);
}

int64_t AttentionScratchFloats(const AttentionShape& shape, int threads) {
  return int64_t{threads} * shape.group_size * shape.context;
}

void AttendCached(ThreadPool& pool, const KernelTable& kernels, const KvCache& kv, int layer, const AttentionShape& s,
                  int64_t position, int64_t tokens, bool causal, const float* q, float* out, float* scores) {
  const int64_t hd = s.head_dim, G = s.group_size, q_width = s.q_width();
  const int64_t keys_total = position + tokens;
  pool.RunOnAll([&](int thread) {
    float* thread_scores = scores + int64_t{thread} * G * s.context;
    for (int64_t item = thread; item < tokens * s.kv_heads; item += pool.size()) {
      const int64_t t = item / s.kv_heads, g = item % s.kv_heads;
      const int64_t keys = causal ? position + t + 1 : keys_total;
      const int64_t head_offset = t * q_width + g * G * hd;  // the group's first query head
      AttendItem(kernels, kv, layer, g * hd, q + head_offset, G, hd, keys, thread_scores, s.context, out + head_offset);
    }
  });
}

}  // namespace elastiq
