// AdamW update and schedule.
#include "supernet/adamw.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "supernet/model_io.h"

namespace elastiq {

AdamW::AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, const AdamWOptions& options,
             std::vector<double> lr_scales)
    : params_(std::move(params)), lr_scales_(std::move(lr_scales)), options_(options) {
  if (lr_scales_.empty()) lr_scales_.assign(params_.size(), 1.0);
  if (lr_scales_.size() != params_.size()) throw std::invalid_argument("AdamW: one lr scale per parameter");
  for (auto& [name, p] : params_) {
    m_.push_back(torch::zeros_like(p));
    v_.push_back(torch::zeros_like(p));
  }
}

std::vector<torch::Tensor> AdamW::moments() const {
  std::vector<torch::Tensor> out = m_;
  out.insert(out.end(), v_.begin(), v_.end());
  return out;
}

void AdamW::Step(double lr) {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double bc1 = 1.0 - std::pow(options_.beta1, static_cast<double>(steps_));
  const double bc2 = 1.0 - std::pow(options_.beta2, static_cast<double>(steps_));
  for (size_t i = 0; i < params_.size(); ++i) {
    torch::Tensor& p = params_[i].second;
    if (!p.grad().defined()) continue;
    const torch::Tensor& g = p.grad();
    const double lr_i = lr * lr_scales_[i];
    if (p.dim() > 1 && options_.weight_decay > 0) p.mul_(1.0 - lr_i * options_.weight_decay);
    m_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
    v_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
    torch::Tensor denom = (v_[i] / bc2).sqrt_().add_(options_.eps);
    p.addcdiv_(m_[i], denom, -lr_i / bc1);
  }
}

// Gradients are dropped, not zeroed: a parameter the next step does not use (an MLFS stage-2
// subnet's skipped layer) then has no gradient and Step leaves it and its moments alone, as it
// would right after --resume, when no gradient exists yet. Zeroed gradients moved such parameters
// by their momentum in an uninterrupted run only, so a run resumed in stage 2 drifted from it
// (found by experiments/kill_soak.py).
void AdamW::ZeroGrad() {
  for (auto& [name, p] : params_) p.mutable_grad() = torch::Tensor();
}

void AdamW::Save(H5File& file, const std::string& group) const {
  file.CreateGroup(group);
  file.SetAttr(group, "step", steps_);
  for (size_t i = 0; i < params_.size(); ++i) {
    WriteTensor(file, group + "/m/" + params_[i].first, m_[i]);
    WriteTensor(file, group + "/v/" + params_[i].first, v_[i]);
  }
}

void AdamW::Load(const H5File& file, const std::string& group) {
  steps_ = file.GetIntAttr(group, "step");
  for (size_t i = 0; i < params_.size(); ++i) {
    m_[i] = ReadTensor(file, group + "/m/" + params_[i].first, params_[i].second.sizes());
    v_[i] = ReadTensor(file, group + "/v/" + params_[i].first, params_[i].second.sizes());
  }
}

double WarmupCosineLr(int64_t step, int64_t total, int64_t warmup, double max_lr, double min_lr) {
  if (step < warmup) return max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (total <= warmup) return max_lr;
  double progress = std::min(1.0, static_cast<double>(step - warmup) / static_cast<double>(total - warmup));
  return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace elastiq
