// Options every training loop shares (pretraining and MLFS): batch shape, AdamW and schedule,
// validation, checkpoints, precision, threads. Plain struct, no LibTorch: the front end and the
// training helper share it; tools/training_options.cc registers each field once.
#pragma once

#include <cstdint>
#include <string>

namespace elastiq {

// Data parallelism (supernet/data_parallel.h): this process is rank `rank` of `world_size`, meeting
// the others at rank 0's rendezvous `master` (HOST:PORT). Unset fields come from the environment
// (WORLD_SIZE, RANK, MASTER_ADDR + MASTER_PORT, as torchrun and Slurm scripts set them) or mean one
// process (ResolveParallelOptions in tools/training_options.h).
struct ParallelOptions {
  int world_size = 0;                        // 0: $WORLD_SIZE or 1
  int rank = -1;                             // -1: $RANK or 0
  std::string master;                        // empty: $MASTER_ADDR:$MASTER_PORT
  int timeout_s = 300;                       // rendezvous and every collective
  bool testing_skip_reduce = false;          // testing ($ELASTIQ_TESTING_SKIP_REDUCE=1): ranks keep their own gradients
  bool writes() const { return rank <= 0; }  // rank 0 writes checkpoints and prints progress
};

struct TrainLoopOptions {
  int batch_size = 16;
  int seq_len = 0;  // 0: the model's max_seq_len
  double lr = 3e-3;
  double min_lr_ratio = 0.1;
  int64_t warmup = 0;  // 0: 5% of the steps (MLFS: of each phase)
  double weight_decay = 0.1;
  double clip = 1.0;
  uint64_t seed = 1234;
  int64_t eval_every = 0;        // 0: a tenth of the steps
  int64_t eval_tokens = 65536;   // validation tokens per periodic evaluation
  int64_t checkpoint_every = 0;  // 0: same as eval_every
  int64_t log_every = 10;
  bool resume = false;
  std::string precision = "auto";
  std::string device = "cpu";  // cpu | cuda[:N] (RequireTrainingDevice in supernet/torch_setup.h)
  int threads = 0;
  // Filled in by the front end after tokenizing the data folder:
  std::string train_ids, val_ids;
  // Testing: return after this many steps as if killed (0: never).
  int64_t stop_after = 0;
  ParallelOptions parallel;
};

}  // namespace elastiq
