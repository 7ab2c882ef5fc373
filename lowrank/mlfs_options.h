// Options of `elastiq mlfs` (plain struct, no LibTorch: the front end and the training helper share
// it; tools/training_options.cc registers each field once with its flag, default and help).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supernet/train_loop_options.h"

namespace elastiq {

struct MlfsOptions : TrainLoopOptions {
  std::string teacher;                    // pretrained teacher (kind "checkpoint")
  std::string data;                       // prepared data folder
  std::string out;                        // supernet file; periodic checkpoints overwrite it atomically
  std::string space;                      // search-space JSON (empty: DefaultSubnetSpace)
  int64_t stage0_steps = 100;             // low-rank fine-tuning of the teacher (maxnet only)
  int64_t stage1_steps = 300;             // width-only subnets at full depth
  int64_t stage2_steps = 300;             // width and depth
  int subnets_per_step = 4;               // maxnet + smallest + (K - 2) random
  double gamma = 1.0;                     // gradient scaling exponent (0: off; < 0 weighs smaller subnets less)
  int rank = 8;                           // adapter rank r
  double lora_alpha = 16.0;               // adapter scale alpha / r
  double kd_alpha = 0.9;                  // weight of KL(p_maxnet || p_subnet)
  double kd_beta = 0.1;                   // weight of the feature MSE
  double maxnet_kd = 0.0;                 // stages 1-2: weight of KL(p_stage0_teacher || p_maxnet) in the maxnet's loss
  double subnet_task = 0.0;               // stages 1-2: weight of the task loss in each smaller subnet's loss
  std::string subnet_teacher = "maxnet";  // stages 1-2: smaller subnets distil from "maxnet" or "frozen" (stage 0's)
  std::vector<double> sample_sizes;       // random subnets near these fractions of the maxnet (empty: uniform)
  std::string sample_palette;             // random subnets: this palette's entries in turn (empty: uniform)
  double temperature = 1.0;               // KD temperature tau
  int64_t rewire_batches = 4;             // calibration batches for importance rewiring after stage 0 (0: off)
  bool train_base = false;     // stages 1-2: W0, embeddings and norms train too (default: frozen, the paper's MLFS)
  double base_lr_scale = 1.0;  // --train-base: the base weights' LR as a fraction of the adapters'

  // MLFS trains only the adapters: a gentler peak LR, no weight decay, shorter evaluations.
  MlfsOptions() {
    lr = 2e-3;
    weight_decay = 0.0;
    eval_tokens = 32768;
  }

  int64_t total_steps() const { return stage0_steps + stage1_steps + stage2_steps; }
};

}  // namespace elastiq
