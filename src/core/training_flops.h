// The compute meter's formula: floating-point operations of a forward pass from the shapes alone,
// so every training route can be put on one axis (docs/METHODS.md, Compute). A multiply-add is 2.
//   matrices:  2 T (q + k + v + o + gate + up + down weights of every executed block)
//   attention: 2 T^2 n_heads head_dim per executed block, twice (scores Q K^T and the weighted sum
//              of V), over the full T x T square as training computes it (the causal mask is applied
//              to it, not skipped)
//   head:      decoders 2 T vocab d_model (the tied LM head); encoders 2 d_model n_classes once
// per sequence of T tokens. Norms, softmax, SiLU, RoPE and low-rank adapters (rank << width) are
// left out. A training pass (forward + backward) counts 3 forwards: the backward computes both
// the activations' and the weights' gradients, each as costly as the forward.
#pragma once

#include <cstdint>

#include "src/core/model_config.h"
#include "src/core/subnet_spec.h"

namespace elastiq {

double ForwardFlops(const ModelConfig& config, const SubnetSpec& spec, int64_t sequences, int64_t seq_len);
inline constexpr double kTrainingPassForwards = 3.0;

}  // namespace elastiq
