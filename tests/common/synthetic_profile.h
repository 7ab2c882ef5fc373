// A device profile with made-up but well-formed tables (no timing): for tests of the latency model and
// of everything that plans with a profile. Every linear call costs 1 us plus a per-weight time that
// falls with the bytes per weight (fp32 > w8a8 > ternary), cold 4x warm, prefill cheaper per token;
// an fp32 prefix view (half of rows twice as wide) costs 1.3x per weight: 30% of the skipped bytes.
#pragma once

#include "src/runtime/device_profile.h"

namespace elastiq::testing {

// This machine's identity and the ISA the runtime picks here, so RequireProfileMatches passes.
DeviceProfile SyntheticProfile(int threads = 2);

}  // namespace elastiq::testing
