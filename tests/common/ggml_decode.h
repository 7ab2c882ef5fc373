// ggml's published decoding of the block types elastiq writes (q8_0, tq2_0, tq1_0), written out for
// the tests apart from the encoders in quant/gguf_blocks.cc: what llama.cpp reads from the bytes.
#pragma once

#include <cstdint>
#include <vector>

#include "src/format/gguf.h"

namespace elastiq::testing {

// The values of `elements` values of `type` starting at `data` (f32, f16, q8_0, tq2_0, tq1_0).
std::vector<float> DecodeGgml(GgmlType type, const uint8_t* data, uint64_t elements);

}  // namespace elastiq::testing
