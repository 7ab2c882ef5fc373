// Spin-then-sleep job hand-off: a job is published by bumping `generation_`; each worker runs it
// once and decrements `pending_`; the caller spins until `pending_` reaches zero.
#include "src/runtime/thread_pool.h"

#include <algorithm>
#include <system_error>

#if defined(__x86_64__)
#include <immintrin.h>
#define ELASTIQ_PAUSE() _mm_pause()
#else
#define ELASTIQ_PAUSE() ((void)0)
#endif

#include "src/core/cpu_features.h"
#include "src/core/error.h"

namespace elastiq {
namespace {
// About 50-100 us of spinning before a worker sleeps: long enough to bridge the gap between the
// parallel regions of one decode step, short enough not to burn a core while the engine idles.
constexpr int kSpinIterations = 20000;
// Waiting threads yield the core every so often: when the machine is busy (more runnable threads
// than cores) a pure spin can hold the very core the thread it waits for needs. Measured: 2-thread
// decode fell from 183 to 10 tokens/s with another process compiling, before this.
constexpr int kSpinsBetweenYields = 256;

inline void SpinPause(int spins) {
  if (spins % kSpinsBetweenYields == 0) {
    std::this_thread::yield();
  } else {
    ELASTIQ_PAUSE();
  }
}
}  // namespace

int ThreadPool::ResolveSize(int threads) { return threads > 0 ? threads : CoreCount(); }

ThreadPool::ThreadPool(int threads) {
  threads = ResolveSize(threads);
  try {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
  } catch (const std::system_error& e) {  // the system refused a thread: stop the ones started
    const size_t started = workers_.size();
    StopWorkers();
    throw UserError("could not start " + std::to_string(threads) + " threads (" + e.what() + ", after " +
                    std::to_string(started + 1) + "); use fewer --threads");
  }
}

ThreadPool::~ThreadPool() { StopWorkers(); }

void ThreadPool::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::WorkerLoop(int index) {
  uint64_t seen = 0;
  while (true) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      if (++spins < kSpinIterations) {
        SpinPause(spins);
        continue;
      }
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    (*job_)(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::RunOnAll(const std::function<void(int)>& fn) {
  if (workers_.empty()) {
    fn(0);
    return;
  }
  job_ = &fn;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);  // pairs with the sleepers' predicate check
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  fn(0);
  for (int spins = 1; pending_.load(std::memory_order_acquire) != 0; ++spins) SpinPause(spins);
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int threads = size();
  const int64_t units = (n + grain - 1) / grain;
  if (threads == 1 || units == 1) {
    fn(0, n);
    return;
  }
  RunOnAll([&](int t) {
    const int64_t begin = std::min(n, units * t / threads * grain);
    const int64_t end = std::min(n, units * (t + 1) / threads * grain);
    if (begin < end) fn(begin, end);
  });
}

}  // namespace elastiq
