// Pretraining on a learnable synthetic token stream: the loss falls, a run killed after a
// checkpoint resumes to exactly the uninterrupted trajectory, and bad resumes are refused.
#include "supernet/pretrain.h"

#include <gtest/gtest.h>

#include <random>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/text/token_ids.h"
#include "supernet/model_io.h"
#include "tests/common/tiny_training.h"

namespace elastiq {
namespace {

constexpr const char* kConfig =
    R"({"name":"pt","vocab_size":40,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})";

PretrainOptions Options(const testing::ScratchDir& dir, const std::string& config_json = kConfig) {
  testing::WriteTinyTrainingInputs(dir, config_json);
  PretrainOptions o = testing::TinyPretrainOptions(dir, 12, "out.h5");
  o.eval_every = 4;
  o.eval_tokens = 256;
  return o;
}

TEST(Pretrain, LossFallsAndTheFileIsAValidCheckpoint) {
  testing::ScratchDir dir;
  PretrainOptions o = Options(dir);
  o.steps = 80;
  o.eval_every = 40;
  PretrainSummary s = RunPretrain(o);
  ASSERT_EQ(s.loss_history.size(), 80u);
  EXPECT_LT(s.loss_history.back(), s.loss_history.front() - 1.0f);
  EXPECT_LT(s.val_metric, 20.0);  // perplexity; uniform over 40 tokens would be 40
  ModelFile f = ModelFile::Open(o.out);
  EXPECT_EQ(f.kind(), kKindCheckpoint);
  EXPECT_EQ(f.TokenizerBytes(), "opaque tokenizer bytes");
  EXPECT_NEAR(f.Entry("maxnet").metrics["val_perplexity"].get<double>(), s.val_metric, 1e-9);
}

TEST(Pretrain, KilledRunResumesOnTheSameTrajectory) {
  testing::ScratchDir full_dir, killed_dir;
  PretrainOptions full = Options(full_dir);
  PretrainSummary uninterrupted = RunPretrain(full);

  PretrainOptions killed = Options(killed_dir);
  killed.stop_after = 6;  // checkpoint at step 4; steps 5 and 6 are lost with the "kill"
  EXPECT_TRUE(RunPretrain(killed).stopped_early);
  EXPECT_EQ(ModelFile::Open(killed.out).h5().GetIntAttr("/train_state", "step"), 4);
  killed.stop_after = 0;
  killed.resume = true;
  PretrainSummary resumed = RunPretrain(killed);
  EXPECT_EQ(resumed.loss_history, uninterrupted.loss_history);  // bit for bit
  SuperTransformer a = LoadSuperTransformer(ModelFile::Open(full.out));
  SuperTransformer b = LoadSuperTransformer(ModelFile::Open(killed.out));
  auto pa = a->named_parameters(), pb = b->named_parameters();
  for (auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

TEST(Pretrain, ResumeWithADifferentConfigIsRefused) {
  testing::ScratchDir dir;
  PretrainOptions o = Options(dir);
  o.steps = 4;
  RunPretrain(o);
  std::string other = kConfig;
  other.replace(other.find("\"ffn_dim\":64"), 12, "\"ffn_dim\":96");
  WriteFileAtomically(dir / "config.json", other);
  o.resume = true;
  o.steps = 8;
  try {
    RunPretrain(o);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("different config (ffn_dim: 64 vs 96)"), std::string::npos) << e.what();
  }
  o.out = dir / "absent.h5";
  EXPECT_THROW(RunPretrain(o), UserError);
}

TEST(Pretrain, ASubnetShapeTrainsOnlyItsSliceFromTheGivenWeights) {
  testing::ScratchDir dir;
  PretrainOptions o = Options(dir);
  o.steps = 4;
  RunPretrain(o);  // the "palette" whose weights and entries the subnet run starts from
  {
    ModelFile full = ModelFile::Open(o.out);
    ModelFileWriter w(dir / "shapes.h5", full.config(), kKindPalette, full.TokenizerBytes());
    SuperTransformer m = LoadSuperTransformer(full);
    WriteWeights(m, w);
    SubnetSpec half = MaxnetSpec(full.config());
    half.name = "half";
    half.d_model = 16;
    half.ffn_dim = {32};
    half.layers = {0};
    w.AddPaletteEntry({half, {}});
    w.Commit();
  }
  PretrainOptions sub = Options(dir);
  sub.config.clear();
  sub.shape_from = dir / "shapes.h5";
  sub.subnet = "half";
  sub.init_from = dir / "shapes.h5";
  sub.out = dir / "half.h5";
  sub.steps = 20;
  PretrainSummary s = RunPretrain(sub);
  EXPECT_LT(s.loss_history.back(), s.loss_history.front());
  ModelFile trained = ModelFile::Open(sub.out);
  ASSERT_EQ(trained.palette().size(), 1u);
  EXPECT_EQ(trained.palette()[0].spec.name, "half");
  EXPECT_EQ(trained.palette()[0].spec.layers, std::vector<int>{0});
  SuperTransformer before = LoadSuperTransformer(ModelFile::Open(sub.shape_from)),
                   after = LoadSuperTransformer(trained);
  auto b = before->named_parameters(), a = after->named_parameters();
  EXPECT_TRUE(torch::equal(b["layers.1.wq"], a["layers.1.wq"]));  // layer 1 is not in the slice
  // Rows outside the slice get zero gradients: AdamW's decoupled decay only shrinks them.
  EXPECT_TRUE(torch::allclose(b["layers.0.w_up"].narrow(0, 32, 32) * (a["layers.0.w_up"].narrow(0, 32, 32)[0][0] /
                                                                      b["layers.0.w_up"].narrow(0, 32, 32)[0][0]),
                              a["layers.0.w_up"].narrow(0, 32, 32), 1e-5, 1e-7));
  EXPECT_FALSE(torch::equal(b["layers.0.w_up"].narrow(0, 0, 32), a["layers.0.w_up"].narrow(0, 0, 32)));

  PretrainOptions bad = sub;
  bad.config = dir / "config.json";  // both a config and a shape
  EXPECT_THROW(RunPretrain(bad), UserError);
  bad = sub;
  bad.shape_from.clear();  // neither
  EXPECT_THROW(RunPretrain(bad), UserError);
  bad = sub;
  bad.subnet = "absent";
  EXPECT_THROW(RunPretrain(bad), UserError);
}

TEST(Pretrain, VocabularyMismatchIsRefused) {
  testing::ScratchDir dir;
  std::string cfg = kConfig;
  cfg.replace(cfg.find("\"vocab_size\":40"), 15, "\"vocab_size\":64");
  PretrainOptions o = Options(dir, cfg);
  EXPECT_THROW(RunPretrain(o), UserError);
}

TEST(Pretrain, EncoderLearnsALabel) {
  testing::ScratchDir dir;
  // Label 1 iff token 5 occurs in the example.
  std::mt19937 rng(3);
  LabelledTokens train{.vocab_size = 40, .class_names = {"no", "yes"}}, val = train;
  for (LabelledTokens* d : {&train, &val}) {
    d->offsets = {0};
    for (int i = 0; i < (d == &train ? 400 : 100); ++i) {
      int len = 4 + static_cast<int>(rng() % 8);
      bool yes = rng() % 2;
      for (int t = 0; t < len; ++t) d->ids.push_back(6 + static_cast<int32_t>(rng() % 30));
      if (yes) d->ids[d->ids.size() - 1 - rng() % static_cast<unsigned>(len)] = 5;
      d->offsets.push_back(static_cast<int64_t>(d->ids.size()));
      d->labels.push_back(yes);
    }
  }
  PretrainOptions o = Options(
      dir,
      R"({"name":"enc","kind":"encoder","n_classes":2,"vocab_size":40,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})");
  WriteLabelledTokens(o.train_ids, train);
  WriteLabelledTokens(o.val_ids, val);
  o.steps = 150;
  o.batch_size = 16;
  o.eval_every = 150;
  o.eval_tokens = 100 * 16;
  PretrainSummary s = RunPretrain(o);
  EXPECT_GT(s.val_metric, 0.9);  // accuracy; chance is 0.5
}

}  // namespace
}  // namespace elastiq
