// The per-device path on the command line: `device probe` (a small grid), `bench --device`,
// `run --device --max-latency-ms`, `device compare`, and the one-line errors for profiles that do not
// describe the run, budgets nothing meets and bad flags.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/runtime/device_profile.h"
#include "src/runtime/latency_model.h"
#include "src/runtime/memory_probe.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using testing::RunCommand;

using testing::Elastiq;

void ExpectUserError(const std::string& args, const std::string& needle) {
  testing::CommandResult r = RunCommand(Elastiq(args));
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
}

class CliDevice : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir;
    testing::CommandResult r = RunCommand(Elastiq("init --config " + testing::ConfigPath("overhead-tiny.json") +
                                                  " --random --sizes 0.5 0.25 --out " + Model()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = RunCommand(
        Elastiq("device probe --widths 64 128 --threads 1 --watch-minutes 0.05 --arena 64M --out " + Profile()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("at 1 threads"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("90th percentile of 2 rounds"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("watching decode steps, round 1 of 1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("probe: 100% done"), std::string::npos) << r.err;  // the progress line
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Model() { return *dir_ / "m.h5"; }
  static std::string Profile() { return *dir_ / "d.json"; }
  // The maxnet's predicted decode ms on `profile` (`device compare --json`, 64 tokens of context); 0 if absent.
  static double MaxnetPredictedMs(const std::string& profile) {
    const testing::CommandResult r =
        RunCommand(Elastiq("device compare " + profile + " --palette " + Model() + " --context 64 --json"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json table = nlohmann::json::parse(r.out);
    for (const nlohmann::json& e : table["entries"])
      if (e["entry"] == "maxnet") return e["devices"][0]["decode_ms"];
    return 0.0;
  }
  static testing::ScratchDir* dir_;
};
testing::ScratchDir* CliDevice::dir_ = nullptr;

TEST_F(CliDevice, ProbeWritesAProfileThatLoads) {
  const DeviceProfile p = LoadDeviceProfile(Profile());
  EXPECT_EQ(p.threads, 1);
  EXPECT_EQ(p.machine, ThisMachine());
  EXPECT_EQ(p.linear.size(), 13u);  // 3 formats x (cold, warm, 16 and 128 tokens), fp32 prefix views
  EXPECT_EQ(p.Linear(WeightFormat::kTernary, 128, true).rows, (std::vector<int64_t>{64, 128}));
  // Prefix views: every other width, columns whose double is on the grid: 64 of rows 128 wide.
  ASSERT_NE(p.PrefixLinear(WeightFormat::kF32), nullptr);
  EXPECT_EQ(p.PrefixLinear(WeightFormat::kF32)->rows, (std::vector<int64_t>{64}));
  EXPECT_EQ(p.PrefixLinear(WeightFormat::kF32)->cols, (std::vector<int64_t>{64}));
  EXPECT_EQ(p.PrefixLinear(WeightFormat::kF32)->stored_width_ratio, 2);
  EXPECT_EQ(p.PrefixLinear(WeightFormat::kW8A8), nullptr);
  // Attention: f32 and f16 caches, cold and warm, every point of the grid timed.
  ASSERT_EQ(p.attention.size(), 4u);
  for (KvCacheFormat kv : {KvCacheFormat::kF32, KvCacheFormat::kF16})
    for (bool cold : {true, false}) {
      const AttentionTable& t = p.Attention(kv, cold);
      EXPECT_EQ(t.seconds.size(), t.kv_heads.size() * t.group_sizes.size() * t.keys.size());
      EXPECT_GT(*std::min_element(t.seconds.begin(), t.seconds.end()), 0.0);
    }
  EXPECT_GT(p.bandwidth_bytes_per_s, 0.0);
  // --arena 64M: the cold timings read from 64 MiB and the sweep runs from 256 KiB up to it.
  EXPECT_EQ(p.cold_bytes, int64_t{64} << 20);
  EXPECT_EQ(p.sweep_bytes.front(), int64_t{256} << 10);
  EXPECT_EQ(p.sweep_bytes.back(), int64_t{64} << 20);
  EXPECT_EQ(p.decode_margin_rounds, 2);  // the probe's round, then one 3 s later (--watch-minutes 0.05)
  EXPECT_GE(p.decode_margin_watch_seconds, 3.0);
  ASSERT_EQ(p.decode_round_margins.size(), 2u);
  EXPECT_EQ(p.decode_margin, std::max(0.0, std::max(p.decode_round_margins[0], p.decode_round_margins[1])));
  ExpectUserError("device probe --widths 64 100 --out " + (*dir_ / "x.json"),
                  "--widths must be increasing multiples of 32");
  ExpectUserError("device probe --isa sse9 --out " + (*dir_ / "x.json"), "--isa must be scalar, avx2, avx512 or neon");
  ExpectUserError("device probe --threads -1 --out " + (*dir_ / "x.json"), "--threads must be 0 (one per core) to");
  ExpectUserError("device probe --watch-minutes -1 --out " + (*dir_ / "x.json"), "--watch-minutes must be 0 to 1440");
  ExpectUserError("device probe --arena 1M --out " + (*dir_ / "x.json"), "--arena must be 16M to 16G, got 1M");
  ExpectUserError("device probe --arena lots --out " + (*dir_ / "x.json"), "--arena");
  const int64_t spare = ProbeMemory().spare_bytes();
  if (spare > 0 && spare / 2 < (int64_t{16} << 30) - (int64_t{16} << 20))  // a size --arena accepts otherwise
    ExpectUserError("device probe --arena " + std::to_string((spare / 2 >> 20) + 16) + "M --out " + (*dir_ / "x.json"),
                    "is more than half the memory available");
}

TEST_F(CliDevice, BenchAndRunPrintPredictedBesideMeasured) {
  testing::CommandResult r = RunCommand(Elastiq("bench --palette " + Model() +
                                                " --threads 1 --no-torch --json --prompt-tokens 8 "
                                                "--decode-tokens 4 --repeats 1 --device " +
                                                Profile()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json b = nlohmann::json::parse(r.out);
  EXPECT_GT(b["predicted_decode_ms_per_token"].get<double>(), 0.0);
  EXPECT_GT(b["predicted_prefill_tokens_per_s"].get<double>(), 0.0);
  r = RunCommand(Elastiq("run --palette " + Model() + " --prompt-ids 1,5 --max-tokens 4 --threads 1 --device " +
                         Profile() + " --max-latency-ms 1000"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("predicted on"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-> maxnet"), std::string::npos) << r.err;  // everything is within 1 s: the best
  EXPECT_NE(r.err.find("ms/token"), std::string::npos) << r.err;
}

TEST_F(CliDevice, TheLatencyBoundPicksAmongTheEntriesWithinIt) {
  // The bound between the maxnet's planned time and the next entry's: the maxnet is left out.
  const DeviceProfile p = LoadDeviceProfile(Profile());
  testing::CommandResult r = RunCommand(
      Elastiq("device compare " + Profile() + " " + Profile() + " --palette " + Model() + " --context 64 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json table = nlohmann::json::parse(r.out);
  ASSERT_EQ(table["entries"].size(), 3u);
  ASSERT_EQ(table["profiles"].size(), 2u);  // what each profile's predictions rest on
  EXPECT_EQ(table["profiles"][0]["cache_bytes"], p.cache_bytes);
  EXPECT_EQ(table["profiles"][0]["fp32_prefix_read_share"].get<double>(), PrefixReadShare(p, WeightFormat::kF32));
  std::map<std::string, double> ms;  // planned: the prediction with the profile's decode margin
  for (const nlohmann::json& e : table["entries"]) {
    ASSERT_EQ(e["devices"].size(), 2u);
    EXPECT_EQ(e["devices"][0]["decode_ms"], e["devices"][1]["decode_ms"]);
    EXPECT_DOUBLE_EQ(e["devices"][0]["planned_decode_ms"].get<double>(),
                     e["devices"][0]["decode_ms"].get<double>() * (1.0 + p.decode_margin));
    ms[e["entry"]] = e["devices"][0]["planned_decode_ms"];
  }
  ASSERT_GT(ms["maxnet"], ms["p50"]);
  const double bound = (ms["maxnet"] + std::max(ms["p50"], ms["p25"])) / 2;
  r = RunCommand(Elastiq("run --palette " + Model() +
                         " --prompt-ids 1 --max-tokens 2 --threads 1 --context 64 "
                         "--device " +
                         Profile() + " --max-latency-ms " + std::to_string(bound)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("maxnet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-> p"), std::string::npos) << r.err;
  ExpectUserError("run --palette " + Model() + " --prompt-ids 1 --threads 1 --context 64 --device " + Profile() +
                      " --max-latency-ms 0.000001",
                  "no entry decodes within 1e-06 ms per token; the fastest entry");

  // A bound 20% above the maxnet's prediction, on a profile whose probe saw real steps run 25% past
  // the model: the maxnet is left out, a smaller entry runs.
  nlohmann::json j = DeviceProfileToJson(LoadDeviceProfile(Profile()));
  j["decode_margin"] = 0.25;
  const std::string wary = *dir_ / "wary.json";
  WriteFileAtomically(wary, j.dump());
  const double maxnet_ms = MaxnetPredictedMs(wary);
  ASSERT_GT(maxnet_ms, 0.0);
  r = RunCommand(Elastiq("run --palette " + Model() +
                         " --prompt-ids 1 --max-tokens 2 --threads 1 --context 64 --device " + wary +
                         " --max-latency-ms " + std::to_string(1.2 * maxnet_ms)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("-> maxnet"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-> p"), std::string::npos) << r.err;

  // A profile 1000x too fast for this machine: every entry is predicted within the bound, the steps
  // measured are not, and the run steps down from the maxnet as it goes (16 steps per check).
  j = DeviceProfileToJson(LoadDeviceProfile(Profile()));
  for (const char* tables : {"linear", "attention"})
    for (nlohmann::json& t : j[tables])
      for (nlohmann::json& seconds : t["seconds"]) seconds = seconds.get<double>() / 1000;
  for (const char* cost : {"dispatch_seconds", "elementwise_seconds_per_float", "step_seconds", "layer_seconds"})
    j[cost] = j[cost].get<double>() / 1000;
  j["decode_margin"] = 0.0;
  const std::string rosy = *dir_ / "rosy.json";
  WriteFileAtomically(rosy, j.dump());
  const double rosy_maxnet_ms = MaxnetPredictedMs(rosy);
  ASSERT_GT(rosy_maxnet_ms, 0.0);
  r = RunCommand(Elastiq("run --palette " + Model() + " --prompt-ids 1 --max-tokens 40 --threads 1 --context 64 " +
                         "--temperature 0 --device " + rosy + " --max-latency-ms " +
                         std::to_string(2 * rosy_maxnet_ms)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("-> maxnet"), std::string::npos) << r.err;              // predicted within the bound
  EXPECT_NE(r.err.find("over --max-latency-ms"), std::string::npos) << r.err;  // measured past it
}

TEST_F(CliDevice, ProfilesThatDoNotDescribeTheRunPlanButDoNotRun) {
  nlohmann::json j = DeviceProfileToJson(LoadDeviceProfile(Profile()));
  j["isa"] = "neon";
  j["machine"]["cpu"] = "Cortex-A78";
  const std::string phone = *dir_ / "phone.json";
  WriteFileAtomically(phone, j.dump());
  testing::CommandResult r = RunCommand(Elastiq("device compare " + Profile() + " " + phone + " --palette " + Model()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Cortex-A78"), std::string::npos) << r.out;
  ExpectUserError("run --palette " + Model() + " --prompt-ids 1 --threads 1 --device " + phone + " --max-latency-ms 5",
                  "it was measured on Cortex-A78");
  ExpectUserError(
      "run --palette " + Model() + " --prompt-ids 1 --threads 2 --device " + Profile() + " --max-latency-ms 5",
      "it was measured at 1 threads, this run uses 2");
  ExpectUserError("bench --palette " + Model() + " --threads 2 --no-torch --device " + Profile(),
                  "measured at 1 threads");
  ExpectUserError("run --palette " + Model() + " --prompt-ids 1 --max-latency-ms 5", "--max-latency-ms needs --device");
  ExpectUserError("run --palette " + Model() + " --prompt-ids 1 --subnet p50 --max-latency-ms 5 --device " + Profile(),
                  "give either --subnet or --max-latency-ms");
  j["version"] = 7;
  WriteFileAtomically(phone, j.dump());
  ExpectUserError("device compare " + phone + " --palette " + Model(), "device profile version 7");
  WriteFileAtomically(phone, "[1, 2]");
  ExpectUserError("device compare " + phone + " --palette " + Model(), "not a JSON object");
  ExpectUserError("device compare " + Profile() + " --palette " + Model() + " --context 9999",
                  "--context must be between 1 and");
}

}  // namespace
}  // namespace elastiq
