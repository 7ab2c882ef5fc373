// `distill`: one subnet shape trained from a frozen teacher (see distill.h).
#include "supernet/distill.h"

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "supernet/compute_meter.h"
#include "supernet/distillation.h"
#include "supernet/model_io.h"
#include "supernet/rewiring.h"

namespace elastiq {
namespace {

constexpr uint64_t kRewiringSeedMix = 0xd157;  // calibration batches apart from the training batches

void CheckWeights(const DistillOptions& o) {
  if (o.kd_weight < 0 || o.task_weight < 0 || o.hidden_weight < 0)
    throw UserError("--kd-weight, --task-weight and --hidden-weight must be >= 0");
  if (o.kd_weight + o.task_weight + o.hidden_weight == 0)
    throw UserError("--kd-weight, --task-weight and --hidden-weight are all 0: nothing to train on");
  if (!(o.temperature > 0)) throw UserError("--temperature must be > 0");
  if (o.init != "slice" && o.init != "random")
    throw UserError("--init must be slice or random, got \"" + o.init + "\"");
}

// The student's shape: a --spec JSON file or a --shape-from entry, inside the teacher's config.
SubnetSpec StudentSpec(const DistillOptions& o, const ModelFile& teacher) {
  if (o.spec.empty() == o.shape_from.empty())
    throw UserError("give exactly one of --shape-from FILE.h5 [--subnet NAME] or --spec FILE.json");
  if (!o.spec.empty()) {
    SubnetSpec spec = ParseSubnetSpec(ReadFileBytes(o.spec), o.spec);
    ValidateSubnetSpec(spec, teacher.config(), o.spec + " (against the teacher " + o.teacher + ")");
    return spec;
  }
  const ModelFile shapes = ModelFile::Open(o.shape_from);
  const std::string diff = DescribeConfigDifference(shapes.config(), teacher.config());
  if (!diff.empty()) {
    throw UserError("--shape-from " + o.shape_from + " has another config than the teacher " + o.teacher + " (" + diff +
                    "); its subnets are not slices of that teacher");
  }
  return shapes.EntryOrLargest(o.subnet).spec;
}

}  // namespace

torch::Tensor DistillationLoss(SuperTransformer& student, const SubnetSpec& spec, SuperTransformer& teacher,
                               const TaskBatch& batch, const DistillOptions& o) {
  const bool hidden = o.hidden_weight > 0;
  std::vector<torch::Tensor> student_hidden, teacher_hidden;
  const torch::Tensor logits = ForwardBatch(student, spec, batch, hidden ? &student_hidden : nullptr);
  torch::Tensor teacher_logits;
  {
    torch::NoGradGuard no_grad;
    teacher_logits = ForwardBatch(teacher, MaxnetSpec(teacher->config()), batch, hidden ? &teacher_hidden : nullptr);
  }
  torch::Tensor loss = torch::zeros({}, logits.options().dtype(torch::kFloat32));
  if (o.kd_weight > 0) loss = loss + o.kd_weight * DistillationKl(logits, teacher_logits, o.temperature);
  if (o.task_weight > 0) loss = loss + o.task_weight * TaskLoss(logits, batch);
  if (hidden) {
    const torch::Tensor& s = student_hidden.back();
    const torch::Tensor t = teacher_hidden.back().narrow(-1, 0, s.size(-1));
    loss = loss + o.hidden_weight * torch::mse_loss(s.to(torch::kFloat32), t.to(torch::kFloat32));
  }
  return loss;
}

PretrainSummary RunDistill(const DistillOptions& o) {
  CheckWeights(o);
  ResetComputeMeter();  // the rewiring's calibration passes count too
  const ModelFile teacher_file = ModelFile::Open(o.teacher);
  teacher_file.RequireKind({kKindCheckpoint}, "distill --teacher");
  TrainingSetup setup{{teacher_file.config(), StudentSpec(o, teacher_file)},
                      teacher_file.h5().Exists("/tokenizer") ? teacher_file.TokenizerBytes() : "",
                      o.teacher};
  setup.title = "distill " + setup.shape.config.name + " subnet " + setup.shape.spec.name + " from " + o.teacher +
                " (init " + o.init + ")";
  setup.options = {{"teacher", o.teacher},         {"init", o.init},
                   {"kd_weight", o.kd_weight},     {"task_weight", o.task_weight},
                   {"temperature", o.temperature}, {"hidden_weight", o.hidden_weight}};
  // The teacher: the file's weights, rewired by importance for --init slice (function-preserving, and
  // the channel order the student's slice and the hidden-state loss share); frozen.
  SuperTransformer teacher = LoadSuperTransformer(teacher_file);
  setup.prepare = [&](const TrainingData& data, int seq_len) {
    if (o.init == "slice" && o.rewire_batches > 0) {
      RewireByImportance(
          teacher, MaxnetTaskCalibration(data, setup.shape.config, o.batch_size, seq_len, o.seed ^ kRewiringSeedMix),
          o.rewire_batches);
    }
    FreezeModel(teacher);
  };
  if (o.init == "slice") {
    setup.init = [&](SuperTransformer& student) {
      torch::NoGradGuard no_grad;
      auto from = teacher->named_parameters();
      for (auto& p : student->named_parameters()) p.value().copy_(from[p.key()]);
    };
  }
  setup.step_loss = [&](SuperTransformer& student, const SubnetSpec& spec, const TaskBatch& batch) {
    return DistillationLoss(student, spec, teacher, batch, o);
  };
  return RunTraining(o, setup);
}

}  // namespace elastiq
