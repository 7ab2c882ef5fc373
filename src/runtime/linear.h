// A linear layer as the runtime sees it: a prefix view W[:rows, :cols] of a stored maxnet matrix,
// in fp32 (row stride = the maxnet's input width) or in the nested packed W8A8 / ternary layout,
// applied as y = x W^T: GEMV for one token (decode), GEMM for many (prefill); threads split the
// output rows. Quantized layers quantize the activations per token first (kernel_list.h: quantize_f32u8,
// quantize_f32i8).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/kernels/kernels.h"
#include "src/runtime/thread_pool.h"

namespace elastiq {

enum class WeightFormat { kF32, kW8A8, kTernary };
const char* WeightFormatName(WeightFormat f);
WeightFormat ParseWeightFormat(const std::string& name);  // UserError for unknown names
class ModelFile;
// UserError naming the file and the `elastiq quantize` command that adds them, when a quantized
// `format` is asked of a file that has no packed copy in it (fp32 always passes).
void RequireWeightFormat(const ModelFile& file, WeightFormat format);

struct LinearF32 {
  const float* w = nullptr;
  int64_t stride = 0;  // elements between rows (the maxnet's input width)
  int64_t rows = 0;    // the subnet's output width
  int64_t cols = 0;    // the subnet's input width
};

struct Linear {
  WeightFormat format = WeightFormat::kF32;
  LinearF32 f32;                    // fp32 data (quantized layers: only rows/cols)
  const void* packed = nullptr;     // quantized: the maxnet's packed matrix
  const float* scale = nullptr;     // quantized: per maxnet row
  const int32_t* rowsum = nullptr;  // W8A8: (maxnet panels, rows_padded) cumulative row sums
  int64_t rows_padded = 0;          // quantized: of the maxnet matrix
  int64_t rows() const { return f32.rows; }
  int64_t cols() const { return f32.cols; }
  int64_t bytes_read() const;  // weight bytes one application reads
};

// Scratch buffers reused across calls (grown on demand); owned by one engine, used by its thread.
struct ExecContext {
  ThreadPool* pool = nullptr;
  KernelTable kernels;
  std::vector<uint8_t> x_quant;
  std::vector<float> x_scale;
  std::vector<int32_t> x_zero_point;
  std::vector<int32_t> acc;
};

// x: (tokens, cols) row-major; y: (tokens, rows) row-major.
void ApplyLinear(ExecContext& ctx, const Linear& w, const float* x, int64_t tokens, float* y);

// Several layers of one format and input width on the same x (q/k/v; gate/up): the activations
// are quantized once and one parallel region covers all their rows, so a decode step hands work
// to the pool once instead of once per layer.
struct LinearOutput {
  const Linear* w;
  float* y;  // (tokens, w->rows())
};
void ApplyLinears(ExecContext& ctx, std::span<const LinearOutput> outputs, const float* x, int64_t tokens);

}  // namespace elastiq
