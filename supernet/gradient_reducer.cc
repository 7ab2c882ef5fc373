// Bucketed gradient allreduce overlapping the last backward pass (see gradient_reducer.h).
#include "supernet/gradient_reducer.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>

#include <chrono>
#include <unordered_set>

namespace elastiq {
namespace {

using Clock = std::chrono::steady_clock;

// Buckets of about this size: the first starts early in the backward pass, and few enough
// collectives for small models.
constexpr int64_t kBucketBytes = 4 << 20;

}  // namespace

struct GradientReducer::Bucket {
  torch::Tensor flat;  // the bucket's gradients, concatenated; summed over the ranks in place
  std::vector<size_t> params;
  size_t waiting = 0;  // parameters not ready yet this step
  c10::intrusive_ptr<c10d::Work> work;
};

GradientReducer::GradientReducer(DataParallel& dp, std::vector<torch::Tensor> params)
    : dp_(dp), params_(std::move(params)) {
  if (dp_.world_size() == 1) return;
  bucket_of_.resize(params_.size());
  offset_of_.resize(params_.size());
  ready_.assign(params_.size(), 0);
  used_ = torch::zeros({static_cast<int64_t>(params_.size())}, torch::kFloat32);
  int64_t bytes = 0;
  std::vector<int64_t> sizes;
  for (size_t k = params_.size(); k-- > 0;) {  // the order backward reaches them
    const int64_t nbytes = params_[k].numel() * static_cast<int64_t>(sizeof(float));
    if (buckets_.empty() || (bytes > 0 && bytes + nbytes > kBucketBytes)) {
      buckets_.emplace_back();
      sizes.push_back(0);
      bytes = 0;
    }
    bucket_of_[k] = buckets_.size() - 1;
    offset_of_[k] = sizes.back();
    buckets_.back().params.push_back(k);
    sizes.back() += params_[k].numel();
    bytes += nbytes;
  }
  for (size_t b = 0; b < buckets_.size(); ++b) buckets_[b].flat = torch::empty({sizes[b]}, torch::kFloat32);
  for (size_t k = 0; k < params_.size(); ++k) {
    if (params_[k].scalar_type() != torch::kFloat32)
      throw std::logic_error("GradientReducer: trained parameters must be fp32");
    if (params_[k].requires_grad())  // a frozen one never gets a gradient: ready before each pass
      hooks_.emplace_back(k, params_[k].register_hook([this, k](const torch::Tensor& grad) { OnGradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  for (const auto& [k, hook] : hooks_) params_[k].remove_hook(hook);
}

size_t GradientReducer::buckets() const { return buckets_.size(); }

bool GradientReducer::Covers(const std::vector<torch::Tensor>& params) const {
  if (params.size() != params_.size()) return false;
  for (size_t k = 0; k < params.size(); ++k)
    if (!params[k].is_same(params_[k])) return false;
  return true;
}

void GradientReducer::LastBackward(const torch::Tensor& loss) {
  if (dp_.world_size() == 1) {
    loss.backward();
    return;
  }
  std::fill(ready_.begin(), ready_.end(), 0);
  for (Bucket& b : buckets_) b.waiting = b.params.size();
  next_launch_ = 0;
  launch_error_ = nullptr;
  used_.zero_();
  armed_ = true;
  MarkUnreachedReady(loss);
  try {
    loss.backward();
  } catch (...) {
    armed_ = false;
    throw;
  }
  armed_ = false;
  started_in_backward_ = next_launch_;
  FinishReduction();
}

// Runs inside backward, before the gradient accumulates into .grad: the parameter's gradient for
// the step is what it held from earlier passes plus this one (the sum AccumulateGrad is about to
// form), added straight into its bucket.
void GradientReducer::OnGradient(size_t k, const torch::Tensor& incoming) {
  if (!armed_ || ready_[k]) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor& earlier = params_[k].grad();
  torch::Tensor slot = Slot(k);
  if (earlier.defined()) {
    torch::add_out(slot, earlier, incoming);
  } else {
    slot.copy_(incoming);
  }
  used_.data_ptr<float>()[k] = 1.0f;
  MarkReady(k);
}

// A parameter whose gradient for the step is already in .grad (or that has none: zeros in the mean).
void GradientReducer::MarkReadyAsItIs(size_t k) {
  const torch::Tensor& grad = params_[k].grad();
  if (grad.defined()) {
    Slot(k).copy_(grad);
    used_.data_ptr<float>()[k] = 1.0f;
  } else {
    Slot(k).zero_();
  }
  MarkReady(k);
}

torch::Tensor GradientReducer::Slot(size_t k) const {
  return buckets_[bucket_of_[k]].flat.narrow(0, offset_of_[k], params_[k].numel()).view_as(params_[k]);
}

void GradientReducer::MarkReady(size_t k) {
  ready_[k] = 1;
  --buckets_[bucket_of_[k]].waiting;
  LaunchCompleteBuckets();
}

void GradientReducer::LaunchCompleteBuckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].waiting == 0) {
    Bucket& b = buckets_[next_launch_++];
    try {
      b.work = dp_.StartSum(b.flat);
    } catch (...) {  // reported after backward, where the failure can name the silent ranks
      if (!launch_error_) launch_error_ = std::current_exception();
    }
  }
}

// Parameters the last pass's graph does not reach hold their final gradient (or none) already.
void GradientReducer::MarkUnreachedReady(const torch::Tensor& loss) {
  std::unordered_set<const torch::autograd::Node*> seen;
  std::unordered_set<const c10::TensorImpl*> reached;
  std::vector<torch::autograd::Node*> stack;
  if (loss.grad_fn()) stack.push_back(loss.grad_fn().get());
  while (!stack.empty()) {
    torch::autograd::Node* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    if (auto* accumulate = dynamic_cast<torch::autograd::AccumulateGrad*>(node))
      reached.insert(accumulate->variable.unsafeGetTensorImpl());
    for (const torch::autograd::Edge& edge : node->next_edges())
      if (edge.function) stack.push_back(edge.function.get());
  }
  for (size_t k = 0; k < params_.size(); ++k)
    if (!reached.count(params_[k].unsafeGetTensorImpl())) MarkReadyAsItIs(k);
}

// After backward: any parameter still waiting got no gradient in the last pass (its graph reached it
// without a gradient flowing); then the used flags, the waits, and the means back into .grad.
void GradientReducer::FinishReduction() {
  const auto start = Clock::now();
  for (size_t k = 0; k < params_.size(); ++k)
    if (!ready_[k]) MarkReadyAsItIs(k);
  int64_t bytes = used_.numel() * static_cast<int64_t>(sizeof(float));
  try {
    if (launch_error_) std::rethrow_exception(launch_error_);
    c10::intrusive_ptr<c10d::Work> flags = dp_.StartSum(used_);
    for (Bucket& b : buckets_) {
      b.work->wait();
      bytes += b.flat.numel() * static_cast<int64_t>(sizeof(float));
    }
    flags->wait();
  } catch (const std::exception& e) {
    dp_.Fail("a gradient allreduce", e);
  }
  torch::NoGradGuard no_grad;
  const float* used = used_.data_ptr<float>();
  for (size_t k = 0; k < params_.size(); ++k) {
    torch::Tensor& grad = params_[k].mutable_grad();
    if (used[k] == 0.0f) {  // no rank used it
      grad = torch::Tensor();
      continue;
    }
    if (dp_.options_.testing_skip_reduce) continue;  // testing: each rank keeps its own gradients
    const torch::Tensor mean = Slot(k);
    if (grad.defined()) {
      grad.copy_(mean).div_(dp_.world_size());
    } else {
      grad = mean.div(dp_.world_size());
    }
  }
  dp_.RecordReduce(std::chrono::duration<double>(Clock::now() - start).count(), bytes, started_in_backward_,
                   buckets_.size());
}

}  // namespace elastiq
