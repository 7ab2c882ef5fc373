// ggml block decoding for the tests (see ggml_decode.h).
#include "tests/common/ggml_decode.h"

#include <cstring>
#include <stdexcept>

#include "src/core/fp16.h"

namespace elastiq::testing {
namespace {

float F16At(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return F16ToF32(h);
}

// q8_0: fp16 d, then 32 int8; value = d * q.
void DecodeQ8_0(const uint8_t* block, std::vector<float>& out) {
  const float d = F16At(block);
  for (int i = 0; i < 32; ++i) out.push_back(d * static_cast<int8_t>(block[2 + i]));
}

// tq2_0: 64 bytes qs, then fp16 d; for j in {0, 32}, l in 0..3, m in 0..31: d * ((qs[j + m] >> 2l & 3) - 1).
void DecodeTq2_0(const uint8_t* block, std::vector<float>& out) {
  const float d = F16At(block + 64);
  for (int j = 0; j < 64; j += 32) {
    for (int l = 0; l < 4; ++l) {
      for (int m = 0; m < 32; ++m) out.push_back(d * static_cast<float>(((block[j + m] >> (2 * l)) & 3) - 1));
    }
  }
}

// tq1_0 trit n of a byte: ((byte * 3^n mod 256) * 3) >> 8, minus one.
float Trit(uint8_t byte, int n) {
  static const uint8_t kPow3[5] = {1, 3, 9, 27, 81};
  const uint8_t q = static_cast<uint8_t>(byte * kPow3[n]);
  return static_cast<float>(((q * 3) >> 8) - 1);
}

// tq1_0: 48 bytes qs, 4 bytes qh, fp16 d. Values: 5 trits of qs[0..31] (n-major, 32 per n), 5 of
// qs[32..47] (16 per n), 4 of qh[0..3] (4 per n).
void DecodeTq1_0(const uint8_t* block, std::vector<float>& out) {
  const float d = F16At(block + 52);
  for (int n = 0; n < 5; ++n) {
    for (int m = 0; m < 32; ++m) out.push_back(d * Trit(block[m], n));
  }
  for (int n = 0; n < 5; ++n) {
    for (int m = 0; m < 16; ++m) out.push_back(d * Trit(block[32 + m], n));
  }
  for (int n = 0; n < 4; ++n) {
    for (int m = 0; m < 4; ++m) out.push_back(d * Trit(block[48 + m], n));
  }
}

}  // namespace

std::vector<float> DecodeGgml(GgmlType type, const uint8_t* data, uint64_t elements) {
  std::vector<float> out;
  out.reserve(elements);
  switch (type) {
    case GgmlType::kF32:
      out.resize(elements);
      std::memcpy(out.data(), data, elements * 4);
      break;
    case GgmlType::kF16:
      for (uint64_t i = 0; i < elements; ++i) out.push_back(F16At(data + 2 * i));
      break;
    case GgmlType::kQ8_0:
      for (uint64_t b = 0; b < elements / 32; ++b) DecodeQ8_0(data + b * 34, out);
      break;
    case GgmlType::kTQ2_0:
      for (uint64_t b = 0; b < elements / 256; ++b) DecodeTq2_0(data + b * 66, out);
      break;
    case GgmlType::kTQ1_0:
      for (uint64_t b = 0; b < elements / 256; ++b) DecodeTq1_0(data + b * 54, out);
      break;
  }
  if (out.size() != elements) throw std::logic_error("DecodeGgml: not whole blocks");
  return out;
}

}  // namespace elastiq::testing
