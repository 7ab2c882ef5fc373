// What the palette search looks for: one target per requested size (a fraction of the maxnet's
// parameters) or, with --device, per budget on a device profile; each with its candidate subnets.
// LibTorch-free: the front end checks the request before tokenizing anything, the helper searches it.
#pragma once

#include "lowrank/palette_options.h"
#include "src/format/model_file.h"

namespace elastiq {

// UserError for sizes or budgets no subnet meets, --sizes given with --device, and bad budgets.
// `sizes_given`: --sizes was on the command line (not its default).
PalettePlan PlanPaletteTargets(const PaletteOptions& options, const ModelFile& supernet, bool sizes_given);

}  // namespace elastiq
