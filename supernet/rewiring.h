// Importance rewiring (DynaBERT "network rewiring", docs/METHODS.md, Subnets): measure |w * dL/dw|
// summed per hidden channel, FFN neuron and KV-head group on calibration batches, then permute the
// weights so every prefix keeps the most important parts. The permutation is function-preserving
// for the maxnet: RMSNorm and attention are permutation-equivariant over channels and groups.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "supernet/super_transformer.h"
#include "supernet/training_data.h"

namespace elastiq {

// Importance scores (higher = keep), or permutations (new position -> old index), with the same shapes.
struct ChannelOrder {
  torch::Tensor hidden;                  // (d_model,)
  std::vector<torch::Tensor> ffn;        // per stored layer: (ffn_dim,)
  std::vector<torch::Tensor> kv_groups;  // per stored layer: (n_kv_heads,); query heads follow their group
};

// The loss of calibration batch `batch` (a pure function of it), e.g. the maxnet's task loss.
using CalibrationLoss = std::function<torch::Tensor(SuperTransformer& model, int64_t batch)>;

// The maxnet's task loss on calibration batch b: SampleTaskBatch(data, config, batch_size, seq_len,
// seed, b) (MLFS after stage 0, distill's --init slice; each passes a seed apart from its training batches').
CalibrationLoss MaxnetTaskCalibration(const TrainingData& data, const ModelConfig& config, int batch_size, int seq_len,
                                      uint64_t seed);

// Sums |w * g| per unit, g the gradient accumulated over `batches` batches. Leaves no gradients behind
// and restores each parameter's requires_grad.
ChannelOrder MeasureImportance(SuperTransformer& model, const CalibrationLoss& loss, int64_t batches);
// Descending, stable: ties keep their current order, so equal scores leave the weights unchanged.
ChannelOrder OrderByImportance(const ChannelOrder& importance);
// Permutes every weight consistently: embedding columns, every norm, projection in/out dims, classifier.
void ApplyChannelOrder(SuperTransformer& model, const ChannelOrder& order);
// MeasureImportance + OrderByImportance + ApplyChannelOrder; returns the permutation applied.
ChannelOrder RewireByImportance(SuperTransformer& model, const CalibrationLoss& loss, int64_t batches);

}  // namespace elastiq
