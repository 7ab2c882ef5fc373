// Where a model file keeps its packed quantized copies (src/format/FORMAT.md, /quant): the HDF5
// group names, apart from the packed layout's math (src/kernels/packed_layout.h).
#pragma once

#include <string>

namespace elastiq {

// The group of every packed matrix in `format` ("w8a8" or "ternary").
inline std::string QuantFormatGroup(const std::string& format) { return "/quant/" + format; }

// The packed copy of maxnet weight `weight` in `format`: datasets packed (int8 or uint8), scale
// (float32, rows), rowsum (int32, W8A8 only), attributes rows, cols, rows_padded.
inline std::string QuantTensorGroup(const std::string& format, const std::string& weight) {
  return QuantFormatGroup(format) + "/" + weight;
}

}  // namespace elastiq
