// The QAT loop: per step one batch, every selected palette entry run in fp32 (frozen teacher) and
// fake-quantized (trainable latent weights); loss KL(fp32 || quantized); AdamW on the latents.
// Checkpoints are the output palette itself: the packed copy of the current latents plus
// /train_state/qat (latents, optimizer, loss history), so --resume continues exactly.
#include "quant/qat.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "quant/quantize_file.h"
#include "quant/simulated_quant.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/format/weight_layout.h"
#include "supernet/adamw.h"
#include "supernet/compute_meter.h"
#include "supernet/data_parallel.h"
#include "supernet/distillation.h"
#include "supernet/evaluate.h"
#include "supernet/gradient_reducer.h"
#include "supernet/model_io.h"
#include "supernet/progress.h"
#include "supernet/super_transformer.h"
#include "supernet/torch_setup.h"
#include "supernet/training_data.h"

namespace elastiq {
namespace {

constexpr const char* kState = "/train_state/qat";

void CheckOptions(const QatOptions& o) {
  if (o.qat_steps <= 0) throw UserError("--qat-steps must be positive");
  if (o.batch_size <= 0) throw UserError("--batch-size must be positive");
  if (!(o.temperature > 0)) throw UserError("--temperature must be positive");
  CheckBatchDivides(o.batch_size, o.parallel.world_size);
}

// What every rank must agree on beyond the model and data.
nlohmann::json AgreedOptions(const QatOptions& o) {
  return {{"in", o.in},
          {"format", o.format},
          {"subnets", o.subnets},
          {"qat_steps", o.qat_steps},
          {"lr", o.lr},
          {"min_lr_ratio", o.min_lr_ratio},
          {"warmup", o.warmup},
          {"batch_size", o.batch_size},
          {"seq_len", o.seq_len},
          {"seed", o.seed},
          {"clip", o.clip},
          {"temperature", o.temperature},
          {"weight_decay", o.weight_decay},
          {"precision", o.precision},
          {"resume", o.resume}};
}

std::string SubnetLosses(const std::vector<std::string>& names, const std::vector<double>& sums, int64_t count) {
  std::string line = "  kl";
  for (size_t j = 0; j < names.size(); ++j) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s %.4f", names[j].c_str(),
                  sums[j] / static_cast<double>(std::max<int64_t>(1, count)));
    line += buf;
  }
  return line;
}

}  // namespace

QatSummary RunQat(const QatOptions& o) {
  CheckOptions(o);
  ResetComputeMeter();
  const ModelFile palette = ModelFile::Open(o.in);
  const ModelConfig& config = palette.config();
  const SimFormat format = ParseSimFormat(o.format);
  RequireNoQuantCopy(palette, o.format);
  QatSummary summary;
  summary.subnets = SelectSubnets(palette, o.subnets);
  std::vector<SubnetSpec> specs;
  for (const std::string& n : summary.subnets) specs.push_back(palette.Entry(n).spec);
  const Precision precision = ResolvePrecision(o.precision);
  ConfigureTorchProcess(o.threads);
  RequireTrainingDevice(o.device);
  const int seq_len = o.seq_len > 0 ? o.seq_len : config.max_seq_len;
  if (seq_len > config.max_seq_len)
    throw UserError("--seq-len exceeds the model's max_seq_len " + std::to_string(config.max_seq_len));
  const TrainingData data = LoadTrainingData(o.train_ids, o.val_ids, config, o.in, o.data);
  DataParallel dp(o.parallel, TrainingFingerprint(AgreedOptions(o), config, "", data));
  SetComputeMeterRanks(dp.world_size());
  const int64_t eval_every = o.eval_every > 0 ? o.eval_every : std::max<int64_t>(1, o.qat_steps / 5);
  const int64_t checkpoint_every = o.checkpoint_every > 0 ? o.checkpoint_every : eval_every;
  const int64_t warmup = o.warmup > 0 ? o.warmup : std::max<int64_t>(1, o.qat_steps / 20);
  const int64_t width = static_cast<int64_t>(specs.size());

  SuperTransformer teacher = LoadSuperTransformer(palette), student = LoadSuperTransformer(palette);
  FreezeModel(teacher);
  teacher->eval();
  std::unique_ptr<SimulatedQuant> fake = SimulatedQuant::FakeQuant(format);
  student->SetLinearHook(fake.get());
  // Only what the packed copy holds trains. Norms (and an encoder's classifier) stay as they are: the
  // runtime reads them from /weights in every format, and the output's /weights are the input's.
  std::set<std::string> packed;
  for (const WeightShape& w : MaxnetWeightShapes(config)) {
    if (IsPackedWeight(w)) packed.insert(w.name);
  }
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (auto& p : student->named_parameters()) {
    if (packed.count(p.key())) {
      params.emplace_back(p.key(), p.value());
    } else {
      p.value().set_requires_grad(false);
    }
  }
  AdamW optimizer(params, {.weight_decay = o.weight_decay});
  std::vector<float> history;
  if (o.resume && dp.writes()) {  // rank 0 reads the checkpoint and shares it
    const ModelFile checkpoint = ModelFile::Open(o.out);
    if (!checkpoint.h5().Exists(kState)) throw UserError("--resume: " + o.out + " holds no QAT training state");
    const std::string diff = DescribeConfigDifference(checkpoint.config(), config);
    if (!diff.empty()) throw UserError("--resume: " + o.out + " was trained from another palette (" + diff + ")");
    torch::NoGradGuard no_grad;
    for (auto& p : params)
      p.second.copy_(ReadTensor(checkpoint.h5(), std::string(kState) + "/weights/" + p.first, p.second.sizes()));
    optimizer.Load(checkpoint.h5(), std::string(kState) + "/adamw");
    ResumeComputeMeter(checkpoint.h5());
    history = checkpoint.h5().Read<float>(std::string(kState) + "/loss_history", DType::kF32);
    if (static_cast<int64_t>(history.size()) != optimizer.steps_taken() * width) {
      throw UserError("--resume: " + o.out + " was trained with other --subnets (or is corrupted); use the same list");
    }
    std::printf("resuming %s at step %lld of %lld\n", o.out.c_str(), static_cast<long long>(optimizer.steps_taken()),
                static_cast<long long>(o.qat_steps));
  }
  std::vector<torch::Tensor> trained;
  for (auto& p : params) trained.push_back(p.second);
  history.resize(static_cast<size_t>(ShareRootState(dp, trained, optimizer, optimizer.steps_taken()) * width));
  std::printf("qat %s: %s, %zu subnets (", o.in.c_str(), o.format.c_str(), specs.size());
  for (size_t j = 0; j < specs.size(); ++j) std::printf("%s%s", j ? ", " : "", specs[j].name.c_str());
  std::printf("), %lld steps, batch %d x %d, lr %g\n", static_cast<long long>(o.qat_steps), o.batch_size, seq_len,
              o.lr);

  auto write_output = [&](int64_t steps_done) {
    QuantizeSource source;
    std::map<std::string, torch::Tensor> latents;
    for (auto& p : params) latents[p.first] = p.second;
    source.weights = [&](const std::string& name) {
      torch::Tensor t = latents.at(name).detach().to(torch::kFloat).contiguous();
      return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    };
    source.qat_subnets = summary.subnets;
    source.extra = [&](H5File& h5) {
      for (auto& p : params) WriteTensor(h5, std::string(kState) + "/weights/" + p.first, p.second);
      optimizer.Save(h5, std::string(kState) + "/adamw");
      h5.SetAttr(kState, "step", steps_done);
      SaveComputeMeter(h5);
      h5.WriteDataset(std::string(kState) + "/loss_history", DType::kF32, {static_cast<int64_t>(history.size())},
                      history.data());
    };
    QuantizeModelFile(o.in, o.format, o.out, source);
  };

  ProgressMeter progress(o.qat_steps, optimizer.steps_taken(), int64_t{o.batch_size} * seq_len * width);
  GradientReducer reducer(dp, trained);
  std::vector<double> sums(specs.size(), 0.0);
  int64_t summed = 0;
  for (int64_t step = optimizer.steps_taken(); step < o.qat_steps; ++step) {
    const double lr = WarmupCosineLr(step, o.qat_steps, warmup, o.lr, o.lr * o.min_lr_ratio);
    const TaskBatch batch = dp.Shard(SampleTaskBatch(data, config, o.batch_size, seq_len, o.seed, step));
    std::vector<double> losses;
    for (size_t j = 0; j < specs.size(); ++j) {
      torch::Tensor target, loss;
      {
        torch::NoGradGuard no_grad;
        target = ForwardBatch(teacher, specs[j], batch);
      }
      {
        AutocastScope autocast(precision);
        loss = DistillationKl(ForwardBatch(student, specs[j], batch), target, o.temperature);
      }
      if (j + 1 == specs.size()) {
        reducer.LastBackward(loss);  // averaged over the ranks as backward goes
      } else {
        loss.backward();
      }
      losses.push_back(loss.item<float>());
    }
    losses = dp.Average(losses);
    double total = 0.0;
    for (size_t j = 0; j < specs.size(); ++j) {
      history.push_back(static_cast<float>(losses[j]));
      sums[j] += losses[j];
      total += losses[j];
    }
    summed++;
    torch::nn::utils::clip_grad_norm_(student->parameters(), o.clip);
    optimizer.Step(lr);
    optimizer.ZeroGrad();
    const bool due = progress.Due(step + 1, o.log_every);
    progress.Step(step + 1, total / static_cast<double>(width), lr, o.log_every,
                  due ? SubnetLosses(summary.subnets, sums, summed) : "");
    if (due) {
      std::fill(sums.begin(), sums.end(), 0.0);
      summed = 0;
    }
    const bool last = step + 1 == o.qat_steps;
    if (dp.writes() && ((step + 1) % eval_every == 0 || last)) {
      summary.val_metric.clear();
      std::printf("  step %lld: validation %s (fake-quantized)", static_cast<long long>(step + 1),
                  ValidationMetricName(config));
      for (const SubnetSpec& spec : specs) {
        EvalResult r = EvaluateValidation(student, spec, data, seq_len, o.batch_size, o.eval_tokens, Precision::kFp32);
        summary.val_metric.push_back(ValidationMetric(config, r));
        std::printf(" %s %.4g", spec.name.c_str(), summary.val_metric.back());
      }
      std::printf("\n");
    }
    if ((step + 1) % checkpoint_every == 0 || last) {
      if (dp.writes()) write_output(step + 1);
      dp.Barrier();  // the others wait for rank 0's checkpoint
    }
    std::fflush(stdout);
    if (o.stop_after > 0 && step + 1 == o.stop_after && !last) {
      summary.stopped_early = true;
      break;
    }
  }
  dp.PrintReduceCost();
  summary.steps = optimizer.steps_taken();
  for (size_t i = 0; i + static_cast<size_t>(width) <= history.size(); i += static_cast<size_t>(width)) {
    summary.losses.emplace_back(history.begin() + static_cast<std::ptrdiff_t>(i),
                                history.begin() + static_cast<std::ptrdiff_t>(i + width));
  }
  return summary;
}

}  // namespace elastiq
