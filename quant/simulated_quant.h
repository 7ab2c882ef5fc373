// Simulated quantization in LibTorch: exactly what the runtime computes for W8A8 and ternary
// (quant/weight_quant.h, src/kernels/kernel_list.h quantize_f32u8/f32i8), so the two engines can be compared on
// their integer accumulators, and the same math with straight-through gradients for QAT.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "src/format/model_file.h"
#include "supernet/super_transformer.h"

namespace elastiq {

enum class SimFormat { kW8A8, kTernary };
SimFormat ParseSimFormat(const std::string& name);  // "w8a8" | "ternary"; UserError otherwise

// Integers (held in float32) and per-row scales of one maxnet matrix.
struct QuantTable {
  torch::Tensor q;      // (rows, cols): int8 in [-127, 127] or ternary in {-1, 0, 1}
  torch::Tensor scale;  // (rows,)
};
QuantTable QuantizeRowsW8(const torch::Tensor& w);       // s = max|row| / 127, q = round(w / s)
QuantTable QuantizeRowsTernary(const torch::Tensor& w);  // g = mean|row|, q = clamp(round(w / (g + eps)), -1, 1)

// Per-token activations over the last dimension (integers held in float32).
struct QuantActivations {
  torch::Tensor q, scale, zero_point;  // scale, zero_point: (..., 1); zero_point 0 for int8
};
QuantActivations QuantizeActivationsU8(const torch::Tensor& x);  // asymmetric, range includes 0
QuantActivations QuantizeActivationsI8(const torch::Tensor& x);  // symmetric absmax

// sum_k (q_a - zp) q_w over the (rows, cols) prefix of w, exact (float64 products of small integers):
// the runtime's zero-point-corrected int32 accumulators. a: (..., cols) -> (..., rows).
torch::Tensor IntegerAccumulators(const QuantActivations& a, const torch::Tensor& q_w);

// The LinearHook that runs a SuperTransformer in W8A8 or ternary. The embedding (tied LM head) is
// int8 in both formats, as in the runtime; the encoder classifier stays fp32 (not hooked).
class SimulatedQuant : public LinearHook {
 public:
  // Evaluation: the packed copy a model file holds (/quant/<format>), unpacked; products in integers.
  static std::unique_ptr<SimulatedQuant> FromFile(const ModelFile& file, SimFormat format);
  // QAT: the model's current weights quantized on every forward; products of dequantized values
  // with straight-through gradients (the rounding and clamping pass the gradient through unchanged).
  static std::unique_ptr<SimulatedQuant> FakeQuant(SimFormat format);

  torch::Tensor Linear(const torch::Tensor& x, const torch::Tensor& base, int64_t rows, int64_t cols,
                       const std::string& weight_name) override;
  torch::Tensor Embedding(const torch::Tensor& embed) override;

 private:
  explicit SimulatedQuant(SimFormat format, bool fake) : format_(format), fake_(fake) {}
  QuantTable TableOf(const torch::Tensor& base, const std::string& weight_name);
  SimFormat format_;
  bool fake_;
  std::map<std::string, QuantTable> tables_;  // FromFile: every matrix, by weight name
};

}  // namespace elastiq
