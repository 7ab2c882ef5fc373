// The canonical list of maxnet weight tensors: names (as stored under /weights and as the LibTorch
// module names them) and shapes. Linear weights are (out, in), so a subnet's slice is a prefix of
// rows and columns: wq rows are query heads in KV-group order, so a prefix of groups is a prefix of rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/core/model_config.h"

namespace elastiq {

struct WeightShape {
  std::string name;
  std::vector<int64_t> shape;
};

std::vector<WeightShape> MaxnetWeightShapes(const ModelConfig& config);
std::string LayerWeightName(int layer, const char* tensor);  // "layers.3.wq"

}  // namespace elastiq
