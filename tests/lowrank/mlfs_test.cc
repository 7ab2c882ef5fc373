// MLFS on a tiny teacher pretrained here: the run writes a supernet file every reader accepts, a
// run killed across the stage-0 -> 1 transition resumes exactly, and wrong inputs are refused.
#include "lowrank/mlfs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lowrank/palette_search.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "supernet/model_io.h"
#include "supernet/pretrain.h"
#include "tests/common/synthetic_profile.h"
#include "tests/common/tiny_training.h"
#include "tools/palette_targets.h"

namespace elastiq {
namespace {

constexpr const char* kConfig =
    R"({"name":"mt","vocab_size":40,"d_model":32,"n_layers":3,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})";

// A teacher pretrained for a few steps, shared by the tests of this file.
class Mlfs : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    testing::WriteTinyTrainingInputs(*dir_, kConfig);
    RunPretrain(testing::TinyPretrainOptions(*dir_, 30, "teacher.h5"));
  }
  static void TearDownTestSuite() { delete dir_; }

  // A small palette search over the supernet in `out_dir`.
  static PaletteOptions PaletteOptionsFor(const testing::ScratchDir& out_dir) {
    PaletteOptions p;
    p.supernet = out_dir / "supernet.h5";
    p.val_ids = *dir_ / "val.h5";
    p.out = out_dir / "palette.h5";
    p.candidates = 3;
    p.proxy_tokens = 32;
    p.eval_tokens = 64;
    p.threads = 1;
    return p;
  }
  static MlfsOptions Options(const testing::ScratchDir& out_dir) {
    MlfsOptions o;
    o.teacher = *dir_ / "teacher.h5";
    testing::UseTinyInputsQuietly(*dir_, o);
    o.out = out_dir / "supernet.h5";
    o.stage0_steps = 3;
    o.stage1_steps = 3;
    o.stage2_steps = 3;
    o.subnets_per_step = 3;
    o.rank = 4;
    o.rewire_batches = 2;
    o.batch_size = 4;
    o.eval_every = 9;
    o.checkpoint_every = 2;
    o.eval_tokens = 64;
    return o;
  }
  static testing::ScratchDir* dir_;
};
testing::ScratchDir* Mlfs::dir_ = nullptr;

bool SameLosses(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < a[i].size(); ++j) {
      if (std::isnan(a[i][j]) != std::isnan(b[i][j]) || (!std::isnan(a[i][j]) && a[i][j] != b[i][j])) return false;
    }
  }
  return true;
}

// RunMlfs(o) throws a UserError whose message contains `message`.
void ExpectRefused(const MlfsOptions& o, const std::string& message) {
  try {
    RunMlfs(o);
    FAIL() << "expected: " << message;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(MlfsLosses, StagesFollowTheStepCounts) {
  MlfsOptions o;
  o.stage0_steps = 2;
  o.stage1_steps = 3;
  o.stage2_steps = 1;
  EXPECT_EQ(MlfsStage(o, 0), 0);
  EXPECT_EQ(MlfsStage(o, 1), 0);
  EXPECT_EQ(MlfsStage(o, 2), 1);
  EXPECT_EQ(MlfsStage(o, 4), 1);
  EXPECT_EQ(MlfsStage(o, 5), 2);
}

TEST_F(Mlfs, WritesASupernetThatEveryReaderAccepts) {
  testing::ScratchDir out;
  MlfsSummary s = RunMlfs(Options(out));
  ASSERT_EQ(s.losses.size(), 9u);
  EXPECT_TRUE(std::isnan(s.losses[0][1]));  // stage 0 trains the maxnet only
  for (size_t step = 3; step < 9; ++step) {
    for (float l : s.losses[step]) EXPECT_TRUE(std::isfinite(l)) << step;
  }
  ModelFile f = ModelFile::Open(out / "supernet.h5");
  EXPECT_EQ(f.kind(), kKindSupernet);
  EXPECT_EQ(f.TokenizerBytes(), "opaque tokenizer bytes");
  ASSERT_EQ(f.palette().size(), 2u);
  EXPECT_EQ(f.palette()[0].spec.name, "maxnet");
  EXPECT_EQ(f.palette()[1].spec.name, "smallest");
  EXPECT_EQ(f.palette()[1].spec.layers, (std::vector<int>{0, 2}));  // default depths {2, 3}, evenly spaced
  EXPECT_NEAR(f.palette()[1].metrics["val_perplexity"].get<double>(), s.val_metric_smallest, 1e-9);
  EXPECT_TRUE(f.h5().Exists("/adapters/layers_0_wq_A"));
  EXPECT_EQ(f.h5().GetIntAttr("/adapters", "rank"), 4);
  EXPECT_TRUE(f.h5().HasAttr("/", "subnet_space"));
  EXPECT_LT(s.val_metric_maxnet, 40.0);  // better than uniform over 40 tokens
}

TEST_F(Mlfs, KilledRunResumesOnTheSameTrajectory) {
  testing::ScratchDir full_dir, killed_dir;
  MlfsSummary uninterrupted = RunMlfs(Options(full_dir));

  MlfsOptions killed = Options(killed_dir);
  killed.stop_after = 3;  // checkpoint at step 2; step 3 is lost, so the resume crosses the stage 0 -> 1 merge
  EXPECT_TRUE(RunMlfs(killed).stopped_early);
  EXPECT_EQ(ModelFile::Open(killed.out).h5().GetIntAttr("/train_state", "step"), 2);
  killed.stop_after = 0;
  killed.resume = true;
  MlfsSummary resumed = RunMlfs(killed);
  EXPECT_TRUE(SameLosses(resumed.losses, uninterrupted.losses));
  EXPECT_EQ(resumed.val_metric_smallest, uninterrupted.val_metric_smallest);
  MlfsSummary complete = RunMlfs(killed);  // nothing left to train: reports the checkpoint's metrics
  EXPECT_EQ(complete.steps, 9);
  EXPECT_EQ(complete.val_metric_maxnet, uninterrupted.val_metric_maxnet);
  SuperTransformer a = LoadSuperTransformer(ModelFile::Open(full_dir / "supernet.h5"));
  SuperTransformer b = LoadSuperTransformer(ModelFile::Open(killed.out));
  auto pb = b->named_parameters();
  for (auto& p : a->named_parameters()) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

TEST_F(Mlfs, MaxnetKdAndSubnetTaskAddTheirTermsFromStageOne) {
  testing::ScratchDir plain_dir, extra_dir;
  MlfsSummary plain = RunMlfs(Options(plain_dir));
  MlfsOptions o = Options(extra_dir);
  o.maxnet_kd = 1.0;
  o.subnet_task = 0.5;
  MlfsSummary extra = RunMlfs(o);
  ASSERT_EQ(extra.losses.size(), plain.losses.size());
  for (size_t step = 0; step < 3; ++step)
    EXPECT_EQ(extra.losses[step][0], plain.losses[step][0]) << "stage 0, step " << step;
  // First stage-1 step: the fresh adapters are zero, so the maxnet is the stage-0 teacher (KL 0) ...
  EXPECT_NEAR(extra.losses[3][0], plain.losses[3][0], 1e-6);
  // ... while each smaller subnet adds half its next-token loss (above 1 nat on this tiny model).
  for (size_t j = 1; j < 3; ++j) EXPECT_GT(extra.losses[3][j], plain.losses[3][j] + 0.5) << "subnet " << j;
  // Afterwards the adapters differ and the maxnet carries the KL to the teacher.
  EXPECT_NE(extra.losses[8][0], plain.losses[8][0]);
  for (float l : extra.losses[8]) EXPECT_TRUE(std::isfinite(l));
}

// --subnet-teacher frozen: at the first stage-1 step the fresh adapters are zero, so the maxnet is the
// stage-0 teacher and every loss equals the default run's; afterwards the maxnet moves and the smaller
// subnets, distilling from the frozen teacher instead, do not.
TEST_F(Mlfs, SubnetsDistilFromTheFrozenTeacherWhenAsked) {
  testing::ScratchDir plain_dir, frozen_dir;
  MlfsSummary plain = RunMlfs(Options(plain_dir));
  MlfsOptions o = Options(frozen_dir);
  o.subnet_teacher = "frozen";
  MlfsSummary frozen = RunMlfs(o);
  ASSERT_EQ(frozen.losses.size(), plain.losses.size());
  for (size_t j = 0; j < 3; ++j) EXPECT_NEAR(frozen.losses[3][j], plain.losses[3][j], 1e-5) << "subnet " << j;
  EXPECT_EQ(frozen.losses[4][0], plain.losses[4][0]);  // the maxnet's own loss does not depend on it
  EXPECT_NE(frozen.losses[8][1], plain.losses[8][1]);
  o.subnet_teacher = "moving";
  ExpectRefused(o,
                "--subnet-teacher must be maxnet (the moving maxnet) or frozen (the stage-0 teacher), got \"moving\"");
}

// --train-base: W0 moves in stages 1-2 while a frozen copy of the stage-0 teacher (what the default
// run keeps as W0 throughout) is checkpointed, and a run killed in stage 1 resumes exactly.
TEST_F(Mlfs, TrainBaseMovesW0FromTheFrozenStageZeroTeacherAndResumes) {
  testing::ScratchDir frozen_dir, full_dir, killed_dir;
  MlfsOptions frozen = Options(frozen_dir);
  frozen.maxnet_kd = 1.0;
  RunMlfs(frozen);
  MlfsOptions o = Options(full_dir);
  o.maxnet_kd = 1.0;
  o.train_base = true;
  MlfsSummary uninterrupted = RunMlfs(o);
  // --base-lr-scale 0.1: W0 moves, about a tenth as far from the stage-0 teacher (Adam's steps scale with the lr).
  testing::ScratchDir slow_dir;
  MlfsOptions slow = Options(slow_dir);
  slow.maxnet_kd = 1.0;
  slow.train_base = true;
  slow.base_lr_scale = 0.1;
  RunMlfs(slow);

  const ModelFile frozen_file = ModelFile::Open(frozen.out), trained_file = ModelFile::Open(o.out);
  const ModelFile slow_file = ModelFile::Open(slow.out);
  EXPECT_FALSE(frozen_file.h5().Exists("/train_state/teacher"));
  int moved = 0, count = 0;
  double full_shift = 0, slow_shift = 0;
  for (auto& p : LoadSuperTransformer(frozen_file)->named_parameters()) {
    const auto shape = p.value().sizes();
    const std::string base = "/train_state/base/" + p.key();
    torch::Tensor stage0 = ReadTensor(frozen_file.h5(), base, shape),
                  trained = ReadTensor(trained_file.h5(), base, shape);
    EXPECT_TRUE(torch::equal(ReadTensor(trained_file.h5(), "/train_state/teacher/" + p.key(), shape), stage0))
        << p.key();
    moved += !torch::equal(trained, stage0);
    ++count;
    full_shift += (trained - stage0).abs().sum().item<double>();
    slow_shift += (ReadTensor(slow_file.h5(), base, shape) - stage0).abs().sum().item<double>();
  }
  EXPECT_EQ(moved, count);  // every base tensor trains, embeddings and norms included
  EXPECT_GT(slow_shift, 0.0);
  EXPECT_LT(slow_shift, 0.3 * full_shift);

  MlfsOptions killed = Options(killed_dir);
  killed.maxnet_kd = 1.0;
  killed.train_base = true;
  killed.stop_after = 5;  // checkpoint at step 4, in stage 1
  EXPECT_TRUE(RunMlfs(killed).stopped_early);
  killed.stop_after = 0;
  killed.resume = true;
  killed.train_base = false;
  ExpectRefused(killed, "was trained with --train-base");  // resumed without it
  killed.train_base = true;
  EXPECT_TRUE(SameLosses(RunMlfs(killed).losses, uninterrupted.losses));
}

// The palette search over the targets the command line would plan.
std::vector<PaletteEntry> Search(const PaletteOptions& p) {
  return RunPaletteSearch(p, PlanPaletteTargets(p, ModelFile::Open(p.supernet), /*sizes_given=*/false));
}

TEST_F(Mlfs, PaletteSpansTheRequestedSizes) {
  testing::ScratchDir out;
  RunMlfs(Options(out));
  PaletteOptions p = PaletteOptionsFor(out);
  p.sizes = {1.0, 0.5, 0.25};
  std::vector<PaletteEntry> entries = Search(p);
  ModelFile f = ModelFile::Open(p.out);
  EXPECT_EQ(f.kind(), kKindPalette);
  ASSERT_EQ(f.palette().size(), 3u);
  const ModelConfig& c = f.config();
  const int64_t full = CountParams(c, MaxnetSpec(c)).total();
  EXPECT_EQ(entries[2].spec.name, "p25");
  EXPECT_TRUE(IsMaxnet(f.Entry("p100").spec, c) || CountParams(c, f.Entry("p100").spec).total() <= full);
  for (const PaletteEntry& e : f.palette()) {
    EXPECT_LE(CountParams(c, e.spec).total(), e.metrics["requested_size"].get<double>() * full);
    EXPECT_GT(e.metrics["val_perplexity"].get<double>(), 1.0);
    EXPECT_EQ(e.metrics["val_tokens"].get<int64_t>(), 64);  // whole windows spread over the 2000-token split
    EXPECT_EQ(e.metrics["val_sample"], "spread");
  }
  EXPECT_GE(static_cast<double>(full) / CountParams(c, f.Entry("p25").spec).total(), 4.0);
  // The palette's weights are the supernet's.
  EXPECT_EQ(f.ReadWeight("layers.0.wq"), ModelFile::Open(p.supernet).ReadWeight("layers.0.wq"));
  p.supernet = *dir_ / "teacher.h5";
  EXPECT_THROW(Search(p), UserError);
}

TEST_F(Mlfs, DevicePaletteEntriesMeetTheirBudgetsOnTheProfile) {
  testing::ScratchDir out;
  RunMlfs(Options(out));
  testing::ScratchDir profiles;
  SaveDeviceProfile(testing::SyntheticProfile(1), profiles / "d.json");
  PaletteOptions p = PaletteOptionsFor(out);
  p.device = profiles / "d.json";
  p.context = 16;
  // Budgets between the smallest and the largest subnet's predicted decode time.
  const ModelFile supernet = ModelFile::Open(p.supernet);
  const ModelConfig& c = supernet.config();
  const DevicePlanRequest request{WeightFormat::kF32, KvCacheFormat::kF16, 16, {}, {}, 3};
  const DeviceProfile profile = LoadDeviceProfile(p.device);
  const double largest = CostOn(profile, c, MaxnetSpec(c), request).decode_ms;
  const double smallest = CostOn(profile, c, SmallestSubnet(supernet.StoredSubnetSpace(), c, false), request).decode_ms;
  p.latency_ms = {largest, (largest + smallest) / 2, smallest};
  Search(p);
  const ModelFile f = ModelFile::Open(p.out);
  ASSERT_EQ(f.palette().size(), 3u);
  for (const PaletteEntry& e : f.palette()) {
    EXPECT_LE(e.metrics["planned_decode_ms"].get<double>(), e.metrics["budget_latency_ms"].get<double>() * (1 + 1e-9))
        << e.spec.name;
    EXPECT_EQ(e.metrics["latency_margin"], profile.decode_margin);  // none given: the profile's
    EXPECT_EQ(e.spec.name.rfind("lat", 0), 0u) << e.spec.name;
    EXPECT_EQ(e.metrics["context"], 16);
  }
  EXPECT_TRUE(f.h5().HasAttr("/", "device_profile"));
  // A budget below the fastest subnet: one clear error naming what is achievable.
  p.latency_ms = {smallest / 2};
  try {
    Search(p);
    FAIL() << "an impossible budget was accepted";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("the fastest subnet decodes in"), std::string::npos) << e.what();
  }
  p.latency_ms = {largest};
  EXPECT_THROW(RunPaletteSearch(p, PlanPaletteTargets(p, supernet, /*sizes_given=*/true)), UserError);
  p.latency_margin = 1.5;  // a fraction of the prediction, below 1
  EXPECT_THROW(PlanPaletteTargets(p, supernet, /*sizes_given=*/false), UserError);
  p.latency_margin = 0.5;  // the maxnet's prediction plus half is over a budget of its prediction
  EXPECT_FALSE(IsMaxnet(PlanPaletteTargets(p, supernet, false).targets[0].candidates[0], c));
}

TEST_F(Mlfs, ZeroStepsWriteTheRewiredTeacherWithTheSameFunction) {
  testing::ScratchDir out;
  MlfsOptions o = Options(out);
  o.stage0_steps = o.stage1_steps = o.stage2_steps = 0;
  EXPECT_TRUE(RunMlfs(o).losses.empty());
  const ModelFile teacher_file = ModelFile::Open(*dir_ / "teacher.h5");
  SuperTransformer teacher = LoadSuperTransformer(teacher_file);
  SuperTransformer rewired = LoadSuperTransformer(ModelFile::Open(o.out));
  const torch::Tensor ids = torch::randint(0, 40, {2, 16}, torch::kLong);
  const SubnetSpec maxnet = MaxnetSpec(teacher_file.config());
  torch::NoGradGuard no_grad;
  const torch::Tensor a = teacher->forward(ids, maxnet), b = rewired->forward(ids, maxnet);
  EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-4));
  // ... while the weights did move (channels reordered), so the file is not a plain copy.
  EXPECT_FALSE(
      torch::equal(teacher->named_parameters()["layers.0.w_up"], rewired->named_parameters()["layers.0.w_up"]));
}

TEST_F(Mlfs, WrongInputsAreRefused) {
  testing::ScratchDir out;
  MlfsOptions o = Options(out);
  o.stage0_steps = 0;
  o.stage1_steps = 1;
  o.stage2_steps = 0;
  RunMlfs(o);
  MlfsOptions again = Options(out);
  again.teacher = o.out;  // a supernet is not a teacher
  again.out = out / "other.h5";
  ExpectRefused(again, "is a supernet file, but mlfs --teacher needs a checkpoint file");
  WriteFileAtomically(out / "space.json", R"({"d_model":[16,64]})");
  again = Options(out);
  again.space = out / "space.json";
  EXPECT_THROW(RunMlfs(again), UserError);
  again = Options(out);
  again.resume = true;
  again.subnets_per_step = 4;  // the checkpoint has 3 per step
  EXPECT_THROW(RunMlfs(again), UserError);
  again = Options(out);
  again.gamma = std::numeric_limits<double>::infinity();
  ExpectRefused(again, "--gamma must be a finite number");
  again = Options(out);
  again.maxnet_kd = -0.5;
  EXPECT_THROW(RunMlfs(again), UserError);
  again = Options(out);
  again.subnet_task = -1;
  EXPECT_THROW(RunMlfs(again), UserError);
  again = Options(out);
  again.base_lr_scale = 0.5;  // without --train-base
  EXPECT_THROW(RunMlfs(again), UserError);
  again.train_base = true;
  again.base_lr_scale = 0;
  EXPECT_THROW(RunMlfs(again), UserError);
  again = Options(out);
  again.sample_sizes = {0.5, 1.5};
  ExpectRefused(again, "--sample-sizes: 1.5 is not a fraction");
  again = Options(out);
  again.sample_palette = o.out;
  again.sample_sizes = {0.5};
  ExpectRefused(again, "give --sample-sizes or --sample-palette, not both");
  again.sample_sizes.clear();
  again.sample_palette = *dir_ / "teacher.h5";  // the maxnet only
  ExpectRefused(again, "has no subnet below the maxnet");
  testing::ScratchDir other;
  testing::WriteTinyTrainingInputs(
      other,
      R"({"name":"mt","vocab_size":40,"d_model":16,"n_layers":3,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})");
  RunPretrain(testing::TinyPretrainOptions(other, 1, "other.h5"));
  again.sample_palette = other / "other.h5";
  ExpectRefused(again, "has another config than the teacher (d_model");
}

TEST_F(Mlfs, SamplePaletteTrainsThePalettesShapes) {
  testing::ScratchDir out;
  MlfsOptions o = Options(out);
  o.stage1_steps = 0;
  o.stage2_steps = 0;
  RunMlfs(o);  // the rewired teacher: entries maxnet and smallest
  MlfsOptions shipped = Options(out);
  shipped.out = out / "shipped.h5";
  shipped.sample_palette = o.out;
  shipped.subnets_per_step = 3;  // maxnet, smallest, and the palette's one subnet below the maxnet
  const MlfsSummary summary = RunMlfs(shipped);
  ASSERT_EQ(summary.steps, 9);
  // The palette's subnet is the space's smallest (at full depth in stage 1, as the sandwich's smallest
  // there too), so every draw runs the sandwich's second subnet again: the same loss on the same batch.
  // Uniform draws (among the space's 24 full-depth subnets in stage 1, 48 in stage 2) would differ.
  for (size_t step = 3; step < 9; ++step) {
    EXPECT_TRUE(std::isfinite(summary.losses[step][2])) << "step " << step;
    EXPECT_EQ(summary.losses[step][2], summary.losses[step][1]) << "step " << step;
  }
}

}  // namespace
}  // namespace elastiq
