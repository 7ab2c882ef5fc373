// Adapter factors per stored block and projection, their sliced effective weight, merge and storage.
#include "lowrank/adapters.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "src/core/error.h"
#include "supernet/model_io.h"
#include "supernet/transformer_ops.h"

namespace elastiq {
namespace {

// (out, in) of each projection in the maxnet.
std::pair<int64_t, int64_t> ProjectionShape(const ModelConfig& c, Projection p) {
  const int64_t d = c.d_model, f = c.ffn_dim, q = int64_t{c.n_heads} * c.head_dim(),
                kv = int64_t{c.n_kv_heads} * c.head_dim();
  switch (p) {
    case Projection::kWq:
      return {q, d};
    case Projection::kWk:
    case Projection::kWv:
      return {kv, d};
    case Projection::kWo:
      return {d, q};
    case Projection::kGate:
    case Projection::kUp:
      return {f, d};
    case Projection::kDown:
      return {d, f};
  }
  return {0, 0};
}

}  // namespace

LowRankAdaptersImpl::LowRankAdaptersImpl(const ModelConfig& c, const AdapterOptions& o) : config_(c), options_(o) {
  if (o.rank <= 0) throw UserError("--rank must be positive, got " + std::to_string(o.rank));
  if (!(o.alpha > 0.0)) throw UserError("--lora-alpha must be positive");
  for (int l = 0; l < c.n_layers; ++l) {
    for (int p = 0; p < kNumProjections; ++p) {
      auto [out, in] = ProjectionShape(c, static_cast<Projection>(p));
      const std::string name = "layers_" + std::to_string(l) + "_" + ProjectionName(static_cast<Projection>(p));
      a_.push_back(register_parameter(name + "_A", torch::zeros({o.rank, in})));
      b_.push_back(register_parameter(name + "_B", torch::zeros({out, o.rank})));
    }
  }
  ResetParameters(0);
}

void LowRankAdaptersImpl::ResetParameters(uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  for (size_t i = 0; i < a_.size(); ++i) {
    a_[i].normal_(0.0, 1.0 / std::sqrt(static_cast<double>(a_[i].size(1))));
    b_[i].zero_();
  }
}

torch::Tensor LowRankAdaptersImpl::Effective(int layer, Projection p, const torch::Tensor& base, int64_t rows,
                                             int64_t cols, const SubnetSpec& spec) {
  const int64_t r = spec.rank > 0 ? std::min<int64_t>(spec.rank, options_.rank) : options_.rank;
  const size_t i = Index(layer, p);
  torch::Tensor delta = torch::matmul(PrefixView(b_[i], rows, r), PrefixView(a_[i], r, cols));
  return PrefixView(base, rows, cols) + scale() * delta;
}

void LowRankAdaptersImpl::MergeInto(SuperTransformer& model) {
  torch::NoGradGuard no_grad;
  for (int l = 0; l < config_.n_layers; ++l) {
    for (int p = 0; p < kNumProjections; ++p) {
      const size_t i = Index(l, static_cast<Projection>(p));
      model->blocks[static_cast<size_t>(l)]
          ->projection(static_cast<Projection>(p))
          .add_(torch::matmul(b_[i], a_[i]), scale());
      b_[i].zero_();
    }
  }
}

void LowRankAdaptersImpl::Save(H5File& file, const std::string& group) const {
  file.CreateGroup(group);
  file.SetAttr(group, "rank", int64_t{options_.rank});
  char alpha[32];
  std::snprintf(alpha, sizeof alpha, "%.17g", options_.alpha);
  file.SetAttr(group, "alpha", std::string(alpha));  // decimal text: H5File attributes are strings or integers
  WriteParameters(file, group, *this);
}

void LowRankAdaptersImpl::Load(const H5File& file, const std::string& group) {
  const int64_t rank = file.GetIntAttr(group, "rank");
  if (rank != options_.rank) {
    throw UserError(file.name() + ": " + group + " holds rank-" + std::to_string(rank) + " adapters, not rank " +
                    std::to_string(options_.rank) + "; use the same --rank");
  }
  const double alpha = std::strtod(file.GetStringAttr(group, "alpha").c_str(), nullptr);
  if (alpha != options_.alpha) {
    throw UserError(file.name() + ": " + group + " holds adapters with alpha " + file.GetStringAttr(group, "alpha") +
                    "; use the same --lora-alpha");
  }
  ReadParameters(file, group, *this);
}

}  // namespace elastiq
