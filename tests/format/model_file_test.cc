// Model file v1: bit-exact round trip, page-aligned contiguous weights readable at their offset,
// and clear errors for truncated, foreign, too-new and inconsistent files.
#include "src/format/model_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/format/file_seal.h"
#include "src/format/weight_layout.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"t","vocab_size":300,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":32})",
      "t");
}

// Writes a file whose every weight value is random, with the maxnet and `second` in its palette;
// returns the values by name.
std::map<std::string, std::vector<float>> WriteRandomModel(const std::string& path, const ModelConfig& c,
                                                           const SubnetSpec& second = {"half", {0}, 32, {64}, 1, 0}) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::map<std::string, std::vector<float>> values;
  ModelFileWriter w(path, c, kKindCheckpoint, "tokenizer-bytes");
  for (const WeightShape& s : MaxnetWeightShapes(c)) {
    int64_t n = 1;
    for (int64_t d : s.shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = normal(rng);
    w.WriteWeight(s.name, s.shape, v.data());
    values[s.name] = v;
  }
  w.AddPaletteEntry({MaxnetSpec(c), {{"val_perplexity", 12.5}}});
  w.AddPaletteEntry({second, {}});
  w.Commit();
  return values;
}

std::string ErrorOpening(const std::string& path) {
  try {
    ModelFile::Open(path);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelFile, RoundTripIsBitExact) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  auto values = WriteRandomModel(dir / "m.h5", c);
  ModelFile m = ModelFile::Open(dir / "m.h5");
  EXPECT_EQ(m.format_version(), kFormatVersion);
  EXPECT_EQ(m.kind(), kKindCheckpoint);
  EXPECT_EQ(DescribeConfigDifference(m.config(), c), "");
  EXPECT_EQ(m.TokenizerBytes(), "tokenizer-bytes");
  for (const auto& [name, v] : values) EXPECT_EQ(m.ReadWeight(name), v) << name;
  ASSERT_EQ(m.palette().size(), 2u);
  EXPECT_EQ(m.Entry("maxnet").metrics["val_perplexity"].get<double>(), 12.5);
  EXPECT_EQ(m.Entry("half").spec.d_model, 32);
  EXPECT_THROW(m.Entry("nope"), UserError);
  EXPECT_THROW(m.RequireKind({kKindSupernet}, "mlfs"), UserError);
  EXPECT_NO_THROW(m.RequireKind({kKindCheckpoint, kKindSupernet}, "eval"));
}

TEST(ModelFile, LargeWeightsArePageAlignedAndReadableAtTheirOffset) {
  testing::ScratchDir dir;
  auto values = WriteRandomModel(dir / "m.h5", Config());
  ModelFile m = ModelFile::Open(dir / "m.h5");
  DatasetInfo info = m.h5().Info("/weights/layers.1.w_up");  // 128x64 floats = 32 KiB
  ASSERT_GE(info.file_offset, 0);
  EXPECT_EQ(info.file_offset % 4096, 0);
  std::ifstream in(dir / "m.h5", std::ios::binary);
  in.seekg(info.file_offset);
  std::vector<float> raw(static_cast<size_t>(info.num_elements));
  in.read(reinterpret_cast<char*>(raw.data()), info.bytes);
  EXPECT_EQ(raw, values["layers.1.w_up"]);
}

TEST(ModelFile, TruncatedFileIsAClearError) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config());
  const auto size = std::filesystem::file_size(dir / "m.h5");
  for (auto keep : {size / 2, size - 100, uintmax_t{600}, uintmax_t{10}}) {
    std::filesystem::copy_file(dir / "m.h5", dir / "cut.h5", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir / "cut.h5", keep);
    std::string err = ErrorOpening(dir / "cut.h5");
    EXPECT_NE(err.find(dir / "cut.h5"), std::string::npos) << "kept " << keep << ": " << err;
  }
}

TEST(ModelFile, ForeignAndMissingFilesAreClearErrors) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "text.h5", "just some text, not HDF5");
  EXPECT_NE(ErrorOpening(dir / "text.h5").find("not a readable HDF5 file"), std::string::npos);
  EXPECT_NE(ErrorOpening(dir / "missing.h5").find("no such file"), std::string::npos);
  {
    H5File f = H5File::Create(dir / "other.h5", "other.h5");
    f.SetAttr("/", "title", std::string("someone else's data"));
  }
  EXPECT_NE(ErrorOpening(dir / "other.h5").find("not an elastiq model file"), std::string::npos);
}

TEST(ModelFile, NewerFormatVersionAsksForAnUpgrade) {
  testing::ScratchDir dir;
  {
    H5File f = H5File::Create(dir / "future.h5", "future.h5");
    f.SetAttr("/", "format", std::string(kFormatName));
    f.SetAttr("/", "format_version", int64_t{kFormatVersion + 1});
  }
  EXPECT_NE(ErrorOpening(dir / "future.h5").find("upgrade elastiq"), std::string::npos);
}

TEST(ModelFile, WeightShapeInconsistentWithConfigIsAnError) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  {
    ModelFileWriter w(dir / "bad.h5", c, kKindCheckpoint, "");
    for (const WeightShape& s : MaxnetWeightShapes(c)) {
      std::vector<int64_t> shape = s.shape;
      if (s.name == "layers.0.wk") shape[0] += 1;
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<float> v(static_cast<size_t>(n), 0.5f);
      w.WriteWeight(s.name, shape, v.data());
    }
    w.AddPaletteEntry({MaxnetSpec(c), {}});
    w.Commit();
  }
  EXPECT_NE(ErrorOpening(dir / "bad.h5").find("layers.0.wk has the wrong type or shape"), std::string::npos);
}

TEST(ModelFile, PaletteEntryWithAnAdapterRankPrefixIsRefused) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config(), {"half", {0}, 32, {64}, 1, 2});
  const std::string err = ErrorOpening(dir / "m.h5");
  EXPECT_NE(err.find("/palette/half spec has rank 2"), std::string::npos) << err;
  EXPECT_NE(err.find("must have rank 0"), std::string::npos) << err;
}

TEST(ModelFile, AnEntryWhoseSpecNamesAnotherEntryIsRefused) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config());
  testing::EditSealed(dir / "m.h5", [](H5File& f) {
    f.CreateGroup("/palette/copy");  // a second group holding the spec named "half"
    f.SetAttr("/palette/copy", "spec", f.GetStringAttr("/palette/half", "spec"));
  });
  EXPECT_NE(ErrorOpening(dir / "m.h5").find("/palette/copy holds a spec named \"half\""), std::string::npos)
      << ErrorOpening(dir / "m.h5");
}

TEST(ModelFile, StoredJsonOfTheWrongTypeIsAUserErrorNamingFileAndField) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config());
  auto error_after = [&](const std::string& object, const std::string& key, const std::string& value) {
    std::filesystem::copy_file(dir / "m.h5", dir / "bad.h5", std::filesystem::copy_options::overwrite_existing);
    testing::EditSealed(dir / "bad.h5", [&](H5File& f) { f.SetAttr(object, key, value); });
    return ErrorOpening(dir / "bad.h5");
  };
  nlohmann::json config = nlohmann::json::parse(ModelConfigToJson(Config()));
  config["name"] = 5;
  EXPECT_EQ(error_after("/", "config", config.dump()),
            dir / "bad.h5 (config attribute): field \"name\" must be a string, got 5");
  nlohmann::json spec = nlohmann::json::parse(SubnetSpecToJson({"half", {0}, 32, {64}, 1, 0}));
  spec["layers"] = {{"a", 1}};
  EXPECT_EQ(error_after("/palette/half", "spec", spec.dump()),
            dir / "bad.h5 /palette/half: field \"layers\" must be an array of integers, got {\"a\":1}");
  EXPECT_EQ(error_after("/palette/half", "metrics", "[1, 2]"), dir / "bad.h5 /palette/half metrics: not a JSON object");
}

TEST(ModelFile, WriterRefusesASecondEntryOfTheSameName) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  ModelFileWriter w(dir / "m.h5", c, kKindPalette, "");
  w.AddPaletteEntry({MaxnetSpec(c, "big"), {{"val_perplexity", 9.0}}});
  EXPECT_EQ(testing::UserErrorMessage([&] {
              w.AddPaletteEntry({{"big", {0}, 32, {64}, 1, 0}, {}});
            }),
            dir / "m.h5: two palette entries are named \"big\"; entry names must be unique");
}

// Replaces every occurrence of `from` in the file's bytes by `to` (same length).
void PatchBytes(const std::string& path, const std::string& from, const std::string& to) {
  std::string bytes = ReadFileBytes(path);
  for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at))
    bytes.replace(at, to.size(), to);
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(ModelFile, ReaderRefusesAPaletteWithTwoEntriesOfTheSameName) {
  testing::ScratchDir dir;
  const ModelConfig c = Config();
  {
    ModelFileWriter w(dir / "m.h5", c, kKindPalette, "");
    for (const WeightShape& s : MaxnetWeightShapes(c)) {
      int64_t n = 1;
      for (int64_t d : s.shape) n *= d;
      const std::vector<float> zeros(static_cast<size_t>(n), 0.0f);
      w.WriteWeight(s.name, s.shape, zeros.data());
    }
    w.AddPaletteEntry({MaxnetSpec(c, "twin_1"), {}});
    w.AddPaletteEntry({{"twin_2", {0}, 32, {64}, 1, 0}, {}});
    w.Commit();
  }
  // A hand-edited file: HDF5 keeps link names unique, but bytes changed in place (the link name in
  // the group's name heap and the spec) give a palette that lists "twin_1" twice.
  PatchBytes(dir / "m.h5", "twin_2", "twin_1");
  testing::Reseal(dir / "m.h5");
  EXPECT_EQ(ErrorOpening(dir / "m.h5"),
            dir / "m.h5: two palette entries are named \"twin_1\"; entry names must be unique");
}

TEST(ModelFile, UncommittedWriterLeavesNoFile) {
  testing::ScratchDir dir;
  { ModelFileWriter w(dir / "m.h5", Config(), kKindCheckpoint, ""); }
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// The seal: a changed byte, a truncation or an extension is refused before libhdf5 reads the file;
// --no-verify (ELASTIQ_NO_VERIFY) reads it anyway; a file without a seal is read as before.
TEST(ModelFile, TheSealRefusesChangedFilesBeforeHdf5ParsesThem) {
  testing::ScratchDir dir;
  const std::map<std::string, std::vector<float>> values = WriteRandomModel(dir / "m.h5", Config());
  const std::string good = ReadFileBytes(dir / "m.h5");
  ASSERT_EQ(good.rfind("elastiq-seal 1 xxh3-64 ", 0), 0u);
  ASSERT_EQ(ErrorOpening(dir / "m.h5"), "");

  std::string changed = good;
  const float first = values.at("embed")[0];
  const size_t at = changed.find(std::string(reinterpret_cast<const char*>(&first), 4));
  ASSERT_NE(at, std::string::npos);
  changed[at + 3] ^= 0x40;  // a weight's exponent: HDF5 would read it without complaint
  std::ofstream(dir / "changed.h5", std::ios::binary) << changed;
  EXPECT_EQ(ErrorOpening(dir / "changed.h5"),
            dir /
                "changed.h5: its content does not match its seal (damaged on disk or in transfer?); copy it again, "
                "or pass --no-verify to read it anyway");
  std::ofstream(dir / "short.h5", std::ios::binary) << good.substr(0, good.size() - 1);
  EXPECT_NE(ErrorOpening(dir / "short.h5")
                .find("short.h5: holds " + std::to_string(good.size() - 1) + " bytes, its seal says " +
                      std::to_string(good.size())),
            std::string::npos);
  std::ofstream(dir / "long.h5", std::ios::binary) << good + "x";
  EXPECT_NE(ErrorOpening(dir / "long.h5").find("(truncated or extended?)"), std::string::npos);

  std::string cut = good;
  std::fill_n(cut.begin() + 23, 64, 'f');  // a seal line without its end (found by the model-file fuzzer)
  std::ofstream(dir / "cut.h5", std::ios::binary) << cut;
  EXPECT_EQ(ErrorOpening(dir / "cut.h5"),
            dir / "cut.h5: its seal line is damaged; copy it again, or pass --no-verify to read it anyway");

  setenv("ELASTIQ_NO_VERIFY", "1", 1);
  EXPECT_EQ(ErrorOpening(dir / "changed.h5"), "");
  EXPECT_NE(ModelFile::Open(dir / "changed.h5").ReadWeight("embed")[0], first);
  unsetenv("ELASTIQ_NO_VERIFY");

  std::string unsealed = changed;
  std::fill_n(unsealed.begin(), 64, '\0');  // as written before seals existed: an empty user block
  std::ofstream(dir / "unsealed.h5", std::ios::binary) << unsealed;
  EXPECT_EQ(ErrorOpening(dir / "unsealed.h5"), "");
}

// Checking the seal reads the whole file; it must leave the page cache as it found it, or a large
// file would count against the memory budget the runtime computes right after (page cache is
// charged to the reader's cgroup). Found by experiments/memory_storm.py.
TEST(ModelFile, CheckingTheSealLeavesNoPageCacheBehind) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config());
  const int fd = open((dir / "m.h5").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  fsync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  const auto size = static_cast<size_t>(std::filesystem::file_size(dir / "m.h5"));
  auto resident_pages = [&] {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    std::vector<unsigned char> pages((size + 4095) / 4096);
    mincore(map, size, pages.data());
    munmap(map, size);
    return std::count_if(pages.begin(), pages.end(), [](unsigned char p) { return p & 1; });
  };
  const auto before = resident_pages();
  ASSERT_EQ(CheckSeal(dir / "m.h5"), SealCheck::kMatches);
  EXPECT_LE(resident_pages(), before + 1)
      << "of " << (size + 4095) / 4096 << " pages";  // the seal's own block may stay
  close(fd);
}

}  // namespace
}  // namespace elastiq
