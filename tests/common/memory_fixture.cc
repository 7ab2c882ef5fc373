// Writes the fixture trees of memory_fixture.h.
#include "tests/common/memory_fixture.h"

namespace elastiq::testing {
namespace {

const char* kMeminfo = "MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:   20480000 kB\n";
const char* kPressure =
    "some avg10=1.50 avg60=0.20 avg300=0.00 total=10\nfull avg10=0.25 avg60=0.00 avg300=0.00 total=2\n";
const char* kV1Dir = "sys/fs/cgroup/memory/process_api/abc/";

}  // namespace

void SetV1Limit(const ScratchDir& d, const std::string& limit, const std::string& usage) {
  WriteText(d / (std::string(kV1Dir) + "memory.limit_in_bytes"), limit);
  WriteText(d / (std::string(kV1Dir) + "memory.usage_in_bytes"), usage);
}

void WriteV1Tree(const ScratchDir& d, const std::string& limit, const std::string& usage) {
  WriteText(d / "proc/meminfo", kMeminfo);
  WriteText(d / "proc/pressure/memory", kPressure);
  WriteText(d / "proc/self/cgroup", "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n");
  WriteText(d / "proc/self/mountinfo",
            "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
            "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
            "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
  SetV1Limit(d, limit, usage);
}

void WriteV2Tree(const ScratchDir& d, const std::string& max, const std::string& current) {
  WriteText(d / "proc/meminfo", kMeminfo);
  WriteText(d / "proc/self/cgroup", "0::/user.slice/app.scope\n");
  WriteText(d / "proc/self/mountinfo", "25 1 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  WriteText(d / "sys/fs/cgroup/user.slice/app.scope/memory.max", max);
  WriteText(d / "sys/fs/cgroup/user.slice/app.scope/memory.current", current);
}

}  // namespace elastiq::testing
