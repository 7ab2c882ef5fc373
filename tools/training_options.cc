// Registration of pretrain / eval / generate options (names, defaults, help text in one place).
#include "tools/training_options.h"

namespace elastiq {

void AddPretrainOptions(po::options_description& d, PretrainOptions& o) {
  d.add_options()
      ("config", po::value(&o.config)->required(), "model config JSON (see experiments/configs/)")
      ("data", po::value(&o.data)->required(), "prepared data folder (elastiq data prepare)")
      ("tokenizer", po::value(&o.tokenizer)->required(), "SentencePiece model (elastiq tokenizer train); stored in the output")
      ("out", po::value(&o.out)->required(), "output model file (.h5); checkpoints overwrite it atomically")
      ("steps", po::value(&o.steps)->default_value(o.steps), "optimizer steps")
      ("batch-size", po::value(&o.batch_size)->default_value(o.batch_size), "sequences per step")
      ("seq-len", po::value(&o.seq_len)->default_value(o.seq_len), "tokens per sequence (0: the config's max_seq_len)")
      ("lr", po::value(&o.lr)->default_value(o.lr), "peak learning rate")
      ("min-lr-ratio", po::value(&o.min_lr_ratio)->default_value(o.min_lr_ratio), "final LR as a fraction of the peak (cosine decay)")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup), "linear warm-up steps (0: 5% of --steps)")
      ("weight-decay", po::value(&o.weight_decay)->default_value(o.weight_decay), "AdamW decoupled weight decay (matrices only)")
      ("clip", po::value(&o.clip)->default_value(o.clip), "gradient-norm clipping threshold")
      ("seed", po::value(&o.seed)->default_value(o.seed), "seed for initialization and batch sampling")
      ("eval-every", po::value(&o.eval_every)->default_value(o.eval_every), "validate every N steps (0: 10 times per run)")
      ("eval-tokens", po::value(&o.eval_tokens)->default_value(o.eval_tokens), "validation tokens per periodic evaluation")
      ("checkpoint-every", po::value(&o.checkpoint_every)->default_value(o.checkpoint_every), "checkpoint every N steps (0: with each validation)")
      ("log-every", po::value(&o.log_every)->default_value(o.log_every), "progress line every N steps")
      ("resume", po::bool_switch(&o.resume), "continue from the checkpoint at --out")
      ("precision", po::value(&o.precision)->default_value(o.precision), "bf16 | fp32 | auto (bf16 autocast where the CPU has AVX512-BF16)")
      ("threads", po::value(&o.threads)->default_value(o.threads), "LibTorch threads (0: one per core)");
}

void AddPretrainInternalOptions(po::options_description& d, PretrainOptions& o) {
  d.add_options()
      ("train-ids", po::value(&o.train_ids), "internal: tokenized train split")
      ("val-ids", po::value(&o.val_ids), "internal: tokenized val split")
      ("stop-after", po::value(&o.stop_after)->default_value(0), "testing: stop after N steps as if killed");
}

void AddEvalOptions(po::options_description& d, EvalOptions& o) {
  d.add_options()
      ("model", po::value(&o.model)->required(), "model file (.h5): checkpoint, supernet or palette")
      ("data", po::value(&o.data)->required(), "prepared data folder")
      ("split", po::value(&o.split)->default_value(o.split), "train | val | test")
      ("subnet", po::value(&o.subnet), "palette entry to evaluate (default: the first, usually the maxnet)")
      ("engine", po::value(&o.engine)->default_value(o.engine), "torch (LibTorch reference) or runtime (the CPU engine)")
      ("format", po::value(&o.format)->default_value(o.format), "weights: fp32 | w8a8 | ternary (quantized: --engine runtime)")
      ("precision", po::value(&o.precision)->default_value(o.precision), "fp32 | bf16 | auto")
      ("max-tokens", po::value(&o.max_tokens)->default_value(o.max_tokens), "score at most N tokens / examples (0: all)")
      ("batch-size", po::value(&o.batch_size)->default_value(o.batch_size), "sequences per batch")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)")
      ("json", po::bool_switch(&o.json), "print one JSON object");
}

void AddEvalInternalOptions(po::options_description& d, EvalOptions& o) {
  d.add_options()
      ("eval-ids", po::value(&o.eval_ids), "internal: tokenized split")
      ("train-ids", po::value(&o.train_ids), "internal: tokenized train split (baseline)");
}

void AddGenerateOptions(po::options_description& d, GenerateOptions& o) {
  d.add_options()
      ("model", po::value(&o.model)->required(), "model file (.h5)")
      ("subnet", po::value(&o.subnet), "palette entry (default: the first)")
      ("prompt", po::value(&o.prompt)->default_value(""), "text to continue")
      ("max-tokens", po::value(&o.max_tokens)->default_value(o.max_tokens), "tokens to generate at most")
      ("threads", po::value(&o.threads)->default_value(o.threads), "threads (0: one per core)");
  AddSamplerOptions(d, o.sampler);
}

void AddSamplerOptions(po::options_description& d, SamplerOptions& o) {
  d.add_options()
      ("temperature", po::value(&o.temperature)->default_value(o.temperature), "softmax temperature (0: greedy)")
      ("top-k", po::value(&o.top_k)->default_value(o.top_k), "sample among the k most likely (0: all)")
      ("top-p", po::value(&o.top_p)->default_value(o.top_p), "nucleus: smallest set with this probability mass")
      ("seed", po::value(&o.seed)->default_value(o.seed), "sampling seed");
}

void AddGenerateInternalOptions(po::options_description& d, GenerateOptions& o) {
  d.add_options()("prompt-ids", po::value(&o.prompt_ids), "internal: tokenized prompt");
}

}  // namespace elastiq
