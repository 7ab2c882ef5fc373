// The palette search (docs/METHODS.md, Subnets): for each requested size, score the largest subnets
// within the budget on a few validation tokens (cheap proxy), evaluate the best few on more tokens,
// keep the winner, and write a palette file (kind "palette") with the supernet's weights and one
// named entry per size carrying its spec, parameter count, fp32 bytes and validation quality.
#pragma once

#include <vector>

#include "lowrank/palette_options.h"
#include "src/format/model_file.h"

namespace elastiq {

// `plan`: the targets (tools/palette_targets.h); a device plan's entries record their budget and prediction,
// and the file the device profile.
std::vector<PaletteEntry> RunPaletteSearch(const PaletteOptions& options, const PalettePlan& plan);

}  // namespace elastiq
