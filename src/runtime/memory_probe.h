// How much memory this process can spare right now (docs/METHODS.md, Runtime):
// MemTotal/MemAvailable from /proc/meminfo, the limit and usage of the process's own memory cgroup
// (v2 memory.max / memory.current, v1 memory.limit_in_bytes / memory.usage_in_bytes, found through
// /proc/self/cgroup and /proc/self/mountinfo), and memory pressure from /proc/pressure/memory. The
// filesystem root is injectable so tests run on fixture trees. Missing or unreadable files never
// fail the probe: it falls back and says so in `notes`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace elastiq {

struct MemoryProbe {
  int64_t mem_total = -1;             // bytes; -1 unknown
  int64_t mem_available = -1;         // bytes; -1 unknown
  std::string cgroup_version;         // "v2", "v1" or "" (none found)
  std::string cgroup_dir;             // the process's memory cgroup folder
  int64_t cgroup_limit = -1;          // bytes; -1 unlimited or unknown
  int64_t cgroup_usage = -1;          // bytes; -1 unknown
  double pressure_some_avg10 = -1.0;  // % of time some task stalled on memory (PSI); -1 unknown
  double pressure_full_avg10 = -1.0;
  std::vector<std::string> notes;  // fallbacks taken, for the user

  // min(MemAvailable, cgroup limit - usage) over what is known; -1 when nothing is.
  int64_t spare_bytes() const;
  // min(MemTotal, cgroup limit) over what is known: the most one process could ever get; -1 unknown.
  int64_t ceiling_bytes() const;
  std::string Describe() const;  // one line
};

MemoryProbe ProbeMemory(const std::string& root = "/");
// Re-reads only the cgroup limit of a probe's cgroup (one small file): -1 unlimited or unknown.
int64_t ReadCgroupLimit(const MemoryProbe& probe);
// VmRSS of this process from /proc/self/status (bytes; -1 unknown).
int64_t ReadProcessRss(const std::string& root = "/");

// "300M", "1.5G", "64K", "123456" (bytes) -> bytes; UserError naming `what` otherwise.
int64_t ParseByteSize(const std::string& text, const std::string& what);
std::string FormatBytes(int64_t bytes);  // "312.5 MiB"

}  // namespace elastiq
