// Packed-layout index arithmetic, packing and unpacking (used by the quantizer and by tests).
#include "src/kernels/packed_layout.h"

#include <string>

#include "src/core/error.h"

namespace elastiq {

PackedShape MakePackedShape(int64_t rows, int64_t cols, const char* what) {
  if (cols <= 0 || cols % kPanel != 0) {
    throw UserError(std::string(what) + ": inner dimension " + std::to_string(cols) +
                    " is not a multiple of 32, which the packed formats need; pick widths that are multiples of 32");
  }
  ELASTIQ_ASSERT(rows > 0);
  return {rows, cols, (rows + kRowGroup - 1) / kRowGroup * kRowGroup};
}

int64_t Int8Offset(const PackedShape& s, int64_t row, int64_t col) {
  const int64_t panel = col / kPanel, in_panel = col % kPanel;
  return panel * s.rows_padded * kPanel + (row / kRowGroup) * kGroupBytes + (in_panel / 4) * 64 +
         (row % kRowGroup) * 4 + in_panel % 4;
}

void TernaryPosition(const PackedShape& s, int64_t row, int64_t col, int64_t* byte, int* shift) {
  const int64_t position = Int8Offset(s, row, col);  // position in the int8 order
  const int64_t quad = position / 64, in_quad = position % 64;
  *byte = quad * 16 + in_quad % 16;
  *shift = static_cast<int>(2 * (in_quad / 16));
}

std::vector<int8_t> PackInt8(const PackedShape& s, const int8_t* q) {
  std::vector<int8_t> out(static_cast<size_t>(s.int8_bytes()), 0);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < s.cols; ++c) out[static_cast<size_t>(Int8Offset(s, r, c))] = q[r * s.cols + c];
  }
  return out;
}

std::vector<int8_t> UnpackInt8(const PackedShape& s, const int8_t* packed) {
  std::vector<int8_t> out(static_cast<size_t>(s.rows * s.cols));
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < s.cols; ++c) out[static_cast<size_t>(r * s.cols + c)] = packed[Int8Offset(s, r, c)];
  }
  return out;
}

std::vector<uint8_t> PackTernary(const PackedShape& s, const int8_t* t) {
  // Padding rows hold code 1 (weight 0).
  std::vector<uint8_t> out(static_cast<size_t>(s.ternary_bytes()), 0x55);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < s.cols; ++c) {
      const int8_t w = t[r * s.cols + c];
      ELASTIQ_ASSERT(w >= -1 && w <= 1, "ternary weight out of range");
      int64_t byte;
      int shift;
      TernaryPosition(s, r, c, &byte, &shift);
      uint8_t& b = out[static_cast<size_t>(byte)];
      b = static_cast<uint8_t>((b & ~(3u << shift)) | (static_cast<unsigned>(w + 1) << shift));
    }
  }
  return out;
}

std::vector<int8_t> UnpackTernary(const PackedShape& s, const uint8_t* packed) {
  std::vector<int8_t> out(static_cast<size_t>(s.rows * s.cols));
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < s.cols; ++c) {
      int64_t byte;
      int shift;
      TernaryPosition(s, r, c, &byte, &shift);
      out[static_cast<size_t>(r * s.cols + c)] = static_cast<int8_t>(((packed[byte] >> shift) & 3) - 1);
    }
  }
  return out;
}

}  // namespace elastiq
