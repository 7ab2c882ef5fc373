// Kernel timings, one benchmark per row of src/kernels/kernel_list.h this CPU runs, named like the
// kernel (gemv_f32__avx512), at MobileLLM-125M shapes (d=576, ffn=1536, 64-wide heads, 3 KV heads).
// Reports bytes/s of weights or cached rows read (decode is memory-bound).
// Integer GEMMs take (tokens, copies): one 1536 x 576 matrix stays in L2; cycling through 256
// copies of it (54 MiB ternary, 216 MiB int8) streams from DRAM, as a whole model's decode does.
// Run: build/experiments/bench_kernels [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#include "src/core/fp16.h"
#include "src/kernels/kernels.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

using Benchmark = benchmark::internal::Benchmark;
constexpr int64_t kRows = 1536, kCols = 576;  // the FFN up projection of MobileLLM-125M
constexpr int64_t kDram = 256;                // copies that stream from DRAM

void Bench_gemv_f32(benchmark::State& state, GemvF32* gemv) {
  std::vector<float> w(static_cast<size_t>(kRows * kCols), 0.01f), x(static_cast<size_t>(kCols), 1.0f),
      y(static_cast<size_t>(kRows));
  for (auto _ : state) {
    gemv(w.data(), kCols, x.data(), kCols, y.data(), 0, kRows);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * kRows * kCols * 4);
}
void Args_gemv_f32(Benchmark*) {}

// One integer GEMM over (tokens, copies) packed copies of a random matrix: `draw` gives one
// weight, `pack` packs them, `x_value` fills the activations.
template <typename Packed, typename X, typename Gemm, typename Draw, typename Pack>
void BenchGemm(benchmark::State& state, Gemm* gemm, Draw draw, Pack pack, X x_value, int64_t bytes) {
  const int64_t tokens = state.range(0), copies = state.range(1);
  const PackedShape s = MakePackedShape(kRows, kCols, "bench");
  std::mt19937 rng(1);
  std::vector<int8_t> q(static_cast<size_t>(kRows * kCols));
  for (int8_t& v : q) v = draw(rng);
  const std::vector<std::vector<Packed>> packed(static_cast<size_t>(copies), pack(s, q.data()));
  std::vector<X> x(static_cast<size_t>(tokens * kCols), x_value);
  std::vector<int32_t> acc(static_cast<size_t>(tokens * s.rows_padded));
  size_t next = 0;
  for (auto _ : state) {
    gemm(packed[next].data(), s.rows_padded, x.data(), kCols, tokens, kCols, acc.data(), s.rows_padded, 0,
         s.rows_padded);
    benchmark::DoNotOptimize(acc.data());
    next = (next + 1) % packed.size();
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}

void Bench_gemm_u8i8_16x32(benchmark::State& state, GemmU8I8* gemm) {
  const auto draw = [](std::mt19937& rng) { return static_cast<int8_t>(static_cast<int>(rng() % 255) - 127); };
  BenchGemm<int8_t, uint8_t>(state, gemm, draw, PackInt8, uint8_t{100},
                             MakePackedShape(kRows, kCols, "bench").int8_bytes());
}
void Bench_gemm_i8t2_16x32(benchmark::State& state, GemmI8T2* gemm) {
  const auto draw = [](std::mt19937& rng) { return static_cast<int8_t>(static_cast<int>(rng() % 3) - 1); };
  BenchGemm<uint8_t, int8_t>(state, gemm, draw, PackTernary, int8_t{7},
                             MakePackedShape(kRows, kCols, "bench").ternary_bytes());
}
void Args_gemm_u8i8_16x32(Benchmark* b) { b->Args({1, 1})->Args({8, 1})->Args({1, kDram}); }
void Args_gemm_i8t2_16x32(Benchmark* b) { b->Args({1, 1})->Args({8, 1})->Args({1, kDram}); }

// Attention over a KV cache, one KV head's group of query heads: scores and weighted values over
// `keys` cached rows of a 64-wide head in rows of 3 KV heads (MobileLLM-125M), fp32 or fp16.
// Args (keys, layers): cycling through 30 layers' caches at 2048 keys (94 MB in fp32) streams from
// DRAM as decode does.
constexpr int64_t kHead = 64, kKvWidth = 192, kGroup = 3;

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

// kValues: the weighted values (p = 1/keys) instead of the scores (q = 0.1).
template <typename T, bool kValues, typename Kernel>
void BenchAttention(benchmark::State& state, Kernel* kernel) {
  const int64_t keys = state.range(0);
  const auto caches = KvCaches<T>(keys, state.range(1));
  std::vector<float> q(kGroup * kHead, 0.1f), out(kGroup * kHead, 0.0f);
  std::vector<float> scores(static_cast<size_t>(kGroup * keys), 1.0f / static_cast<float>(keys));
  size_t next = 0;
  for (auto _ : state) {
    const T* cache = caches[next].data();
    if constexpr (kValues) {
      kernel(cache, kKvWidth, scores.data(), keys, kGroup, keys, out.data(), kHead);
    } else {
      kernel(cache, kKvWidth, q.data(), kGroup, kHead, keys, scores.data(), keys);
    }
    benchmark::DoNotOptimize(kValues ? out.data() : scores.data());
    next = (next + 1) % caches.size();
  }
  state.SetBytesProcessed(state.iterations() * keys * kHead * static_cast<int64_t>(sizeof(T)));
}

void Bench_attn_scores_f32(benchmark::State& s, AttnScores<float>* k) { BenchAttention<float, false>(s, k); }
void Bench_attn_scores_f16(benchmark::State& s, AttnScores<uint16_t>* k) { BenchAttention<uint16_t, false>(s, k); }
void Bench_attn_values_f32(benchmark::State& s, AttnValues<float>* k) { BenchAttention<float, true>(s, k); }
void Bench_attn_values_f16(benchmark::State& s, AttnValues<uint16_t>* k) { BenchAttention<uint16_t, true>(s, k); }
void AttentionArgs(Benchmark* b) { b->Args({128, 1})->Args({2048, 30}); }
void Args_attn_scores_f32(Benchmark* b) { AttentionArgs(b); }
void Args_attn_scores_f16(Benchmark* b) { AttentionArgs(b); }
void Args_attn_values_f32(Benchmark* b) { AttentionArgs(b); }
void Args_attn_values_f16(Benchmark* b) { AttentionArgs(b); }

// The elementwise kernels over n = range(0) floats: one token's new K/V row (192) stored as fp16,
// one head's scores (128 or 2048 keys), one FFN activation (1536). Softmax and SwiGLU work in
// place, so each of their iterations rewrites the input first, and that is timed too.
void Bench_cvt_f32f16(benchmark::State& state, CvtF32F16* cvt) {
  const int64_t n = state.range(0);
  std::vector<float> src(static_cast<size_t>(n), 0.37f);
  std::vector<uint16_t> dst(static_cast<size_t>(n));
  for (auto _ : state) {
    cvt(src.data(), n, dst.data());
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
}
void Args_cvt_f32f16(Benchmark* b) { b->Arg(kKvWidth); }

void Bench_softmax_f32(benchmark::State& state, SoftmaxF32* softmax) {
  const int64_t n = state.range(0);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto _ : state) {
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i % 89);
    softmax(x.data(), n, 0.125f);
    benchmark::DoNotOptimize(x.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
}
void Args_softmax_f32(Benchmark* b) { b->Arg(128)->Arg(2048); }

void Bench_swiglu_f32(benchmark::State& state, SwigluF32* swiglu) {
  const int64_t n = state.range(0);
  std::vector<float> gate(static_cast<size_t>(n)), up(static_cast<size_t>(n), 0.5f);
  for (auto _ : state) {
    for (size_t i = 0; i < gate.size(); ++i) gate[i] = 0.01f * static_cast<float>(i % 89) - 0.4f;
    swiglu(gate.data(), up.data(), n);
    benchmark::DoNotOptimize(gate.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
}
void Args_swiglu_f32(Benchmark* b) { b->Arg(kRows); }

// Per-token activation quantization of (tokens, 576) activations.
template <typename Q, typename Quantize>
void BenchQuantize(benchmark::State& state, Quantize* quantize) {
  const int64_t tokens = state.range(0);
  std::vector<float> x(static_cast<size_t>(tokens * kCols));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i % 201) - 1.0f;
  std::vector<Q> q(x.size());
  std::vector<float> scale(static_cast<size_t>(tokens));
  std::vector<int32_t> zero_point(static_cast<size_t>(tokens));
  for (auto _ : state) {
    if constexpr (std::is_same_v<Q, uint8_t>) {
      quantize(x.data(), kCols, tokens, kCols, q.data(), scale.data(), zero_point.data());
    } else {
      quantize(x.data(), kCols, tokens, kCols, q.data(), scale.data());
    }
    benchmark::DoNotOptimize(q.data());
  }
  state.SetBytesProcessed(state.iterations() * tokens * kCols * 4);
}
void Bench_quantize_f32u8(benchmark::State& s, QuantizeF32U8* k) { BenchQuantize<uint8_t>(s, k); }
void Bench_quantize_f32i8(benchmark::State& s, QuantizeF32I8* k) { BenchQuantize<int8_t>(s, k); }
void Args_quantize_f32u8(Benchmark* b) { b->Arg(1)->Arg(8); }
void Args_quantize_f32i8(Benchmark* b) { b->Arg(1)->Arg(8); }

// Whether this CPU runs a row's ISA ("generic" rows run everywhere).
bool RowRuns(const char* isa_name) {
  const std::optional<Isa> isa = IsaFromName(isa_name);
  return !isa || IsaSupported(*isa);
}

void RegisterKernelBenchmarks() {
#define ELASTIQ_KERNEL_BENCHMARK(op, isa)                                                      \
  ELASTIQ_IF_KERNEL_ISA_BUILT_##isa(if (RowRuns(#isa)) Args_##op(benchmark::RegisterBenchmark( \
      #op "__" #isa, [](benchmark::State& s) { Bench_##op(s, op##__##isa); }));)
  ELASTIQ_KERNEL_LIST(ELASTIQ_KERNEL_BENCHMARK)
#undef ELASTIQ_KERNEL_BENCHMARK
}

}  // namespace
}  // namespace elastiq

int main(int argc, char** argv) {
  elastiq::RegisterKernelBenchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
