// A STREAM-style read test: each thread sums its part of one large buffer (8 independent lanes so
// the adds are not the bottleneck); the buffer is touched once first so page faults are excluded.
// Passes alternate between plain reads and reads with a software prefetch 4 KiB ahead (as the
// ternary decode kernel does; on this Zen 4 machine it read faster), and the best pass counts, so the
// roofline is never below what a kernel can reach.
#include "src/runtime/bandwidth.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace elastiq {

double MeasureReadBandwidth(ThreadPool& pool, int64_t bytes, int repeats) {
  const int64_t n = bytes / static_cast<int64_t>(sizeof(uint64_t));
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[static_cast<size_t>(n)]);
  pool.ParallelFor(n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) buffer[static_cast<size_t>(i)] = static_cast<uint64_t>(i);
  });
  std::vector<uint64_t> sums(static_cast<size_t>(pool.size()));
  double best = 0.0;
  constexpr int64_t kAhead = 4096 / sizeof(uint64_t);
  for (int r = 0; r < 2 * repeats; ++r) {
    const bool prefetch = r % 2 == 1;
    const auto start = std::chrono::steady_clock::now();
    pool.RunOnAll([&](int t) {
      const int64_t b = n * t / pool.size(), e = n * (t + 1) / pool.size();
      uint64_t lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t i = b;
      for (; i + 8 <= e; i += 8) {
        if (prefetch) __builtin_prefetch(buffer.get() + std::min(i + kAhead, n - 1));
        for (int l = 0; l < 8; ++l) lanes[l] += buffer[static_cast<size_t>(i + l)];
      }
      for (; i < e; ++i) lanes[0] += buffer[static_cast<size_t>(i)];
      uint64_t s = 0;
      for (uint64_t v : lanes) s += v;
      sums[static_cast<size_t>(t)] = s;
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(n * static_cast<int64_t>(sizeof(uint64_t))) / seconds);
  }
  // Use the sums so the compiler cannot drop the loads.
  volatile uint64_t sink = 0;
  for (uint64_t s : sums) sink = sink + s;
  return best;
}

}  // namespace elastiq
