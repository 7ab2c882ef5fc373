// A persistent thread pool for the runtime: workers are created once and wait for jobs by spinning
// briefly, then sleeping, so the many small parallel regions of a decode step cost little.
// The calling thread takes part as thread 0.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace elastiq {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // total threads, caller included; <= 0: one per core
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  static int ResolveSize(int threads);  // what ThreadPool(threads).size() will be
  // Runs fn(thread_index) on every thread and returns when all have finished.
  void RunOnAll(const std::function<void(int)>& fn);
  // Splits [0, n) into one contiguous chunk per thread, chunk edges multiples of `grain`.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void WorkerLoop(int index);
  void StopWorkers();  // wakes every worker with stop_ set and joins it

  std::vector<std::thread> workers_;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace elastiq
