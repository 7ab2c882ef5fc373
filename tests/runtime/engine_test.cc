// The runtime engine on its own (no LibTorch): a subnet run from the maxnet's file computes what a
// separate model file holding exactly the sliced weights computes; prefill equals token-by-token
// decoding; Reset replays the same logits; a context overflow is a UserError.
#include "src/runtime/engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "src/core/error.h"
#include "src/format/random_model.h"
#include "src/format/weight_layout.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// head_dim 16; the subnet below keeps it (d_model 32 over 2 query heads).
constexpr const char* kMaxnet =
    R"({"name":"e","vocab_size":96,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":32})";
constexpr const char* kSliced =
    R"({"name":"e","vocab_size":96,"d_model":32,"n_layers":2,"n_heads":2,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":32})";

const std::vector<int> kTokens = {1, 17, 5, 90, 33, 2, 64, 8};

// A model file whose weights are the maxnet file's, cut to `sliced`'s shapes by prefix.
void WriteSlicedCopy(const std::string& maxnet_path, const std::string& path, const ModelConfig& sliced) {
  const ModelFile maxnet = ModelFile::Open(maxnet_path);
  ModelFileWriter w(path, sliced, kKindCheckpoint, "");
  const std::vector<WeightShape> full = MaxnetWeightShapes(maxnet.config());
  for (const WeightShape& s : MaxnetWeightShapes(sliced)) {
    const WeightShape& f =
        *std::find_if(full.begin(), full.end(), [&](const WeightShape& x) { return x.name == s.name; });
    const int64_t full_cols = f.shape.size() == 2 ? f.shape[1] : 1, cols = s.shape.size() == 2 ? s.shape[1] : 1;
    const std::vector<float> v = testing::PrefixRows(maxnet.ReadWeight(s.name), full_cols, s.shape[0], cols);
    w.WriteWeight(s.name, s.shape, v.data());
  }
  w.AddPaletteEntry({MaxnetSpec(sliced), {}});
  w.Commit();
}

std::vector<float> Logits(Engine& engine, const std::vector<int>& tokens) {
  std::span<const float> l = engine.Feed(tokens);
  return {l.begin(), l.end()};
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tolerance) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tolerance) << "logit " << i;
}

TEST(Engine, SubnetOfTheMaxnetEqualsAModelOfItsSlicedWeights) {
  testing::ScratchDir dir;
  const ModelConfig maxnet = ParseModelConfig(kMaxnet, "maxnet"), sliced = ParseModelConfig(kSliced, "sliced");
  WriteRandomModel(dir / "max.h5", maxnet, 3, "");
  WriteSlicedCopy(dir / "max.h5", dir / "sliced.h5", sliced);
  const SubnetSpec spec{"sub", {0, 1}, 32, {64, 64}, 1, 0};
  auto max_store = WeightStore::Open(dir / "max.h5"), sliced_store = WeightStore::Open(dir / "sliced.h5");
  Engine from_maxnet(*max_store, spec, {.threads = 1});
  Engine from_slices(*sliced_store, MaxnetSpec(sliced), {.threads = 1});
  ExpectNear(Logits(from_maxnet, kTokens), Logits(from_slices, kTokens), 1e-5f);
  // And it is another function than the maxnet's.
  Engine whole(*max_store, MaxnetSpec(maxnet), {.threads = 1});
  const std::vector<float> a = Logits(whole, kTokens), b = Logits(from_slices, kTokens);
  float max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) max_diff = std::max(max_diff, std::abs(a[i] - b[i]));
  EXPECT_GT(max_diff, 1e-3f);
}

TEST(Engine, PrefillEqualsTokenByTokenDecodingAndResetReplays) {
  testing::ScratchDir dir;
  const ModelConfig c = ParseModelConfig(kMaxnet, "maxnet");
  WriteRandomModel(dir / "m.h5", c, 4, "");
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, MaxnetSpec(c), {.threads = 2});
  const std::vector<float> prefill = Logits(engine, kTokens);
  EXPECT_EQ(engine.position(), static_cast<int>(kTokens.size()));
  engine.Reset();
  std::vector<float> decoded;
  for (int t : kTokens) decoded = Logits(engine, {t});
  ExpectNear(decoded, prefill, 1e-4f);
  engine.Reset();
  EXPECT_EQ(Logits(engine, kTokens), prefill);
}

TEST(Engine, FeedingPastTheContextIsAUserError) {
  testing::ScratchDir dir;
  const ModelConfig c = ParseModelConfig(kMaxnet, "maxnet");
  WriteRandomModel(dir / "m.h5", c, 5, "");
  auto store = WeightStore::Open(dir / "m.h5");
  Engine engine(*store, MaxnetSpec(c), {.threads = 1, .context = 8});
  engine.Feed(kTokens);
  const int one_more = 3;
  EXPECT_THROW(engine.Feed(std::span(&one_more, 1)), UserError);
}

}  // namespace
}  // namespace elastiq
