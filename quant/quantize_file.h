// `elastiq quantize`: adds the packed W8A8 or ternary copy of every maxnet matrix to a model file
// (/quant/<format>/<weight>/{packed, scale, rowsum}); every palette entry then runs in that format
// from the one shared copy. The input file is never modified: the output is written beside it
// through a temporary file. Norms, RoPE and softmax stay in floating point; the embedding (tied
// LM head) is int8 per row in both formats, the encoder classifier stays fp32.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/format/h5_file.h"
#include "src/format/weight_layout.h"

namespace elastiq {

struct QuantizeSummary {
  int64_t matrices = 0;
  int64_t linear_bytes = 0;     // packed bytes of the block projections
  int64_t embedding_bytes = 0;  // int8 embedding
  int64_t linear_params = 0;
};

// Where the quantized weights come from, and what else the output holds (QAT uses all three).
struct QuantizeSource {
  std::function<std::vector<float>(const std::string& weight)> weights;  // empty: the input's /weights
  std::function<void(H5File&)> extra;    // writes more (e.g. training state) before the rename
  std::vector<std::string> qat_subnets;  // palette entries QAT optimized (attribute of the group)
};

QuantizeSummary QuantizeModelFile(const std::string& in, const std::string& format, const std::string& out,
                                  const QuantizeSource& source = {});

class ModelFile;

// "all" -> every palette entry of file; otherwise the listed names (UserError for unknown ones).
std::vector<std::string> SelectSubnets(const ModelFile& file, const std::string& list);
// UserError when file already holds a packed copy in format (QuantGroup validates the name).
void RequireNoQuantCopy(const ModelFile& file, const std::string& format);

// "/quant/w8a8", "/quant/ternary"; UserError for an unknown format name.
std::string QuantGroup(const std::string& format);

// Whether a maxnet weight has a packed copy: every matrix but an encoder's classifier. The rest
// (norms, cls_head) the runtime reads from /weights in every format.
bool IsPackedWeight(const WeightShape& weight);

}  // namespace elastiq
