// ggml's block encodings that `export gguf` writes: q8_0 from float values, and q8_0, tq2_0 and
// tq1_0 from integer rows with one scale per row (elastiq's int8 embedding and ternary matrices),
// which keep those rows' values exactly (up to the fp16 rounding of the scale).
#pragma once

#include <cstdint>
#include <vector>

namespace elastiq {

// A (rows, cols) row-major matrix of small integers, value = scale[row] * q. Ternary matrices hold
// q in {-1, 0, 1}; the int8 embedding q in [-127, 127].
struct ScaledRows {
  int64_t rows = 0, cols = 0;
  std::vector<int8_t> q;
  std::vector<float> scale;
};

// q8_0 from floats: each block of 32 values becomes an fp16 scale d = max|x| / 127 and 32 int8 round(x / d).
std::vector<uint8_t> QuantizeQ8_0(const std::vector<float>& values);

// The rows as q8_0 blocks with d = scale[row] and the row's integers as they are (cols % 32 == 0).
std::vector<uint8_t> EncodeQ8_0(const ScaledRows& m);
// Ternary rows as tq2_0 blocks (cols % 256 == 0): per block of 256, 64 bytes of 2-bit codes t + 1
// (byte 32h + m holds values 128h + 32l + m at bits 2l..2l+1, l = 0..3), then the fp16 scale.
std::vector<uint8_t> EncodeTq2_0(const ScaledRows& m);
// Ternary rows as tq1_0 blocks (cols % 256 == 0): per block of 256, five trits per byte for the
// first 240 values (48 bytes: byte m < 32 holds values m + 32n, byte 32 + m holds 160 + m + 16n,
// n = 0..4), four per byte for the last 16 (4 bytes: byte j holds 240 + j + 4n), then the fp16
// scale. A byte's trits t + 1 form a base-3 number, first value most significant (the four-trit
// bytes append a zero trit), stored as ceil(number * 256 / 243) so that ggml's decoder reads trit n
// as the top bits of (byte * 3^n mod 256) * 3.
std::vector<uint8_t> EncodeTq1_0(const ScaledRows& m);

}  // namespace elastiq
