// AVX-512 VNNI integer GEMMs over the packed layout. One 64-byte quad (16 rows x 4 columns) is one
// vpdpbusd operand; four activation bytes are broadcast to all lanes. Single-token decode runs
// four row groups at once (four independent accumulator chains, 2 KiB contiguous per panel);
// prefill reuses each loaded quad for up to four tokens.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "src/format/packed_layout.h"
#include "src/kernels/kernels.h"

namespace elastiq {
namespace {

constexpr int64_t kGroupBytes = kRowGroup * kPanel;  // 512: one row group of one panel

inline int32_t Load4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Ternary quad (16 bytes) -> 64 codes in {0, 1, 2} as bytes, in int8 quad order.
inline __m512i UnpackCodes(const uint8_t* q) {
  const __m512i b = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
  const __m512i shifted = _mm512_srlv_epi64(b, _mm512_set_epi64(6, 6, 4, 4, 2, 2, 0, 0));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(3));
}

// Sum of x[0, cols): the correction that turns sum(x * code) into sum(x * (code - 1)).
inline int32_t SumI8(const int8_t* x, int64_t cols) {
  int32_t s = 0;
  for (int64_t k = 0; k < cols; ++k) s += x[k];
  return s;
}

}  // namespace

void gemm_u8i8__avx512(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
                       int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                       int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel;
  const int64_t g_begin = row_begin / kRowGroup, g_end = row_end / kRowGroup;
  if (tokens == 1) {
    int64_t g = g_begin;
    for (; g + 4 <= g_end; g += 4) {
      __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
      const int8_t* w = packed + g * kGroupBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m512i xv = _mm512_set1_epi32(Load4(x + p * kPanel + q * 4));
          a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w + q * 64));
          a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w + kGroupBytes + q * 64));
          a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_loadu_si512(w + 2 * kGroupBytes + q * 64));
          a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_loadu_si512(w + 3 * kGroupBytes + q * 64));
        }
      }
      _mm512_storeu_si512(acc + g * kRowGroup, a0);
      _mm512_storeu_si512(acc + (g + 1) * kRowGroup, a1);
      _mm512_storeu_si512(acc + (g + 2) * kRowGroup, a2);
      _mm512_storeu_si512(acc + (g + 3) * kRowGroup, a3);
    }
    for (; g < g_end; ++g) {
      __m512i a0 = _mm512_setzero_si512();
      const int8_t* w = packed + g * kGroupBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(Load4(x + p * kPanel + q * 4)), _mm512_loadu_si512(w + q * 64));
        }
      }
      _mm512_storeu_si512(acc + g * kRowGroup, a0);
    }
    return;
  }
  for (int64_t t0 = 0; t0 < tokens; t0 += 4) {
    const int64_t nt = std::min<int64_t>(4, tokens - t0);
    for (int64_t g = g_begin; g < g_end; ++g) {
      __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
      const int8_t* w = packed + g * kGroupBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m512i wv = _mm512_loadu_si512(w + q * 64);
          for (int64_t j = 0; j < nt; ++j) {
            a[j] = _mm512_dpbusd_epi32(a[j], _mm512_set1_epi32(Load4(x + (t0 + j) * x_stride + p * kPanel + q * 4)), wv);
          }
        }
      }
      for (int64_t j = 0; j < nt; ++j) _mm512_storeu_si512(acc + (t0 + j) * acc_stride + g * kRowGroup, a[j]);
    }
  }
}

void gemm_i8t2__avx512(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                       int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                       int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel / 4;
  constexpr int64_t kGroupTernaryBytes = kGroupBytes / 4;  // 128
  const int64_t g_begin = row_begin / kRowGroup, g_end = row_end / kRowGroup;
  for (int64_t t0 = 0; t0 < tokens; t0 += 4) {
    const int64_t nt = std::min<int64_t>(4, tokens - t0);
    __m512i correction[4];
    for (int64_t j = 0; j < nt; ++j) correction[j] = _mm512_set1_epi32(SumI8(x + (t0 + j) * x_stride, cols));
    int64_t g = g_begin;
    if (nt == 1) {
      // Decode: two row groups per pass for two independent chains.
      for (; g + 2 <= g_end; g += 2) {
        __m512i a0 = _mm512_setzero_si512(), a1 = a0;
        const uint8_t* w = packed + g * kGroupTernaryBytes;
        const int8_t* xt = x + t0 * x_stride;
        for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
          for (int q = 0; q < 8; ++q) {
            const __m512i xv = _mm512_set1_epi32(Load4(xt + p * kPanel + q * 4));
            a0 = _mm512_dpbusd_epi32(a0, UnpackCodes(w + q * 16), xv);
            a1 = _mm512_dpbusd_epi32(a1, UnpackCodes(w + kGroupTernaryBytes + q * 16), xv);
          }
        }
        _mm512_storeu_si512(acc + t0 * acc_stride + g * kRowGroup, _mm512_sub_epi32(a0, correction[0]));
        _mm512_storeu_si512(acc + t0 * acc_stride + (g + 1) * kRowGroup, _mm512_sub_epi32(a1, correction[0]));
      }
    }
    for (; g < g_end; ++g) {
      __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
      const uint8_t* w = packed + g * kGroupTernaryBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m512i codes = UnpackCodes(w + q * 16);
          for (int64_t j = 0; j < nt; ++j) {
            a[j] = _mm512_dpbusd_epi32(a[j], codes, _mm512_set1_epi32(Load4(x + (t0 + j) * x_stride + p * kPanel + q * 4)));
          }
        }
      }
      for (int64_t j = 0; j < nt; ++j) {
        _mm512_storeu_si512(acc + (t0 + j) * acc_stride + g * kRowGroup, _mm512_sub_epi32(a[j], correction[j]));
      }
    }
  }
}

}  // namespace elastiq
