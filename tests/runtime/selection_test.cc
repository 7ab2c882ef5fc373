// Memory-aware selection: the policy table (budget -> entry), ranking by measured quality, the
// error when nothing fits, `auto` from a probe; and footprint properties.
#include "src/runtime/selection.h"

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/format/random_model.h"
#include "src/runtime/engine.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"sel","vocab_size":512,"d_model":128,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":256,"max_seq_len":128})",
      "sel");
}

// maxnet (best), medium, small (worst) with validation perplexities.
std::string WritePalette(const testing::ScratchDir& dir) {
  const ModelConfig c = Config();
  std::vector<PaletteEntry> extra = {
      {SubnetSpec{"small", {0, 3}, 64, {64, 64}, 1, 0}, {{"val_perplexity", 40.0}}},
      {SubnetSpec{"medium", {0, 1, 2, 3}, 96, {128, 128, 128, 128}, 2, 0}, {{"val_perplexity", 25.0}}},
  };
  WriteRandomModel(dir / "p.h5", c, 1, "", extra);
  // Give the maxnet a measured quality too (WriteRandomModel marks it random).
  return dir / "p.h5";
}

int64_t FootprintOf(const ModelFile& f, const std::string& name, WeightFormat format, int context,
                    KvCacheFormat kv_cache = KvCacheFormat::kF32) {
  return EstimateFootprint(f.config(), f.Entry(name).spec, format, kv_cache, context, 1, context).total();
}

TEST(Footprint, GrowsWithTheEntryAndTheContextAndShrinksWhenQuantized) {
  testing::ScratchDir dir;
  ModelFile f = ModelFile::Open(WritePalette(dir));
  EXPECT_LT(FootprintOf(f, "small", WeightFormat::kF32, 64), FootprintOf(f, "medium", WeightFormat::kF32, 64));
  EXPECT_LT(FootprintOf(f, "medium", WeightFormat::kF32, 64), FootprintOf(f, "maxnet", WeightFormat::kF32, 64));
  EXPECT_LT(FootprintOf(f, "maxnet", WeightFormat::kF32, 32), FootprintOf(f, "maxnet", WeightFormat::kF32, 128));
  EXPECT_LT(FootprintOf(f, "maxnet", WeightFormat::kW8A8, 64), FootprintOf(f, "maxnet", WeightFormat::kF32, 64));
  EXPECT_LT(FootprintOf(f, "maxnet", WeightFormat::kTernary, 64), FootprintOf(f, "maxnet", WeightFormat::kW8A8, 64));
  // KV cache: 4 layers x 2 (k, v) x 128 tokens x 2 KV heads x 32 x 4 bytes (fp32) or 2 bytes (fp16).
  const SubnetSpec& maxnet = f.Entry("maxnet").spec;
  const Footprint f32 = EstimateFootprint(f.config(), maxnet, WeightFormat::kF32, KvCacheFormat::kF32, 128, 1, 1);
  const Footprint f16 = EstimateFootprint(f.config(), maxnet, WeightFormat::kF32, KvCacheFormat::kF16, 128, 1, 1);
  EXPECT_EQ(f32.kv_cache, 4 * 2 * 128 * 64 * 4);
  EXPECT_EQ(f16.kv_cache, 4 * 2 * 128 * 64 * 2);
  EXPECT_EQ(f16.weights, f32.weights);
  EXPECT_EQ(f16.scratch, f32.scratch);
}

TEST(Footprint, MatchesWhatTheEngineAllocatesForTheKvCache) {
  testing::ScratchDir dir;
  auto store = WeightStore::Open(WritePalette(dir));
  for (KvCacheFormat kv : {KvCacheFormat::kF32, KvCacheFormat::kF16}) {
    for (const char* name : {"small", "maxnet"}) {
      const SubnetSpec& spec = store->file().Entry(name).spec;
      Engine engine(*store, spec, {.threads = 1, .context = 96, .kv_cache = kv});
      EXPECT_EQ(engine.kv_cache_bytes(),
                EstimateFootprint(store->config(), spec, WeightFormat::kF32, kv, 96, 1, 1).kv_cache)
          << name << " " << KvCacheFormatName(kv);
      EXPECT_EQ(engine.kv_cache_format(), kv);
    }
  }
}

// A budget between an entry's fp16-cache and fp32-cache footprints: the smaller cache lets it fit.
TEST(Selection, CountsTheFp16CacheAsSmaller) {
  testing::ScratchDir dir;
  ModelFile f = ModelFile::Open(WritePalette(dir));
  const int64_t medium_f16 = FootprintOf(f, "medium", WeightFormat::kF32, 128, KvCacheFormat::kF16);
  const int64_t medium_f32 = FootprintOf(f, "medium", WeightFormat::kF32, 128);
  ASSERT_LT(medium_f16, medium_f32);
  MemoryProbe probe;
  const std::string budget = std::to_string(medium_f16);
  EXPECT_EQ(SelectEntry(f, {.budget = budget, .kv_cache = KvCacheFormat::kF16}, probe).choice().name, "medium");
  EXPECT_EQ(SelectEntry(f, {.budget = budget}, probe).choice().name, "small");
}

TEST(Selection, PolicyTable) {
  testing::ScratchDir dir;
  ModelFile f = ModelFile::Open(WritePalette(dir));
  const int64_t small = FootprintOf(f, "small", WeightFormat::kF32, 128);
  const int64_t medium = FootprintOf(f, "medium", WeightFormat::kF32, 128);
  const int64_t maxnet = FootprintOf(f, "maxnet", WeightFormat::kF32, 128);
  MemoryProbe probe;
  // Ranking: entries with a measured perplexity (medium 25, small 40) outrank the unmeasured maxnet.
  struct Row {
    int64_t budget;
    const char* expected;
  };
  for (Row row : {Row{maxnet * 2, "medium"}, Row{medium, "medium"}, Row{medium - 1, "small"}, Row{small, "small"}}) {
    Selection s = SelectEntry(f, {.budget = std::to_string(row.budget)}, probe);
    EXPECT_EQ(s.choice().name, row.expected) << "budget " << row.budget;
    EXPECT_EQ(s.ranked[0].name, "medium");
    EXPECT_NE(DescribeSelection(s).find("-> " + std::string(row.expected)), std::string::npos);
  }
  try {
    SelectEntry(f, {.budget = std::to_string(small - 1)}, probe);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("smallest entry, \"small\", which needs " + FormatBytes(small)),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(SelectEntry(f, {.budget = "lots"}, probe), UserError);
  EXPECT_THROW(SelectEntry(f, {.budget = "1G", .context = 4096}, probe), UserError);
}

TEST(Selection, AutoUsesAFractionOfWhatCanBeSpared) {
  testing::ScratchDir dir;
  ModelFile f = ModelFile::Open(WritePalette(dir));
  const int64_t medium = FootprintOf(f, "medium", WeightFormat::kF32, 128);
  MemoryProbe probe;
  probe.mem_available = 4 * medium;
  probe.cgroup_version = "v2";
  probe.cgroup_limit = 3 * medium;
  probe.cgroup_usage = medium;  // the cgroup leaves 2 x medium
  Selection s = SelectEntry(f, {.budget = "auto", .fraction = 0.5}, probe);
  EXPECT_EQ(s.budget, medium);
  EXPECT_EQ(s.choice().name, "medium");
  s = SelectEntry(f, {.budget = "auto", .fraction = 0.4}, probe);
  EXPECT_EQ(s.choice().name, "small");
  MemoryProbe unknown;
  EXPECT_THROW(SelectEntry(f, {.budget = "auto"}, unknown), UserError);
}

}  // namespace
}  // namespace elastiq
