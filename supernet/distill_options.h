// Options of `elastiq distill` (plain struct, no LibTorch: the front end and the training helper
// share it): the loop's options, the frozen teacher, the student's shape and start, the loss weights.
#pragma once

#include <cstdint>
#include <string>

#include "supernet/pretrain_options.h"

namespace elastiq {

struct DistillOptions : PretrainOptions {
  std::string teacher;         // frozen teacher model file (its config and tokenizer are the student's)
  std::string spec;            // subnet spec JSON file (instead of shape_from + subnet)
  std::string init = "slice";  // slice: the importance-rewired teacher's weights; random
  double kd_weight = 1.0;      // KL(teacher || student) at `temperature`, times temperature^2
  double task_weight = 0.0;    // cross-entropy on the data's targets
  double temperature = 1.0;
  double hidden_weight = 0.0;  // MSE of the last block's output against the teacher's same channels
  int64_t rewire_batches = 4;  // calibration batches for the rewiring of --init slice
};

}  // namespace elastiq
