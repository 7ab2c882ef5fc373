// fp32: GEMV through the kernel table, GEMM through Eigen on strided maps (no copies of W).
// Quantized: per-token activation quantization, integer GEMM over the row groups covering the
// subnet's rows, then rescaling (and the W8A8 zero-point correction) to fp32.
#include "src/runtime/linear.h"

#include <Eigen/Core>

#include "src/core/error.h"
#include "src/format/model_file.h"
#include "src/format/packed_layout.h"
#include "src/kernels/activation_quant.h"

namespace elastiq {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;

// Rows per thread chunk: whole 16-row groups (the packed layout's unit, and a cache line of y).
constexpr int64_t kRowGrain = kRowGroup;

void ApplyF32(ExecContext& ctx, const LinearF32& w, const float* x, int64_t tokens, float* y) {
  if (tokens == 1) {
    ctx.pool->ParallelFor(w.rows, kRowGrain, [&](int64_t begin, int64_t end) {
      ctx.kernels.gemv_f32(w.w, w.stride, x, w.cols, y, begin, end);
    });
    return;
  }
  ConstMap xm(x, tokens, w.cols, Eigen::OuterStride<>(w.cols));
  ctx.pool->ParallelFor(w.rows, kRowGrain, [&](int64_t begin, int64_t end) {
    ConstMap wm(w.w + begin * w.stride, end - begin, w.cols, Eigen::OuterStride<>(w.stride));
    Map ym(y + begin, tokens, end - begin, Eigen::OuterStride<>(w.rows));
    ym.noalias() = xm * wm.transpose();
  });
}

void ApplyQuantized(ExecContext& ctx, const Linear& w, const float* x, int64_t tokens, float* y) {
  const int64_t rows = w.rows(), cols = w.cols();
  const int64_t rows_groups = (rows + kRowGroup - 1) / kRowGroup * kRowGroup;  // <= rows_padded
  ctx.x_quant.resize(static_cast<size_t>(tokens * cols));
  ctx.x_scale.resize(static_cast<size_t>(tokens));
  ctx.x_zero_point.resize(static_cast<size_t>(tokens));
  ctx.acc.resize(static_cast<size_t>(tokens * rows_groups));
  const bool w8a8 = w.format == WeightFormat::kW8A8;
  if (w8a8) {
    QuantizeActivationsU8(x, cols, tokens, cols, ctx.x_quant.data(), ctx.x_scale.data(), ctx.x_zero_point.data());
  } else {
    QuantizeActivationsI8(x, cols, tokens, cols, reinterpret_cast<int8_t*>(ctx.x_quant.data()), ctx.x_scale.data());
  }
  const int32_t* rowsum = w8a8 ? w.rowsum + (cols / kPanel - 1) * w.rows_padded : nullptr;
  ctx.pool->ParallelFor(rows_groups, kRowGrain, [&](int64_t begin, int64_t end) {
    if (w8a8) {
      ctx.kernels.gemm_u8i8(static_cast<const int8_t*>(w.packed), w.rows_padded, ctx.x_quant.data(), cols, tokens,
                            cols, ctx.acc.data(), rows_groups, begin, end);
    } else {
      ctx.kernels.gemm_i8t2(static_cast<const uint8_t*>(w.packed), w.rows_padded,
                            reinterpret_cast<const int8_t*>(ctx.x_quant.data()), cols, tokens, cols, ctx.acc.data(),
                            rows_groups, begin, end);
    }
    for (int64_t t = 0; t < tokens; ++t) {
      const float s_a = ctx.x_scale[static_cast<size_t>(t)];
      const int32_t zp = w8a8 ? ctx.x_zero_point[static_cast<size_t>(t)] : 0;
      const int32_t* acc = ctx.acc.data() + t * rows_groups;
      for (int64_t r = begin; r < std::min(end, rows); ++r) {
        const int32_t correction = w8a8 ? zp * rowsum[r] : 0;
        y[t * rows + r] = s_a * w.scale[r] * static_cast<float>(acc[r] - correction);
      }
    }
  });
}

}  // namespace

const char* WeightFormatName(WeightFormat f) {
  switch (f) {
    case WeightFormat::kF32: return "fp32";
    case WeightFormat::kW8A8: return "w8a8";
    case WeightFormat::kTernary: return "ternary";
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
    throw UserError(file.path() + ": has no " + name + " weights; create them with `elastiq quantize --in " + file.path() +
                    " --format " + name + " --out FILE.h5`");
  }
}

int64_t Linear::bytes_read() const {
  const int64_t weights = rows() * cols();
  switch (format) {
    case WeightFormat::kF32: return weights * 4;
    case WeightFormat::kW8A8: return weights + rows() * 8;  // int8 + scale + row sum
    case WeightFormat::kTernary: return weights / 4 + rows() * 4;
  }
  return 0;
}

void ApplyLinear(ExecContext& ctx, const Linear& w, const float* x, int64_t tokens, float* y) {
  if (w.format == WeightFormat::kF32) {
    ApplyF32(ctx, w.f32, x, tokens, y);
  } else {
    ApplyQuantized(ctx, w, x, tokens, y);
  }
}

}  // namespace elastiq
