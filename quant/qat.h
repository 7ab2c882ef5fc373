// Quantization-aware training (docs/METHODS.md, Quantization): BitLinear-style fake quantization
// with straight-through gradients, fine-tuned from the fp32 palette with distillation from each
// fp32 subnet. One set of latent weights serves every selected entry (sandwich over the palette
// each step), so the result is still one nested packed copy. Checkpoints resume exactly.
#pragma once

#include <string>
#include <vector>

#include "quant/qat_options.h"

namespace elastiq {

struct QatSummary {
  int64_t steps = 0;
  std::vector<std::string> subnets;
  std::vector<std::vector<float>> losses;  // per step, per subnet: KL(fp32 || quantized)
  std::vector<double> val_metric;          // per subnet, fake-quantized, at the end
  bool stopped_early = false;
};

QatSummary RunQat(const QatOptions& options);

}  // namespace elastiq
