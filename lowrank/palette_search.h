// The palette search (docs/METHODS.md, Subnets): for each requested size, score the largest subnets
// within the budget on a few validation tokens (cheap proxy), evaluate the best few on more tokens,
// keep the winner, and write a palette file (kind "palette") with the supernet's weights and one
// named entry per size carrying its spec, parameter count, fp32 bytes and validation quality.
#pragma once

#include <vector>

#include "lowrank/palette_options.h"
#include "src/format/model_file.h"

namespace elastiq {

std::vector<PaletteEntry> RunPaletteSearch(const PaletteOptions& options);

}  // namespace elastiq
