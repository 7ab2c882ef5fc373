// NEON dotprod integer GEMMs over the packed layout: each 16-byte quarter of a quad (4 rows x 4
// columns) is one sdot operand against the quad's 4 activations (vdotq_laneq_s32), so a quad is
// 4 sdots into 4 accumulators of 4 rows. Armv8.2 dotprod has no u8 x s8 dot: W8A8 flips the
// activations to s8 (x - 128) and adds back 128 * the row sums over the columns read.
#include <arm_neon.h>

#include "src/kernels/kernels.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

// One quad: 4 int8 weight vectors (rows 4s..4s+3 x 4 columns) times lane kLane (4 bytes) of x.
template <int kLane>
inline void DotQuad(int32x4_t acc[4], const int8x16_t w[4], int8x16_t x) {
  for (int s = 0; s < 4; ++s) acc[s] = vdotq_laneq_s32(acc[s], w[s], x, kLane);
}

// A panel (8 quads, 32 columns) of int8 weights against 32 uint8 activations flipped to x - 128.
inline void DotPanelInt8(int32x4_t acc[4], const int8_t* w, const uint8_t* x) {
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const int8x16_t x_lo = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x), flip));
  const int8x16_t x_hi = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x + 16), flip));
  int8x16_t q[4];
  auto load = [&](int quad) {
    for (int s = 0; s < 4; ++s) q[s] = vld1q_s8(w + quad * 64 + s * 16);
  };
  // clang-format off
  load(0); DotQuad<0>(acc, q, x_lo);
  load(1); DotQuad<1>(acc, q, x_lo);
  load(2); DotQuad<2>(acc, q, x_lo);
  load(3); DotQuad<3>(acc, q, x_lo);
  load(4); DotQuad<0>(acc, q, x_hi);
  load(5); DotQuad<1>(acc, q, x_hi);
  load(6); DotQuad<2>(acc, q, x_hi);
  load(7); DotQuad<3>(acc, q, x_hi);
  // clang-format on
}

// The 4 code planes of a ternary quad's 16 bytes: plane s holds rows 4s..4s+3 (codes 0..2).
inline void UnpackTernaryQuad(const uint8_t* w, int8x16_t planes[4]) {
  const uint8x16_t bytes = vld1q_u8(w), three = vdupq_n_u8(3);
  planes[0] = vreinterpretq_s8_u8(vandq_u8(bytes, three));
  planes[1] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(bytes, 2), three));
  planes[2] = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(bytes, 4), three));
  planes[3] = vreinterpretq_s8_u8(vshrq_n_u8(bytes, 6));
}

inline void DotPanelTernary(int32x4_t acc[4], const uint8_t* w, const int8_t* x) {
  const int8x16_t x_lo = vld1q_s8(x), x_hi = vld1q_s8(x + 16);
  int8x16_t q[4];
  // clang-format off
  UnpackTernaryQuad(w + 0 * 16, q); DotQuad<0>(acc, q, x_lo);
  UnpackTernaryQuad(w + 1 * 16, q); DotQuad<1>(acc, q, x_lo);
  UnpackTernaryQuad(w + 2 * 16, q); DotQuad<2>(acc, q, x_lo);
  UnpackTernaryQuad(w + 3 * 16, q); DotQuad<3>(acc, q, x_lo);
  UnpackTernaryQuad(w + 4 * 16, q); DotQuad<0>(acc, q, x_hi);
  UnpackTernaryQuad(w + 5 * 16, q); DotQuad<1>(acc, q, x_hi);
  UnpackTernaryQuad(w + 6 * 16, q); DotQuad<2>(acc, q, x_hi);
  UnpackTernaryQuad(w + 7 * 16, q); DotQuad<3>(acc, q, x_hi);
  // clang-format on
}

// The 16 row sums of a group plus a per-row offset.
inline void StoreGroup(const int32x4_t acc[4], const int32x4_t offset[4], int32_t* out) {
  for (int s = 0; s < 4; ++s) vst1q_s32(out + 4 * s, vaddq_s32(acc[s], offset[s]));
}

}  // namespace

void gemm_u8i8_16x32__neon(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
                           int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                           int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel;
  const int8x16_t ones = vdupq_n_s8(1);
  for (int64_t g = row_begin / kRowGroup; g < row_end / kRowGroup; ++g) {
    const int8_t* group = packed + g * kGroupBytes;
    int32x4_t row_sums[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
    const int8_t* w = group;
    for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
      for (int i = 0; i < 32; ++i) row_sums[i % 4] = vdotq_s32(row_sums[i % 4], vld1q_s8(w + i * 16), ones);
    }
    for (int s = 0; s < 4; ++s) row_sums[s] = vshlq_n_s32(row_sums[s], 7);  // 128 * sum of the row's weights
    for (int64_t t = 0; t < tokens; ++t) {
      int32x4_t a[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
      const uint8_t* xt = x + t * x_stride;
      w = group;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) DotPanelInt8(a, w, xt + p * kPanel);
      StoreGroup(a, row_sums, acc + t * acc_stride + g * kRowGroup);
    }
  }
}

void gemm_i8t2_16x32__neon(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                           int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                           int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel / 4;
  for (int64_t t = 0; t < tokens; ++t) {
    const int8_t* xt = x + t * x_stride;
    int32_t correction = 0;  // codes are w + 1: subtract sum(x)
    for (int64_t k = 0; k < cols; ++k) correction += xt[k];
    const int32x4_t minus[4] = {vdupq_n_s32(-correction), vdupq_n_s32(-correction), vdupq_n_s32(-correction),
                                vdupq_n_s32(-correction)};
    for (int64_t g = row_begin / kRowGroup; g < row_end / kRowGroup; ++g) {
      int32x4_t a[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
      const uint8_t* w = packed + g * kGroupTernaryBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) DotPanelTernary(a, w, xt + p * kPanel);
      StoreGroup(a, minus, acc + t * acc_stride + g * kRowGroup);
    }
  }
}

}  // namespace elastiq
