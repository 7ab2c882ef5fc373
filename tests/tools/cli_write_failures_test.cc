// Failing writes, injected: every writer run with the N-th write (ENOSPC), fsync (EIO) or rename
// (EIO) failing, through an LD_PRELOAD shim (tests/common/fail_io.c), for N spread over all the
// calls the command makes (in each of its processes: the LibTorch helper too). Each run either succeeds with a valid
// output or ends with one line and exit 2, the previous output byte for byte intact and no temporary file left.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "src/core/atomic_file.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using testing::Elastiq;

// The shim in front of the command; verify_asan_link_order: the shim precedes ASan's runtime in
// the sanitizer build.
testing::CommandResult RunWithShim(const std::string& env, const std::string& args) {
  return testing::RunCommand("env LD_PRELOAD=" ELASTIQ_FAIL_IO_SHIM " ASAN_OPTIONS=verify_asan_link_order=0 " + env +
                             " " + Elastiq(args));
}

// The most calls of each kind one process of the command makes (from the shim's log).
std::map<std::string, long> CountCalls(const testing::ScratchDir& dir, const std::string& args) {
  const std::string log = dir / "calls.log";
  std::filesystem::remove(log);
  const testing::CommandResult r = RunWithShim("ELASTIQ_FAIL_IO_LOG=" + log, args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  std::map<std::string, long> most;
  std::istringstream in(ReadFileBytes(log));
  for (std::string pid, kind; in >> pid >> kind;) {
    long n = 0;
    in >> n;
    most[kind] = std::max(most[kind], n);
  }
  return most;
}

// 1, 2, 3, 5, 8, ... up to `calls`, and `calls` itself (often the write or rename that finishes).
std::vector<long> FailurePoints(long calls) {
  std::vector<long> points;
  for (long a = 1, b = 2; a <= calls; std::tie(a, b) = std::pair(b, a + b)) points.push_back(a);
  if (calls > 0 && points.back() != calls) points.push_back(calls);
  return points;
}

void ExpectNoTemporaries(const std::filesystem::path& folder, const std::string& context) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << context << " left " << entry.path();
  }
}

// Runs `args` (writing `out`) with each kind of call failing at each point; `valid` checks a
// finished output. With `resume_args`, a failed run may also leave an earlier checkpoint of its
// own, which must be valid and resume to the end.
void ExpectCleanFailures(const testing::ScratchDir& dir, const std::string& args, const std::string& out,
                         const std::function<void(const std::string&)>& valid, const std::string& resume_args = "") {
  const std::map<std::string, long> calls = CountCalls(dir, args);
  ASSERT_GT(calls.at("write"), 0) << args;
  ASSERT_GT(calls.at("fsync"), 0) << args << ": the output is never flushed to disk before its rename";
  ASSERT_GT(calls.at("rename"), 0) << args;
  for (const auto& [kind, count] : calls) {
    for (long n : FailurePoints(count)) {
      const std::string context = args + " with " + kind + " call " + std::to_string(n) + " failing";
      WriteFileAtomically(out, "the previous output");
      const testing::CommandResult r = RunWithShim("ELASTIQ_FAIL_IO=" + kind + ":" + std::to_string(n), args);
      if (r.exit_code == 0) {
        valid(out);
      } else {
        EXPECT_EQ(r.exit_code, 2) << context << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << context << "\n" << r.err;
      }
      if (r.exit_code != 0 && ReadFileBytes(out) != "the previous output") {
        ASSERT_FALSE(resume_args.empty()) << context << ": the previous output is lost";
        valid(out);
        const testing::CommandResult resumed = testing::RunCommand(Elastiq(args + " " + resume_args));
        EXPECT_EQ(resumed.exit_code, 0) << context << ", then resumed:\n" << resumed.err;
      }
      ExpectNoTemporaries(dir.path(), context);
    }
  }
}

void ExpectModelFile(const std::string& path) {
  const testing::CommandResult r = testing::RunCommand(Elastiq("inspect " + path));
  EXPECT_EQ(r.exit_code, 0) << path << ": " << r.err;
}

class CliWriteFailures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir;
    const testing::ScratchDir& d = *dir_;
    testing::PrepareTokenizedCorpus(d, 30, 60, 300);
    testing::WriteText(
        d / "tiny.json",
        R"({"name":"w","vocab_size":300,"d_model":32,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":256,"max_seq_len":16})");
    ASSERT_EQ(testing::RunCommand(Elastiq("init --config " + (d / "tiny.json") + " --random --tokenizer " +
                                          (d / "tok.model") + " --out " + (d / "m.h5")))
                  .exit_code,
              0);
    if (testing::HasTrainingHelper()) {  // a supernet for the palette writer
      ASSERT_EQ(testing::RunCommand(Elastiq("mlfs --teacher " + (d / "m.h5") + " --data " + (d / "data") +
                                            " --stage0-steps 2 --stage1-steps 2 --stage2-steps 2 --subnets-per-step 2"
                                            " --rank 4 --rewire-batches 1 --batch-size 2 --eval-tokens 64 --threads 1"
                                            " --out " +
                                            (d / "s.h5")))
                    .exit_code,
                0);
    }
  }
  static void TearDownTestSuite() { delete dir_; }
  static testing::ScratchDir* dir_;
};
testing::ScratchDir* CliWriteFailures::dir_ = nullptr;

TEST_F(CliWriteFailures, Init) {
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(d, "init --config " + (d / "tiny.json") + " --random --out " + (d / "init.h5"), d / "init.h5",
                      ExpectModelFile);
}

TEST_F(CliWriteFailures, Quantize) {
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(d, "quantize --in " + (d / "m.h5") + " --format w8a8 --out " + (d / "q.h5"), d / "q.h5",
                      ExpectModelFile);
}

TEST_F(CliWriteFailures, ExportGguf) {
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(d, "export gguf --palette " + (d / "m.h5") + " --type q8_0 --out " + (d / "m.gguf"), d / "m.gguf",
                      ExpectModelFile);
}

TEST_F(CliWriteFailures, TokenizerTrain) {
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(d, "tokenizer train --data " + (d / "data") + " --vocab-size 300 --out " + (d / "u.model"),
                      d / "u.model", [](const std::string& path) { EXPECT_GT(ReadFileBytes(path).size(), 1000u); });
}

TEST_F(CliWriteFailures, DataPrepareManifest) {
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(
      d, "data prepare --corpus " + (d / "text") + " --out " + (d / "data2"), d / "data2/manifest.json",
      [](const std::string& path) { EXPECT_NE(ReadFileBytes(path).find("\"kind\""), std::string::npos); });
}

// The palette search's output, from the supernet the suite's set-up trained.
std::string PaletteArgs(const testing::ScratchDir& d) {
  return "palette --supernet " + (d / "s.h5") + " --data " + (d / "data") +
         " --sizes 0.5 --candidates 2 --finalists 1 --proxy-tokens 256 --eval-tokens 256 --threads 1 --out ";
}

TEST_F(CliWriteFailures, Palette) {
  if (!testing::HasTrainingHelper()) GTEST_SKIP() << "built without LibTorch (ELASTIQ_WITH_TORCH=OFF)";
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(d, PaletteArgs(d) + (d / "pal.h5"), d / "pal.h5", ExpectModelFile);
}

// A 1 MiB tmpfs mounted for one test (root only: why_not() says why not).
class Tmpfs {
 public:
  explicit Tmpfs(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    const testing::CommandResult r = testing::RunCommand("mount -t tmpfs -o size=1m tmpfs " + dir_);
    if (r.exit_code != 0) why_not_ = "cannot mount a tmpfs (" + r.err + ")";
  }
  ~Tmpfs() {
    if (why_not_.empty()) testing::RunCommand("umount " + dir_);
  }
  const std::string& why_not() const { return why_not_; }
  // Empties the tmpfs, writes `previous` (and its folder), then a filler that leaves `free_bytes`.
  void Fill(const std::string& previous, int64_t free_bytes) const {
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) std::filesystem::remove_all(entry.path());
    std::filesystem::create_directories(std::filesystem::path(previous).parent_path());
    WriteFileAtomically(previous, "the previous output");
    struct statvfs fs;
    ASSERT_EQ(statvfs(dir_.c_str(), &fs), 0);
    const int64_t avail = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_bsize);
    std::ofstream(dir_ + "/filler", std::ios::binary) << std::string(std::max<int64_t>(0, avail - free_bytes), 'x');
  }

 private:
  std::string dir_, why_not_;
};

// A real full disk: every writer aimed at a 1 MiB tmpfs filled to leave 0 B to 256 KiB. Each run
// finishes with a valid output or ends with one line, exit 2, the previous output intact and no
// temporary left. Skipped where no tmpfs can be mounted (not root).
TEST_F(CliWriteFailures, ARealFullDisk) {
  const testing::ScratchDir& d = *dir_;
  const std::string fs = d / "full";
  const Tmpfs tmpfs(fs);
  if (!tmpfs.why_not().empty()) GTEST_SKIP() << tmpfs.why_not();
  std::vector<std::pair<std::string, std::string>> writers = {
      {"init --config " + (d / "tiny.json") + " --random --out ", "o.h5"},
      {"quantize --in " + (d / "m.h5") + " --format w8a8 --out ", "o.h5"},
      {"export gguf --palette " + (d / "m.h5") + " --type q8_0 --out ", "o.gguf"},
      {"tokenizer train --data " + (d / "data") + " --vocab-size 300 --out ", "o.model"},
      {"data prepare --corpus " + (d / "text") + " --out ", "o"}};
  if (testing::HasTrainingHelper()) {
    writers.push_back({"pretrain --config " + (d / "tiny.json") + " --data " + (d / "data") + " --tokenizer " +
                           (d / "tok.model") + " --batch-size 2 --steps 4 --checkpoint-every 2 --eval-tokens 64 --out ",
                       "o.h5"});
    writers.push_back({PaletteArgs(d), "o.h5"});
  }
  for (const int64_t free_bytes : {int64_t{0}, int64_t{4096}, int64_t{65536}, int64_t{262144}}) {
    for (const auto& [command, name] : writers) {
      const std::string out = fs + "/" + name;
      const std::string previous = name == "o" ? out + "/manifest.json" : out;
      const std::string context = command + out + " with " + std::to_string(free_bytes) + " bytes free";
      tmpfs.Fill(previous, free_bytes);
      const testing::CommandResult r = testing::RunCommand(Elastiq(command + out));
      if (free_bytes == 0) {
        EXPECT_NE(r.exit_code, 0) << context << ": wrote into a full filesystem?";
      }
      if (r.exit_code != 0) {
        EXPECT_EQ(r.exit_code, 2) << context << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << context << "\n" << r.err;
      }
      if (r.exit_code == 0 || ReadFileBytes(previous) != "the previous output") {
        if (name.ends_with(".h5") || name.ends_with(".gguf")) ExpectModelFile(out);
        EXPECT_TRUE(r.exit_code == 0 || command.starts_with("pretrain")) << context << ": the previous output is lost";
      }
      ExpectNoTemporaries(fs, context);
    }
  }
}

// Checkpoints written by the LibTorch helper (elastiq-train), every other step.
TEST_F(CliWriteFailures, PretrainCheckpoints) {
  if (!testing::HasTrainingHelper()) GTEST_SKIP() << "built without LibTorch (ELASTIQ_WITH_TORCH=OFF)";
  const testing::ScratchDir& d = *dir_;
  ExpectCleanFailures(
      d,
      "pretrain --config " + (d / "tiny.json") + " --data " + (d / "data") + " --tokenizer " + (d / "tok.model") +
          " --batch-size 2 --steps 4 --checkpoint-every 2 --eval-tokens 64 --threads 1" + " --out " + (d / "p.h5"),
      d / "p.h5", ExpectModelFile, "--resume");
}

}  // namespace
}  // namespace elastiq
