// The pretraining loop. Every batch is a pure function of (seed, step) and the optimizer state is
// saved in full, so a run killed after a checkpoint and resumed repeats the uninterrupted run's
// loss trajectory exactly (tests/supernet/pretrain_test.cc).
#include "supernet/pretrain.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/format/training_shape.h"
#include "supernet/adamw.h"
#include "supernet/compute_meter.h"
#include "supernet/data_parallel.h"
#include "supernet/gradient_reducer.h"
#include "supernet/model_io.h"
#include "supernet/progress.h"
#include "supernet/training_data.h"

namespace elastiq {
namespace {

nlohmann::json OptionsJson(const PretrainOptions& o) {
  return {{"steps", o.steps},
          {"batch_size", o.batch_size},
          {"seq_len", o.seq_len},
          {"lr", o.lr},
          {"min_lr_ratio", o.min_lr_ratio},
          {"warmup", o.warmup},
          {"weight_decay", o.weight_decay},
          {"clip", o.clip},
          {"seed", o.seed},
          {"precision", o.precision},
          {"shape_from", o.shape_from},
          {"subnet", o.subnet},
          {"init_from", o.init_from}};
}

void WriteCheckpoint(const PretrainOptions& o, const TrainingSetup& setup, SuperTransformer& model,
                     const AdamW& optimizer, const std::vector<float>& history, const nlohmann::json& metrics) {
  const SubnetSpec& spec = setup.shape.spec;
  ModelFileWriter writer(o.out, setup.shape.config, kKindCheckpoint, setup.tokenizer_bytes);
  WriteWeights(model, writer);
  writer.AddPaletteEntry({spec, metrics});
  H5File& h5 = writer.h5();
  optimizer.Save(h5, "/train_state/adamw");
  h5.SetAttr("/train_state", "step", static_cast<int64_t>(history.size()));
  SaveComputeMeter(h5);
  nlohmann::json options = OptionsJson(o);
  if (setup.options.is_object()) options.update(setup.options);
  h5.SetAttr("/train_state", "options", options.dump());
  h5.WriteDataset("/train_state/loss_history", DType::kF32, {static_cast<int64_t>(history.size())}, history.data());
  writer.Commit();
}

// --init-from: the weights of another file with the same config (only the trained slice matters).
void LoadInitialWeights(SuperTransformer& model, const ModelConfig& config, const std::string& path) {
  const ModelFile file = ModelFile::Open(path);
  const std::string diff = DescribeConfigDifference(file.config(), config);
  if (!diff.empty())
    throw UserError("--init-from " + path + " has another config (" + diff +
                    "); it must match the model being trained");
  LoadWeightsInto(model, file);
}

}  // namespace

PretrainSummary RunPretrain(const PretrainOptions& o) {
  ResetComputeMeter();
  TrainingSetup setup{ResolveTrainingShape(o.config, o.shape_from, o.subnet), ReadFileBytes(o.tokenizer),
                      o.config.empty() ? o.shape_from : o.config};
  setup.title = "pretrain " + setup.shape.config.name +
                (o.shape_from.empty() ? "" : " subnet " + setup.shape.spec.name) + " (init " +
                (o.init_from.empty() ? "random" : o.init_from) + ")";
  if (!o.init_from.empty()) {
    setup.init = [&](SuperTransformer& model) { LoadInitialWeights(model, setup.shape.config, o.init_from); };
  }
  return RunTraining(o, setup);
}

PretrainSummary RunTraining(const PretrainOptions& o, const TrainingSetup& setup) {
  const ModelConfig& config = setup.shape.config;
  const SubnetSpec& spec = setup.shape.spec;
  const Precision precision = ResolvePrecision(o.precision);
  ConfigureTorchProcess(o.threads);
  RequireTrainingDevice(o.device);
  if (o.steps <= 0) throw UserError("--steps must be positive");
  if (o.batch_size <= 0) throw UserError("--batch-size must be positive");
  const int seq_len = o.seq_len > 0 ? o.seq_len : config.max_seq_len;
  if (seq_len > config.max_seq_len) {
    throw UserError("--seq-len " + std::to_string(seq_len) + " exceeds the config's max_seq_len " +
                    std::to_string(config.max_seq_len));
  }
  CheckBatchDivides(o.batch_size, o.parallel.world_size);
  TrainingData data = LoadTrainingData(o.train_ids, o.val_ids, config, setup.config_source, o.data);
  nlohmann::json agreed = OptionsJson(o);
  agreed.update({{"setup", setup.options}, {"spec", SubnetSpecToJson(spec)}, {"resume", o.resume}, {"steps", o.steps}});
  DataParallel dp(o.parallel, TrainingFingerprint(agreed, config, setup.tokenizer_bytes, data));
  SetComputeMeterRanks(dp.world_size());  // set-up work (distill's rewiring) runs on every rank too
  if (setup.prepare) setup.prepare(data, seq_len);
  const int64_t eval_every = o.eval_every > 0 ? o.eval_every : std::max<int64_t>(1, o.steps / 10);
  const int64_t checkpoint_every = o.checkpoint_every > 0 ? o.checkpoint_every : eval_every;
  const int64_t warmup = o.warmup > 0 ? o.warmup : std::max<int64_t>(1, o.steps / 20);

  SuperTransformer model(config);
  model->ResetParameters(o.seed);
  if (setup.init && !o.resume) setup.init(model);
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (auto& p : model->named_parameters()) params.emplace_back(p.key(), p.value());
  AdamW optimizer(params, {.weight_decay = o.weight_decay});
  std::vector<float> history;

  if (o.resume && dp.writes()) {  // rank 0 reads the checkpoint and shares it
    ModelFile file = ModelFile::Open(o.out);
    std::string diff = DescribeConfigDifference(file.config(), config);
    if (!diff.empty()) {
      throw UserError("--resume: " + o.out + " was trained with a different config (" + diff +
                      "); use the same --config or drop --resume");
    }
    if (!file.h5().Exists("/train_state"))
      throw UserError("--resume: " + o.out + " holds no training state to resume from");
    LoadWeightsInto(model, file);
    optimizer.Load(file.h5(), "/train_state/adamw");
    ResumeComputeMeter(file.h5());
    history = file.h5().Read<float>("/train_state/loss_history", DType::kF32);
    if (static_cast<int64_t>(history.size()) != optimizer.steps_taken()) {
      throw UserError("--resume: " + o.out + " has an inconsistent training state (corrupted?)");
    }
    std::printf("resuming %s at step %zu of %lld\n", o.out.c_str(), history.size(), static_cast<long long>(o.steps));
  }
  history.resize(ShareRootState(dp, model->parameters(), optimizer, static_cast<int64_t>(history.size())));
  std::printf("%s: %s, %lld parameters, precision %s, %d threads, batch %d x %d", setup.title.c_str(),
              ModelKindName(config.kind), static_cast<long long>(CountParams(config, spec).total()),
              PrecisionName(precision), torch::get_num_threads(), o.batch_size, seq_len);
  if (dp.world_size() > 1) std::printf(" over %d ranks", dp.world_size());
  std::printf("\n");

  PretrainSummary summary;
  nlohmann::json metrics = {{"params", CountParams(config, spec).total()},
                            {"non_embedding_params", CountParams(config, spec).non_embedding()}};
  ProgressMeter progress(o.steps, static_cast<int64_t>(history.size()), int64_t{o.batch_size} * seq_len);
  GradientReducer reducer(dp, model->parameters());
  for (int64_t step = static_cast<int64_t>(history.size()); step < o.steps; ++step) {
    const double lr = WarmupCosineLr(step, o.steps, warmup, o.lr, o.lr * o.min_lr_ratio);
    torch::Tensor loss;
    {
      AutocastScope autocast(precision);
      TaskBatch batch = dp.Shard(SampleTaskBatch(data, config, o.batch_size, seq_len, o.seed, step));
      loss = setup.step_loss ? setup.step_loss(model, spec, batch) : TaskLoss(ForwardBatch(model, spec, batch), batch);
    }
    reducer.LastBackward(loss);  // averaged over the ranks as backward goes
    torch::nn::utils::clip_grad_norm_(model->parameters(), o.clip);
    optimizer.Step(lr);
    optimizer.ZeroGrad();
    history.push_back(static_cast<float>(dp.Average(loss.item<float>())));
    progress.Step(step + 1, history.back(), lr, o.log_every);

    const bool last = step + 1 == o.steps;
    if (dp.writes() && ((step + 1) % eval_every == 0 || last)) {
      EvalResult r = EvaluateValidation(model, spec, data, seq_len, o.batch_size, o.eval_tokens, precision);
      summary.val_loss = r.loss;
      summary.val_metric = ValidationMetric(config, r);
      metrics["val_loss"] = r.loss;
      metrics[std::string("val_") + ValidationMetricName(config)] = summary.val_metric;
      std::printf("  step %lld: validation loss %.4f, %s %.4g\n", static_cast<long long>(step + 1), r.loss,
                  ValidationMetricName(config), summary.val_metric);
    }
    if ((step + 1) % checkpoint_every == 0 || last) {
      metrics["train_steps"] = step + 1;
      metrics["train_tokens"] = (step + 1) * int64_t{o.batch_size} * seq_len;
      metrics["train_flops"] = TrainingFlops();
      metrics["train_seconds"] = TrainingSeconds();
      if (dp.writes()) WriteCheckpoint(o, setup, model, optimizer, history, metrics);
      dp.Barrier();  // the others wait for rank 0's checkpoint
    }
    std::fflush(stdout);
    if (o.stop_after > 0 && step + 1 == o.stop_after && !last) {
      summary.stopped_early = true;
      break;
    }
  }
  dp.PrintReduceCost();
  summary.steps = static_cast<int64_t>(history.size());
  summary.loss_history = history;
  summary.tokens_per_second = progress.TokensPerSecond();
  summary.flops = TrainingFlops();
  summary.seconds = TrainingSeconds();
  return summary;
}

}  // namespace elastiq
