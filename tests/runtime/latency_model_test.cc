// The latency model on synthetic device profiles: interpolation at and between grid points,
// monotonicity in rows, layers and context (also over noisy tables), the profile's JSON round trip
// and its checks, and which profiles a run accepts.
#include "src/runtime/latency_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/runtime/calibration.h"
#include "tests/common/synthetic_profile.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

DeviceProfile Synthetic() {
  DeviceProfile p = testing::SyntheticProfile();
  p.isa = "avx2";
  return p;
}

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"lat","vocab_size":2048,"d_model":256,"n_layers":8,"n_heads":8,"n_kv_heads":4,"ffn_dim":768,"max_seq_len":2048})",
      "lat");
}

SubnetSpec Spec(int layers, int64_t d, int64_t ffn, int kv_heads) {
  SubnetSpec s;
  s.name = "s";
  s.d_model = d;
  s.n_kv_heads = kv_heads;
  for (int l = 0; l < layers; ++l) {
    s.layers.push_back(l);
    s.ffn_dim.push_back(ffn);
  }
  return s;
}

double Decode(const DeviceProfile& p, const SubnetSpec& s, int keys, WeightFormat f = WeightFormat::kF32) {
  return PredictLatency(p, Config(), s, {f, KvCacheFormat::kF16, keys, 0, 0}).decode_seconds;
}

TEST(LatencyModel, LinearTimesAreTheTableAtGridPointsAndLogInterpolatedBetween) {
  const DeviceProfile p = Synthetic();
  const LinearTable& t = p.Linear(WeightFormat::kW8A8, 1, true);
  EXPECT_DOUBLE_EQ(LinearSeconds(p, WeightFormat::kW8A8, 256, 1024, 1, true), t.at(1, 2));
  EXPECT_DOUBLE_EQ(LinearSeconds(p, WeightFormat::kW8A8, 4096, 64, 1, true), t.at(3, 0));
  // 512 rows: halfway between 256 and 1024 on a log scale, so the geometric mean of their times.
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kW8A8, 512, 1024, 1, true), std::sqrt(t.at(1, 2) * t.at(2, 2)), 1e-15);
  // Past the grid: the edge's rate per weight (twice the rows, twice the time).
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kW8A8, 8192, 1024, 1, true), 2 * t.at(3, 2), 1e-15);
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kW8A8, 32, 1024, 1, true), 0.5 * t.at(0, 2), 1e-15);
  // Tokens: the measured per-token time at 16 and 128, log-interpolated between, held past 128.
  const double at16 = p.Linear(WeightFormat::kW8A8, 16, true).at(2, 2);
  const double at128 = p.Linear(WeightFormat::kW8A8, 128, true).at(2, 2);
  EXPECT_DOUBLE_EQ(LinearSeconds(p, WeightFormat::kW8A8, 1024, 1024, 16, false), at16);
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kW8A8, 1024, 1024, 512, false), 4 * at128, 1e-15);
  const double w = std::log(64.0 / 16) / std::log(128.0 / 16);
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kW8A8, 1024, 1024, 64, false),
              64 * ((1 - w) * at16 / 16 + w * at128 / 128), 1e-15);
}

TEST(LatencyModel, AttentionInterpolatesInKvHeadsGroupSizeAndKeys) {
  const DeviceProfile p = Synthetic();
  const AttentionTable& t = p.Attention(KvCacheFormat::kF16, /*cold=*/true);
  EXPECT_DOUBLE_EQ(AttentionLayerSeconds(t, 2, 4, 64, 1024), t.at(1, 1, 2));                         // a grid point
  EXPECT_NEAR(AttentionLayerSeconds(t, 1, 1, 64, 576), (t.at(0, 0, 1) + t.at(0, 0, 2)) / 2, 1e-18);  // linear in keys
  EXPECT_NEAR(AttentionLayerSeconds(t, 1, 1, 64, 8192), 2 * (1e-6 + 1e-9 * 8192), 1e-15);            // last slope
  EXPECT_DOUBLE_EQ(AttentionLayerSeconds(t, 1, 1, 64, 4), t.at(0, 0, 0));                            // held below
  EXPECT_NEAR(AttentionLayerSeconds(t, 1, 2, 64, 1024), t.at(0, 0, 2) + (t.at(0, 1, 2) - t.at(0, 0, 2)) / 3, 1e-15);
  EXPECT_NEAR(AttentionLayerSeconds(t, 3, 4, 64, 1024), (t.at(1, 1, 2) + t.at(2, 1, 2)) / 2, 1e-15);  // KV heads
  EXPECT_NEAR(AttentionLayerSeconds(t, 8, 4, 64, 1024), 2 * (1e-6 + 1e-9 * 1024 * 4 * 8), 1e-15);     // past 4 heads
  EXPECT_NEAR(AttentionLayerSeconds(t, 2, 4, 128, 1024), 2 * t.at(1, 1, 2), 1e-15);  // scaled by head_dim
}

// Equal up to the rounding of exp(log(t)).
constexpr double kUlps = 1 + 1e-12;

// More rows, more layers, more KV heads or a longer context are never predicted faster, also when
// the measured tables are noisy (not monotone themselves).
void ExpectMonotone(const DeviceProfile& p) {
  for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kW8A8, WeightFormat::kTernary}) {
    for (int keys : {1, 100, 2048}) {
      EXPECT_LE(Decode(p, Spec(4, 128, 384, 2), keys, f), Decode(p, Spec(5, 128, 384, 2), keys, f));
      EXPECT_LE(Decode(p, Spec(4, 128, 384, 2), keys, f), Decode(p, Spec(4, 160, 384, 2), keys, f));
      EXPECT_LE(Decode(p, Spec(4, 128, 384, 2), keys, f), Decode(p, Spec(4, 128, 416, 2), keys, f));
      EXPECT_LE(Decode(p, Spec(4, 128, 384, 2), keys, f), Decode(p, Spec(4, 128, 384, 4), keys, f));
    }
    for (int keys = 1; keys < 2048; keys += 97)
      EXPECT_LE(Decode(p, Spec(8, 256, 768, 4), keys, f), Decode(p, Spec(8, 256, 768, 4), keys + 97, f));
    for (int64_t rows = 16; rows < 8192; rows += 16)
      EXPECT_LE(LinearSeconds(p, f, rows, 256, 1, true), LinearSeconds(p, f, rows + 16, 256, 1, true) * kUlps);
    for (int prompt : {16, 64, 256})
      EXPECT_LT(
          PredictLatency(p, Config(), Spec(8, 256, 768, 4), {f, KvCacheFormat::kF16, 1, prompt, 0}).prefill_seconds,
          PredictLatency(p, Config(), Spec(8, 256, 768, 4), {f, KvCacheFormat::kF16, 1, prompt + 1, 0})
              .prefill_seconds);
  }
}

TEST(LatencyModel, Fp32PrefixViewsAddTheMeasuredShareOfTheSkippedRead) {
  DeviceProfile p = Synthetic();
  // A prefix table that costs exactly 30% of the skipped bytes' time at every point.
  LinearTable* table = nullptr;
  for (LinearTable& t : p.linear)
    if (t.stored_width_ratio > 1) table = &t;
  ASSERT_NE(table, nullptr);
  LinearTable& prefix = *table;
  for (size_t r = 0; r < prefix.rows.size(); ++r)
    for (size_t c = 0; c < prefix.cols.size(); ++c) {
      const int64_t rows = prefix.rows[r], cols = prefix.cols[c];
      prefix.seconds[r * prefix.cols.size() + c] = 0.7 * LinearSeconds(p, WeightFormat::kF32, rows, cols, 1, true) +
                                                   0.3 * LinearSeconds(p, WeightFormat::kF32, rows, 2 * cols, 1, true);
    }
  EXPECT_NEAR(PrefixReadShare(p, WeightFormat::kF32), 0.3, 1e-9);
  EXPECT_EQ(PrefixReadShare(p, WeightFormat::kW8A8), 0.0);  // no prefix table
  const StoredRows of600{600, 0.3};
  const double used = LinearSeconds(p, WeightFormat::kF32, 512, 300, 1, true);
  EXPECT_NEAR(LinearSeconds(p, WeightFormat::kF32, 512, 300, 1, true, of600),
              0.7 * used + 0.3 * LinearSeconds(p, WeightFormat::kF32, 512, 600, 1, true), 1e-15);
  // Warm reads, quantized formats and full-width rows read as contiguous.
  EXPECT_EQ(LinearSeconds(p, WeightFormat::kF32, 512, 300, 1, false, of600),
            LinearSeconds(p, WeightFormat::kF32, 512, 300, 1, false));
  EXPECT_EQ(LinearSeconds(p, WeightFormat::kW8A8, 512, 300, 1, true, of600),
            LinearSeconds(p, WeightFormat::kW8A8, 512, 300, 1, true));
  EXPECT_EQ(LinearSeconds(p, WeightFormat::kF32, 512, 600, 1, true, of600),
            LinearSeconds(p, WeightFormat::kF32, 512, 600, 1, true));
  // A half-width fp32 subnet is predicted slower with the table than without; the maxnet is not.
  DeviceProfile contiguous = p;
  std::erase_if(contiguous.linear, [](const LinearTable& t) { return t.stored_width_ratio > 1; });
  ASSERT_EQ(contiguous.PrefixLinear(WeightFormat::kF32), nullptr);
  EXPECT_GT(Decode(p, Spec(8, 128, 384, 2), 64), 1.05 * Decode(contiguous, Spec(8, 128, 384, 2), 64));
  EXPECT_EQ(Decode(p, Spec(8, 256, 768, 4), 64), Decode(contiguous, Spec(8, 256, 768, 4), 64));
  EXPECT_EQ(Decode(p, Spec(8, 128, 384, 2), 64, WeightFormat::kTernary),
            Decode(contiguous, Spec(8, 128, 384, 2), 64, WeightFormat::kTernary));
  // A noisy table is held to [0, 1]: never faster than contiguous, never slower than the whole rows.
  for (double& s : prefix.seconds) s *= 0.5;
  EXPECT_EQ(PrefixReadShare(p, WeightFormat::kF32), 0.0);
  for (double& s : prefix.seconds) s *= 20;
  EXPECT_EQ(PrefixReadShare(p, WeightFormat::kF32), 1.0);
}

TEST(LatencyModel, NeverPredictsALargerSubnetOrLongerContextFaster) {
  DeviceProfile p = Synthetic();
  ExpectMonotone(p);
  for (LinearTable& t : p.linear) t.seconds[5] *= 0.2;  // a dip in the middle of every table
  for (AttentionTable& t : p.attention) t.seconds[2] *= 0.1;
  ExpectMonotone(p);
}

TEST(LatencyModel, TheWorkingSetPicksTheColdOrWarmTables) {
  DeviceProfile p = Synthetic();
  const SubnetSpec s = Spec(8, 256, 768, 4);
  p.warm_bytes = int64_t{1} << 40;  // the working set is below the warm rotation and half the cache
  p.cache_bytes = int64_t{1} << 41;
  const LatencyPrediction warm = PredictLatency(p, Config(), s, {WeightFormat::kF32, KvCacheFormat::kF16, 64, 0, 0});
  p.warm_bytes = 0;  // and above the measured cache
  const LatencyPrediction cold = PredictLatency(p, Config(), s, {WeightFormat::kF32, KvCacheFormat::kF16, 64, 0, 0});
  EXPECT_EQ(warm.cold_share, 0.0);
  EXPECT_EQ(cold.cold_share, 1.0);
  EXPECT_LT(warm.decode_seconds, cold.decode_seconds);
  EXPECT_LT(warm.decode_attention, cold.decode_attention);  // the attention tables too
  // Weights of 8 layers (fp32) + the head + 8 layers x 64 keys x 2 (k, v) x 4 KV heads x 32 x 2 bytes.
  const int64_t d = 256, q = 256, kv = 128, f = 768;
  EXPECT_EQ(cold.working_set_bytes,
            2048 * d * 4 + 8 * 4 * (d * (q + 2 * kv) + d * q + 2 * f * d + d * f) + 8 * 64 * 2 * kv * 2);
  EXPECT_NEAR(cold.decode_seconds, cold.decode_linear + cold.decode_attention + cold.decode_fixed, 1e-15);
}

TEST(LatencyModel, EngineStepCostsAddOncePerStepAndOncePerVirtualLayer) {
  DeviceProfile p = Synthetic();
  const SubnetSpec s = Spec(8, 256, 768, 4);
  const double with = Decode(p, s, 64);
  p.step_seconds = p.layer_seconds = 0.0;
  EXPECT_NEAR(with - Decode(p, s, 64), 2e-6 + 8 * 1e-6, 1e-15);
}

TEST(LatencyModel, TheColdShareRisesFromTheWarmRotationToTheMeasuredCache) {
  DeviceProfile p = Synthetic();  // measured cache 1 MiB, warm rotation 512 KiB, sweep up to 8 MiB
  EXPECT_EQ(ColdShare(p, 512 << 10), 0.0);
  EXPECT_NEAR(ColdShare(p, 724 << 10), 0.5, 1e-3);  // sqrt(2) x 512 KiB: halfway on a log scale
  EXPECT_EQ(ColdShare(p, 1 << 20), 1.0);
  EXPECT_EQ(ColdShare(p, 4 << 20), 1.0);  // though the sweep still reads 4 MiB faster than memory
  p.warm_bytes = 1 << 20;                 // a first sweep that read more cache than the median of all: half the median
  EXPECT_EQ(ColdShare(p, 512 << 10), 0.0);
  EXPECT_NEAR(ColdShare(p, 724 << 10), 0.5, 1e-3);
  p.warm_bytes = 0;  // a probe that measured no cache: cold throughout
  EXPECT_EQ(ColdShare(p, 1), 1.0);
}

TEST(LatencyModel, PastTheMeasuredCacheWeightsAndAttentionAreBothCold) {
  const DeviceProfile p = Synthetic();
  const SubnetSpec s = Spec(8, 256, 768, 4);
  const LatencyPrediction r = PredictLatency(p, Config(), s, {WeightFormat::kF32, KvCacheFormat::kF16, 64, 0, 0});
  ASSERT_GT(r.working_set_bytes, p.cache_bytes);
  EXPECT_EQ(r.cold_share, 1.0);
  const AttentionTable& cold = p.Attention(KvCacheFormat::kF16, true);
  EXPECT_NEAR(r.decode_attention, 8 * AttentionLayerSeconds(cold, 4, Config().group_size(), 32, 64), 1e-15);
  const double d = 256, q = 256, kv = 128, f = 768;
  const double layer = LinearSeconds(p, WeightFormat::kF32, q + 2 * kv, d, 1, true) +
                       LinearSeconds(p, WeightFormat::kF32, d, q, 1, true) +
                       LinearSeconds(p, WeightFormat::kF32, 2 * f, d, 1, true) +
                       LinearSeconds(p, WeightFormat::kF32, d, f, 1, true);
  EXPECT_NEAR(r.decode_linear, LinearSeconds(p, WeightFormat::kF32, 2048, d, 1, true) + 8 * layer, 1e-15);
}

TEST(DeviceProfile, RoundTripsThroughJson) {
  testing::ScratchDir dir;
  DeviceProfile p = Synthetic();
  p.decode_margin = 0.125;
  p.decode_margin_rounds = 31;
  p.decode_margin_watch_seconds = 300.5;
  for (int r = 0; r < 31; ++r) p.decode_round_margins.push_back(0.004 * r - 0.01);
  SaveDeviceProfile(p, dir / "d.json");
  const DeviceProfile back = LoadDeviceProfile(dir / "d.json");
  EXPECT_EQ(DeviceProfileToJson(back), DeviceProfileToJson(p));
  EXPECT_EQ(back.decode_margin, 0.125);
  EXPECT_EQ(back.decode_margin_rounds, 31);
  EXPECT_EQ(back.decode_margin_watch_seconds, 300.5);
  EXPECT_EQ(back.decode_round_margins, p.decode_round_margins);
  nlohmann::json older = DeviceProfileToJson(p);  // from before the watch: one round
  older.erase("decode_margin_rounds");
  older.erase("decode_margin_watch_seconds");
  older.erase("decode_round_margins");
  EXPECT_EQ(DeviceProfileFromJson(older, "old.json").decode_margin_rounds, 1);
  ASSERT_NE(back.PrefixLinear(WeightFormat::kF32), nullptr);
  EXPECT_EQ(back.PrefixLinear(WeightFormat::kF32)->stored_width_ratio, 2);
  for (nlohmann::json& t : older["linear"]) t.erase("stored_width_ratio");  // from before prefix tables
  older["linear"].erase(older["linear"].begin() + 4);                       // the fp32 prefix table
  const DeviceProfile old = DeviceProfileFromJson(older, "old.json");
  EXPECT_EQ(old.PrefixLinear(WeightFormat::kF32), nullptr);
  EXPECT_EQ(old.Linear(WeightFormat::kF32, 1, true).stored_width_ratio, 1);
  EXPECT_DOUBLE_EQ(Decode(back, Spec(8, 256, 768, 4), 100), Decode(p, Spec(8, 256, 768, 4), 100));
}

TEST(DeviceProfile, BadFilesNameTheFieldAndWhatToDo) {
  testing::ScratchDir dir;
  const nlohmann::json good = DeviceProfileToJson(Synthetic());
  auto error_for = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = good;
    edit(j);
    try {
      DeviceProfileFromJson(j, "d.json");
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_for([](auto& j) { j["version"] = 99; }).find("version 99"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["kind"] = "x"; }).find("elastiq device probe"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["threads"] = "two"; }).find("\"threads\""), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["layer_seconds"] = -1e-6; }).find("fixed costs and decode_margin >= 0"),
            std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["decode_margin"] = -0.1; }).find("decode_margin >= 0"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["decode_margin_rounds"] = 0; }).find("decode_margin_rounds must be >= 1"),
            std::string::npos);
  EXPECT_NE(error_for([](auto& j) {
              j["decode_round_margins"] = {0.1, 0.2};
            }).find("one value per round"),
            std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j.erase("step_seconds"); }).find("\"step_seconds\""), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["rotation"].erase("cold_bytes"); }).find("\"rotation\""), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][0]["seconds"].erase(0); }).find("seconds"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][1]["seconds"][0] = -1; }).find("positive"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][2]["rows"] = {64, 32}; }).find("increasing"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][0]["format"] = "int4"; }).find("linear[0]"), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][0]["stored_width_ratio"] = 0; }).find("\"stored_width_ratio\""),
            std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["linear"][1]["stored_width_ratio"] = 2; }).find("cold 1-token table"),
            std::string::npos);  // a warm table
  EXPECT_NE(error_for([](auto& j) { j.erase("attention"); }).find("\"attention\""), std::string::npos);
  EXPECT_NE(error_for([](auto& j) { j["attention"][1].erase("kv_heads"); }).find("attention[1]"), std::string::npos);
  EXPECT_EQ(error_for([](auto&) {}), "accepted");
  WriteFileAtomically(dir / "bad.json", "{not json");
  EXPECT_THROW(LoadDeviceProfile(dir / "bad.json"), UserError);
  EXPECT_THROW(LoadDeviceProfile(dir / "missing.json"), UserError);
}

TEST(DeviceProfile, AnotherMachineIsaOrVersionPlansButDoesNotRun) {
  DeviceProfile p = Synthetic();
  EXPECT_NO_THROW(RequireProfileMatches(p, "d.json", "avx2", 2));
  EXPECT_THROW(RequireProfileMatches(p, "d.json", "avx2", 1), UserError);
  p.isa = "neon";
  try {
    RequireProfileMatches(p, "d.json", "avx2", 2);
    FAIL() << "another ISA accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("neon"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("elastiq device probe"), std::string::npos) << e.what();
  }
  p.isa = "avx2";
  p.elastiq_version = "0.0.1";
  EXPECT_THROW(RequireProfileMatches(p, "d.json", "avx2", 2), UserError);
  p.machine.cpu = "Cortex-A78";
  EXPECT_THROW(RequireProfileMatches(p, "d.json", "avx2", 2), UserError);
  EXPECT_GT(Decode(p, Spec(8, 256, 768, 4), 100), 0.0);  // planning still works
}

TEST(DeviceProfile, CacheSizeIsWhereTheSweepDropsHalfwayToMemorySpeed) {
  // 40 GB/s in cache, 10 from memory: the threshold is 20 GB/s, crossed 3/4 of the way (35 -> 15 GB/s)
  // from 4 MiB to 16 MiB in log size: 4 MiB x 4^0.75.
  EXPECT_NEAR(CacheBytesFromSweep({1 << 20, 4 << 20, 16 << 20, 64 << 20}, {40e9, 35e9, 15e9, 11e9}, 10e9),
              4.0 * std::pow(4.0, 0.75) * (1 << 20), 1.0);
  EXPECT_EQ(CacheBytesFromSweep({1 << 20, 4 << 20}, {40e9, 35e9}, 10e9), 4 << 20);  // never falls through
  EXPECT_EQ(CacheBytesFromSweep({1 << 20}, {5e9}, 10e9), 0);  // never faster than memory: no cache
  EXPECT_EQ(CacheBytesFromSweep({}, {}, 10e9), 0);
}

TEST(DeviceProfile, AWorkingSetReadAtTheThresholdMovesTheCacheALittle) {
  // 32 MiB read just above and just below sqrt(80 x 30) = 49 GB/s: the cache comes out at about
  // 32 MiB both times (it read 32 MiB, then 16 MiB, when it was the largest working set read that fast).
  const std::vector<int64_t> sizes = {8 << 20, 16 << 20, 32 << 20, 64 << 20};
  const double threshold = std::sqrt(80e9 * 30e9);
  const int64_t above = CacheBytesFromSweep(sizes, {80e9, 75e9, threshold + 1e9, 32e9}, 30e9);
  const int64_t below = CacheBytesFromSweep(sizes, {80e9, 75e9, threshold - 1e9, 32e9}, 30e9);
  EXPECT_GE(above, 32 << 20);
  EXPECT_LT(below, 32 << 20);
  EXPECT_LT(static_cast<double>(above) / static_cast<double>(below), 1.1);
}

TEST(DeviceProfile, TheMedianOfThreeSweepsPassesOverOneThatReadMoreCache) {
  const std::vector<int64_t> sizes = {4 << 20, 16 << 20, 32 << 20, 64 << 20};
  const std::vector<ReadSweep> sweeps = {{10e9, sizes, {40e9, 35e9, 12e9, 10e9}},
                                         {12e9, sizes, {42e9, 30e9, 30e9, 12e9}},  // 32 MiB read from cache once
                                         {9e9, sizes, {38e9, 33e9, 11e9, 9e9}}};
  const ReadSweep median = MedianSweep(sweeps);
  EXPECT_EQ(median.memory_bytes_per_s, 10e9);
  EXPECT_EQ(median.bytes, sizes);
  EXPECT_EQ(median.bytes_per_s, (std::vector<double>{40e9, 33e9, 12e9, 10e9}));
  EXPECT_GT(CacheBytesFromSweep(sweeps[1].bytes, sweeps[1].bytes_per_s, sweeps[1].memory_bytes_per_s), 32 << 20);
  EXPECT_LT(CacheBytesFromSweep(median.bytes, median.bytes_per_s, median.memory_bytes_per_s), 32 << 20);
}

TEST(DeviceProfile, DecodeMarginIsTheNinetiethPercentileOfTheRounds) {
  EXPECT_EQ(DecodeMarginOverRounds({0.07}), 0.07);                          // the probe's one round
  EXPECT_EQ(DecodeMarginOverRounds({-0.05}), 0.0);                          // ran faster than predicted: no margin
  EXPECT_EQ(DecodeMarginOverRounds({0.02, 0.30, 0.05, 0.01, 0.04}), 0.30);  // up to 9 rounds: the largest
  std::vector<double> twenty;
  for (int i = 1; i <= 20; ++i) twenty.push_back(0.01 * i);
  EXPECT_DOUBLE_EQ(DecodeMarginOverRounds(twenty), 0.18);  // rank 18 of 20: two rounds ran past it
  EXPECT_EQ(WatchRounds(3.0), 1);                          // at least one
  EXPECT_EQ(WatchRounds(600.0), 60);
}

}  // namespace
}  // namespace elastiq
