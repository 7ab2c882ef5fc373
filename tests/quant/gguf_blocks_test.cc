// ggml block encoders: decoded with ggml's published decoding rules (tests/common/ggml_decode.h,
// written apart from the encoders), every q8_0, tq2_0 and tq1_0 block gives back the rows'
// integers times the fp16 rounding of their scale.
#include "quant/gguf_blocks.h"

#include <gtest/gtest.h>

#include <random>

#include "src/core/fp16.h"
#include "tests/common/ggml_decode.h"

namespace elastiq {
namespace {

// Random rows of integers in [lo, hi] with scales in (0, 1).
ScaledRows RandomRows(int64_t rows, int64_t cols, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(lo, hi);
  std::uniform_real_distribution<float> scale(0.01f, 1.0f);
  ScaledRows m{rows, cols, {}, {}};
  for (int64_t i = 0; i < rows * cols; ++i) m.q.push_back(static_cast<int8_t>(value(rng)));
  for (int64_t r = 0; r < rows; ++r) m.scale.push_back(scale(rng));
  return m;
}

void ExpectDecodesTo(GgmlType type, const std::vector<uint8_t>& bytes, const ScaledRows& m) {
  ASSERT_EQ(bytes.size(), GgmlTypeBytes(type, static_cast<uint64_t>(m.rows * m.cols)));
  const std::vector<float> decoded = testing::DecodeGgml(type, bytes.data(), static_cast<uint64_t>(m.rows * m.cols));
  for (int64_t r = 0; r < m.rows; ++r) {
    const float d = F16ToF32(F32ToF16(m.scale[r]));
    for (int64_t c = 0; c < m.cols; ++c) {
      ASSERT_EQ(decoded[r * m.cols + c], d * m.q[r * m.cols + c]) << GgmlTypeName(type) << " row " << r << " col " << c;
    }
  }
}

TEST(GgufBlocks, Q8_0RowsKeepTheirIntegersAndScale) {
  const ScaledRows m = RandomRows(3, 64, -127, 127, 1);
  ExpectDecodesTo(GgmlType::kQ8_0, EncodeQ8_0(m), m);
}

TEST(GgufBlocks, Tq2_0DecodesToTheTernaryRows) {
  const ScaledRows m = RandomRows(2, 512, -1, 1, 2);
  ExpectDecodesTo(GgmlType::kTQ2_0, EncodeTq2_0(m), m);
}

TEST(GgufBlocks, Tq1_0DecodesToTheTernaryRows) {
  const ScaledRows m = RandomRows(3, 512, -1, 1, 3);
  ExpectDecodesTo(GgmlType::kTQ1_0, EncodeTq1_0(m), m);
}

TEST(GgufBlocks, EveryTritPatternSurvivesTq1_0) {
  // Row p holds base-3 pattern p in the five values one byte of each section packs (the four-trit
  // section: its first four), the rest zero.
  ScaledRows m{243, 256, std::vector<int8_t>(243 * 256, 0), std::vector<float>(243, 1.0f)};
  for (int p = 0; p < 243; ++p) {
    for (int n = 0, rest = p; n < 5; ++n, rest /= 3) {
      int8_t* row = m.q.data() + p * 256;
      row[n * 32] = row[160 + n * 16] = static_cast<int8_t>(rest % 3 - 1);
      if (n < 4) row[240 + n * 4] = static_cast<int8_t>(rest % 3 - 1);
    }
  }
  ExpectDecodesTo(GgmlType::kTQ1_0, EncodeTq1_0(m), m);
}

}  // namespace
}  // namespace elastiq
