// Grouped-query attention of new tokens against the KV cache, as a decode or prefill step runs it:
// one work item per (token, KV head), spread over the pool's threads, each reading its cached rows
// once for the query heads that share them. The engine runs it per layer; the device probe times it.
#pragma once

#include <cstdint>

#include "src/runtime/kv_cache.h"
#include "src/runtime/thread_pool.h"

namespace elastiq {

struct AttentionShape {
  int64_t head_dim = 0;
  int64_t group_size = 0;  // query heads per KV head
  int64_t kv_heads = 0;    // the subnet's
  int64_t context = 0;     // the cache's length (the stride of each thread's score rows)
  int64_t q_width() const { return kv_heads * group_size * head_dim; }
};

// One work item: the `heads` query heads q (heads x head_dim) that share the KV head whose columns
// start at `col` attend to the first `keys` cached positions of `layer`; out (heads x head_dim) is
// overwritten. `scores`: heads rows of `scores_stride` floats.
void AttendItem(const KernelTable& kernels, const KvCache& kv, int layer, int64_t col, const float* q, int64_t heads,
                int64_t head_dim, int64_t keys, float* scores, int64_t scores_stride, float* out);

// Floats of score scratch AttendCached needs for `threads` threads.
int64_t AttentionScratchFloats(const AttentionShape& shape, int threads);

// Tokens [position, position + tokens) with queries q (tokens, q_width) attend to the cached keys of
// `layer` (causally: token t sees positions <= position + t; else all position + tokens) and write
// out (tokens, q_width). `scores`: AttentionScratchFloats floats.
void AttendCached(ThreadPool& pool, const KernelTable& kernels, const KvCache& kv, int layer,
                  const AttentionShape& shape, int64_t position, int64_t tokens, bool causal, const float* q,
                  float* out, float* scores);

}  // namespace elastiq
