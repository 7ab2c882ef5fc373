// Registration of pretrain / eval / generate options (names, defaults, help text in one place).
#include "tools/training_options.h"

#include <cstdlib>

#include "src/core/error.h"
#include "src/core/parse_number.h"

namespace elastiq {

void AddPretrainOptions(po::options_description& d, PretrainOptions& o) {
  // clang-format off
  d.add_options()
      ("config", po::value(&o.config), "model config JSON (see experiments/configs/); or --shape-from")
      ("shape-from", po::value(&o.shape_from), "train one subnet of this model file instead (MLFS baselines)")
      ("subnet", po::value(&o.subnet), "with --shape-from: the palette entry to train (default: the largest)")
      ("init-from", po::value(&o.init_from), "start from this file's weights (same config; with --shape-from: its slice) instead of random ones")
      ("data", po::value(&o.data)->required(), "prepared data folder (elastiq data prepare)")
      ("tokenizer", po::value(&o.tokenizer)->required(), "SentencePiece model (elastiq tokenizer train); stored in the output")
      ("out", po::value(&o.out)->required(), "output model file (.h5); checkpoints overwrite it atomically")
      ("steps", po::value(&o.steps)->default_value(o.steps), "optimizer steps");
  // clang-format on
  AddTrainLoopOptions(d, o);
}

void AddDistillOptions(po::options_description& d, DistillOptions& o) {
  // clang-format off
  d.add_options()
      ("teacher", po::value(&o.teacher)->required(), "frozen teacher model file (its config and tokenizer are the student's)")
      ("shape-from", po::value(&o.shape_from), "the student's shape: a palette entry of this file (the teacher's config)")
      ("subnet", po::value(&o.subnet), "with --shape-from: the entry (default: the largest)")
      ("spec", po::value(&o.spec), "the student's shape as a subnet spec JSON file instead of --shape-from")
      ("init", po::value(&o.init)->default_value(o.init), "slice: start from the importance-rewired teacher's slice | random")
      ("kd-weight", po::value(&o.kd_weight)->default_value(o.kd_weight), "weight of KL(teacher || student) at --temperature (times T^2)")
      ("task-weight", po::value(&o.task_weight)->default_value(o.task_weight), "weight of the cross-entropy on the data's targets")
      ("temperature", po::value(&o.temperature)->default_value(o.temperature), "distillation temperature T")
      ("hidden-weight", po::value(&o.hidden_weight)->default_value(o.hidden_weight), "weight of the MSE between the last block's outputs (student vs the teacher's same channels)")
      ("rewire-batches", po::value(&o.rewire_batches)->default_value(o.rewire_batches), "calibration batches for the rewiring of --init slice (0: no rewiring)")
      ("data", po::value(&o.data)->required(), "prepared data folder (elastiq data prepare)")
      ("out", po::value(&o.out)->required(), "student model file (.h5); checkpoints overwrite it atomically")
      ("steps", po::value(&o.steps)->default_value(o.steps), "optimizer steps");
  // clang-format on
  AddTrainLoopOptions(d, o);
}

void AddTrainLoopOptions(po::options_description& d, TrainLoopOptions& o) {
  // clang-format off
  d.add_options()
      ("batch-size", po::value(&o.batch_size)->default_value(o.batch_size), "sequences per step")
      ("seq-len", po::value(&o.seq_len)->default_value(o.seq_len), "tokens per sequence (0: the model's max_seq_len)")
      ("lr", po::value(&o.lr)->default_value(o.lr), "peak learning rate (warm-up + cosine; mlfs: per phase)")
      ("min-lr-ratio", po::value(&o.min_lr_ratio)->default_value(o.min_lr_ratio), "final LR as a fraction of the peak (cosine decay)")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup), "linear warm-up steps (0: 5% of the steps; mlfs: of each phase)")
      ("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay), "AdamW decoupled weight decay (matrices; mlfs: the adapters)")
      ("clip", po::value(&o.clip)->default_value(o.clip), "gradient-norm clipping threshold")
      ("seed", po::value(&o.seed)->default_value(o.seed), "seed for initialization, batches and subnet sampling")
      ("eval-every", po::value(&o.eval_every)->default_value(o.eval_every), "validate every N steps (0: 10 times per run)")
      ("eval-tokens", po::value(&o.eval_tokens)->default_value(o.eval_tokens), "validation tokens per periodic evaluation (a sample spread over the split)")
      ("checkpoint-every", po::value(&o.checkpoint_every)->default_value(o.checkpoint_every), "checkpoint every N steps (0: with each validation)")
      ("log-every", po::value(&o.log_every)->default_value(o.log_every), "progress line every N steps")
      ("resume", po::bool_switch(&o.resume), "continue from the checkpoint at --out")
      ("precision", po::value(&o.precision)->default_value(o.precision), "bf16 | fp32 | auto (bf16 autocast where the CPU has AVX512-BF16)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "LibTorch threads (0: one per core)")
      ("device", po::value(&o.device)->default_value(o.device), "where training computes: cpu | cuda | cuda:N (a LibTorch built with CUDA; Debian's is CPU-only)")
      ("world-size", po::value(&o.parallel.world_size)->default_value(o.parallel.world_size), "data parallelism: processes training together, each on its share of --batch-size (0: $WORLD_SIZE or 1; elastiq launch sets it)")
      ("world-rank", po::value(&o.parallel.rank)->default_value(o.parallel.rank), "this process's rank, 0..world-size-1 (-1: $RANK or 0); rank 0 writes --out")
      ("master", po::value(&o.parallel.master), "HOST:PORT where rank 0 listens for the others (default: $MASTER_ADDR:$MASTER_PORT)")
      ("dist-timeout", po::value(&o.parallel.timeout_s)->default_value(o.parallel.timeout_s), "seconds to wait for the other ranks (rendezvous, and each collective)");
  // clang-format on
}

void ResolveParallelOptions(ParallelOptions& p) {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (p.world_size == 0) p.world_size = env("WORLD_SIZE").empty() ? 1 : ParseInt(env("WORLD_SIZE"), "$WORLD_SIZE");
  if (p.rank == -1) p.rank = env("RANK").empty() ? 0 : ParseInt(env("RANK"), "$RANK");
  if (p.world_size < 1) throw UserError("--world-size must be at least 1, got " + std::to_string(p.world_size));
  if (p.rank < 0 || p.rank >= p.world_size) {
    throw UserError("--world-rank " + std::to_string(p.rank) + " is out of range for --world-size " +
                    std::to_string(p.world_size) + " (0.." + std::to_string(p.world_size - 1) + ")");
  }
  if (p.timeout_s <= 0) throw UserError("--dist-timeout must be positive seconds");
  p.testing_skip_reduce = env("ELASTIQ_TESTING_SKIP_REDUCE") == "1";
  if (p.world_size == 1 || !p.master.empty()) return;
  if (!env("MASTER_ADDR").empty() && !env("MASTER_PORT").empty()) {
    p.master = env("MASTER_ADDR") + ":" + env("MASTER_PORT");
    return;
  }
  throw UserError("--world-size " + std::to_string(p.world_size) +
                  " needs --master HOST:PORT (rank 0's address) or $MASTER_ADDR and $MASTER_PORT; or start the "
                  "ranks with elastiq launch");
}

void RequireOneProcess(const ParallelOptions& p, const std::string& command) {
  if (p.world_size > 1) {
    throw UserError(command + " runs in one process (no training loop to share); drop --world-size and elastiq launch");
  }
}

void AddTrainLoopInternalOptions(po::options_description& d, TrainLoopOptions& o) {
  // clang-format off
  d.add_options()
      ("train-ids", po::value(&o.train_ids), "internal: tokenized train split")
      ("val-ids", po::value(&o.val_ids), "internal: tokenized val split")
      ("stop-after", po::value(&o.stop_after)->default_value(0), "testing: stop after N steps as if killed");
  // clang-format on
}

void AddMlfsOptions(po::options_description& d, MlfsOptions& o) {
  // clang-format off
  d.add_options()
      ("teacher", po::value(&o.teacher)->required(), "pretrained teacher (.h5 of kind checkpoint, from elastiq pretrain)")
      ("data", po::value(&o.data)->required(), "prepared data folder (the target data of stage 0 and the supernet)")
      ("out", po::value(&o.out)->required(), "output supernet file (.h5); checkpoints overwrite it atomically")
      ("space", po::value(&o.space), "search space JSON: d_model, ffn_dim, n_kv_heads (or n_heads), depth lists, depth_policy (default: half to full width and depth)")
      ("stage0-steps", po::value(&o.stage0_steps)->default_value(o.stage0_steps), "stage 0: low-rank fine-tuning of the teacher (maxnet only), then merged")
      ("stage1-steps", po::value(&o.stage1_steps)->default_value(o.stage1_steps), "stage 1: width-only subnets at full depth")
      ("stage2-steps", po::value(&o.stage2_steps)->default_value(o.stage2_steps), "stage 2: width and depth subnets (all three 0: only rewire the teacher, the sliced-untrained baseline)")
      ("subnets-per-step", po::value(&o.subnets_per_step)->default_value(o.subnets_per_step), "K: maxnet, smallest and K-2 random subnets per step (sandwich rule)")
      ("gamma", po::value(&o.gamma)->default_value(o.gamma), "gradient scaling: subnet j's loss weighs (n_maxnet / n_j)^gamma (0: off; below 0 favours the larger subnets)")
      ("rank", po::value(&o.rank)->default_value(o.rank), "low-rank adapter rank r")
      ("lora-alpha", po::value(&o.lora_alpha)->default_value(o.lora_alpha), "adapter scale alpha (W = W0 + alpha / r B A)")
      ("kd-alpha", po::value(&o.kd_alpha)->default_value(o.kd_alpha), "weight of KL(p_maxnet || p_subnet)")
      ("kd-beta", po::value(&o.kd_beta)->default_value(o.kd_beta), "weight of the hidden-state MSE through learned projections")
      ("maxnet-kd", po::value(&o.maxnet_kd)->default_value(o.maxnet_kd), "stages 1-2: weight of KL(p_teacher || p_maxnet), the frozen stage-0 teacher guarding the maxnet from the subnets' pull on the shared adapters (0: off)")
      ("subnet-task", po::value(&o.subnet_task)->default_value(o.subnet_task), "stages 1-2: weight of the task loss (next-token or label) added to each smaller subnet's distillation loss (0: distillation only)")
      ("subnet-teacher", po::value(&o.subnet_teacher)->default_value(o.subnet_teacher), "stages 1-2: the logits each smaller subnet distils from: maxnet (the moving maxnet, the paper's in-place distillation) or frozen (the stage-0 teacher, as prune + distill)")
      ("sample-sizes", po::value(&o.sample_sizes)->multitoken(), "draw the random subnets, in turn, among the palette search's candidates for these fractions of the maxnet's parameters (the sizes you will ask elastiq palette for) instead of uniformly over the space")
      ("sample-palette", po::value(&o.sample_palette), "draw the random subnets, in turn, from this palette's entries below the maxnet (an elastiq palette file of the same teacher config): train exactly the shapes you ship, each every step when --subnets-per-step is 2 + their number; stage 1 uses their widths at full depth")
      ("temperature", po::value(&o.temperature)->default_value(o.temperature), "distillation temperature tau")
      ("rewire-batches", po::value(&o.rewire_batches)->default_value(o.rewire_batches), "calibration batches for importance rewiring after stage 0 (0: off)")
      ("train-base", po::bool_switch(&o.train_base), "stages 1-2: train the base weights W0, embeddings and norms with the adapters (full-weight supernet training; default: W0 frozen as in the paper); --maxnet-kd then distils from a frozen copy of the stage-0 teacher")
      ("base-lr-scale", po::value(&o.base_lr_scale)->default_value(o.base_lr_scale), "with --train-base: the base weights' learning rate as a fraction of --lr (the adapters'); below 1 the maxnet drifts less while the subnets train");
  // clang-format on
  AddTrainLoopOptions(d, o);
}

void AddPaletteOptions(po::options_description& d, PaletteOptions& o) {
  // clang-format off
  d.add_options()
      ("supernet", po::value(&o.supernet)->required(), "MLFS supernet (.h5 from elastiq mlfs)")
      ("data", po::value(&o.data)->required(), "prepared data folder; its val split scores the candidates")
      ("out", po::value(&o.out)->required(), "output palette file (.h5)")
      ("sizes", po::value(&o.sizes)->multitoken()->default_value(o.sizes, "1 0.67 0.5 0.25"), "palette entries as fractions of the maxnet's parameters")
      ("candidates", po::value(&o.candidates)->default_value(o.candidates), "per size: largest subnets within budget scored by the proxy")
      ("finalists", po::value(&o.finalists)->default_value(o.finalists), "per size: best proxy scores evaluated on --eval-tokens")
      ("proxy-tokens", po::value(&o.proxy_tokens)->default_value(o.proxy_tokens), "validation tokens of the cheap proxy (a sample spread over the split)")
      ("eval-tokens", po::value(&o.eval_tokens)->default_value(o.eval_tokens), "validation tokens of the real evaluation")
      ("batch-size", po::value(&o.batch_size)->default_value(o.batch_size), "sequences per batch")
      ("precision", po::value(&o.precision)->default_value(o.precision), "fp32 | bf16 | auto")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)")
      ("device", po::value(&o.device), "device profile (elastiq device probe): entries for budgets on that device instead of --sizes")
      ("latency-ms", po::value(&o.latency_ms)->multitoken(), "with --device: decode budgets, milliseconds per token at the end of --context")
      ("memory", po::value(&o.memory)->multitoken(), "with --device: memory budgets (64M 1G ...), weights + KV cache of --context + scratch; with --latency-ms, every pair")
      ("format", po::value(&o.format)->default_value(o.format), "with --device: the format the entries will run in (fp32 | w8a8 | ternary)")
      ("kv-cache", po::value(&o.kv_cache)->default_value(o.kv_cache), "with --device: KV cache format (f32 | f16)")
      ("context", po::value(&o.context)->default_value(o.context), "with --device: tokens of context the budgets hold for (0: max_seq_len)")
      ("latency-margin", po::value(&o.latency_margin), "with --device: an entry's predicted latency times 1 + this must meet its budget (0.1: 10% headroom; default: the profile's decode_margin, how far past the model the probe's own decoders ran)");
  // clang-format on
}

void AddPaletteInternalOptions(po::options_description& d, PaletteOptions& o) {
  // clang-format off
  d.add_options()("val-ids", po::value(&o.val_ids), "internal: tokenized val split");
  // clang-format on
}

void AddQuantizeOptions(po::options_description& d, QatOptions& o) {
  // clang-format off
  d.add_options()
      ("in", po::value(&o.in)->required(), "palette (or any model file) to quantize; never modified")
      ("format", po::value(&o.format)->required(), "w8a8 (int8 weights per channel, uint8 activations per token) | ternary (BitNet b1.58 absmean)")
      ("out", po::value(&o.out)->required(), "output: the input plus the packed weights (QAT checkpoints overwrite it atomically)")
      ("subnets", po::value(&o.subnets)->default_value(o.subnets), "palette entries QAT optimizes (a,b or all); the packed copy serves every entry")
      ("qat-steps", po::value(&o.qat_steps)->default_value(o.qat_steps), "quantization-aware training steps (0: post-training quantization only)")
      ("data", po::value(&o.data), "prepared data folder (needed by QAT)")
      ("temperature", po::value(&o.temperature)->default_value(o.temperature), "QAT: distillation temperature from each fp32 subnet");
  // clang-format on
  AddTrainLoopOptions(d, o);
}

void AddEvalOptions(po::options_description& d, EvalOptions& o) {
  // clang-format off
  d.add_options()
      ("model", po::value(&o.model)->required(), "model file (.h5): checkpoint, supernet or palette")
      ("data", po::value(&o.data)->required(), "prepared data folder")
      ("split", po::value(&o.split)->default_value(o.split), "train | val | test")
      ("subnet", po::value(&o.subnet), "palette entry to evaluate (default: the largest)")
      ("shape-from", po::value(&o.shape_from), "take --subnet's shape from this file (same config), e.g. a palette's subnet on its teacher")
      ("engine", po::value(&o.engine)->default_value(o.engine), "torch (LibTorch reference) or runtime (the CPU engine)")
      ("format", po::value(&o.format)->default_value(o.format), "weights: fp32 | w8a8 | ternary (torch: simulated quantization, the runtime's integers)")
      ("precision", po::value(&o.precision)->default_value(o.precision), "fp32 | bf16 | auto")
      ("max-tokens", po::value(&o.max_tokens)->default_value(o.max_tokens), "score at most N tokens / examples, spread over the split / stratified by class (0: all)")
      ("head", po::bool_switch(&o.head), "score the split's first --max-tokens tokens / examples instead (for comparisons with tools that read a prefix)")
      ("batch-size", po::value(&o.batch_size)->default_value(o.batch_size), "sequences per batch")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)")
      ("json", po::bool_switch(&o.json), "print one JSON object");
  // clang-format on
}

void AddEvalInternalOptions(po::options_description& d, EvalOptions& o) {
  // clang-format off
  d.add_options()
      ("eval-ids", po::value(&o.eval_ids), "internal: tokenized split")
      ("train-ids", po::value(&o.train_ids), "internal: tokenized train split (baseline)");
  // clang-format on
}

void AddGenerateOptions(po::options_description& d, GenerateOptions& o) {
  // clang-format off
  d.add_options()
      ("model", po::value(&o.model)->required(), "model file (.h5)")
      ("subnet", po::value(&o.subnet), "palette entry (default: the largest)")
      ("prompt", po::value(&o.prompt)->default_value(""), "text to continue")
      ("max-tokens", po::value(&o.max_tokens)->default_value(o.max_tokens), "tokens to generate at most")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)");
  // clang-format on
  AddSamplerOptions(d, o.sampler);
}

void AddDecodeBenchOptions(po::options_description& d, DecodeBenchOptions& o) {
  // clang-format off
  d.add_options()
      ("palette", po::value(&o.palette)->required(), "model file")
      ("subnet", po::value(&o.subnet), "palette entry (default: the largest)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)")
      ("prompt-tokens", po::value(&o.prompt_tokens)->default_value(o.prompt_tokens), "prefill length")
      ("decode-tokens", po::value(&o.decode_tokens)->default_value(o.decode_tokens), "decode steps per repeat")
      ("repeats", po::value(&o.repeats)->default_value(o.repeats), "repeats (medians are reported)");
  // clang-format on
}

void CheckDecodeBenchLength(const DecodeBenchOptions& o, int max_seq_len) {
  if (int64_t{o.prompt_tokens} + o.decode_tokens > max_seq_len) {
    throw UserError("--prompt-tokens + --decode-tokens exceed the model's max_seq_len (" + std::to_string(max_seq_len) +
                    ")");
  }
}

void CheckDecodeBenchOptions(const DecodeBenchOptions& o) {
  CheckThreadCount(o.threads);
  if (o.prompt_tokens <= 0 || o.decode_tokens <= 0 || o.repeats <= 0) {
    throw UserError("--prompt-tokens, --decode-tokens and --repeats must be positive");
  }
}

void AddSamplerOptions(po::options_description& d, SamplerOptions& o) {
  // clang-format off
  d.add_options()
      ("temperature", po::value(&o.temperature)->default_value(o.temperature), "softmax temperature (0: greedy)")
      ("top-k", po::value(&o.top_k)->default_value(o.top_k), "sample among the k most likely (0: all)")
      ("top-p", po::value(&o.top_p)->default_value(o.top_p), "nucleus: smallest set with this probability mass")
      ("seed", po::value(&o.seed)->default_value(o.seed), "sampling seed");
  // clang-format on
}

void AddGenerateInternalOptions(po::options_description& d, GenerateOptions& o) {
  // clang-format off
  d.add_options()("prompt-ids", po::value(&o.prompt_ids), "internal: tokenized prompt");
  // clang-format on
}

}  // namespace elastiq
