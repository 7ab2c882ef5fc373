// Kernel timings per ISA at MobileLLM-125M shapes (d=576, ffn=1536): fp32 GEMV, W8A8 and ternary
// integer GEMV/GEMM on the packed layout, attention over an fp32 or fp16 KV cache. Reports bytes/s of weights read (decode is memory-bound).
// Integer benchmarks take (tokens, copies): one 1536 x 576 matrix stays in L2; cycling through 256
// copies of it (54 MiB ternary, 216 MiB int8) streams from DRAM, as a whole model's decode does.
// Run: build/experiments/bench_kernels [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <random>
#include <type_traits>
#include <vector>

#include "src/format/packed_layout.h"
#include "src/kernels/fp16.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

constexpr int64_t kRows = 1536, kCols = 576;  // the FFN up projection of MobileLLM-125M

bool Supported(benchmark::State& state, Isa isa) {
  if (IsaSupported(isa)) return true;
  state.SkipWithError("ISA not supported on this CPU");
  return false;
}

void BM_GemvF32(benchmark::State& state, Isa isa) {
  if (!Supported(state, isa)) return;
  const KernelTable k = MakeKernelTable(isa);
  std::vector<float> w(static_cast<size_t>(kRows * kCols), 0.01f), x(static_cast<size_t>(kCols), 1.0f), y(static_cast<size_t>(kRows));
  for (auto _ : state) {
    k.gemv_f32(w.data(), kCols, x.data(), kCols, y.data(), 0, kRows);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * kRows * kCols * 4);
}

void BM_GemmU8I8(benchmark::State& state, Isa isa) {
  if (!Supported(state, isa)) return;
  const KernelTable k = MakeKernelTable(isa);
  const int64_t tokens = state.range(0), copies = state.range(1);
  const PackedShape s = MakePackedShape(kRows, kCols, "bench");
  std::mt19937 rng(1);
  std::vector<int8_t> q(static_cast<size_t>(kRows * kCols));
  for (int8_t& v : q) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  const std::vector<std::vector<int8_t>> packed(static_cast<size_t>(copies), PackInt8(s, q.data()));
  std::vector<uint8_t> x(static_cast<size_t>(tokens * kCols), 100);
  std::vector<int32_t> acc(static_cast<size_t>(tokens * s.rows_padded));
  size_t next = 0;
  for (auto _ : state) {
    k.gemm_u8i8(packed[next].data(), s.rows_padded, x.data(), kCols, tokens, kCols, acc.data(), s.rows_padded, 0, s.rows_padded);
    benchmark::DoNotOptimize(acc.data());
    next = (next + 1) % packed.size();
  }
  state.SetBytesProcessed(state.iterations() * s.int8_bytes());
}

void BM_GemmI8T2(benchmark::State& state, Isa isa) {
  if (!Supported(state, isa)) return;
  const KernelTable k = MakeKernelTable(isa);
  const int64_t tokens = state.range(0), copies = state.range(1);
  const PackedShape s = MakePackedShape(kRows, kCols, "bench");
  std::mt19937 rng(2);
  std::vector<int8_t> t(static_cast<size_t>(kRows * kCols));
  for (int8_t& v : t) v = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  const std::vector<std::vector<uint8_t>> packed(static_cast<size_t>(copies), PackTernary(s, t.data()));
  std::vector<int8_t> x(static_cast<size_t>(tokens * kCols), 7);
  std::vector<int32_t> acc(static_cast<size_t>(tokens * s.rows_padded));
  size_t next = 0;
  for (auto _ : state) {
    k.gemm_i8t2(packed[next].data(), s.rows_padded, x.data(), kCols, tokens, kCols, acc.data(), s.rows_padded, 0, s.rows_padded);
    benchmark::DoNotOptimize(acc.data());
    next = (next + 1) % packed.size();
  }
  state.SetBytesProcessed(state.iterations() * s.ternary_bytes());
}

// Attention over a KV cache, one KV head's group of query heads: scores and weighted values over `keys`
// cached rows of a 64-wide head in rows of 3 KV heads (MobileLLM-125M), fp32 or fp16. Args (keys, layers):
// cycling through 30 layers' caches at 2048 keys (94 MB in fp32) streams from DRAM as decode does.
constexpr int64_t kHead = 64, kKvWidth = 192;

template <typename T>
std::vector<std::vector<T>> KvCaches(int64_t keys, int64_t layers) {
  std::vector<T> one(static_cast<size_t>(keys * kKvWidth));
  for (size_t i = 0; i < one.size(); ++i) {
    const float v = 0.01f * static_cast<float>(i % 97);
    if constexpr (std::is_same_v<T, float>) {
      one[i] = v;
    } else {
      one[i] = F32ToF16(v);
    }
  }
  return std::vector<std::vector<T>>(static_cast<size_t>(layers), one);
}

// kValues: the weighted values (attn_values, p = 1/keys) instead of the scores (attn_scores, q = 0.1),
// for the 3 query heads of one KV head (MobileLLM-125M's grouping).
constexpr int64_t kGroup = 3;
template <typename T, bool kValues>
void BM_Attention(benchmark::State& state, Isa isa) {
  if (!Supported(state, isa)) return;
  const KernelTable k = MakeKernelTable(isa);
  const int64_t keys = state.range(0);
  const auto caches = KvCaches<T>(keys, state.range(1));
  std::vector<float> q(kGroup * kHead, 0.1f), out(kGroup * kHead, 0.0f);
  std::vector<float> scores(static_cast<size_t>(kGroup * keys), 1.0f / static_cast<float>(keys));
  AttnScoresFn<T> scores_kernel;
  AttnValuesFn<T> values_kernel;
  if constexpr (std::is_same_v<T, float>) {
    scores_kernel = k.attn_scores_f32, values_kernel = k.attn_values_f32;
  } else {
    scores_kernel = k.attn_scores_f16, values_kernel = k.attn_values_f16;
  }
  size_t next = 0;
  for (auto _ : state) {
    const T* cache = caches[next].data();
    if constexpr (kValues) {
      values_kernel(cache, kKvWidth, scores.data(), keys, kGroup, keys, out.data(), kHead);
    } else {
      scores_kernel(cache, kKvWidth, q.data(), kGroup, kHead, keys, scores.data(), keys);
    }
    benchmark::DoNotOptimize(kValues ? out.data() : scores.data());
    next = (next + 1) % caches.size();
  }
  state.SetBytesProcessed(state.iterations() * keys * kHead * static_cast<int64_t>(sizeof(T)));
}

void BM_ScoresF32(benchmark::State& state, Isa isa) { BM_Attention<float, false>(state, isa); }
void BM_ScoresF16(benchmark::State& state, Isa isa) { BM_Attention<uint16_t, false>(state, isa); }
void BM_ValuesF32(benchmark::State& state, Isa isa) { BM_Attention<float, true>(state, isa); }
void BM_ValuesF16(benchmark::State& state, Isa isa) { BM_Attention<uint16_t, true>(state, isa); }

BENCHMARK_CAPTURE(BM_GemvF32, scalar, Isa::kScalar);
BENCHMARK_CAPTURE(BM_GemvF32, avx2, Isa::kAvx2);
BENCHMARK_CAPTURE(BM_GemvF32, avx512, Isa::kAvx512);
constexpr int64_t kDram = 256;  // copies
BENCHMARK_CAPTURE(BM_GemmU8I8, scalar, Isa::kScalar)->Args({1, 1});
BENCHMARK_CAPTURE(BM_GemmU8I8, avx2, Isa::kAvx2)->Args({1, 1})->Args({8, 1})->Args({1, kDram});
BENCHMARK_CAPTURE(BM_GemmU8I8, avx512, Isa::kAvx512)->Args({1, 1})->Args({8, 1})->Args({1, kDram});
BENCHMARK_CAPTURE(BM_GemmI8T2, scalar, Isa::kScalar)->Args({1, 1});
BENCHMARK_CAPTURE(BM_GemmI8T2, avx2, Isa::kAvx2)->Args({1, 1})->Args({8, 1})->Args({1, kDram});
BENCHMARK_CAPTURE(BM_GemmI8T2, avx512, Isa::kAvx512)->Args({1, 1})->Args({8, 1})->Args({1, kDram});
#define ELASTIQ_ATTENTION_BENCHMARKS(isa, Isa)                                                          \
  BENCHMARK_CAPTURE(BM_ScoresF32, isa, Isa)->Args({128, 1})->Args({2048, 30});                    \
  BENCHMARK_CAPTURE(BM_ScoresF16, isa, Isa)->Args({128, 1})->Args({2048, 30});                    \
  BENCHMARK_CAPTURE(BM_ValuesF32, isa, Isa)->Args({128, 1})->Args({2048, 30});                    \
  BENCHMARK_CAPTURE(BM_ValuesF16, isa, Isa)->Args({128, 1})->Args({2048, 30});
ELASTIQ_ATTENTION_BENCHMARKS(scalar, Isa::kScalar)
ELASTIQ_ATTENTION_BENCHMARKS(avx2, Isa::kAvx2)
ELASTIQ_ATTENTION_BENCHMARKS(avx512, Isa::kAvx512)
#undef ELASTIQ_ATTENTION_BENCHMARKS

}  // namespace
}  // namespace elastiq

BENCHMARK_MAIN();
