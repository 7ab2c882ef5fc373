// Fixture trees for the memory probe (src/runtime/memory_probe.h): /proc and cgroup files under a
// scratch root, cgroup v1 (a memory hierarchy beside cgroup2, as on this machine type) or v2.
#pragma once

#include <string>

#include "tests/common/test_util.h"

namespace elastiq::testing {

// MemTotal 24576000 kB, MemAvailable 20480000 kB; PSI some avg10 1.50, full avg10 0.25.
void WriteV1Tree(const ScratchDir& root, const std::string& limit, const std::string& usage);
void WriteV2Tree(const ScratchDir& root, const std::string& max, const std::string& current);
// Rewrites the v1 tree's limit and usage files (a limit change while a process runs).
void SetV1Limit(const ScratchDir& root, const std::string& limit, const std::string& usage);

}  // namespace elastiq::testing
