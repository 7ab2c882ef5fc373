// AVX2 integer GEMMs over the packed layout (no VNNI): each 16-byte quarter of a quad (4 rows x 4
// columns) is widened to int16 and multiplied with the 4 activations by vpmaddwd, giving two
// partial sums per row that are added at the end. Exact: no saturation (unlike vpmaddubsw).
#include <immintrin.h>

#include <algorithm>

#include "src/kernels/kernels.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

// Four activations as int16, repeated across the register: (x0, x1, x2, x3, x0, ...).
template <typename T>
inline __m256i Broadcast4(const T* x) {
  const uint64_t packed = static_cast<uint64_t>(static_cast<uint16_t>(int16_t{x[0]})) |
                          static_cast<uint64_t>(static_cast<uint16_t>(int16_t{x[1]})) << 16 |
                          static_cast<uint64_t>(static_cast<uint16_t>(int16_t{x[2]})) << 32 |
                          static_cast<uint64_t>(static_cast<uint16_t>(int16_t{x[3]})) << 48;
  return _mm256_set1_epi64x(static_cast<int64_t>(packed));
}

// acc[s] holds rows 4s..4s+3 as pairs of partial sums; writes the 16 row totals minus `minus`.
inline void StoreRowSums(const __m256i acc[4], int32_t minus, int32_t* out) {
  alignas(32) int32_t lanes[8];
  for (int s = 0; s < 4; ++s) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc[s]);
    for (int r = 0; r < 4; ++r) out[s * 4 + r] = lanes[2 * r] + lanes[2 * r + 1] - minus;
  }
}

}  // namespace

void gemm_u8i8_16x32__avx2(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
                           int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                           int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel;
  for (int64_t t = 0; t < tokens; ++t) {
    const uint8_t* xt = x + t * x_stride;
    for (int64_t g = row_begin / kRowGroup; g < row_end / kRowGroup; ++g) {
      __m256i a[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
      const int8_t* w = packed + g * kGroupBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m256i xv = Broadcast4(xt + p * kPanel + q * 4);
          for (int s = 0; s < 4; ++s) {
            const __m256i wv =
                _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + q * 64 + s * 16)));
            a[s] = _mm256_add_epi32(a[s], _mm256_madd_epi16(wv, xv));
          }
        }
      }
      StoreRowSums(a, 0, acc + t * acc_stride + g * kRowGroup);
    }
  }
}

void gemm_i8t2_16x32__avx2(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                           int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                           int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel / 4;
  const __m128i three = _mm_set1_epi8(3);
  for (int64_t t = 0; t < tokens; ++t) {
    const int8_t* xt = x + t * x_stride;
    int32_t correction = 0;
    for (int64_t k = 0; k < cols; ++k) correction += xt[k];
    for (int64_t g = row_begin / kRowGroup; g < row_end / kRowGroup; ++g) {
      __m256i a[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
      const uint8_t* w = packed + g * kGroupTernaryBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m256i xv = Broadcast4(xt + p * kPanel + q * 4);
          const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + q * 16));
          for (int s = 0; s < 4; ++s) {
            // Plane s: quad positions 16s .. 16s + 15, i.e. rows 4s .. 4s + 3, four columns each.
            const __m128i codes = _mm_and_si128(_mm_srli_epi16(bytes, 2 * s), three);
            a[s] = _mm256_add_epi32(a[s], _mm256_madd_epi16(_mm256_cvtepu8_epi16(codes), xv));
          }
        }
      }
      StoreRowSums(a, correction, acc + t * acc_stride + g * kRowGroup);
    }
  }
}

}  // namespace elastiq
