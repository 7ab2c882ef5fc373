// ggml block encoders for export: q8_0, tq2_0, tq1_0.
#include "quant/gguf_blocks.h"

#include <algorithm>
#include <cmath>

#include "src/core/error.h"
#include "src/core/fp16.h"
#include "src/format/gguf.h"

namespace elastiq {
namespace {

void PushF16(std::vector<uint8_t>& out, float value) {
  const uint16_t h = F32ToF16(value);
  out.push_back(static_cast<uint8_t>(h & 0xff));
  out.push_back(static_cast<uint8_t>(h >> 8));
}

// Calls encode_block(row, first value of the block) for every block of `block` values, row by row.
template <typename EncodeBlock>
std::vector<uint8_t> EncodeRows(const ScaledRows& m, GgmlType type, uint64_t block, EncodeBlock encode_block) {
  ELASTIQ_ASSERT(m.cols % static_cast<int64_t>(block) == 0 && m.q.size() == static_cast<size_t>(m.rows * m.cols) &&
                 m.scale.size() == static_cast<size_t>(m.rows));
  std::vector<uint8_t> out;
  out.reserve(GgmlTypeBytes(type, static_cast<uint64_t>(m.rows * m.cols)));
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t c = 0; c < m.cols; c += static_cast<int64_t>(block)) encode_block(out, r, m.q.data() + r * m.cols + c);
  }
  return out;
}

uint8_t TernaryCode(int8_t t) {
  ELASTIQ_ASSERT(t >= -1 && t <= 1, "ternary value out of range");
  return static_cast<uint8_t>(t + 1);
}

// Trits t + 1 of `count` values spaced `stride` apart, as a base-3 number with the first most
// significant, padded to five trits, stored as ceil(number * 256 / 243).
uint8_t PackTrits(const int8_t* first, int count, int stride) {
  unsigned number = 0;
  for (int n = 0; n < 5; ++n) number = number * 3 + (n < count ? TernaryCode(first[n * stride]) : 0);
  return static_cast<uint8_t>((number * 256 + 242) / 243);
}

}  // namespace

std::vector<uint8_t> QuantizeQ8_0(const std::vector<float>& values) {
  ELASTIQ_ASSERT(values.size() % kQ8_0Block == 0);
  std::vector<uint8_t> out;
  out.reserve(values.size() / kQ8_0Block * (2 + kQ8_0Block));
  for (size_t b = 0; b < values.size(); b += kQ8_0Block) {
    float amax = 0;
    for (size_t i = 0; i < kQ8_0Block; ++i) amax = std::max(amax, std::fabs(values[b + i]));
    const float d = amax / 127.0f, inverse = d != 0 ? 1.0f / d : 0.0f;
    PushF16(out, d);
    for (size_t i = 0; i < kQ8_0Block; ++i) {
      out.push_back(static_cast<uint8_t>(static_cast<int8_t>(std::lround(values[b + i] * inverse))));
    }
  }
  return out;
}

std::vector<uint8_t> EncodeQ8_0(const ScaledRows& m) {
  return EncodeRows(m, GgmlType::kQ8_0, kQ8_0Block, [&](std::vector<uint8_t>& out, int64_t row, const int8_t* q) {
    PushF16(out, m.scale[row]);
    for (uint64_t i = 0; i < kQ8_0Block; ++i) out.push_back(static_cast<uint8_t>(q[i]));
  });
}

std::vector<uint8_t> EncodeTq2_0(const ScaledRows& m) {
  return EncodeRows(m, GgmlType::kTQ2_0, kTernaryBlock, [&](std::vector<uint8_t>& out, int64_t row, const int8_t* q) {
    for (int half = 0; half < 2; ++half) {
      for (int byte = 0; byte < 32; ++byte) {
        uint8_t packed = 0;
        for (int l = 0; l < 4; ++l) packed |= TernaryCode(q[128 * half + 32 * l + byte]) << (2 * l);
        out.push_back(packed);
      }
    }
    PushF16(out, m.scale[row]);
  });
}

std::vector<uint8_t> EncodeTq1_0(const ScaledRows& m) {
  return EncodeRows(m, GgmlType::kTQ1_0, kTernaryBlock, [&](std::vector<uint8_t>& out, int64_t row, const int8_t* q) {
    for (int byte = 0; byte < 32; ++byte) out.push_back(PackTrits(q + byte, 5, 32));
    for (int byte = 0; byte < 16; ++byte) out.push_back(PackTrits(q + 160 + byte, 5, 16));
    for (int byte = 0; byte < 4; ++byte) out.push_back(PackTrits(q + 240 + byte, 4, 4));
    PushF16(out, m.scale[row]);
  });
}

}  // namespace elastiq
