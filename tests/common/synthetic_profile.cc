// Tables t = 1 us + per_weight x rows x cols x tokens on the probe's grid shape.
#include "tests/common/synthetic_profile.h"

#include "src/kernels/isa.h"

namespace elastiq::testing {
namespace {

LinearTable Table(WeightFormat format, int tokens, bool cold, double per_weight, int stored_width_ratio = 1) {
  LinearTable t{format, tokens, cold, {64, 256, 1024, 4096}, {64, 256, 1024, 4096}, {}, stored_width_ratio};
  if (stored_width_ratio > 1) t.cols = {64, 256, 1024};
  for (int64_t r : t.rows)
    for (int64_t c : t.cols) t.seconds.push_back(1e-6 + per_weight * static_cast<double>(r * c * tokens));
  return t;
}

}  // namespace

DeviceProfile SyntheticProfile(int threads) {
  DeviceProfile p;
  p.elastiq_version = ELASTIQ_VERSION;
  p.machine = ThisMachine();
  p.isa = IsaName(SelectIsa());
  p.threads = threads;
  p.cache_bytes = 1 << 20;
  // Reads at 100 GB/s up to 1 MiB, 25 GB/s from 8 MiB; the tables rotate through 512 KiB and 16 MiB.
  p.sweep_bytes = {256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20};
  p.sweep_bytes_per_s = {100e9, 100e9, 100e9, 60e9, 40e9, 25e9, 25e9};
  p.warm_bytes = 512 << 10;
  p.cold_bytes = 16 << 20;
  p.bandwidth_bytes_per_s = 20e9;
  p.dispatch_seconds = 1e-6;
  p.elementwise_seconds_per_float = 1e-10;
  p.step_seconds = 2e-6;
  p.layer_seconds = 1e-6;
  const double bytes_per_weight[] = {4.0, 1.0, 0.25};  // fp32, w8a8, ternary
  int i = 0;
  for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kW8A8, WeightFormat::kTernary}) {
    const double warm = bytes_per_weight[i++] * 1e-11;
    p.linear.push_back(Table(f, 1, true, 4 * warm));
    p.linear.push_back(Table(f, 1, false, warm));
    p.linear.push_back(Table(f, 16, true, 0.5 * warm));
    p.linear.push_back(Table(f, 128, true, 0.25 * warm));
    if (f == WeightFormat::kF32) p.linear.push_back(Table(f, 1, true, 1.3 * 4 * warm, 2));
  }
  // Attention: 1 us + 1 ns per key, query head and KV head (a cold layer twice as long as a warm one).
  for (KvCacheFormat kv : {KvCacheFormat::kF32, KvCacheFormat::kF16}) {
    for (bool cold : {true, false}) {
      AttentionTable t{kv, cold, 64, {1, 2, 4}, {1, 4}, {16, 128, 1024, 4096}, {}};
      for (int64_t h : t.kv_heads)
        for (int64_t g : t.group_sizes)
          for (int64_t k : t.keys) t.seconds.push_back((cold ? 2 : 1) * (1e-6 + 1e-9 * static_cast<double>(k * g * h)));
      p.attention.push_back(t);
    }
  }
  return p;
}

}  // namespace elastiq::testing
