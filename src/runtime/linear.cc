// GEMV through the kernel table; GEMM through Eigen on strided maps (no copies of W).
#include "src/runtime/linear.h"

#include <Eigen/Core>

namespace elastiq {
namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
using Map = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;

// Rows per thread chunk: a multiple of 16 keeps chunks on whole cache lines of y.
constexpr int64_t kRowGrain = 16;

}  // namespace

void ApplyLinear(const ExecContext& ctx, const LinearF32& w, const float* x, int64_t tokens, float* y) {
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

}  // namespace elastiq
