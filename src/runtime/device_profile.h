// A device profile (`elastiq device probe`): what one machine is, in one runtime configuration (ISA and
// thread count), and how long the runtime's kernels take there: the tables the latency model
// (src/runtime/latency_model.h) interpolates. Written as JSON; a profile made on another device is
// just a file handed in. docs/METHODS.md, Device profiles, describes every field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/runtime/kv_cache.h"
#include "src/runtime/linear.h"

namespace elastiq {

inline constexpr int kDeviceProfileVersion = 2;

// Seconds of one application of a rows x cols linear layer to `tokens` activation rows, on a grid.
// `cold`: the weights come from memory (each timed call reads a different copy, the copies together
// far larger than the caches), as decoding a model larger than the caches does; otherwise the same
// copy is read again (cache-resident). `stored_width_ratio` > 1: each row read is the first 1/ratio
// of a stored row that many times as wide, as a subnet's fp32 prefix view of the maxnet's matrix
// reads (row stride = the maxnet's input width); 1: contiguous rows.
struct LinearTable {
  WeightFormat format = WeightFormat::kF32;
  int tokens = 1;
  bool cold = false;
  std::vector<int64_t> rows, cols;
  std::vector<double> seconds;  // rows.size() x cols.size(), row-major
  int stored_width_ratio = 1;
  double at(size_t r, size_t c) const { return seconds[r * cols.size() + c]; }
};

// Seconds of one layer's decode attention as the engine runs it (AttendCached, src/runtime/attention.h,
// on the profile's threads): one new token's `kv_heads` x `group_size` query heads of head_dim against
// `keys` cached positions of a cache `kv_heads` x head_dim wide. `cold`: each call reads a layer no
// recent call read (a cache far larger than the caches), as decoding a model larger than the caches
// does; otherwise the same layer again (a prefill re-reads the rows its layer just wrote).
struct AttentionTable {
  KvCacheFormat kv_cache = KvCacheFormat::kF32;
  bool cold = true;
  int64_t head_dim = 64;
  std::vector<int64_t> kv_heads, group_sizes, keys;
  std::vector<double> seconds;  // kv_heads.size() x group_sizes.size() x keys.size(), row-major
  double at(size_t h, size_t g, size_t k) const { return seconds[(h * group_sizes.size() + g) * keys.size() + k]; }
};

struct MachineIdentity {
  std::string cpu;   // /proc/cpuinfo model name (or the aarch64 implementer/part)
  std::string arch;  // uname machine
  std::string hostname;
  int logical_cores = 0;
  int64_t mem_total = -1;
  bool operator==(const MachineIdentity& o) const {
    return cpu == o.cpu && arch == o.arch && logical_cores == o.logical_cores && mem_total == o.mem_total;
  }
};
MachineIdentity ThisMachine();
std::string DescribeMachine(const MachineIdentity& m);  // "AMD EPYC, x86_64, 2 cores, 23.4 GiB"

struct DeviceProfile {
  int version = kDeviceProfileVersion;
  std::string elastiq_version;  // of the probe that measured it
  std::string created;          // UTC, ISO 8601
  MachineIdentity machine;
  std::string isa;                                       // the kernels timed
  int threads = 1;                                       // the runtime's thread count the tables hold
  int64_t l1d_bytes = -1, l2_bytes = -1, l3_bytes = -1;  // as the OS reports them (-1 unknown)
  int64_t cache_bytes = 0;  // measured: where the read sweep falls to memory's speed (CacheBytesFromSweep)
  int64_t mem_total = -1, mem_available = -1, cgroup_limit = -1;
  double bandwidth_bytes_per_s = 0.0;  // reading a buffer far larger than the caches
  std::vector<int64_t> sweep_bytes;    // the read-bandwidth sweep behind cache_bytes
  std::vector<double> sweep_bytes_per_s;
  // What the linear tables' timings rotate through: warm, copies filling half the measured cache;
  // cold, an arena far larger (the latency model's cold share runs from warm_bytes to cache_bytes).
  int64_t warm_bytes = 0, cold_bytes = 0;
  std::vector<LinearTable> linear;
  std::vector<AttentionTable> attention;
  double dispatch_seconds = 0.0;               // one parallel region that does nothing
  double elementwise_seconds_per_float = 0.0;  // RMSNorm-like passes over a vector
  // What real decode steps took beyond the model's sum of the tables (calibration.h): per step and
  // per virtual layer.
  double step_seconds = 0.0, layer_seconds = 0.0;
  // How far past the model's prediction real decode steps ran at the probe, their median step (0.15:
  // 15% slower; at least 0; calibration.h): the headroom `palette --device` and `run --max-latency-ms`
  // keep under a budget.
  double decode_margin = 0.0;
  // What the margin was measured over: rounds of the probe's decoders, and the seconds the rounds after
  // the first spanned (`device probe --watch-minutes`; 0: the probe's one round).
  int decode_margin_rounds = 1;
  double decode_margin_watch_seconds = 0.0;
  // Each round's margin, in the order measured (empty in profiles from before 2026-12-07).
  std::vector<double> decode_round_margins;

  const LinearTable& Linear(WeightFormat format, int tokens, bool cold) const;  // contiguous; UserError if absent
  // The cold 1-token table of prefix reads (stored_width_ratio > 1) for `format`; nullptr if the probe
  // made none (profiles from before 2026-12-07 have none: prefix views are then predicted as contiguous).
  const LinearTable* PrefixLinear(WeightFormat format) const;
  const AttentionTable& Attention(KvCacheFormat kv_cache, bool cold) const;  // UserError if absent
  // Prefill token counts the tables hold for `format` (tokens > 1), ascending.
  std::vector<int> PrefillTokens(WeightFormat format) const;
};

nlohmann::json DeviceProfileToJson(const DeviceProfile& p);
// UserError naming `source` and the field for anything missing, mistyped, non-positive or out of order,
// and for a profile version this build does not read.
DeviceProfile DeviceProfileFromJson(const nlohmann::json& j, const std::string& source);
DeviceProfile LoadDeviceProfile(const std::string& path);
void SaveDeviceProfile(const DeviceProfile& p, const std::string& path);  // write-then-rename

// Planning with a profile works anywhere; running against it (run --max-latency-ms) needs the machine,
// ISA, version and thread count it was measured with. UserError saying what differs and how to
// make a profile here.
void RequireProfileMatches(const DeviceProfile& p, const std::string& path, const std::string& isa, int threads);

}  // namespace elastiq
