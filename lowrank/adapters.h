// Low-rank adapters for MLFS (docs/METHODS.md, MLFS): W = W0 + (alpha / r) B A on wq, wk, wv, wo,
// w_gate, w_up and w_down of every stored block, with W0 frozen in the SuperTransformer and B
// zero-initialised. A subnet uses W0[:out', :in'] + (alpha / r) B[:out', :r'] A[:r', :in'], the
// same prefix operator for all three, so one set of factors trains every subnet. Plugged into the
// model through its WeightHook; merged into W0 for export.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "src/format/h5_file.h"
#include "supernet/super_transformer.h"

namespace elastiq {

struct AdapterOptions {
  int rank = 8;         // MLFS paper: r = 8 works across GLUE
  double alpha = 16.0;  // scale alpha / r
};

class LowRankAdaptersImpl : public torch::nn::Module, public WeightHook {
 public:
  LowRankAdaptersImpl(const ModelConfig& config, const AdapterOptions& options);
  // A ~ N(0, 1 / in) (so B A x keeps the scale of x once B learns), B = 0: W starts equal to W0.
  void ResetParameters(uint64_t seed);

  // W0[:rows, :cols] + (alpha / r) B[:rows, :r'] A[:r', :cols], r' = spec.rank (0: the full rank).
  torch::Tensor Effective(int layer, Projection p, const torch::Tensor& base, int64_t rows, int64_t cols,
                          const SubnetSpec& spec) override;
  // W0 += (alpha / r) B A for every projection, then B = 0 (the model's function is unchanged).
  void MergeInto(SuperTransformer& model);

  torch::Tensor& a(int layer, Projection p) { return a_[Index(layer, p)]; }  // (r, in)
  torch::Tensor& b(int layer, Projection p) { return b_[Index(layer, p)]; }  // (out, r)
  int rank() const { return options_.rank; }
  double alpha() const { return options_.alpha; }
  double scale() const { return options_.alpha / options_.rank; }

  // /<group>/layers_<i>_<proj>_A (r, in) and _B (out, r); attributes rank (int) and alpha (decimal text).
  void Save(H5File& file, const std::string& group) const;
  void Load(const H5File& file, const std::string& group);  // UserError on a rank mismatch

 private:
  size_t Index(int layer, Projection p) const {
    return static_cast<size_t>(layer) * kNumProjections + static_cast<size_t>(p);
  }
  ModelConfig config_;
  AdapterOptions options_;
  std::vector<torch::Tensor> a_, b_;
};
TORCH_MODULE(LowRankAdapters);

}  // namespace elastiq
