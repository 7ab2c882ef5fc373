// AVX-512 VNNI integer GEMMs over the packed layout. One 64-byte quad (16 rows x 4 columns) is one
// vpdpbusd operand; four activation bytes are broadcast to all lanes. Single-token decode runs
// four row groups at once (four independent accumulator chains, 2 KiB contiguous per panel);
// prefill reuses each loaded quad for up to four tokens. Ternary decode walks panel by panel over
// chunks of row groups (TernaryDecode).
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "src/kernels/avx512/lanes.h"
#include "src/kernels/kernels.h"
#include "src/kernels/packed_layout.h"

namespace elastiq {
namespace {

inline int32_t Load4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Ternary quad (16 bytes) -> 64 bytes in int8 quad order, code c of plane s (rows 4s..4s+3) left
// where it is stored: c * 4^s, masked, never shifted (one AND instead of a shift and an AND). The
// accumulator lanes of plane s then hold 4^s * sum(x * c), exact; PlaneTotals shifts them back.
inline __m512i MaskedCodes(const uint8_t* q, __m512i plane_masks) {
  const __m128i quad = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  return _mm512_and_si512(_mm512_maskz_broadcast_i32x4(avx512::kAll, quad), plane_masks);
}
inline __m512i PlaneMasks() {
  return _mm512_set_epi32(0xc0c0c0c0, 0xc0c0c0c0, 0xc0c0c0c0, 0xc0c0c0c0, 0x30303030, 0x30303030, 0x30303030,
                          0x30303030, 0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c, 0x0c0c0c0c, 0x03030303, 0x03030303,
                          0x03030303, 0x03030303);
}
// Row sums of (code - 1) * x from masked-code accumulators: undo 4^s, subtract sum(x).
inline __m512i PlaneTotals(__m512i acc, __m512i correction) {
  const __m512i shifts = _mm512_set_epi32(6, 6, 6, 6, 4, 4, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0);
  return _mm512_sub_epi32(_mm512_maskz_srav_epi32(avx512::kAll, acc, shifts), correction);
}

// Sum of x[0, cols): the correction that turns sum(x * code) into sum(x * (code - 1)).
inline int32_t SumI8(const int8_t* x, int64_t cols) {
  int32_t s = 0;
  for (int64_t k = 0; k < cols; ++k) s += x[k];
  return s;
}

// Decode (one token): panel-outer over chunks of up to 128 row groups, so the weights are read in
// address order (walking one group's panels would jump rows_padded * 8 bytes each time, a new page
// per panel) with a software prefetch ahead of them, the panel's 8 activation broadcasts are loaded
// once for the chunk, and the chunk's accumulators stay in L1.
void TernaryDecode(const uint8_t* packed, int64_t panels, int64_t panel_stride, const int8_t* x, int64_t g_begin,
                   int64_t g_end, __m512i correction, int32_t* acc) {
  constexpr int64_t kPrefetchAhead = 4096;  // bytes ahead in this pass's reading order
  constexpr int64_t kChunk = 128;           // row groups per pass: 8 KiB of accumulators
  const __m512i masks = PlaneMasks();
  __m512i sums[kChunk];
  for (int64_t c0 = g_begin; c0 < g_end; c0 += kChunk) {
    const int64_t n = std::min(kChunk, g_end - c0);
    for (int64_t i = 0; i < n; ++i) sums[i] = _mm512_setzero_si512();
    const uint8_t* w = packed + c0 * kGroupTernaryBytes;
    // The prefetch runs kPrefetchAhead bytes ahead in this pass's own reading order: run bytes of
    // each panel, then the next panel (another thread reads the rest of the rows).
    const int64_t run = n * kGroupTernaryBytes;
    const uint8_t* pf_panel = w + kPrefetchAhead / run * panel_stride;
    int64_t pf_offset = kPrefetchAhead % run;
    for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
      __m512i xv[8];
      for (int q = 0; q < 8; ++q) xv[q] = _mm512_set1_epi32(Load4(x + p * kPanel + q * 4));
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t* wg = w + i * kGroupTernaryBytes;
        _mm_prefetch(reinterpret_cast<const char*>(pf_panel + pf_offset), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(pf_panel + pf_offset + 64), _MM_HINT_T0);
        if ((pf_offset += kGroupTernaryBytes) >= run) {
          pf_offset -= run;
          pf_panel += panel_stride;
        }
        __m512i even = sums[i], odd = _mm512_setzero_si512();
        for (int q = 0; q < 8; q += 2) {
          even = _mm512_dpbusd_epi32(even, MaskedCodes(wg + q * 16, masks), xv[q]);
          odd = _mm512_dpbusd_epi32(odd, MaskedCodes(wg + (q + 1) * 16, masks), xv[q + 1]);
        }
        sums[i] = _mm512_add_epi32(even, odd);
      }
    }
    for (int64_t i = 0; i < n; ++i) _mm512_storeu_si512(acc + (c0 + i) * kRowGroup, PlaneTotals(sums[i], correction));
  }
}

}  // namespace

void gemm_u8i8_16x32__avx512(const int8_t* packed, int64_t rows_padded, const uint8_t* x, int64_t x_stride,
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
          a0 =
              _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(Load4(x + p * kPanel + q * 4)), _mm512_loadu_si512(w + q * 64));
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
            a[j] =
                _mm512_dpbusd_epi32(a[j], _mm512_set1_epi32(Load4(x + (t0 + j) * x_stride + p * kPanel + q * 4)), wv);
          }
        }
      }
      for (int64_t j = 0; j < nt; ++j) _mm512_storeu_si512(acc + (t0 + j) * acc_stride + g * kRowGroup, a[j]);
    }
  }
}

void gemm_i8t2_16x32__avx512(const uint8_t* packed, int64_t rows_padded, const int8_t* x, int64_t x_stride,
                             int64_t tokens, int64_t cols, int32_t* acc, int64_t acc_stride, int64_t row_begin,
                             int64_t row_end) {
  const int64_t panels = cols / kPanel, panel_stride = rows_padded * kPanel / 4;
  const int64_t g_begin = row_begin / kRowGroup, g_end = row_end / kRowGroup;
  const __m512i masks = PlaneMasks();
  for (int64_t t0 = 0; t0 < tokens; t0 += 4) {
    const int64_t nt = std::min<int64_t>(4, tokens - t0);
    __m512i correction[4];
    for (int64_t j = 0; j < nt; ++j) correction[j] = _mm512_set1_epi32(SumI8(x + (t0 + j) * x_stride, cols));
    if (nt == 1) {
      TernaryDecode(packed, panels, panel_stride, x + t0 * x_stride, g_begin, g_end, correction[0],
                    acc + t0 * acc_stride);
      continue;
    }
    for (int64_t g = g_begin; g < g_end; ++g) {
      __m512i a[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
      const uint8_t* w = packed + g * kGroupTernaryBytes;
      for (int64_t p = 0; p < panels; ++p, w += panel_stride) {
        for (int q = 0; q < 8; ++q) {
          const __m512i codes = MaskedCodes(w + q * 16, masks);
          for (int64_t j = 0; j < nt; ++j) {
            a[j] = _mm512_dpbusd_epi32(a[j], codes,
                                       _mm512_set1_epi32(Load4(x + (t0 + j) * x_stride + p * kPanel + q * 4)));
          }
        }
      }
      for (int64_t j = 0; j < nt; ++j) {
        _mm512_storeu_si512(acc + (t0 + j) * acc_stride + g * kRowGroup, PlaneTotals(a[j], correction[j]));
      }
    }
  }
}

}  // namespace elastiq
