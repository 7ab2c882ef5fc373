// The nested packed layout of quantized matrices (docs/METHODS.md, Runtime): the integer kernels'
// operand contract, shared by the quantizer (quant/) and the runtime kernels; where a file keeps
// the packed bytes: src/format/quant_groups.h. A matrix W (rows x cols, cols a multiple of 32) is
// stored as K-panels of kPanel = 32 input columns; panel p holds every row's columns
// [32p, 32p + 32). Inside a panel, rows come in groups of kRowGroup = 16, and a group is stored
// as 8 quads of (16 rows x 4 columns): exactly the operand of one AVX-512 VNNI vpdpbusd.
//   int8:    byte offset of W[r][c] = panel * rows_padded * 32 + (r / 16) * 512 + (c % 32 / 4) * 64
//                                     + (r % 16) * 4 + c % 4
//   ternary: the same order at 2 bits per weight, 16 bytes per 64-weight quad; byte i of a quad
//            holds quad positions i, i + 16, i + 32, i + 48 in bits 0-1, 2-3, 4-5, 6-7, code
//            c = w + 1 (w in {-1, 0, +1}).
// A subnet using W[:rows', :cols'] (rows' a multiple of 16, cols' of 32) reads panels
// 0 .. cols'/32 - 1 and, in each, a contiguous prefix of rows' * 32 weights: every palette entry
// reads a nested part of one shared copy.
#pragma once

#include <cstdint>
#include <vector>

namespace elastiq {

inline constexpr int64_t kPanel = 32;
inline constexpr int64_t kRowGroup = 16;
inline constexpr int64_t kGroupBytes = kRowGroup * kPanel;      // int8 bytes of one row group in one panel (512)
inline constexpr int64_t kGroupTernaryBytes = kGroupBytes / 4;  // the same 2-bit codes (128)

struct PackedShape {
  int64_t rows = 0;         // logical rows
  int64_t cols = 0;         // logical columns (multiple of kPanel)
  int64_t rows_padded = 0;  // rows rounded up to kRowGroup (padding rows are zero)
  int64_t panels() const { return cols / kPanel; }
  int64_t int8_bytes() const { return rows_padded * cols; }
  int64_t ternary_bytes() const { return rows_padded * cols / 4; }
};

// UserError when cols is not a multiple of 32 (`what` names the tensor).
PackedShape MakePackedShape(int64_t rows, int64_t cols, const char* what);

int64_t Int8Offset(const PackedShape& s, int64_t row, int64_t col);
// Byte index and bit shift of a ternary weight.
void TernaryPosition(const PackedShape& s, int64_t row, int64_t col, int64_t* byte, int* shift);

// q: (rows, cols) row-major. Returns the packed bytes.
std::vector<int8_t> PackInt8(const PackedShape& s, const int8_t* q);
std::vector<int8_t> UnpackInt8(const PackedShape& s, const int8_t* packed);
// t: (rows, cols) row-major values in {-1, 0, 1}.
std::vector<uint8_t> PackTernary(const PackedShape& s, const int8_t* t);
std::vector<int8_t> UnpackTernary(const PackedShape& s, const uint8_t* packed);

}  // namespace elastiq
