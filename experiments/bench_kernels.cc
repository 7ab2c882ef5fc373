// Kernel timings per ISA at MobileLLM-125M shapes (d=576, ffn=1536): fp32 GEMV, W8A8 and ternary
// integer GEMV/GEMM on the packed layout. Reports bytes/s of weights read (decode is memory-bound).
// Integer benchmarks take (tokens, copies): one 1536 x 576 matrix stays in L2; cycling through 256
// copies of it (54 MiB ternary, 216 MiB int8) streams from DRAM, as a whole model's decode does.
// Run: build/experiments/bench_kernels [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "src/format/packed_layout.h"
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

}  // namespace
}  // namespace elastiq

BENCHMARK_MAIN();
