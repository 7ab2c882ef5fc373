// Data-parallel training on torch c10d: ranks meet at a TCPStore held by rank 0, then gradients
// are averaged with ProcessGroupGloo allreduces in buckets. LibTorch has no C++
// DistributedDataParallel; this is the small layer the training loops need on top of c10d.
//
// Every rank draws the same global batch (a pure function of seed and step) and trains on its
// contiguous share of the rows; averaging the ranks' gradients of their mean losses gives the
// gradient of the global batch's mean loss, so W ranks follow one process's trajectory (to
// floating-point reordering). A failed collective names the ranks that stopped answering. The
// gradients are averaged by GradientReducer (supernet/gradient_reducer.h), overlapping backward.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <vector>

#include "supernet/adamw.h"
#include "supernet/train_loop_options.h"
#include "supernet/training_data.h"

namespace elastiq {

class DataParallel {
 public:
  // world_size 1 (resolved options): a single process, every collective a no-op. Otherwise
  // connects to the rendezvous and checks that every rank was started with the same
  // `fingerprint` (options, model and data); UserError naming the missing or differing ranks.
  DataParallel(const ParallelOptions& options, const std::string& fingerprint);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return options_.rank; }
  int world_size() const { return options_.world_size; }
  bool writes() const { return options_.rank == 0; }

  // This rank's contiguous share of a global batch's rows (CheckBatchDivides first).
  TaskBatch Shard(const TaskBatch& global) const;
  // Rank 0's values into every rank's tensors, in place (parameters at start or after --resume).
  void Broadcast(const std::vector<torch::Tensor>& tensors);
  // The mean over the ranks of each value (one collective for all).
  std::vector<double> Average(std::vector<double> values);
  double Average(double value) { return Average(std::vector<double>{value})[0]; }
  void Barrier();
  // One line on stdout (more than one rank only): the gradient allreduce's bytes per step, what
  // predicts how the run scales over slower links, and the time per step it added after the backward
  // pass (the rest overlapped it).
  void PrintReduceCost() const;

 private:
  friend class GradientReducer;  // gradients are averaged by supernet/gradient_reducer.h
  struct Group;
  // Starts summing `tensor` over the ranks, in place; every rank starts the same sums in the same order.
  c10::intrusive_ptr<c10d::Work> StartSum(torch::Tensor tensor);
  void RecordReduce(double exposed_seconds, int64_t bytes, size_t buckets_started_early, size_t buckets);
  void ConnectStore();
  void Rendezvous(const std::string& fingerprint);
  [[noreturn]] void Fail(const std::string& during, const std::exception& e) const;
  ParallelOptions options_;
  std::unique_ptr<Group> group_;
  double reduce_seconds_ = 0.0;
  int64_t reduce_bytes_ = 0, reductions_ = 0, buckets_started_early_ = 0, buckets_ = 0;
};

// Refuses a global batch the world size does not divide (one line naming both).
void CheckBatchDivides(int batch_size, int world_size);

// Rank 0's weights, optimizer state and step (after --resume, only rank 0 read the checkpoint) into
// every rank; returns the step. No-op for one process.
int64_t ShareRootState(DataParallel& dp, const std::vector<torch::Tensor>& weights, AdamW& optimizer, int64_t step);

// What every rank of a run must agree on, as one hash: the run's options (as its checkpoint records
// them), the model config, the tokenizer and the size of the tokenized data.
std::string TrainingFingerprint(const nlohmann::json& options, const ModelConfig& config,
                                const std::string& tokenizer_bytes, const TrainingData& data);

}  // namespace elastiq
