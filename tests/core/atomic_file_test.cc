// AtomicFile: nothing appears until Commit(); an abandoned write leaves the old file intact.
#include "src/core/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

TEST(AtomicFile, AbandonedWriteKeepsTheOldFile) {
  testing::ScratchDir dir;
  const std::string path = dir / "f.txt";
  WriteFileAtomically(path, "old");
  {
    AtomicFile f(path);
    testing::WriteText(f.temp_path(), "half-written");
    EXPECT_EQ(ReadFileBytes(path), "old");
  }  // no Commit: as if the process died
  EXPECT_EQ(ReadFileBytes(path), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  WriteFileAtomically(path, "new");
  EXPECT_EQ(ReadFileBytes(path), "new");
}

TEST(AtomicFile, TemporariesOfKilledWritersAreRemovedOthersKept) {
  testing::ScratchDir dir;
  const pid_t dead = ::fork();  // a process that has exited: its pid names no live writer
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = dir / ("x.bin.tmp-" + std::to_string(dead));
  for (const std::string& name :
       {stale, dir / "x.bin.tmp-1", dir / "x.bin.tmp-abc", dir / ("y.bin.tmp-" + std::to_string(dead))}) {
    testing::WriteText(name, "left over");
  }
  WriteFileAtomically(dir / "x.bin", "new");
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(dir / "x.bin.tmp-1")) << "pid 1 is alive: its write may be under way";
  EXPECT_TRUE(std::filesystem::exists(dir / "x.bin.tmp-abc"));
  EXPECT_TRUE(std::filesystem::exists(dir / ("y.bin.tmp-" + std::to_string(dead)))) << "another file's temporary";
  EXPECT_EQ(ReadFileBytes(dir / "x.bin"), "new");
}

// A killed writer that nobody has reaped yet (a zombie: containers whose first process reaps nothing
// keep them) writes nothing more: its temporary is stale too (found by experiments/kill_soak.py).
TEST(AtomicFile, TemporariesOfUnreapedWritersAreRemoved) {
  testing::ScratchDir dir;
  const pid_t zombie = ::fork();
  if (zombie == 0) ::_exit(0);
  siginfo_t info{};  // wait until it has exited, without reaping it (WNOWAIT): a zombie
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(zombie), &info, WEXITED | WNOWAIT), 0);
  const std::string stale = dir / ("x.bin.tmp-" + std::to_string(zombie));
  testing::WriteText(stale, "left over");
  WriteFileAtomically(dir / "x.bin", "new");
  EXPECT_FALSE(std::filesystem::exists(stale));
  ::waitpid(zombie, nullptr, 0);
}

TEST(AtomicFile, ReadErrorsNameTheFile) {
  try {
    ReadFileBytes("/no/such/file.bin");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/file.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace elastiq
