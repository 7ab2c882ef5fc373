// AdamW (Loshchilov & Hutter 2019) with decoupled weight decay, written out so its state (step,
// first and second moments) can be saved to and restored from a model file bit for bit.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "src/format/h5_file.h"

namespace elastiq {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weight_decay = 0.1;  // not applied to 1-D parameters (norm weights)
};

class AdamW {
 public:
  // lr_scales: one multiplier of the step's lr per parameter (empty: all 1).
  AdamW(std::vector<std::pair<std::string, torch::Tensor>> params, const AdamWOptions& options,
        std::vector<double> lr_scales = {});
  void Step(double lr);  // reads each parameter's .grad()
  void ZeroGrad();       // drops the gradients: a parameter the next step leaves unused is not updated
  int64_t steps_taken() const { return steps_; }
  // The state a data-parallel resume copies from rank 0: the moments (in place) and the step.
  std::vector<torch::Tensor> moments() const;
  void set_steps_taken(int64_t steps) { steps_ = steps; }

  // /<group>/step attribute, /<group>/m/<name>, /<group>/v/<name>.
  void Save(H5File& file, const std::string& group) const;
  void Load(const H5File& file, const std::string& group);

 private:
  std::vector<std::pair<std::string, torch::Tensor>> params_;
  std::vector<torch::Tensor> m_, v_;
  std::vector<double> lr_scales_;
  AdamWOptions options_;
  int64_t steps_ = 0;
};

// Linear warm-up to max_lr over `warmup` steps, then cosine decay to min_lr at `total`.
double WarmupCosineLr(int64_t step, int64_t total, int64_t warmup, double max_lr, double min_lr);

}  // namespace elastiq
