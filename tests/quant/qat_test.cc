// QAT on a tiny pretrained palette: the distillation loss to the fp32 subnets falls, the output is
// a palette whose packed copy the runtime reads, a killed run resumes on the same trajectory, and
// wrong inputs are refused.
#include "quant/qat.h"

#include <gtest/gtest.h>

#include "quant/quantize_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/runtime/engine.h"
#include "supernet/model_io.h"
#include "supernet/pretrain.h"
#include "tests/common/tiny_training.h"

namespace elastiq {
namespace {

class Qat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    testing::WriteTinyTrainingInputs(
        *dir_,
        R"({"name":"qt","vocab_size":40,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})");
    const PretrainOptions p = testing::TinyPretrainOptions(*dir_, 60, "teacher.h5");
    RunPretrain(p);
    // A two-entry palette: the maxnet and half of it.
    const ModelFile teacher = ModelFile::Open(p.out);
    SuperTransformer m = LoadSuperTransformer(teacher);
    ModelFileWriter w(*dir_ / "palette.h5", teacher.config(), kKindPalette, teacher.TokenizerBytes());
    WriteWeights(m, w);
    w.AddPaletteEntry({MaxnetSpec(teacher.config(), "p100"), {}});
    w.AddPaletteEntry({SubnetSpec{"p50", {0, 1}, 32, {32, 32}, 1, 0}, {}});
    w.Commit();
  }
  static void TearDownTestSuite() { delete dir_; }
  static QatOptions Options(const testing::ScratchDir& out) {
    QatOptions o;
    o.in = *dir_ / "palette.h5";
    o.format = "ternary";
    o.out = out / "q.h5";
    testing::UseTinyInputsQuietly(*dir_, o);
    o.qat_steps = 12;
    o.batch_size = 8;
    o.lr = 3e-3;
    o.eval_every = 4;
    o.eval_tokens = 128;
    return o;
  }
  static testing::ScratchDir* dir_;
};
testing::ScratchDir* Qat::dir_ = nullptr;

TEST_F(Qat, DistillationLossFallsAndTheRuntimeReadsTheResult) {
  testing::ScratchDir out;
  QatOptions o = Options(out);
  o.qat_steps = 40;
  o.eval_every = 40;
  QatSummary s = RunQat(o);
  ASSERT_EQ(s.losses.size(), 40u);
  ASSERT_EQ(s.subnets, (std::vector<std::string>{"p100", "p50"}));
  for (size_t j = 0; j < 2; ++j) {
    const float first = (s.losses[0][j] + s.losses[1][j] + s.losses[2][j]) / 3,
                last = (s.losses[37][j] + s.losses[38][j] + s.losses[39][j]) / 3;
    EXPECT_LT(last, 0.7f * first) << s.subnets[j];
  }
  const ModelFile q = ModelFile::Open(o.out);
  EXPECT_TRUE(q.h5().Exists("/quant/ternary/layers.0.wq/packed"));
  EXPECT_EQ(q.h5().GetStringAttr("/quant/ternary", "qat_subnets"), R"(["p100","p50"])");
  // QAT trains exactly what ships: the packed matrices. The norms the runtime reads from /weights are
  // the input's, untouched, and no trained copy of them is left behind in the training state.
  const ModelFile in = ModelFile::Open(o.in);
  for (const char* norm : {"layers.0.attn_norm", "layers.1.ffn_norm", "final_norm"}) {
    EXPECT_EQ(q.ReadWeight(norm), in.ReadWeight(norm)) << norm;
    EXPECT_FALSE(q.h5().Exists(std::string("/train_state/qat/weights/") + norm)) << norm;
  }
  EXPECT_TRUE(q.h5().Exists("/train_state/qat/weights/layers.0.wq"));
  auto store = WeightStore::Open(o.out);
  Engine engine(*store, q.Entry("p50").spec, {.threads = 1, .format = WeightFormat::kTernary});
  const std::vector<int> prompt = {1, 5, 9};
  EXPECT_EQ(engine.Feed(prompt).size(), 40u);
}

TEST_F(Qat, KilledRunResumesOnTheSameTrajectory) {
  testing::ScratchDir full_dir, killed_dir;
  QatSummary full = RunQat(Options(full_dir));
  QatOptions killed = Options(killed_dir);
  killed.stop_after = 6;  // checkpoint at step 4
  EXPECT_TRUE(RunQat(killed).stopped_early);
  killed.stop_after = 0;
  killed.resume = true;
  QatSummary resumed = RunQat(killed);
  EXPECT_EQ(resumed.losses, full.losses);  // bit for bit
}

TEST_F(Qat, WrongInputsAreRefused) {
  testing::ScratchDir out;
  QatOptions o = Options(out);
  o.subnets = "p100,p33";
  try {
    RunQat(o);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no palette entry \"p33\"; the palette has: p100, p50"), std::string::npos)
        << e.what();
  }
  o = Options(out);
  o.qat_steps = 0;
  EXPECT_THROW(RunQat(o), UserError);
  o = Options(out);
  o.format = "int4";
  EXPECT_THROW(RunQat(o), UserError);
  QuantizeModelFile(*dir_ / "palette.h5", "ternary", out / "ptq.h5");
  o = Options(out);
  o.in = out / "ptq.h5";  // already quantized
  EXPECT_THROW(RunQat(o), UserError);
  o = Options(out);
  o.resume = true;  // nothing to resume from
  EXPECT_THROW(RunQat(o), UserError);
}

}  // namespace
}  // namespace elastiq
