// LibTorch <-> model file: parameter names are the file's canonical names, round trip is bit-exact.
#include "supernet/model_io.h"

#include <gtest/gtest.h>

#include <set>

#include "src/format/weight_layout.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"io","kind":"encoder","n_classes":2,"vocab_size":50,"d_model":32,"n_layers":2,"repeat":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":48,"max_seq_len":16})",
      "io");
}

TEST(ModelIo, ParameterNamesAreTheCanonicalWeightNames) {
  SuperTransformer m(Config());
  std::set<std::string> torch_names, file_names;
  for (auto& p : m->named_parameters()) torch_names.insert(p.key());
  for (const WeightShape& w : MaxnetWeightShapes(Config())) file_names.insert(w.name);
  EXPECT_EQ(torch_names, file_names);
  for (auto& p : m->named_parameters()) {
    for (const WeightShape& w : MaxnetWeightShapes(Config())) {
      if (w.name == p.key()) {
        EXPECT_EQ(p.value().sizes().vec(), w.shape) << w.name;
      }
    }
  }
}

TEST(ModelIo, CheckpointRoundTripIsBitExact) {
  testing::ScratchDir dir;
  SuperTransformer m(Config());
  m->ResetParameters(42);
  ModelFileWriter w(dir / "m.h5", Config(), kKindCheckpoint, "tok");
  WriteWeights(m, w);
  w.AddPaletteEntry({MaxnetSpec(Config()), {}});
  w.Commit();
  SuperTransformer back = LoadSuperTransformer(ModelFile::Open(dir / "m.h5"));
  auto a = m->named_parameters(), b = back->named_parameters();
  for (auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  torch::NoGradGuard g;
  torch::Tensor ids = torch::randint(4, 50, {2, 7}, torch::kLong);
  EXPECT_TRUE(torch::equal(m->forward(ids, MaxnetSpec(Config())), back->forward(ids, MaxnetSpec(Config()))));
}

}  // namespace
}  // namespace elastiq
