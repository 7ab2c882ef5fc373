// AtomicFile: nothing appears until Commit(); an abandoned write leaves the old file intact.
#include "src/core/atomic_file.h"

#include <gtest/gtest.h>

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
