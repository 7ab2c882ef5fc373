// Time of one latency prediction (decode at 1,024 tokens of context, W8A8) of the MobileLLM-125M maxnet
// on a device profile: the free PredictLatency, which works out the profile's monotone tables and prefix
// share each call, against a LatencyModel built once, as the palette search keeps it.
// Run: build/experiments/bench_latency_model DEVICE.json [--benchmark_...]
#include <benchmark/benchmark.h>

#include <cstdio>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"
#include "src/runtime/device_profile.h"
#include "src/runtime/latency_model.h"

namespace elastiq {
namespace {

struct Case {
  DeviceProfile profile;
  ModelConfig config;
  SubnetSpec spec;
  LatencyQuery query{WeightFormat::kW8A8, KvCacheFormat::kF16, 1024, 0, 0};
};

void PerCall(benchmark::State& state, const Case* c) {
  for (auto _ : state) benchmark::DoNotOptimize(PredictLatency(c->profile, c->config, c->spec, c->query));
}

void ModelBuiltOnce(benchmark::State& state, const Case* c) {
  const LatencyModel model(c->profile);
  for (auto _ : state) benchmark::DoNotOptimize(model.Predict(c->config, c->spec, c->query));
}

}  // namespace
}  // namespace elastiq

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_latency_model DEVICE.json [--benchmark_...] (run from the repository root)\n");
    return 2;
  }
  using namespace elastiq;
  static Case c{LoadDeviceProfile(argv[1]), LoadModelConfig("experiments/configs/mobilellm-125m.json"), {}};
  c.spec = MaxnetSpec(c.config);
  benchmark::RegisterBenchmark("predict/per_call", PerCall, &c);
  benchmark::RegisterBenchmark("predict/model_built_once", ModelBuiltOnce, &c);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
