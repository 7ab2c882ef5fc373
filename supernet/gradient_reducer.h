// Gradient averaging over the ranks that overlaps the backward pass: buckets of parameters are
// allreduced as soon as the step's last backward pass has produced all of their gradients.
#pragma once

#include <torch/torch.h>

#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "supernet/data_parallel.h"

namespace elastiq {

// Holds hooks on `params` (removed with it); build one per set of trained parameters and keep it
// across steps. A step may run several backward passes (MLFS's sandwich, QAT's subnets): the earlier
// ones accumulate locally as usual, the last goes through LastBackward.
//
// Buckets hold the parameters in reverse order (the order backward reaches them) and start their
// allreduce in bucket order, the same on every rank, as soon as each is complete; parameters the last
// pass cannot reach (found by walking its graph) are complete before it starts. Each parameter's
// gradient ends as the mean over the ranks, a missing gradient counting as zeros; a parameter no rank
// used keeps no gradient, so the optimizer skips it as in one process.
class GradientReducer {
 public:
  GradientReducer(DataParallel& dp, std::vector<torch::Tensor> params);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Whether this reducer's parameters are exactly `params` (same tensors, same order).
  bool Covers(const std::vector<torch::Tensor>& params) const;
  // loss.backward() as the step's last backward pass, then every gradient averaged over the ranks.
  // One process: just loss.backward().
  void LastBackward(const torch::Tensor& loss);
  size_t buckets() const;
  // How many buckets of the last step started their allreduce before its backward pass ended.
  size_t started_in_backward() const { return started_in_backward_; }

 private:
  struct Bucket;
  void OnGradient(size_t param, const torch::Tensor& incoming);
  void MarkReadyAsItIs(size_t param);
  torch::Tensor Slot(size_t param) const;  // the parameter's place in its bucket, shaped like it
  void MarkReady(size_t param);
  void LaunchCompleteBuckets();
  void MarkUnreachedReady(const torch::Tensor& loss);
  void FinishReduction();

  DataParallel& dp_;
  std::vector<torch::Tensor> params_;
  std::vector<std::pair<size_t, unsigned>> hooks_;  // (param, hook)
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;   // param -> bucket
  std::vector<int64_t> offset_of_;  // param -> offset in its bucket's flat buffer
  std::vector<uint8_t> ready_;      // param's gradient is final this step
  torch::Tensor used_;              // one flag per param, allreduced last
  size_t next_launch_ = 0;          // buckets start in order
  size_t started_in_backward_ = 0;
  bool armed_ = false;               // inside LastBackward
  std::exception_ptr launch_error_;  // an allreduce that could not start inside a hook
};

}  // namespace elastiq
