// Options of `elastiq pretrain` (plain struct, no LibTorch: the front end and the training helper
// share it; tools/training_options.cc registers each field once with its flag, default and help).
#pragma once

#include <cstdint>
#include <string>

#include "supernet/train_loop_options.h"

namespace elastiq {

struct PretrainOptions : TrainLoopOptions {
  std::string config;      // model config JSON (or shape_from + subnet)
  std::string shape_from;  // model file whose palette entry `subnet` is the shape to train
  std::string subnet;      // entry of shape_from (empty: its largest)
  std::string init_from;   // start from this file's weights (same config) instead of random ones
  std::string data;        // prepared data folder
  std::string tokenizer;   // SentencePiece .model (stored inside the output file)
  std::string out;         // model file; periodic checkpoints overwrite it atomically
  int64_t steps = 1000;
};

}  // namespace elastiq
