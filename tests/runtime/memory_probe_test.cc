// Memory probe on fixture trees: cgroup v1 and v2, limited and unlimited, missing files; PSI;
// size parsing. Plus one probe of this machine.
#include "src/runtime/memory_probe.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "src/core/error.h"
#include "tests/common/memory_fixture.h"

namespace elastiq {
namespace {

using testing::ScratchDir;
using testing::WriteV1Tree;
using testing::WriteV2Tree;

TEST(MemoryProbe, CgroupV1Limited) {
  ScratchDir d;
  WriteV1Tree(d, "524288000\n", "104857600\n");  // 500 MiB limit, 100 MiB used
  MemoryProbe p = ProbeMemory(d.path());
  EXPECT_EQ(p.mem_total, int64_t{24576000} * 1024);
  EXPECT_EQ(p.mem_available, int64_t{20480000} * 1024);
  EXPECT_EQ(p.cgroup_version, "v1");
  EXPECT_EQ(p.cgroup_limit, 524288000);
  EXPECT_EQ(p.cgroup_usage, 104857600);
  EXPECT_EQ(p.spare_bytes(), 524288000 - 104857600);
  EXPECT_DOUBLE_EQ(p.pressure_some_avg10, 1.5);
  EXPECT_DOUBLE_EQ(p.pressure_full_avg10, 0.25);
  EXPECT_TRUE(p.notes.empty()) << p.Describe();
}

TEST(MemoryProbe, CgroupV1UnlimitedFallsBackToMemAvailable) {
  ScratchDir d;
  WriteV1Tree(d, "9223372036854771712\n", "104857600\n");
  MemoryProbe p = ProbeMemory(d.path());
  EXPECT_EQ(p.cgroup_limit, -1);
  EXPECT_EQ(p.spare_bytes(), int64_t{20480000} * 1024);
}

TEST(MemoryProbe, CgroupV2LimitedAndUnlimited) {
  ScratchDir d;
  WriteV2Tree(d, "1073741824\n", "268435456\n");
  MemoryProbe p = ProbeMemory(d.path());
  EXPECT_EQ(p.cgroup_version, "v2");
  EXPECT_EQ(p.spare_bytes(), 1073741824 - 268435456);
  WriteV2Tree(d, "max\n", "268435456\n");
  p = ProbeMemory(d.path());
  EXPECT_EQ(p.cgroup_limit, -1);
  EXPECT_EQ(p.spare_bytes(), int64_t{20480000} * 1024);
  // Usage above the limit (possible transiently) spares nothing rather than a negative amount.
  WriteV2Tree(d, "1000\n", "2000\n");
  EXPECT_EQ(ProbeMemory(d.path()).spare_bytes(), 0);
}

// Inactive file cache (what an earlier process read once) is reclaimed before an OOM kill: the
// usage the probe reports is the working set without it. Found by experiments/memory_storm.py: a
// run started after another one saw the file cache it left as used memory.
TEST(MemoryProbe, InactiveFileCacheDoesNotCountAsUsed) {
  ScratchDir d;
  WriteV1Tree(d, "524288000\n", "104857600\n");
  testing::WriteText(d / "sys/fs/cgroup/memory/process_api/abc/memory.stat",
                     "cache 94371840\ntotal_active_file 10485760\ntotal_inactive_file 52428800\n");
  EXPECT_EQ(ProbeMemory(d.path()).cgroup_usage, 104857600 - 52428800);
  ScratchDir d2;
  WriteV2Tree(d2, "1073741824\n", "268435456\n");
  testing::WriteText(d2 / "sys/fs/cgroup/user.slice/app.scope/memory.stat", "anon 1\ninactive_file 268435457\n");
  EXPECT_EQ(ProbeMemory(d2.path()).cgroup_usage, 0);  // never negative
}

TEST(MemoryProbe, MissingFilesFallBackAndSaySo) {
  ScratchDir d;
  WriteV1Tree(d, "524288000\n", "1\n");
  std::filesystem::remove(d / "sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes");
  std::filesystem::remove(d / "proc/pressure/memory");
  MemoryProbe p = ProbeMemory(d.path());
  EXPECT_EQ(p.cgroup_version, "");
  EXPECT_EQ(p.spare_bytes(), p.mem_available);
  ASSERT_EQ(p.notes.size(), 2u);
  EXPECT_NE(p.notes[0].find("cgroup v1 memory files unreadable"), std::string::npos);
  EXPECT_NE(p.notes[1].find("PSI"), std::string::npos);
  ScratchDir empty;
  MemoryProbe none = ProbeMemory(empty.path());
  EXPECT_EQ(none.spare_bytes(), -1);
  EXPECT_EQ(none.notes.size(), 3u) << none.Describe();
}

TEST(MemoryProbe, ThisMachine) {
  MemoryProbe p = ProbeMemory();
  EXPECT_GT(p.mem_total, 0);
  EXPECT_GT(p.mem_available, 0);
  EXPECT_GT(p.spare_bytes(), 0);
  std::cout << "this machine: " << p.Describe() << "\n";
}

TEST(ByteSize, ParsesSuffixesAndRefusesGarbage) {
  EXPECT_EQ(ParseByteSize("300M", "--memory-budget"), 300 * 1024 * 1024);
  EXPECT_EQ(ParseByteSize("1.5G", "b"), int64_t{3} * 512 * 1024 * 1024);
  EXPECT_EQ(ParseByteSize("64K", "b"), 65536);
  EXPECT_EQ(ParseByteSize("12345", "b"), 12345);
  EXPECT_EQ(ParseByteSize("2MiB", "b"), 2 * 1024 * 1024);
  for (const char* bad : {"", "M", "12X", "-5M", "0", "abc", "1e30G"}) {
    EXPECT_THROW(ParseByteSize(bad, "--memory-budget"), UserError) << bad;
  }
  EXPECT_EQ(FormatBytes(300 * 1024 * 1024), "300.0 MiB");
}

}  // namespace
}  // namespace elastiq
