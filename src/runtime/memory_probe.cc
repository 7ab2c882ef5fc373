// Parsing of /proc/meminfo, /proc/self/{cgroup,mountinfo}, cgroup memory files and PSI.
#include "src/runtime/memory_probe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "src/core/error.h"

namespace elastiq {
namespace {

// v1 reports "no limit" as PAGE_COUNTER_MAX pages (9223372036854771712 on 4 KiB pages).
constexpr int64_t kUnlimitedThreshold = int64_t{1} << 60;

bool ReadText(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::string Join(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
}

// A cgroup value file: a number of bytes, or "max" (-1, unlimited). False when unreadable.
bool ReadCgroupValue(const std::string& path, int64_t* value) {
  std::string text;
  if (!ReadText(path, &text)) return false;
  if (text.rfind("max", 0) == 0) {
    *value = -1;
    return true;
  }
  try {
    long long v = std::stoll(text);
    *value = v >= kUnlimitedThreshold ? -1 : static_cast<int64_t>(v);
    return true;
  } catch (...) {
    return false;
  }
}

struct Mount {
  std::string root, point, fstype, options;
};

std::vector<Mount> ReadMounts(const std::string& root) {
  std::vector<Mount> mounts;
  std::string text;
  if (!ReadText(Join(root, "/proc/self/mountinfo"), &text)) return mounts;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    // id parent major:minor root mount-point options [optional fields] - fstype source super-options
    std::istringstream f(line);
    std::string id, parent, dev, mroot, point, opts, field;
    f >> id >> parent >> dev >> mroot >> point >> opts;
    while (f >> field && field != "-") {
    }
    Mount m{mroot, point, "", ""};
    std::string source;
    f >> m.fstype >> source >> m.options;
    if (!m.fstype.empty()) mounts.push_back(m);
  }
  return mounts;
}

// The process's cgroup folder below a mount: strip the mount's root from the cgroup path.
std::string CgroupDir(const std::string& root, const Mount& m, const std::string& cgroup_path) {
  std::string rel = cgroup_path;
  if (m.root != "/" && rel.rfind(m.root, 0) == 0) rel = rel.substr(m.root.size());
  if (rel.empty() || rel == "/") return Join(root, m.point);
  return Join(root, m.point + (rel.front() == '/' ? rel : "/" + rel));
}

bool HasOption(const std::string& options, const std::string& name) {
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');) {
    if (o == name) return true;
  }
  return false;
}

// Inactive file cache charged to the cgroup (memory.stat: v1 total_inactive_file, v2 inactive_file):
// pages the kernel reclaims before it would OOM-kill, such as what an earlier process read once.
int64_t InactiveFileBytes(const std::string& dir, const std::string& key) {
  std::string text;
  if (!ReadText(dir + "/memory.stat", &text)) return 0;
  std::istringstream in(text);
  for (std::string name; in >> name;) {
    long long value = 0;
    if (!(in >> value)) break;
    if (name == key) return value;
  }
  return 0;
}

// Fills p's cgroup fields from `dir`'s limit and usage files; false when either is unreadable. The
// usage is the working set (usage less inactive file cache), as the kernel's reclaim sees it.
bool ReadLimitAndUsage(const std::string& dir, const char* limit_file, const char* usage_file, const char* version,
                       MemoryProbe& p) {
  int64_t limit, usage;
  if (!ReadCgroupValue(dir + "/" + limit_file, &limit) || !ReadCgroupValue(dir + "/" + usage_file, &usage))
    return false;
  p.cgroup_version = version;
  p.cgroup_dir = dir;
  p.cgroup_limit = limit;
  const bool v1 = std::string(version) == "v1";
  p.cgroup_usage = std::max<int64_t>(0, usage - InactiveFileBytes(dir, v1 ? "total_inactive_file" : "inactive_file"));
  return true;
}

void ProbeCgroup(const std::string& root, MemoryProbe& p) {
  std::string text;
  if (!ReadText(Join(root, "/proc/self/cgroup"), &text)) {
    p.notes.push_back("cannot read /proc/self/cgroup: no cgroup limit applied");
    return;
  }
  std::string v2_path, v1_path;
  bool have_v1 = false, have_v2 = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) {
      v2_path = path;
      have_v2 = true;
    } else if (HasOption(controllers, "memory")) {
      v1_path = path;
      have_v1 = true;
    }
  }
  const std::vector<Mount> mounts = ReadMounts(root);
  if (have_v1) {  // a v1 memory controller wins: then v2 (hybrid mode) has no memory controller
    for (const Mount& m : mounts) {
      if (m.fstype == "cgroup" && HasOption(m.options, "memory")) {
        const std::string dir = CgroupDir(root, m, v1_path);
        if (ReadLimitAndUsage(dir, "memory.limit_in_bytes", "memory.usage_in_bytes", "v1", p)) return;
        p.notes.push_back("cgroup v1 memory files unreadable in " + dir + ": no cgroup limit applied");
        return;
      }
    }
  }
  if (have_v2) {
    for (const Mount& m : mounts) {
      if (m.fstype != "cgroup2") continue;
      if (ReadLimitAndUsage(CgroupDir(root, m, v2_path), "memory.max", "memory.current", "v2", p)) return;
    }
  }
  p.notes.push_back("no memory cgroup found for this process: no cgroup limit applied");
}

}  // namespace

int64_t MemoryProbe::spare_bytes() const {
  int64_t spare = mem_available;
  if (cgroup_limit >= 0 && cgroup_usage >= 0) {
    const int64_t room = std::max<int64_t>(0, cgroup_limit - cgroup_usage);
    spare = spare < 0 ? room : std::min(spare, room);
  }
  return spare;
}

int64_t MemoryProbe::ceiling_bytes() const {
  if (cgroup_limit >= 0 && (mem_total < 0 || cgroup_limit < mem_total)) return cgroup_limit;
  return mem_total;
}

std::string MemoryProbe::Describe() const {
  std::string s = "MemAvailable " + (mem_available >= 0 ? FormatBytes(mem_available) : std::string("unknown")) +
                  " of " + (mem_total >= 0 ? FormatBytes(mem_total) : std::string("unknown"));
  if (!cgroup_version.empty()) {
    s += "; cgroup " + cgroup_version + " limit " +
         (cgroup_limit >= 0 ? FormatBytes(cgroup_limit) : std::string("none")) + ", usage " + FormatBytes(cgroup_usage);
  }
  if (pressure_some_avg10 >= 0) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "; memory pressure some %.2f%% full %.2f%%", pressure_some_avg10,
                  pressure_full_avg10);
    s += buf;
  }
  for (const std::string& n : notes) s += "; " + n;
  return s;
}

MemoryProbe ProbeMemory(const std::string& root) {
  MemoryProbe p;
  std::string text;
  if (ReadText(Join(root, "/proc/meminfo"), &text)) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      long long kb = 0;
      if (std::sscanf(line.c_str(), "MemTotal: %lld kB", &kb) == 1) p.mem_total = kb * 1024;
      if (std::sscanf(line.c_str(), "MemAvailable: %lld kB", &kb) == 1) p.mem_available = kb * 1024;
    }
    if (p.mem_available < 0) p.notes.push_back("/proc/meminfo has no MemAvailable");
  } else {
    p.notes.push_back("cannot read /proc/meminfo");
  }
  ProbeCgroup(root, p);
  if (ReadText(Join(root, "/proc/pressure/memory"), &text)) {
    double some = -1, full = -1;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      double v;
      if (std::sscanf(line.c_str(), "some avg10=%lf", &v) == 1) some = v;
      if (std::sscanf(line.c_str(), "full avg10=%lf", &v) == 1) full = v;
    }
    p.pressure_some_avg10 = some;
    p.pressure_full_avg10 = full;
  } else {
    p.notes.push_back("no /proc/pressure/memory (PSI off): pressure not watched");
  }
  return p;
}

int64_t ReadCgroupLimit(const MemoryProbe& p) {
  int64_t limit = -1;
  if (p.cgroup_version.empty()) return -1;
  const char* file = p.cgroup_version == "v1" ? "/memory.limit_in_bytes" : "/memory.max";
  return ReadCgroupValue(p.cgroup_dir + file, &limit) ? limit : -1;
}

int64_t ReadProcessRss(const std::string& root) {
  std::string text;
  if (!ReadText(Join(root, "/proc/self/status"), &text)) return -1;
  const size_t at = text.find("VmRSS:");
  long long kb = 0;
  if (at == std::string::npos || std::sscanf(text.c_str() + at, "VmRSS: %lld kB", &kb) != 1) return -1;
  return kb * 1024;
}

int64_t ParseByteSize(const std::string& text, const std::string& what) {
  const std::string help =
      what + ": \"" + text + "\" is not a size; write bytes with an optional K, M or G suffix, e.g. 300M";
  if (text.empty()) throw UserError(help);
  size_t used = 0;
  double value;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    throw UserError(help);
  }
  std::string suffix = text.substr(used);
  if (suffix == "B" || suffix == "b") suffix.clear();
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b')) suffix.pop_back();
  if (!suffix.empty() && (suffix.back() == 'i')) suffix.pop_back();  // "MiB"
  double scale = 1;
  if (suffix == "K" || suffix == "k") {
    scale = 1024.0;
  } else if (suffix == "M" || suffix == "m") {
    scale = 1024.0 * 1024.0;
  } else if (suffix == "G" || suffix == "g") {
    scale = 1024.0 * 1024.0 * 1024.0;
  } else if (!suffix.empty()) {
    throw UserError(help);
  }
  if (!(value > 0) || !std::isfinite(value) || value * scale > 9e18) throw UserError(help);
  return static_cast<int64_t>(value * scale);
}

std::string FormatBytes(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t{1} << 30)) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  } else if (bytes >= (int64_t{1} << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  }
  return buf;
}

}  // namespace elastiq
