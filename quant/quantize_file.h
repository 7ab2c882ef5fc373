// `elastiq quantize`: adds the packed W8A8 or ternary copy of every maxnet matrix to a model file
// (/quant/<format>/<weight>/{packed, scale, rowsum}); every palette entry then runs in that format
// from the one shared copy. The input file is never modified: the output is written beside it
// through a temporary file. Norms, RoPE and softmax stay in floating point; the embedding (tied
// LM head) is int8 per row in both formats, the encoder classifier stays fp32.
#pragma once

#include <string>

namespace elastiq {

struct QuantizeSummary {
  int64_t matrices = 0;
  int64_t linear_bytes = 0;     // packed bytes of the block projections
  int64_t embedding_bytes = 0;  // int8 embedding
  int64_t linear_params = 0;
};

QuantizeSummary QuantizeModelFile(const std::string& in, const std::string& format, const std::string& out);

// "/quant/w8a8", "/quant/ternary"; UserError for an unknown format name.
std::string QuantGroup(const std::string& format);

}  // namespace elastiq
