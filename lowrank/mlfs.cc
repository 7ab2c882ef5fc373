// The MLFS loop. State = base W0 (frozen, or trained with --train-base beside a frozen copy of the
// stage-0 teacher), adapters, feature projections, AdamW moments and the loss history; batches and
// sampled subnets are pure functions of (seed, step), and the stage-0 -> 1 transition (merge, rewire,
// fresh adapters) runs at a fixed step, so a killed run resumes exactly.
#include "lowrank/mlfs.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "lowrank/adapters.h"
#include "lowrank/gradient_scaling.h"
#include "lowrank/palette_options.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/palette_plan.h"
#include "src/core/subnet_space.h"
#include "src/format/model_file.h"
#include "src/format/training_shape.h"
#include "src/format/weight_layout.h"
#include "supernet/adamw.h"
#include "supernet/compute_meter.h"
#include "supernet/data_parallel.h"
#include "supernet/distillation.h"
#include "supernet/gradient_reducer.h"
#include "supernet/model_io.h"
#include "supernet/progress.h"
#include "supernet/rewiring.h"
#include "supernet/training_data.h"

namespace elastiq {
namespace {

constexpr float kNoLoss = std::numeric_limits<float>::quiet_NaN();
constexpr std::string_view kBasePrefix = "base.";  // trainable base weights' names (--train-base)

void CheckOptions(const MlfsOptions& o) {
  if (o.stage0_steps < 0 || o.stage1_steps < 0 || o.stage2_steps < 0) throw UserError("--stage*-steps must be >= 0");
  if (o.subnets_per_step < 1) throw UserError("--subnets-per-step must be >= 1 (the maxnet)");
  if (!std::isfinite(o.gamma)) throw UserError("--gamma must be a finite number (0 turns gradient scaling off)");
  if (o.kd_alpha < 0 || o.kd_beta < 0) throw UserError("--kd-alpha and --kd-beta must be >= 0");
  if (o.maxnet_kd < 0 || o.subnet_task < 0) throw UserError("--maxnet-kd and --subnet-task must be >= 0");
  if (o.subnet_teacher != "maxnet" && o.subnet_teacher != "frozen") {
    throw UserError("--subnet-teacher must be maxnet (the moving maxnet) or frozen (the stage-0 teacher), got \"" +
                    o.subnet_teacher + "\"");
  }
  if (!(o.temperature > 0)) throw UserError("--temperature must be positive");
  if (!(o.base_lr_scale > 0)) throw UserError("--base-lr-scale must be positive");
  if (o.base_lr_scale != 1.0 && !o.train_base)
    throw UserError("--base-lr-scale applies to the base weights: add --train-base");
  if (o.batch_size <= 0) throw UserError("--batch-size must be positive");
  CheckBatchDivides(o.batch_size, o.parallel.world_size);
  if (!o.sample_sizes.empty() && !o.sample_palette.empty()) {
    throw UserError("give --sample-sizes or --sample-palette, not both (both choose the random subnets)");
  }
}

nlohmann::json OptionsJson(const MlfsOptions& o) {
  return {{"stage0_steps", o.stage0_steps},
          {"stage1_steps", o.stage1_steps},
          {"stage2_steps", o.stage2_steps},
          {"subnets_per_step", o.subnets_per_step},
          {"gamma", o.gamma},
          {"rank", o.rank},
          {"lora_alpha", o.lora_alpha},
          {"kd_alpha", o.kd_alpha},
          {"kd_beta", o.kd_beta},
          {"maxnet_kd", o.maxnet_kd},
          {"subnet_task", o.subnet_task},
          {"subnet_teacher", o.subnet_teacher},
          {"sample_sizes", o.sample_sizes},
          {"sample_palette", o.sample_palette},
          {"temperature", o.temperature},
          {"rewire_batches", o.rewire_batches},
          {"train_base", o.train_base},
          {"base_lr_scale", o.base_lr_scale},
          {"batch_size", o.batch_size},
          {"seq_len", o.seq_len},
          {"lr", o.lr},
          {"seed", o.seed},
          {"precision", o.precision}};
}

// MSE between the subnet's residual stream after each kept block (last repeat) and the maxnet's at
// the same stored block, projected by that block's learned (d, d) map, sliced to the subnet's width.
torch::Tensor FeatureLoss(const std::vector<torch::Tensor>& maxnet_hidden, const std::vector<torch::Tensor>& hidden,
                          const SubnetSpec& spec, int repeat, const std::vector<torch::Tensor>& projections) {
  torch::Tensor loss = torch::zeros({});
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    const size_t l = static_cast<size_t>(spec.layers[i]);
    const torch::Tensor& target = maxnet_hidden[(l + 1) * repeat - 1];
    torch::Tensor projected = torch::linear(target, projections[l].narrow(0, 0, spec.d_model));
    loss = loss + torch::mse_loss(hidden[(i + 1) * repeat - 1].to(torch::kFloat), projected.to(torch::kFloat));
  }
  return loss / static_cast<double>(spec.layers.size());
}

// Everything that trains, and the model it adapts (frozen unless --train-base).
struct MlfsState {
  SuperTransformer model;
  SuperTransformer frozen_teacher{nullptr};  // --train-base, stages 1-2: the stage-0 teacher, as W0 moves
  LowRankAdapters adapters;
  std::vector<torch::Tensor> projections;  // per stored block: (d_model, d_model), identity at start
  std::vector<std::pair<std::string, torch::Tensor>> params;
  std::unique_ptr<AdamW> optimizer;

  MlfsState(const ModelFile& teacher, const MlfsOptions& o)
      : model(LoadSuperTransformer(teacher)), adapters(teacher.config(), AdapterOptions{o.rank, o.lora_alpha}) {
    FreezeModel(model);
    model->SetWeightHook(adapters.get());
    for (auto& p : adapters->named_parameters()) params.emplace_back("adapters." + p.key(), p.value());
    for (int l = 0; l < teacher.config().n_layers; ++l) {
      projections.push_back(torch::eye(teacher.config().d_model).set_requires_grad(true));
      params.emplace_back("feature_proj." + std::to_string(l), projections.back());
    }
    Reset(o, o.seed);
  }
  void Reset(const MlfsOptions& o, uint64_t seed) {
    adapters->ResetParameters(seed);
    torch::NoGradGuard no_grad;
    for (torch::Tensor& p : projections) p.copy_(torch::eye(p.size(0)));
    RebuildOptimizer(o);
  }
  void RebuildOptimizer(const MlfsOptions& o) {
    std::vector<double> lr_scales;  // the base weights (--train-base) at --base-lr-scale
    for (const auto& p : params) lr_scales.push_back(p.first.starts_with(kBasePrefix) ? o.base_lr_scale : 1.0);
    optimizer = std::make_unique<AdamW>(params, AdamWOptions{.weight_decay = o.weight_decay}, std::move(lr_scales));
  }
  // --train-base at the start of stage 1: keeps a frozen copy of the model (the distillation
  // teacher) and makes every model parameter trainable. The caller rebuilds the optimizer.
  void StartTrainingBase() {
    frozen_teacher = SuperTransformer(model->config());
    torch::NoGradGuard no_grad;
    auto from = model->named_parameters();
    for (auto& p : frozen_teacher->named_parameters()) p.value().copy_(from[p.key()]);
    FreezeModel(frozen_teacher);
    for (auto& p : model->named_parameters()) {
      p.value().set_requires_grad(true);
      params.emplace_back(std::string(kBasePrefix) + p.key(), p.value());
    }
  }
  std::vector<torch::Tensor> Trainable() const {
    std::vector<torch::Tensor> t;
    for (const auto& p : params) t.push_back(p.second);
    return t;
  }
};

// The frozen stage-0 teacher's logits: W0 alone (the merged stage-0 adapters), the current adapters off;
// with --train-base, its frozen copy.
torch::Tensor TeacherLogits(MlfsState& s, const SubnetSpec& maxnet, const TaskBatch& batch) {
  torch::NoGradGuard no_grad;
  if (s.frozen_teacher) return ForwardBatch(s.frozen_teacher, maxnet, batch);
  s.model->SetWeightHook(nullptr);
  torch::Tensor logits;
  try {
    logits = ForwardBatch(s.model, maxnet, batch);
  } catch (...) {
    s.model->SetWeightHook(s.adapters.get());
    throw;
  }
  s.model->SetWeightHook(s.adapters.get());
  return logits;
}

void WriteSupernet(const MlfsOptions& o, const ModelConfig& config, const std::string& tokenizer_bytes,
                   const SubnetSpace& space, MlfsState& s, const std::vector<float>& history,
                   const std::vector<PaletteEntry>& palette) {
  ModelFileWriter writer(o.out, config, kKindSupernet, tokenizer_bytes);
  H5File& h5 = writer.h5();
  torch::NoGradGuard no_grad;
  // /weights: merged W0 + (alpha / r) B A, so every reader of plain weights runs the trained supernet.
  const SubnetSpec maxnet = MaxnetSpec(config);
  WriteParameters(h5, "/train_state/base", *s.model);
  for (auto& p : s.model->named_parameters()) {
    torch::Tensor merged = p.value();
    for (int l = 0; l < config.n_layers; ++l) {
      for (int j = 0; j < kNumProjections; ++j) {
        const Projection proj = static_cast<Projection>(j);
        if (p.key() == LayerWeightName(l, ProjectionName(proj))) {
          merged = s.adapters->Effective(l, proj, p.value(), p.value().size(0), p.value().size(1), maxnet);
        }
      }
    }
    WriteTensor(h5, "/weights/" + p.key(), merged);
  }
  for (const PaletteEntry& e : palette) writer.AddPaletteEntry(e);
  h5.SetAttr("/", "subnet_space", SubnetSpaceToJson(space));
  s.adapters->Save(h5, "/adapters");
  for (size_t l = 0; l < s.projections.size(); ++l)
    WriteTensor(h5, "/train_state/feature_proj/" + std::to_string(l), s.projections[l]);
  if (s.frozen_teacher) WriteParameters(h5, "/train_state/teacher", *s.frozen_teacher);
  s.optimizer->Save(h5, "/train_state/adamw");
  const int64_t width = std::max(1, o.subnets_per_step), steps = static_cast<int64_t>(history.size()) / width;
  h5.SetAttr("/train_state", "step", steps);
  SaveComputeMeter(h5);
  h5.SetAttr("/train_state", "options", OptionsJson(o).dump());
  h5.WriteDataset("/train_state/loss_history", DType::kF32, {steps, width}, history.data());
  writer.Commit();
}

// Loads the state a checkpoint at o.out holds; returns the flattened loss history.
std::vector<float> ResumeState(const MlfsOptions& o, const ModelConfig& config, MlfsState& s) {
  ModelFile file = ModelFile::Open(o.out);
  file.RequireKind({kKindSupernet}, "mlfs --resume");
  const std::string diff = DescribeConfigDifference(file.config(), config);
  if (!diff.empty()) throw UserError("--resume: " + o.out + " was trained from a different teacher (" + diff + ")");
  if (!file.h5().Exists("/train_state/base")) throw UserError("--resume: " + o.out + " holds no MLFS training state");
  DatasetInfo info = file.h5().Info("/train_state/loss_history");
  if (info.shape.size() != 2 || info.shape[1] != std::max(1, o.subnets_per_step)) {
    throw UserError("--resume: " + o.out + " was trained with another --subnets-per-step; use the same value");
  }
  const int64_t step = info.shape[0];
  const bool base_trains = o.train_base && step > o.stage0_steps;
  if (base_trains != file.h5().Exists("/train_state/teacher")) {
    throw UserError("--resume: " + o.out + (base_trains ? " was trained without" : " was trained with") +
                    " --train-base; use the same setting");
  }
  if (base_trains) {
    s.StartTrainingBase();
    s.RebuildOptimizer(o);
  }
  ReadParameters(file.h5(), "/train_state/base", *s.model);
  if (base_trains) ReadParameters(file.h5(), "/train_state/teacher", *s.frozen_teacher);
  torch::NoGradGuard no_grad;
  s.adapters->Load(file.h5(), "/adapters");
  for (size_t l = 0; l < s.projections.size(); ++l) {
    s.projections[l].copy_(
        ReadTensor(file.h5(), "/train_state/feature_proj/" + std::to_string(l), s.projections[l].sizes()));
  }
  s.optimizer->Load(file.h5(), "/train_state/adamw");
  const int64_t expected_optimizer_steps = step <= o.stage0_steps ? step : step - o.stage0_steps;
  if (s.optimizer->steps_taken() != expected_optimizer_steps) {
    throw UserError("--resume: " + o.out + " has an inconsistent training state (other --stage0-steps, or corrupted)");
  }
  ResumeComputeMeter(file.h5());
  return file.h5().Read<float>("/train_state/loss_history", DType::kF32);
}

// Running means of the per-subnet losses for the progress line: "  [stage 1] max 3.1 min 3.9 rand 3.6".
class LossMeans {
 public:
  void Add(const std::vector<float>& losses) {
    for (size_t j = 0; j < losses.size(); ++j) {
      if (std::isnan(losses[j])) continue;
      const size_t slot = std::min<size_t>(j, 2);
      sum_[slot] += losses[j];
      count_[slot]++;
    }
  }
  std::string TakeLine(int stage) {
    std::string line = "  [stage " + std::to_string(stage) + "]";
    const char* names[3] = {"max", "min", "rand"};
    for (int i = 0; i < 3; ++i) {
      if (count_[i] == 0) continue;
      char buf[48];
      std::snprintf(buf, sizeof buf, " %s %.4f", names[i], sum_[i] / count_[i]);
      line += buf;
      sum_[i] = 0.0;
      count_[i] = 0;
    }
    return line;
  }

 private:
  double sum_[3] = {0, 0, 0};
  int64_t count_[3] = {0, 0, 0};
};

// The rewiring's calibration batches are drawn from a stream of their own (seed ^ this constant), so
// the importance of channels is measured on batches other than the ones training steps 0.. see.
constexpr uint64_t kRewiringSeedMix = 0xca11b;

// One MLFS run: what it reads (teacher, data, search space), the schedule, the state that trains,
// the palette entries it measures (maxnet and smallest) and the loss history. RunMlfs drives it.
struct MlfsRun {
  const MlfsOptions& o;
  const ModelFile teacher;
  const ModelConfig& config;
  const SubnetSpace space;
  const Precision precision;
  const int seq_len;
  const std::string tokenizer_bytes;
  const TrainingData data;
  DataParallel dp;
  const int64_t total, distill_steps, eval_every, checkpoint_every;
  const int width;  // subnets per step
  MlfsState state;
  std::vector<float> history;  // `width` losses per step
  const SubnetSpec maxnet, smallest;
  std::vector<std::vector<SubnetSpec>> stage1_pools, stage2_pools;
  std::vector<PaletteEntry> palette;
  MlfsSummary summary;
  std::unique_ptr<GradientReducer> reducer;  // for the parameters that train now (Reducer())

  explicit MlfsRun(const MlfsOptions& options);
  void PrintPlan() const;
  void RestorePaletteMetrics();
  void ShareRootState();
  void ShareRootWeights();
  void EndStage0();
  void EvaluatePalette(int64_t steps_done);
  void Checkpoint() { WriteSupernet(o, config, tokenizer_bytes, space, state, history, palette); }
  double LearningRate(int64_t step, int stage) const;
  GradientReducer& Reducer();
  std::vector<float> TrainStep(int64_t step, int stage, double lr);
  void FinishSummary();
};

const ModelFile& CheckedTeacher(const ModelFile& teacher) {
  teacher.RequireKind({kKindCheckpoint}, "mlfs --teacher");
  return teacher;
}

int CheckedSeqLen(const MlfsOptions& o, const ModelConfig& config) {
  const int seq_len = o.seq_len > 0 ? o.seq_len : config.max_seq_len;
  if (seq_len > config.max_seq_len) {
    throw UserError("--seq-len " + std::to_string(seq_len) + " exceeds the teacher's max_seq_len " +
                    std::to_string(config.max_seq_len));
  }
  return seq_len;
}

// --sample-sizes: random subnets from the shapes the palette search will weigh; --sample-palette:
// exactly a palette's shapes (empty pools: uniform over the space).
std::vector<std::vector<SubnetSpec>> SamplingPoolsOf(const MlfsOptions& o, const SubnetSpace& space,
                                                     const ModelConfig& config, const std::vector<SubnetSpec>& shipped,
                                                     bool full_depth) {
  if (!shipped.empty()) return ExactPools(shipped, config, full_depth);
  return SamplingPools(space, config, o.sample_sizes, PaletteOptions{}.candidates, full_depth);
}

MlfsRun::MlfsRun(const MlfsOptions& options)
    : o((CheckOptions(options), options)),
      teacher(ModelFile::Open(o.teacher)),
      config(CheckedTeacher(teacher).config()),
      space(o.space.empty() ? DefaultSubnetSpace(config) : LoadSubnetSpace(o.space, config)),
      precision(ResolvePrecision(o.precision)),
      seq_len((ConfigureTorchProcess(o.threads), RequireTrainingDevice(o.device), CheckedSeqLen(o, config))),
      tokenizer_bytes(teacher.h5().Exists("/tokenizer") ? teacher.TokenizerBytes() : ""),
      data(LoadTrainingData(o.train_ids, o.val_ids, config, o.teacher, o.data)),
      dp(o.parallel, TrainingFingerprint(OptionsJson(o), config, tokenizer_bytes, data)),
      total(o.total_steps()),
      distill_steps(o.stage1_steps + o.stage2_steps),
      eval_every(o.eval_every > 0 ? o.eval_every : std::max<int64_t>(1, total / 10)),
      checkpoint_every(o.checkpoint_every > 0 ? o.checkpoint_every : eval_every),
      width(std::max(1, o.subnets_per_step)),
      state(teacher, o),
      maxnet(MaxnetSpec(config)),
      smallest(SmallestSubnet(space, config, /*full_depth=*/false)) {
  SetComputeMeterRanks(dp.world_size());
  if (o.resume && dp.writes()) {  // rank 0 reads the checkpoint and shares it
    history = ResumeState(o, config, state);
    std::printf("resuming %s at step %zu of %lld\n", o.out.c_str(), history.size() / width,
                static_cast<long long>(total));
  }
  ShareRootState();
  const std::vector<SubnetSpec> shipped =
      o.sample_palette.empty() ? std::vector<SubnetSpec>{} : PaletteSubnets(o.sample_palette, config);
  stage1_pools = SamplingPoolsOf(o, space, config, shipped, true);
  stage2_pools = SamplingPoolsOf(o, space, config, shipped, false);
  palette = {{maxnet, nlohmann::json::object()}, {smallest, nlohmann::json::object()}};
}

void MlfsRun::PrintPlan() const {
  std::printf(
      "mlfs %s: %lld parameters, smallest subnet %lld; rank-%d adapters (%lld trainable%s); stages %lld + %lld + %lld "
      "steps, %d subnets per step, gamma %g\n",
      config.name.c_str(), static_cast<long long>(CountParams(config, maxnet).total()),
      static_cast<long long>(CountParams(config, smallest).total()), o.rank,
      static_cast<long long>(CountAdapterParams(config, maxnet, o.rank)),
      o.train_base ? ", and the base weights in stages 1-2" : "", static_cast<long long>(o.stage0_steps),
      static_cast<long long>(o.stage1_steps), static_cast<long long>(o.stage2_steps), width, o.gamma);
}

// --resume: keep the checkpoint's measurements until the next evaluation.
void MlfsRun::RestorePaletteMetrics() {
  const ModelFile checkpoint = ModelFile::Open(o.out);
  const std::string metric = std::string("val_") + ValidationMetricName(config);
  for (PaletteEntry& e : palette) e.metrics = checkpoint.Entry(e.spec.name).metrics;
  summary.val_metric_maxnet = palette[0].metrics.value(metric, 0.0);
  summary.val_metric_smallest = palette[1].metrics.value(metric, 0.0);
}

// Every rank starts from rank 0's state: the same weights, and after --resume its step, structure
// (--train-base past stage 0) and optimizer state.
void MlfsRun::ShareRootState() {
  if (dp.world_size() == 1) return;
  torch::Tensor steps = torch::tensor({static_cast<int64_t>(history.size()) / width, state.optimizer->steps_taken()});
  dp.Broadcast({steps});
  const int64_t step = steps[0].item<int64_t>();
  if (!dp.writes() && o.train_base && step > o.stage0_steps) {
    state.StartTrainingBase();
    state.RebuildOptimizer(o);
  }
  history.resize(static_cast<size_t>(step * width));
  ShareRootWeights();
  dp.Broadcast(state.optimizer->moments());
  state.optimizer->set_steps_taken(steps[1].item<int64_t>());
}

void MlfsRun::ShareRootWeights() {
  dp.Broadcast(state.model->parameters());
  if (state.frozen_teacher) dp.Broadcast(state.frozen_teacher->parameters());
  dp.Broadcast(state.Trainable());
}

// Stage 0 done: its adapters become part of W0 (the distillation teacher), the channels are
// reordered by importance, and fresh adapters start the supernet training.
void MlfsRun::EndStage0() {
  state.adapters->MergeInto(state.model);
  if (o.rewire_batches > 0) {
    state.model->SetWeightHook(nullptr);
    RewireByImportance(state.model,
                       MaxnetTaskCalibration(data, config, o.batch_size, seq_len, o.seed ^ kRewiringSeedMix),
                       o.rewire_batches);
    state.model->SetWeightHook(state.adapters.get());
  }
  if (o.train_base && distill_steps > 0) state.StartTrainingBase();
  state.Reset(o, o.seed + 1);
  ShareRootWeights();  // the rewiring's sums may round differently on ranks with other thread counts
}

void MlfsRun::EvaluatePalette(int64_t steps_done) {
  for (PaletteEntry& e : palette) {
    EvalResult r = EvaluateValidation(state.model, e.spec, data, seq_len, o.batch_size, o.eval_tokens, precision);
    e.metrics = {{"params", CountParams(config, e.spec).total()},
                 {"non_embedding_params", CountParams(config, e.spec).non_embedding()},
                 {"val_loss", r.loss},
                 {std::string("val_") + ValidationMetricName(config), ValidationMetric(config, r)},
                 {"train_steps", steps_done},
                 {"train_flops", TrainingFlops()},
                 {"train_seconds", TrainingSeconds()}};
    (&e == &palette[0] ? summary.val_metric_maxnet : summary.val_metric_smallest) = ValidationMetric(config, r);
  }
  std::printf("  step %lld: validation %s maxnet %.4g, smallest %.4g\n", static_cast<long long>(steps_done),
              ValidationMetricName(config), summary.val_metric_maxnet, summary.val_metric_smallest);
}

// Warm-up + cosine within each phase: stage 0 alone, then stages 1-2 together.
double MlfsRun::LearningRate(int64_t step, int stage) const {
  const auto warmup_of = [&](int64_t phase) { return o.warmup > 0 ? o.warmup : std::max<int64_t>(1, phase / 20); };
  if (stage == 0) return WarmupCosineLr(step, o.stage0_steps, warmup_of(o.stage0_steps), o.lr, o.lr * o.min_lr_ratio);
  return WarmupCosineLr(step - o.stage0_steps, distill_steps, warmup_of(distill_steps), o.lr, o.lr * o.min_lr_ratio);
}

// The stage-0 merge changes which parameters train: a new reducer then.
GradientReducer& MlfsRun::Reducer() {
  const std::vector<torch::Tensor> trainable = state.Trainable();
  if (!reducer || !reducer->Covers(trainable)) {
    reducer.reset();  // its hooks go before the new ones come
    reducer = std::make_unique<GradientReducer>(dp, trainable);
  }
  return *reducer;
}

// One optimizer step: the maxnet on the task loss (+ --maxnet-kd), then each other sampled subnet
// distilled from the maxnet (KL + feature MSE, + --subnet-task), its gradient scaled; returns the
// loss of each subnet, NaN for slots no subnet filled.
std::vector<float> MlfsRun::TrainStep(int64_t step, int stage, double lr) {
  const std::vector<SubnetSpec> subnets = stage == 0 ? std::vector<SubnetSpec>{maxnet}
                                                     : SampleSandwich(space, config, width, stage == 1, o.seed, step,
                                                                      stage == 1 ? stage1_pools : stage2_pools);
  const std::vector<double> scales = GradientScales(config, subnets, o.rank, o.gamma, o.train_base && stage > 0);
  const TaskBatch batch = dp.Shard(SampleTaskBatch(data, config, o.batch_size, seq_len, o.seed, step));
  std::vector<double> losses(static_cast<size_t>(width), kNoLoss);

  std::vector<torch::Tensor> maxnet_hidden;
  torch::Tensor maxnet_logits, teacher_logits, loss;
  {
    AutocastScope autocast(precision);
    maxnet_logits = ForwardBatch(state.model, maxnet, batch, stage > 0 ? &maxnet_hidden : nullptr);
    loss = TaskLoss(maxnet_logits, batch);
    if (stage > 0 && (o.maxnet_kd > 0 || o.subnet_teacher == "frozen")) {
      teacher_logits = TeacherLogits(state, maxnet, batch);
    }
    if (stage > 0 && o.maxnet_kd > 0) {
      loss = loss + o.maxnet_kd * DistillationKl(maxnet_logits, teacher_logits, o.temperature);
    }
  }
  // The step's last backward pass averages the gradients over the ranks as it goes.
  const auto backward = [&](const torch::Tensor& l, bool last) { last ? Reducer().LastBackward(l) : l.backward(); };
  backward(loss, subnets.size() == 1);
  losses[0] = loss.item<float>();
  maxnet_logits = maxnet_logits.detach();
  // What the smaller subnets' KL follows: the moving maxnet (in-place distillation), or --subnet-teacher
  // frozen: the stage-0 teacher, as prune + distill does.
  const torch::Tensor& subnet_target = o.subnet_teacher == "frozen" ? teacher_logits : maxnet_logits;
  for (torch::Tensor& h : maxnet_hidden) h = h.detach();
  for (size_t j = 1; j < subnets.size(); ++j) {
    std::vector<torch::Tensor> hidden;
    {
      AutocastScope autocast(precision);
      torch::Tensor logits = ForwardBatch(state.model, subnets[j], batch, &hidden);
      loss = o.kd_alpha * DistillationKl(logits, subnet_target, o.temperature) +
             o.kd_beta * FeatureLoss(maxnet_hidden, hidden, subnets[j], config.repeat, state.projections);
      if (o.subnet_task > 0) loss = loss + o.subnet_task * TaskLoss(logits, batch);
    }
    backward(loss * scales[j], j + 1 == subnets.size());
    losses[j] = loss.item<float>();
  }
  torch::nn::utils::clip_grad_norm_(state.Trainable(), o.clip);
  state.optimizer->Step(lr);
  state.optimizer->ZeroGrad();
  losses = dp.Average(losses);
  return std::vector<float>(losses.begin(), losses.end());
}

void MlfsRun::FinishSummary() {
  summary.steps = static_cast<int64_t>(history.size()) / width;
  summary.losses.clear();
  for (size_t i = 0; i < history.size(); i += static_cast<size_t>(width)) {
    summary.losses.emplace_back(history.begin() + static_cast<std::ptrdiff_t>(i),
                                history.begin() + static_cast<std::ptrdiff_t>(i) + width);
  }
}

}  // namespace

int MlfsStage(const MlfsOptions& o, int64_t step) {
  if (step < o.stage0_steps) return 0;
  return step < o.stage0_steps + o.stage1_steps ? 1 : 2;
}

MlfsSummary RunMlfs(const MlfsOptions& o) {
  ResetComputeMeter();
  MlfsRun run(o);
  run.PrintPlan();
  if (o.resume && run.dp.writes()) run.RestorePaletteMetrics();
  if (run.total == 0) {  // no training: the rewired teacher as a supernet (the "sliced, untrained" baseline)
    run.EndStage0();
    if (run.dp.writes()) {
      run.EvaluatePalette(0);
      run.Checkpoint();
    }
  }
  const int64_t first = static_cast<int64_t>(run.history.size()) / run.width;
  ProgressMeter progress(run.total, first, int64_t{o.batch_size} * run.seq_len);
  LossMeans means;
  for (int64_t step = first; step < run.total; ++step) {
    const int stage = MlfsStage(o, step);
    if (step == o.stage0_steps) run.EndStage0();
    const double lr = run.LearningRate(step, stage);
    const std::vector<float> losses = run.TrainStep(step, stage, lr);
    run.history.insert(run.history.end(), losses.begin(), losses.end());
    means.Add(losses);
    progress.Step(step + 1, losses[0], lr, o.log_every,
                  progress.Due(step + 1, o.log_every) ? means.TakeLine(stage) : "");
    const bool last = step + 1 == run.total;
    if (run.dp.writes() && ((step + 1) % run.eval_every == 0 || last)) run.EvaluatePalette(step + 1);
    if ((step + 1) % run.checkpoint_every == 0 || last) {
      if (run.dp.writes()) run.Checkpoint();
      run.dp.Barrier();  // the others wait for rank 0's checkpoint
    }
    std::fflush(stdout);
    if (o.stop_after > 0 && step + 1 == o.stop_after && !last) {
      run.summary.stopped_early = true;
      break;
    }
  }
  run.dp.PrintReduceCost();
  run.FinishSummary();
  return run.summary;
}

}  // namespace elastiq
