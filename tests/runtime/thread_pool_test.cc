// ThreadPool: every index is processed exactly once, every thread runs, and it survives many
// back-to-back jobs (the decode-step pattern).
#include "src/runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace elastiq {
namespace {

TEST(ThreadPool, ParallelForCoversEachIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {0, 1, 7, 16, 100, 1000}) {
      for (int64_t grain : {1, 16, 64}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.ParallelFor(n, grain, [&](int64_t b, int64_t e) {
          EXPECT_TRUE(b % grain == 0);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        });
        for (auto& h : hits) EXPECT_EQ(h.load(), 1);
      }
    }
  }
}

TEST(ThreadPool, RunOnAllRunsEveryThreadManyTimes) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> runs(3);
  for (int i = 0; i < 3000; ++i) pool.RunOnAll([&](int t) { runs[static_cast<size_t>(t)]++; });
  for (auto& r : runs) EXPECT_EQ(r.load(), 3000);
}

}  // namespace
}  // namespace elastiq
