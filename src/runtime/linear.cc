// fp32: GEMV through the kernel table, GEMM through Eigen on strided maps (no copies of W).
// Quantized: per-token activation quantization, integer GEMM over the row groups covering the
// subnet's rows, then rescaling (and the W8A8 zero-point correction) to fp32. Layers that read
// the same input run in one parallel region over their rows laid end to end.
#include "src/runtime/linear.h"

#include <Eigen/Core>
#include <algorithm>

#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/format/quant_groups.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;

// Rows per thread chunk: whole 16-row groups (the packed layout's unit, and a cache line of y).
constexpr int64_t kRowGrain = kRowGroup;

int64_t RoundedRows(const Linear& w) { return (w.rows() + kRowGroup - 1) / kRowGroup * kRowGroup; }

// Rows [begin, end) of y = x W^T in fp32: the GEMV kernel for one token, Eigen on strided maps for many.
void F32Rows(ExecContext& ctx, const LinearF32& w, const float* x, int64_t tokens, float* y, int64_t begin,
             int64_t end) {
  end = std::min(end, w.rows);
  if (begin >= end) return;
  if (tokens == 1) {
    ctx.kernels.gemv_f32(w.w, w.stride, x, w.cols, y, begin, end);
    return;
  }
  ConstMap xm(x, tokens, w.cols, Eigen::OuterStride<>(w.cols));
  ConstMap wm(w.w + begin * w.stride, end - begin, w.cols, Eigen::OuterStride<>(w.stride));
  Map ym(y + begin, tokens, end - begin, Eigen::OuterStride<>(w.rows));
  ym.noalias() = xm * wm.transpose();
}

// Row groups [begin, end) of a quantized layer on the already quantized activations: the integer
// kernel into acc (tokens x rounded rows), then the rescale (and W8A8 zero-point correction) into y.
void QuantizedRows(ExecContext& ctx, const Linear& w, int64_t tokens, int32_t* acc, float* y, int64_t begin,
                   int64_t end) {
  const int64_t rows = w.rows(), cols = w.cols(), rows_groups = RoundedRows(w);
  const bool w8a8 = w.format == WeightFormat::kW8A8;
  if (w8a8) {
    ctx.kernels.gemm_u8i8_16x32(static_cast<const int8_t*>(w.packed), w.rows_padded, ctx.x_quant.data(), cols, tokens,
                                cols, acc, rows_groups, begin, end);
  } else {
    ctx.kernels.gemm_i8t2_16x32(static_cast<const uint8_t*>(w.packed), w.rows_padded,
                                reinterpret_cast<const int8_t*>(ctx.x_quant.data()), cols, tokens, cols, acc,
                                rows_groups, begin, end);
  }
  const int32_t* rowsum = w8a8 ? w.rowsum + (cols / kPanel - 1) * w.rows_padded : nullptr;
  for (int64_t t = 0; t < tokens; ++t) {
    const float s_a = ctx.x_scale[static_cast<size_t>(t)];
    const int32_t zp = w8a8 ? ctx.x_zero_point[static_cast<size_t>(t)] : 0;
    const int32_t* acc_t = acc + t * rows_groups;
    for (int64_t r = begin; r < std::min(end, rows); ++r) {
      // In 64 bits: a real layer's |zp x rowsum| stays below 2^31, but the device probe times
      // synthetic matrices whose row sums are arbitrary bytes.
      const int64_t correction = w8a8 ? int64_t{zp} * rowsum[r] : 0;
      y[t * rows + r] = s_a * w.scale[r] * static_cast<float>(acc_t[r] - correction);
    }
  }
}

// Per-token activation quantization of x (tokens x cols) into ctx, u8 for W8A8, s8 for ternary.
void QuantizeInput(ExecContext& ctx, WeightFormat format, const float* x, int64_t tokens, int64_t cols) {
  ctx.x_quant.resize(static_cast<size_t>(tokens * cols));
  ctx.x_scale.resize(static_cast<size_t>(tokens));
  ctx.x_zero_point.resize(static_cast<size_t>(tokens));
  if (format == WeightFormat::kW8A8) {
    ctx.kernels.quantize_f32u8(x, cols, tokens, cols, ctx.x_quant.data(), ctx.x_scale.data(), ctx.x_zero_point.data());
  } else {
    ctx.kernels.quantize_f32i8(x, cols, tokens, cols, reinterpret_cast<int8_t*>(ctx.x_quant.data()),
                               ctx.x_scale.data());
  }
}

}  // namespace

const char* WeightFormatName(WeightFormat f) {
  switch (f) {
    case WeightFormat::kF32:
      return "fp32";
    case WeightFormat::kW8A8:
      return "w8a8";
    case WeightFormat::kTernary:
      return "ternary";
  }
  return "?";
}

WeightFormat ParseWeightFormat(const std::string& name) {
  for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kW8A8, WeightFormat::kTernary}) {
    if (name == WeightFormatName(f)) return f;
  }
  throw UserError("--format must be fp32, w8a8 or ternary, got \"" + name + "\"");
}

void RequireWeightFormat(const ModelFile& file, WeightFormat format) {
  const std::string name = WeightFormatName(format);
  if (format != WeightFormat::kF32 && !file.h5().Exists(QuantTensorGroup(name, "embed"))) {
    throw UserError(file.path() + ": has no " + name + " weights; create them with `elastiq quantize --in " +
                    file.path() + " --format " + name + " --out FILE.h5`");
  }
}

int64_t Linear::bytes_read() const {
  const int64_t weights = rows() * cols();
  switch (format) {
    case WeightFormat::kF32:
      return weights * 4;
    case WeightFormat::kW8A8:
      return weights + rows() * 8;  // int8 + scale + row sum
    case WeightFormat::kTernary:
      return weights / 4 + rows() * 4;
  }
  return 0;
}

void ApplyLinears(ExecContext& ctx, std::span<const LinearOutput> outputs, const float* x, int64_t tokens) {
  if (outputs.empty()) return;
  const Linear& first = *outputs.front().w;
  for (const LinearOutput& o : outputs) {
    ELASTIQ_ASSERT(o.w->format == first.format && o.w->cols() == first.cols(),
                   "ApplyLinears: layers differ in format or input width");
  }
  const bool quantized = first.format != WeightFormat::kF32;
  if (quantized) QuantizeInput(ctx, first.format, x, tokens, first.cols());
  // One row space: each layer's rows rounded up to whole groups, laid end to end; acc likewise.
  std::vector<int64_t> offsets{0};
  for (const LinearOutput& o : outputs) offsets.push_back(offsets.back() + RoundedRows(*o.w));
  if (quantized) ctx.acc.resize(static_cast<size_t>(tokens * offsets.back()));
  ctx.pool->ParallelFor(offsets.back(), kRowGrain, [&](int64_t begin, int64_t end) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const int64_t b = std::max(begin, offsets[i]) - offsets[i], e = std::min(end, offsets[i + 1]) - offsets[i];
      if (b >= e) continue;
      const Linear& w = *outputs[i].w;
      if (quantized) {
        QuantizedRows(ctx, w, tokens, ctx.acc.data() + tokens * offsets[i], outputs[i].y, b, e);
      } else {
        F32Rows(ctx, w.f32, x, tokens, outputs[i].y, b, e);
      }
    }
  });
}

void ApplyLinear(ExecContext& ctx, const Linear& w, const float* x, int64_t tokens, float* y) {
  const LinearOutput output{&w, y};
  ApplyLinears(ctx, {&output, 1}, x, tokens);
}

}  // namespace elastiq
