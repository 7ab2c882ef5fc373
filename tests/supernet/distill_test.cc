// Prune-and-distill: the student starts as the rewired teacher (the teacher's function, its slice
// as the student's shape), the loss is what distill.h says, training reduces it, resume is exact,
// the compute meter counts the student's passes and the teacher's forwards, bad requests are one
// clear error.
#include "supernet/distill.h"

#include <gtest/gtest.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/training_flops.h"
#include "src/format/model_file.h"
#include "src/format/random_model.h"
#include "supernet/distillation.h"
#include "supernet/model_io.h"
#include "tests/common/tiny_training.h"

namespace elastiq {
namespace {

constexpr const char* kConfig =
    R"({"name":"dt","vocab_size":40,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})";
const SubnetSpec kHalf{"half", {0, 1}, 16, {32, 32}, 1, 0};

// A teacher pretrained for 40 steps (dir/teacher.h5) and a spec file for kHalf.
DistillOptions Options(const testing::ScratchDir& dir, int64_t steps) {
  if (!std::filesystem::exists(dir / "teacher.h5")) {
    testing::WriteTinyTrainingInputs(dir, kConfig);
    PretrainOptions t = testing::TinyPretrainOptions(dir, 40, "teacher.h5");
    RunPretrain(t);
    WriteFileAtomically(dir / "half.json", SubnetSpecToJson(kHalf));
  }
  DistillOptions o;
  static_cast<PretrainOptions&>(o) = testing::TinyPretrainOptions(dir, steps, "student.h5");
  o.teacher = dir / "teacher.h5";
  o.spec = dir / "half.json";
  o.eval_every = 4;
  o.eval_tokens = 128;
  return o;
}

torch::Tensor Logits(const std::string& path, const SubnetSpec& spec) {
  SuperTransformer m = LoadSuperTransformer(ModelFile::Open(path));
  torch::NoGradGuard no_grad;
  return m->forward(torch::arange(1, 13).reshape({1, 12}), spec);
}

TEST(Distill, TheStudentStartsAsTheRewiredTeacher) {
  testing::ScratchDir dir;
  DistillOptions o = Options(dir, 1);
  o.lr = 0.0;  // one step that changes nothing: the weights the student starts from
  RunDistill(o);
  const ModelFile student = ModelFile::Open(o.out);
  EXPECT_EQ(SubnetSpecToJson(student.palette().at(0).spec), SubnetSpecToJson(kHalf));
  // Rewiring permutes channels without changing the maxnet's function; the student is that copy.
  const ModelConfig c = student.config();
  EXPECT_TRUE(torch::allclose(Logits(o.out, MaxnetSpec(c)), Logits(o.teacher, MaxnetSpec(c)), 1e-4, 1e-4));
  EXPECT_FALSE(torch::allclose(Logits(o.out, kHalf), Logits(o.teacher, kHalf), 1e-3, 1e-3))
      << "the rewired slice should differ from the unrewired one";
}

TEST(Distill, LossIsTheWeightedSumAndTrainingReducesIt) {
  testing::ScratchDir dir;
  DistillOptions o = Options(dir, 30);
  o.task_weight = 0.5;
  const PretrainSummary s = RunDistill(o);
  EXPECT_LT(s.loss_history.back(), s.loss_history.front());
  // The loss of one batch, recomputed from its parts.
  SuperTransformer student = LoadSuperTransformer(ModelFile::Open(o.out));
  SuperTransformer teacher = LoadSuperTransformer(ModelFile::Open(o.teacher));
  TaskBatch batch{torch::randint(0, 40, {2, 8}, torch::kLong), torch::randint(0, 40, {2, 8}, torch::kLong), {}};
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = ForwardBatch(student, kHalf, batch);
  const torch::Tensor want = DistillationKl(logits, ForwardBatch(teacher, MaxnetSpec(teacher->config()), batch), 1.0) +
                             0.5 * TaskLoss(logits, batch);
  EXPECT_NEAR(DistillationLoss(student, kHalf, teacher, batch, o).item<double>(), want.item<double>(), 1e-6);
}

TEST(Distill, KilledRunResumesExactlyAndTheMeterCountsEveryPass) {
  testing::ScratchDir full_dir, killed_dir;
  DistillOptions full = Options(full_dir, 8);
  full.rewire_batches = 0;  // so the FLOPs below are the loop's alone
  const PretrainSummary uninterrupted = RunDistill(full);
  const ModelConfig c = ModelFile::Open(full.teacher).config();
  const double per_step = kTrainingPassForwards * ForwardFlops(c, kHalf, full.batch_size, 16) +
                          ForwardFlops(c, MaxnetSpec(c), full.batch_size, 16);
  EXPECT_DOUBLE_EQ(uninterrupted.flops, 8 * per_step);
  DistillOptions killed = Options(killed_dir, 8);
  killed.rewire_batches = 0;
  killed.stop_after = 6;  // checkpoint at step 4
  RunDistill(killed);
  killed.stop_after = 0;
  killed.resume = true;
  const PretrainSummary resumed = RunDistill(killed);
  EXPECT_EQ(resumed.loss_history, uninterrupted.loss_history);
  EXPECT_DOUBLE_EQ(resumed.flops, 8 * per_step);
  EXPECT_EQ(ModelFile::Open(killed.out).h5().GetIntAttr("/train_state", "flops"),
            static_cast<int64_t>(std::llround(8 * per_step)));
}

TEST(Distill, BadRequestsAreOneClearError) {
  testing::ScratchDir dir;
  const auto error_of = [&](const std::function<void(DistillOptions&)>& change) {
    DistillOptions o = Options(dir, 2);
    change(o);
    return testing::UserErrorMessage([&] { RunDistill(o); });
  };
  EXPECT_NE(error_of([](DistillOptions& o) { o.kd_weight = -1; }).find("must be >= 0"), std::string::npos);
  EXPECT_NE(error_of([](DistillOptions& o) { o.kd_weight = 0; }).find("all 0"), std::string::npos);
  EXPECT_NE(error_of([](DistillOptions& o) { o.init = "zeros"; }).find("--init must be slice or random"),
            std::string::npos);
  WriteFileAtomically(dir / "wide.json", SubnetSpecToJson(SubnetSpec{"wide", {0, 1}, 64, {64, 64}, 2, 0}));
  EXPECT_NE(error_of([&](DistillOptions& o) { o.spec = dir / "wide.json"; }).find("wide.json"), std::string::npos);
  // A --shape-from file of another vocabulary is not a slice of this teacher.
  constexpr const char* kOtherVocabulary =
      R"({"name":"dt","vocab_size":48,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})";
  WriteRandomModel(dir / "other.h5", ParseModelConfig(kOtherVocabulary, "other"), 1, "");
  const std::string message = error_of([&](DistillOptions& o) {
    o.spec.clear();
    o.shape_from = dir / "other.h5";
  });
  EXPECT_NE(message.find("has another config than the teacher"), std::string::npos) << message;
  EXPECT_NE(message.find("vocab_size"), std::string::npos) << message;
}

}  // namespace
}  // namespace elastiq
