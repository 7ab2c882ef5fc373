// Options of QAT (`elastiq quantize --qat-steps N`). Plain struct, no LibTorch: the front end and
// the training helper share it; tools/training_options.cc registers each field once.
#pragma once

#include <cstdint>
#include <string>

#include "supernet/train_loop_options.h"

namespace elastiq {

struct QatOptions : TrainLoopOptions {
  std::string in;               // palette (fp32 weights); never modified
  std::string format;           // ternary | w8a8
  std::string out;              // the palette plus the packed QAT weights (checkpoints overwrite it atomically)
  std::string data;             // prepared data folder
  std::string subnets = "all";  // comma-separated palette entries to optimize, or all
  int64_t qat_steps = 0;
  double temperature = 1.0;  // distillation temperature from each fp32 subnet
  QatOptions() {
    lr = 5e-4;
    weight_decay = 0.0;
    eval_tokens = 16384;
  }
};

}  // namespace elastiq
