// A real memory limit for memory-aware switching: `elastiq run --memory-budget auto --watch-memory`
// in a child memory cgroup (v1), the limit lowered mid-generation below what the process holds with
// the current entry, then raised again. The run switches down, keeps generating, switches back up
// and exits 0 instead of being OOM-killed. Skips visibly where no child cgroup can be made (not
// root, no cgroup v1 memory hierarchy). Tiny random model so it stays fast on a 2-core CI machine.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "src/runtime/memory_probe.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

int64_t ReadNumber(const std::string& path) {
  std::ifstream in(path);
  long long v = -1;
  in >> v;
  return v;
}

bool WriteNumber(const std::string& path, int64_t value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  return static_cast<bool>(out);
}

// Drops the file's pages from the page cache, so the run in the child cgroup faults them in and is
// charged for them (pages cached earlier stay charged to whoever read them first).
void DropFromPageCache(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  fsync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

class ChildCgroup {
 public:
  ChildCgroup() {
    if (geteuid() != 0) {
      why_not_ = "not root: cannot create a memory cgroup";
      return;
    }
    const MemoryProbe probe = ProbeMemory();
    if (probe.cgroup_version != "v1") {
      why_not_ = "no cgroup v1 memory hierarchy for this process (" + probe.Describe() + ")";
      return;
    }
    dir_ = probe.cgroup_dir + "/elastiq-test-" + std::to_string(getpid());
    if (mkdir(dir_.c_str(), 0755) != 0) {
      why_not_ = "cannot create " + dir_ + ": " + std::strerror(errno);
      dir_.clear();
    }
  }
  ~ChildCgroup() {
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  const std::string& why_not() const { return why_not_; }
  std::string file(const char* name) const { return dir_ + "/" + name; }

 private:
  std::string dir_, why_not_;
};

TEST(MemoryCgroup, WatchSwitchesDownWhenTheLimitDropsAndBackUpWhenItRises) {
  ChildCgroup cgroup;
  if (!cgroup.why_not().empty()) GTEST_SKIP() << "real cgroup test skipped: " << cgroup.why_not();
  testing::ScratchDir dir;
  // 20 MB of fp32 weights for the maxnet, about a quarter for p25: comparable to the process itself.
  testing::WriteText(
      dir / "m.json",
      R"({"name":"cg","vocab_size":4096,"d_model":256,"n_layers":4,"n_heads":4,"n_kv_heads":2,"ffn_dim":1024,"max_seq_len":1024})");
  testing::CommandResult r = testing::RunCommand(testing::ElastiqBinary() + " init --config " + (dir / "m.json") +
                                                 " --random --sizes 0.25 --out " + (dir / "m.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  DropFromPageCache(dir / "m.h5");
  const int64_t gib = int64_t{1} << 30;
  ASSERT_TRUE(WriteNumber(cgroup.file("memory.limit_in_bytes"), gib));
  const std::string run = testing::ElastiqBinary() + " run --palette " + (dir / "m.h5") +
                          " --prompt-ids 1,5,9 --memory-budget auto --watch-memory --watch-every 2 --switch-up-hold 16"
                          " --context 1024 --max-tokens 500 --token-delay-ms 4 --temperature 0 --threads 1";
  // Under AddressSanitizer freed memory sits in a quarantine (256 MB by default) and counts against
  // the limit as anonymous memory the kernel cannot reclaim; keep it small so the run's own memory
  // behaves as in a normal build (no effect without ASan).
  const std::string asan = "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1";
  FILE* child =
      popen(("sh -c 'echo $$ > " + cgroup.file("cgroup.procs") + " && " + asan + " exec " + run + "' 2>&1 >/dev/null")
                .c_str(),
            "r");
  ASSERT_NE(child, nullptr);
  std::string log;
  enum { kStarting, kLowered, kRaised } phase = kStarting;
  char line[4096];
  while (fgets(line, sizeof line, child)) {
    const std::string text = line;
    log += text;
    if (phase == kStarting && text.find("(none) -> maxnet") != std::string::npos) {
      usleep(100 * 1000);  // a few tokens in
      // Below what the process holds now: the kernel must reclaim half of the maxnet's pages.
      const int64_t usage = ReadNumber(cgroup.file("memory.usage_in_bytes"));
      const int64_t lowered = usage - 10 * (int64_t{1} << 20);
      log += "test: usage " + std::to_string(usage) + ", limit lowered to " + std::to_string(lowered) + "\n";
      EXPECT_TRUE(WriteNumber(cgroup.file("memory.limit_in_bytes"), lowered)) << "the kernel refused the lower limit";
      phase = kLowered;
    } else if (phase == kLowered && text.find("maxnet -> p25") != std::string::npos) {
      ASSERT_TRUE(WriteNumber(cgroup.file("memory.limit_in_bytes"), gib));
      log += "test: limit raised to 1 GiB\n";
      phase = kRaised;
    }
  }
  const int status = pclose(child);
  ASSERT_TRUE(WIFEXITED(status)) << "the run was killed (signal " << WTERMSIG(status) << ")\n" << log;
  EXPECT_EQ(WEXITSTATUS(status), 0) << log;
  EXPECT_EQ(phase, kRaised) << log;
  EXPECT_NE(log.find("maxnet -> p25 (budget"), std::string::npos) << log;
  EXPECT_NE(log.find("p25 -> maxnet (budget"), std::string::npos) << log;
  EXPECT_NE(log.find("500 tokens"), std::string::npos) << log;  // it finished the generation
  std::cerr << log;
}

}  // namespace
}  // namespace elastiq
