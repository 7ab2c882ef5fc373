// Measuring a device profile (`elastiq device probe`): the read-bandwidth sweep that finds how much the
// caches hold, and timings of the runtime's own code paths on synthetic data (ApplyLinear per format over
// a grid of shapes, one attention work item per context length, a parallel region, an RMSNorm pass).
// docs/METHODS.md, Device profiles.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/kernels/isa.h"
#include "src/runtime/device_profile.h"

namespace elastiq {

struct ProbeOptions {
  Isa isa = Isa::kScalar;
  int threads = 1;
  std::vector<int64_t> widths;  // the rows and columns grid; empty: kProbeWidths
  // After the measurements, time the engine-step decoders again in rounds spread evenly over this many
  // seconds (one about every kWatchIntervalSeconds, at least one): the decode margin then covers how
  // this machine's speed moved over that time, not only in the probe's one round.
  double watch_seconds = 0.0;
  // The largest buffer the probe reads through (the bandwidth sweeps run up to it, the cold timings
  // read from it, the cold attention caches fill at most it); 0: a quarter of the memory available,
  // 64 MiB to 512 MiB. Smaller probes faster (tests), but memory's speed then partly reads from cache.
  int64_t arena_bytes = 0;
  // Called with what is being measured and the share of the probe done (0..1).
  std::function<void(const std::string&, double)> progress;
};

// The grids. Rows and columns step by 1.5x and 2x from 64 to 4096, so the widths of MobileLLM-class
// models and their halves (288-1536) are measured or near a measured point: kernel speed is not smooth
// in the shape (Eigen's fp32 GEMM runs 3x slower at 768 input columns than at 512 or 1024 here).
// Rates are extrapolated past the ends (latency_model.h). Prefill is timed at 16 and 128 tokens per call.
inline constexpr int64_t kProbeWidths[] = {64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 4096};
inline constexpr int kProbePrefillTokens[] = {16, 128};
inline constexpr int64_t kProbeKeys[] = {16, 128, 1024, 4096};
// KV heads 1-8: how many the threads share and how far apart a head's cached rows lie (the cache row
// is kv_heads x head_dim wide) both change an item's time, 2-3x between one head and three on one thread.
inline constexpr int64_t kProbeKvHeads[] = {1, 2, 3, 4, 6, 8};
// Query heads per KV head: a kernel serves up to 2 (AVX2) or 4 (AVX-512) of them per pass over the rows,
// so time steps with the group size (on AVX2, 3 costs what 4 does, not the mean of 1 and 4).
inline constexpr int64_t kProbeGroupSizes[] = {1, 2, 3, 4, 8};
inline constexpr int64_t kProbeHeadDim = 64;
// The fp32 prefix table's rows are the first 1/kPrefixWidthRatio of stored rows (a half-width subnet).
inline constexpr int kPrefixWidthRatio = 2;

// How far apart --watch-minutes's rounds are (about; they spread evenly over the watch).
inline constexpr double kWatchIntervalSeconds = 10.0;

// UserError for widths that are not increasing multiples of 32 (the packed formats' panels).
DeviceProfile ProbeDevice(const ProbeOptions& options);

// The decode margin over rounds of the probe's decoders, each round's margin the largest median step /
// prediction - 1 of its decoders: the 90th percentile by nearest rank (the largest of up to 9 rounds,
// the second largest of 10-19, ...), at least 0. A budget planned with it was missed in about one round
// in ten while the probe watched.
double DecodeMarginOverRounds(std::vector<double> round_margins);

// Rounds after the probe's first that --watch-minutes runs: one per kWatchIntervalSeconds, at least one.
int WatchRounds(double watch_seconds);

// One read-bandwidth sweep: memory's read speed and each working set's (256 KiB doubling up to the
// cold arena).
struct ReadSweep {
  double memory_bytes_per_s = 0.0;
  std::vector<int64_t> bytes;
  std::vector<double> bytes_per_s;
};
// Memory's speed and each working set's as their medians over `sweeps` (of the same working sets).
// The probe sweeps three times and keeps this (calibration.cc, KeepSweeps).
ReadSweep MedianSweep(const std::vector<ReadSweep>& sweeps);

// Where the sweep's speed last falls through sqrt(fastest x memory) bytes/s (halfway, on a log scale,
// between the caches' speed and memory's): between the last working set read at least that fast and
// the next, interpolated with the speed linear in log size, so a working set read at about the
// threshold moves the result a little, not by a factor of two. The largest working set if the sweep
// never falls through; 0 when none is read that fast.
int64_t CacheBytesFromSweep(const std::vector<int64_t>& sweep_bytes, const std::vector<double>& bytes_per_s,
                            double memory_bytes_per_s);

}  // namespace elastiq
