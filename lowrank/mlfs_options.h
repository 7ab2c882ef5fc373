// Options of `elastiq mlfs` (plain struct, no LibTorch: the front end and the training helper share
// it; tools/training_options.cc registers each field once with its flag, default and help).
#pragma once

#include <cstdint>
#include <string>

namespace elastiq {

struct MlfsOptions {
  std::string teacher;  // pretrained teacher (kind "checkpoint")
  std::string data;     // prepared data folder
  std::string out;      // supernet file; periodic checkpoints overwrite it atomically
  std::string space;    // search-space JSON (empty: DefaultSubnetSpace)
  int64_t stage0_steps = 100;  // low-rank fine-tuning of the teacher (maxnet only)
  int64_t stage1_steps = 300;  // width-only subnets at full depth
  int64_t stage2_steps = 300;  // width and depth
  int subnets_per_step = 4;    // maxnet + smallest + (K - 2) random
  double gamma = 1.0;          // gradient scaling exponent (0: off)
  int rank = 8;                // adapter rank r
  double lora_alpha = 16.0;    // adapter scale alpha / r
  double kd_alpha = 0.9;       // weight of KL(p_maxnet || p_subnet)
  double kd_beta = 0.1;        // weight of the feature MSE
  double temperature = 1.0;    // KD temperature tau
  int64_t rewire_batches = 4;  // calibration batches for importance rewiring after stage 0 (0: off)
  int batch_size = 16;
  int seq_len = 0;             // 0: the teacher's max_seq_len
  double lr = 2e-3;
  double min_lr_ratio = 0.1;
  int64_t warmup = 0;          // 0: 5% of each phase (stage 0; stages 1 + 2)
  double weight_decay = 0.0;
  double clip = 1.0;
  uint64_t seed = 1234;
  int64_t eval_every = 0;        // 0: a tenth of the steps
  int64_t eval_tokens = 32768;   // validation tokens per evaluation
  int64_t checkpoint_every = 0;  // 0: same as eval_every
  int64_t log_every = 10;
  bool resume = false;
  std::string precision = "auto";
  int threads = 0;
  // Filled in by the front end after tokenizing the data folder:
  std::string train_ids, val_ids;
  // Testing: return after this many steps as if killed (0: never).
  int64_t stop_after = 0;

  int64_t total_steps() const { return stage0_steps + stage1_steps + stage2_steps; }
};

}  // namespace elastiq
