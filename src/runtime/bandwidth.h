// Measures the machine's memory read bandwidth in the same run as a benchmark (the machines are
// shared and noisy), for the decode roofline: t_token >= bytes read per token / bandwidth.
#pragma once

#include <cstdint>

#include "src/runtime/thread_pool.h"

namespace elastiq {

// Best of `repeats` plain and `repeats` prefetching passes summing a `bytes`-sized buffer (far
// larger than the caches) with all pool threads. Returns bytes per second.
double MeasureReadBandwidth(ThreadPool& pool, int64_t bytes = int64_t{512} << 20, int repeats = 5);

}  // namespace elastiq
