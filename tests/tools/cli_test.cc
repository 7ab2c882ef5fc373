// The `elastiq` command line as a user meets it: help everywhere, one-line errors with exit code 2
// for bad input, and (when the LibTorch side is built) the whole prepare -> tokenizer -> pretrain
// -> eval -> generate -> inspect path on a small synthetic corpus.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/output_lock.h"
#include "src/core/training_flops.h"
#include "src/format/gguf.h"
#include "src/format/h5_file.h"
#include "src/format/model_file.h"
#include "src/format/quant_groups.h"
#include "src/format/random_model.h"
#include "src/format/safetensors.h"
#include "src/format/weight_layout.h"
#include "src/text/token_ids.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using testing::RunCommand;

using testing::Elastiq;

// A model file of `kind` with zero weights (the front end's checks never run it).
void WriteZeroModel(const std::string& path, const char* kind) {
  ModelConfig c = ParseModelConfig(
      R"({"vocab_size":50,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":16})", "t");
  ModelFileWriter w(path, c, kind, "");
  for (const WeightShape& ws : MaxnetWeightShapes(c)) {
    int64_t n = 1;
    for (int64_t d : ws.shape) n *= d;
    std::vector<float> zeros(static_cast<size_t>(n), 0.0f);
    w.WriteWeight(ws.name, ws.shape, zeros.data());
  }
  w.AddPaletteEntry({MaxnetSpec(c), nlohmann::json::object()});
  w.Commit();
}

// Every bad input: exit 2, exactly one line on stderr, naming `needle`.
void ExpectUserError(const std::string& args, const std::string& needle) {
  testing::CommandResult r = RunCommand(Elastiq(args));
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
}

TEST(Cli, HelpEverywhere) {
  for (const char* args : {"help", "--help", "help pretrain", "pretrain --help", "data prepare --help",
                           "tokenizer train --help", "mlfs --help", "distill --help", "palette --help", "eval --help",
                           "generate --help", "inspect --help", "data --help", "launch --help"}) {
    testing::CommandResult r = RunCommand(Elastiq(args));
    EXPECT_EQ(r.exit_code, 0) << args << r.err;
    EXPECT_NE(r.out.find("usage: elastiq"), std::string::npos) << args;
  }
  EXPECT_EQ(RunCommand(Elastiq("")).exit_code, 2);
  ExpectUserError("frobnicate", "unknown command \"frobnicate\"");
  ExpectUserError("pretrain --bogus 1", "bogus");
}

TEST(Cli, BadInputsAreOneLineErrors) {
  testing::ScratchDir dir;
  ExpectUserError("inspect " + (dir / "missing.h5"), "missing.h5: no such file");
  testing::WriteText(dir / "garbage.h5", "not an hdf5 file at all");
  ExpectUserError("inspect " + (dir / "garbage.h5"), "garbage.h5: not a readable HDF5 file");
  {
    H5File f = H5File::Create(dir / "future.h5", "future.h5");
    f.SetAttr("/", "format", std::string("elastiq"));
    f.SetAttr("/", "format_version", int64_t{99});
  }
  ExpectUserError("inspect " + (dir / "future.h5"), "format version 99 is newer");
  testing::WriteText(dir / "empty/a.txt", "\n\n");
  ExpectUserError("data prepare --corpus " + (dir / "empty") + " --out " + (dir / "out"), "holds no text");
  ExpectUserError("data prepare --corpus " + (dir / "nope") + " --out " + (dir / "out"), "no such file or folder");
  ExpectUserError("tokenizer train --data " + (dir / "nope") + " --out " + (dir / "t.model"), "no such data folder");
  testing::WriteText(dir / "bad.json",
                     R"({"vocab_size":100,"d_model":60,"n_layers":2,"n_heads":8,"ffn_dim":64,"max_seq_len":16})");
  ExpectUserError("pretrain --config " + (dir / "bad.json") + " --data x --tokenizer y --out z",
                  "n_heads (8) must divide d_model (60)");
  // mlfs: the teacher must be a pretrained checkpoint, and the search space must nest inside it.
  WriteZeroModel(dir / "palette.h5", kKindPalette);
  WriteZeroModel(dir / "teacher.h5", kKindCheckpoint);
  ExpectUserError("mlfs --teacher " + (dir / "palette.h5") + " --data x --out y",
                  "is a palette file, but mlfs --teacher needs a checkpoint file");
  testing::WriteText(dir / "wide.json", R"({"d_model":[16,48]})");
  ExpectUserError("mlfs --teacher " + (dir / "teacher.h5") + " --space " + (dir / "wide.json") + " --data x --out y",
                  "wide.json: field \"d_model\" has 48, outside 1..32");
  testing::WriteText(dir / "heads.json", R"({"n_heads":[3]})");
  ExpectUserError("mlfs --teacher " + (dir / "teacher.h5") + " --space " + (dir / "heads.json") + " --data x --out y",
                  "\"n_heads\" has 3, not a multiple of the teacher's 2 query heads per KV group");
  ExpectUserError("mlfs --teacher " + (dir / "missing.h5") + " --data x --out y", "missing.h5: no such file");
  // palette: needs a supernet, and sizes some subnet can meet.
  WriteZeroModel(dir / "supernet.h5", kKindSupernet);
  ExpectUserError("palette --supernet " + (dir / "teacher.h5") + " --data x --out y",
                  "is a checkpoint file, but palette --supernet needs a supernet file");
  ExpectUserError("palette --supernet " + (dir / "supernet.h5") + " --data x --out y --sizes 0.01",
                  "no subnet of the search space has at most");
  ExpectUserError("palette --supernet " + (dir / "supernet.h5") + " --data x --out y --sizes 0.5 2",
                  "is not a fraction in (0, 1]");
  ExpectUserError("palette --supernet " + (dir / "supernet.h5") + " --data x --out y --sizes", "sizes");
}

// Rewrites one attribute of a copy of `from` (a model file) as a hand-edited file would.
std::string CopyWithAttr(const std::string& from, const std::string& to, const std::string& object,
                         const std::string& key, const std::string& value) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  testing::EditSealed(to, [&](H5File& f) { f.SetAttr(object, key, value); });
  return to;
}

TEST(Cli, StoredJsonOfTheWrongTypeIsAOneLineError) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  const ModelConfig c = ModelFile::Open(dir / "m.h5").config();
  for (const auto& [field, value] : {std::pair{"name", nlohmann::json(5)},
                                     {"d_model", nlohmann::json("x")},
                                     {"rope_theta", nlohmann::json("a")},
                                     {"kind", nlohmann::json::array()}}) {
    nlohmann::json config = nlohmann::json::parse(ModelConfigToJson(c));
    config[field] = value;
    const std::string bad = CopyWithAttr(dir / "m.h5", dir / "bad.h5", "/", "config", config.dump());
    for (const char* command : {"inspect ", "run --prompt-ids 1 --max-tokens 1 --palette "}) {
      ExpectUserError(command + bad, "bad.h5 (config attribute): field \"" + std::string(field) + "\" must be");
    }
  }
  const std::string spec = CopyWithAttr(dir / "m.h5", dir / "spec.h5", "/palette/maxnet", "spec", R"({"name":[]})");
  ExpectUserError("inspect " + spec, "spec.h5 /palette/maxnet: field \"name\" must be a string, got []");
  testing::WriteText(dir / "data/manifest.json", R"({"kind":"labelled","classes":"spam"})");
  for (const char* split : {"train", "val", "test"}) testing::WriteText(dir / "data/" + split + ".tsv", "spam\thi\n");
  ExpectUserError("tokenizer train --data " + (dir / "data") + " --out " + (dir / "t.model"),
                  "manifest.json: field \"classes\" must be an array of strings, got \"spam\"");
  testing::WriteText(dir / "data/manifest.json", R"({"kind":3})");
  ExpectUserError("tokenizer train --data " + (dir / "data") + " --out " + (dir / "t.model"),
                  "manifest.json: field \"kind\" must be a string, got 3");
}

TEST(Cli, InspectPrintsNamesThatAreNotUtf8Safely) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  testing::EditSealed(dir / "m.h5", [](H5File& f) {
    const float v = 1.0f;
    f.WriteDataset("/extra/w\xff\xfe\n", DType::kF32, {1}, &v);
    f.SetAttr("/", "kind", std::string("palette\xc3"));
  });
  testing::CommandResult r = RunCommand(Elastiq("inspect --json " + (dir / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "palette\xEF\xBF\xBD");
  EXPECT_EQ(j["tensors"][0]["name"], "/extra/w\xEF\xBF\xBD\xEF\xBF\xBD\n");
  r = RunCommand(Elastiq("inspect " + (dir / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kind palette\\xC3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/extra/w\\xFF\\xFE\\x0A "), std::string::npos) << r.out;
}

TEST(Cli, InspectEndsOnAHardLinkCycle) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  const size_t datasets = H5File::OpenReadOnly(dir / "m.h5").ListDatasets().size();
  hid_t file = H5Fopen((dir / "m.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_GE(H5Lcreate_hard(file, "/weights", file, "/weights/loop", H5P_DEFAULT, H5P_DEFAULT), 0);
  H5Fclose(file);
  testing::Reseal(dir / "m.h5");
  const testing::CommandResult r = RunCommand("timeout 60 " + Elastiq("inspect --json " + (dir / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["tensors"].size(), datasets);
}

// Found by tests/fuzz/model_file_fuzzer: a stored W8A8 row sum no int8 row can have overflowed the
// zero-point correction (undefined behaviour, garbage logits); now the engine refuses the file.
TEST(Cli, ImpossibleQuantizedRowSumsAreAOneLineError) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  ASSERT_EQ(RunCommand(Elastiq("quantize --in " + (dir / "m.h5") + " --format w8a8 --out " + (dir / "q.h5"))).exit_code,
            0);
  const std::string rowsum = QuantTensorGroup("w8a8", "layers.0.wq") + "/rowsum";
  hid_t file = H5Fopen((dir / "q.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  hid_t dataset = H5Dopen2(file, rowsum.c_str(), H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  std::vector<int32_t> sums(static_cast<size_t>(H5Dget_storage_size(dataset) / 4));
  ASSERT_GE(H5Dread(dataset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, sums.data()), 0);
  std::fill(sums.begin(), sums.end(), -687866018);  // the fuzzer's value
  ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, sums.data()), 0);
  H5Dclose(dataset);
  H5Fclose(file);
  testing::Reseal(dir / "q.h5");
  ExpectUserError("run --format w8a8 --prompt-ids 1 --max-tokens 1 --palette " + (dir / "q.h5"),
                  rowsum + ": row sum 0 is -687866018, impossible for int8 weights over 32 columns");
}

// Found by tests/fuzz/model_file_fuzzer: a NaN in a norm weight reached the activation quantizer
// (undefined behaviour converting NaN to int8) and gave finite garbage in W8A8; now the engine refuses
// non-finite norms and scales, and in fp32 the sampler refuses the non-finite logits they cause.
TEST(Cli, NonFiniteNormsAreAOneLineError) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  ASSERT_EQ(RunCommand(Elastiq("quantize --in " + (dir / "m.h5") + " --format w8a8 --out " + (dir / "q.h5"))).exit_code,
            0);
  hid_t file = H5Fopen((dir / "q.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  hid_t dataset = H5Dopen2(file, "/weights/layers.1.ffn_norm", H5P_DEFAULT);
  ASSERT_GE(dataset, 0);
  std::vector<float> norm(32, 1.0f);
  norm[5] = std::nanf("");
  ASSERT_GE(H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, norm.data()), 0);
  H5Dclose(dataset);
  H5Fclose(file);
  testing::Reseal(dir / "q.h5");
  ExpectUserError("run --format w8a8 --prompt-ids 1 --max-tokens 1 --palette " + (dir / "q.h5"),
                  "/weights/layers.1.ffn_norm: value 5 is NaN (damaged file?)");
}

// A damaged model file on which libhdf5 1.10.8 itself segfaults (found by the model-file fuzzer,
// tests/fuzz/upstream/): the seal stops it before libhdf5 reads it, with one line.
TEST(Cli, TheSealStopsAFileThatCrashesLibhdf5) {
  const std::string file = std::string(ELASTIQ_SOURCE_DIR) + "/tests/fuzz/upstream/libhdf5-1.10.8-accum-read-segv.h5";
  ExpectUserError("inspect " + file, "its seal says 137416 (truncated or extended?)");
  ExpectUserError("run --prompt-ids 1 --max-tokens 1 --palette " + file, "its seal says 137416");
}

TEST(Cli, ADamagedFileIsRefusedUnlessNoVerify) {
  testing::ScratchDir dir;
  WriteZeroModel(dir / "m.h5", kKindPalette);
  std::string bytes = ReadFileBytes(dir / "m.h5");
  bytes[bytes.size() / 2] ^= 1;
  WriteFileAtomically(dir / "m.h5", bytes);
  ExpectUserError("inspect " + (dir / "m.h5"), "m.h5: its content does not match its seal");
  const testing::CommandResult r = RunCommand(Elastiq("inspect --no-verify " + (dir / "m.h5")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Cli, DataPrepareLabelled) {
  testing::ScratchDir dir;
  std::string csv = "text,label\n";
  for (int i = 0; i < 40; ++i)
    csv += "\"example " + std::to_string(i) + ", quoted\"," + (i % 2 ? "ham" : "spam") + "\n";
  testing::WriteText(dir / "a.csv", csv + ",ham\n");
  testing::CommandResult r =
      RunCommand(Elastiq("data prepare --labelled " + (dir / "a.csv") + " --out " + (dir / "d")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("prepared labelled data in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("classes: ham, spam"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped 1 bad row: empty text: 1 (first at " + (dir / "a.csv:42") + ")"), std::string::npos)
      << r.out;
  ExpectUserError("data prepare --strict --labelled " + (dir / "a.csv") + " --out " + (dir / "s"),
                  dir / "a.csv:42: empty text;");
  EXPECT_FALSE(std::filesystem::exists(dir / "s"));
  ExpectUserError("data prepare --labelled " + (dir / "a.csv") + " --text-column body --out " + (dir / "s"),
                  "no column \"body\" in the header row (it has \"text\", \"label\")");
  ExpectUserError("data prepare --labelled " + (dir / "a.csv") + " --corpus spam --out " + (dir / "s"),
                  "--labelled cannot be combined with --corpus");
  ExpectUserError("data prepare --out " + (dir / "s"), "give --corpus");
  ExpectUserError("data prepare --corpus " + (dir / "a.csv") + " --label-column y --out " + (dir / "s"),
                  "name the columns of --labelled files");
  testing::CommandResult help = RunCommand(Elastiq("data prepare --help"));
  for (const char* flag : {"--labelled", "--text-column", "--label-column", "--strict"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

class CliEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::ScratchDir();
    testing::PrepareTokenizedCorpus(*dir_, 40, 80, 400);
    testing::WriteText(
        *dir_ / "tiny.json",
        R"({"name":"cli","vocab_size":400,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":32})");
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!testing::HasTrainingHelper()) GTEST_SKIP() << "built without LibTorch (ELASTIQ_WITH_TORCH=OFF)";
  }
  static std::string Pretrain(const std::string& extra) {
    return Elastiq("pretrain --config " + (*dir_ / "tiny.json") + " --data " + (*dir_ / "data") + " --tokenizer " +
                   (*dir_ / "tok.model") + " --precision fp32 --batch-size 4 --log-every 5 " + extra);
  }
  static testing::ScratchDir* dir_;
};
testing::ScratchDir* CliEndToEnd::dir_ = nullptr;

TEST_F(CliEndToEnd, PretrainEvalGenerateInspect) {
  testing::CommandResult r = RunCommand(Pretrain("--steps 100 --lr 0.01 --out " + (*dir_ / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("step 100/100"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tok/s"), std::string::npos);

  r = RunCommand(Elastiq("eval --model " + (*dir_ / "m.h5") + " --data " + (*dir_ / "data") + " --split test --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["tokens"].get<int64_t>(), 0);
  EXPECT_LT(j["perplexity"].get<double>(), j["unigram_baseline_perplexity"].get<double>());

  r = RunCommand(
      Elastiq("generate --model " + (*dir_ / "m.h5") + " --prompt 'The captain' --max-tokens 8 --temperature 0"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("The captain", 0), 0u) << r.out;
  EXPECT_GT(r.out.size(), std::string("The captain\n").size());

  r = RunCommand(Elastiq("inspect --json " + (*dir_ / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["palette"][0]["name"], "maxnet");
  EXPECT_EQ(j["config"]["d_model"], 32);
  // The compute meter: the formula's FLOPs of one sequence, and the pretraining's total in the entry.
  const ModelConfig c = ModelFile::Open(*dir_ / "m.h5").config();
  EXPECT_DOUBLE_EQ(j["palette"][0]["forward_flops_per_sequence"].get<double>(),
                   ForwardFlops(c, MaxnetSpec(c), 1, c.max_seq_len));
  EXPECT_GT(j["palette"][0]["metrics"]["train_flops"].get<double>(), 0.0);
}

// One writer per output: a run refuses an output another live process holds; and the training
// helper dies with a front end killed by SIGKILL instead of training on and writing checkpoints.
TEST_F(CliEndToEnd, OutputsHaveOneWriterAndTheHelperDiesWithTheFrontEnd) {
  const std::string out = *dir_ / "orphan.h5";
  {
    const OutputLock held(out);
    const testing::CommandResult r = RunCommand(Pretrain("--steps 5 --out " + out));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("another elastiq process (pid " + std::to_string(getpid()) + ")"), std::string::npos) << r.err;
  }
  // A long run in the background; once the helper logs steps, SIGKILL the front end.
  const std::string log = *dir_ / "orphan.log", pid_file = *dir_ / "orphan.pid";
  ASSERT_EQ(
      RunCommand("(" + Pretrain("--steps 1000000 --out " + out) + " >" + log + " 2>&1 & echo $! >" + pid_file + ")")
          .exit_code,
      0);
  // "[e]" keeps pgrep from matching the shell that runs it (whose command line holds the pattern).
  const auto helper_running = [&] {
    return RunCommand("pgrep -f '[e]lastiq-train pretrain.*" + out + "'").exit_code == 0;
  };
  const auto logged = [&] { return std::filesystem::exists(log) ? ReadFileBytes(log) : std::string(); };
  for (int i = 0; i < 600 && logged().find("step 5/") == std::string::npos; ++i) usleep(100000);
  ASSERT_TRUE(helper_running()) << logged();
  ASSERT_EQ(RunCommand("kill -9 $(cat " + pid_file + ")").exit_code, 0);
  for (int i = 0; i < 100 && helper_running(); ++i) usleep(100000);
  EXPECT_FALSE(helper_running()) << "the helper outlived its front end";
  // A dying process leaves pgrep's view (its memory is torn down) a moment before the kernel closes
  // its files, and so its lock: wait for that too, but not forever.
  const auto lock_free = [&] {
    try {
      const OutputLock again(out);
      return true;
    } catch (const UserError&) {
      return false;
    }
  };
  bool released = lock_free();
  for (int i = 0; i < 100 && !released; ++i) {
    usleep(100000);
    released = lock_free();
  }
  EXPECT_TRUE(released) << "the output is still locked 10 s after its writer died";
}

TEST_F(CliEndToEnd, MlfsTrainsAndResumesASupernet) {
  ASSERT_EQ(RunCommand(Pretrain("--steps 6 --out " + (*dir_ / "t.h5"))).exit_code, 0);
  const std::string mlfs =
      Elastiq("mlfs --teacher " + (*dir_ / "t.h5") + " --data " + (*dir_ / "data") + " --out " + (*dir_ / "s.h5") +
              " --stage0-steps 2 --stage1-steps 2 --stage2-steps 2 --subnets-per-step 3"
              " --rank 2 --batch-size 2 --seq-len 16 --eval-tokens 64 --precision fp32 --log-every 1");
  testing::CommandResult r = RunCommand(mlfs);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("[stage 0] max "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[stage 2] max "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" min "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" rand "), std::string::npos) << r.out;
  r = RunCommand(mlfs + " --resume");  // already complete: nothing left to do
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand(Elastiq("eval --model " + (*dir_ / "s.h5") + " --data " + (*dir_ / "data") +
                         " --subnet smallest --max-tokens 64 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["subnet"], "smallest");
  ExpectUserError("mlfs --teacher " + (*dir_ / "s.h5") + " --data " + (*dir_ / "data") + " --out " + (*dir_ / "s2.h5"),
                  "is a supernet file, but mlfs --teacher needs a checkpoint file");
  r = RunCommand(Elastiq("palette --supernet " + (*dir_ / "s.h5") + " --data " + (*dir_ / "data") + " --out " +
                         (*dir_ / "p.h5") + " --sizes 1 0.5 --candidates 2 --proxy-tokens 32 --eval-tokens 64"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("p50"), std::string::npos) << r.out;
  r = RunCommand(Elastiq("eval --model " + (*dir_ / "p.h5") + " --data " + (*dir_ / "data") +
                         " --subnet p50 --max-tokens 64 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["subnet"], "p50");
}

TEST_F(CliEndToEnd, ResumeErrorsAndVocabularyMismatch) {
  ExpectUserError(
      Pretrain("--steps 4 --resume --out " + (*dir_ / "never-written.h5")).substr(testing::ElastiqBinary().size() + 1),
      "never-written.h5: no such file");
  ASSERT_EQ(RunCommand(Pretrain("--steps 4 --out " + (*dir_ / "r.h5"))).exit_code, 0);
  testing::WriteText(
      *dir_ / "wider.json",
      R"({"name":"cli","vocab_size":400,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":96,"max_seq_len":32})");
  ExpectUserError("pretrain --config " + (*dir_ / "wider.json") + " --data " + (*dir_ / "data") + " --tokenizer " +
                      (*dir_ / "tok.model") + " --steps 8 --resume --out " + (*dir_ / "r.h5"),
                  "different config (ffn_dim: 64 vs 96)");
  testing::WriteText(
      *dir_ / "vocab.json",
      R"({"name":"cli","vocab_size":512,"d_model":32,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":64,"max_seq_len":32})");
  ExpectUserError("pretrain --config " + (*dir_ / "vocab.json") + " --data " + (*dir_ / "data") + " --tokenizer " +
                      (*dir_ / "tok.model") + " --out " + (*dir_ / "v.h5"),
                  "\"vocab_size\": 400");
  // A truncated checkpoint: eval names the file.
  std::filesystem::copy_file(*dir_ / "r.h5", *dir_ / "cut.h5");
  std::filesystem::resize_file(*dir_ / "cut.h5", std::filesystem::file_size(*dir_ / "cut.h5") / 2);
  ExpectUserError("eval --model " + (*dir_ / "cut.h5") + " --data " + (*dir_ / "data"), "cut.h5");
}

}  // namespace
}  // namespace elastiq

namespace elastiq {
namespace {

// Prepares data and a tokenizer from synthetic text and writes dir/m.h5, a random repeat-2 model
// with that tokenizer, all through the command line.
void InitTokenizedRandomModel(const testing::ScratchDir& dir) {
  testing::PrepareTokenizedCorpus(dir, 30, 60, 400);
  testing::WriteText(
      dir / "tiny.json",
      R"({"name":"rt","vocab_size":400,"d_model":32,"n_layers":2,"repeat":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":256,"max_seq_len":64})");
  testing::CommandResult r = RunCommand(Elastiq("init --config " + (dir / "tiny.json") + " --random --tokenizer " +
                                                (dir / "tok.model") + " --out " + (dir / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// import hf from a folder whose weights are only pytorch_model.bin (torch.save format, an
// OrderedDict as model.state_dict() saves, written by tests/common/write_torch_save.py): read through
// elastiq-train's LibTorch loader, the teacher holds exactly what the same weights as
// model.safetensors give. Without the helper: one clear line.
TEST(CliImport, PytorchModelBinImportsLikeSafetensors) {
  testing::ScratchDir dir;
  InitTokenizedRandomModel(dir);  // for its 400-piece tokenizer
  const nlohmann::json config = {{"model_type", "llama"},      {"hidden_size", 32},
                                 {"num_hidden_layers", 1},     {"num_attention_heads", 2},
                                 {"num_key_value_heads", 1},   {"intermediate_size", 64},
                                 {"vocab_size", 400},          {"rms_norm_eps", 1e-5},
                                 {"rope_theta", 10000.0},      {"max_position_embeddings", 64},
                                 {"tie_word_embeddings", true}};
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> weights;
  nlohmann::json spec = nlohmann::json::object();
  const auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<float>(i + name.size())) * 0.1f;
    weights[name] = {shape, v};
    spec[name] = {{"dtype", "F32"}, {"shape", shape}, {"values", v}};
  };
  add("model.embed_tokens.weight", {400, 32});
  add("model.norm.weight", {32});
  for (const char* norm : {"input_layernorm", "post_attention_layernorm"})
    add("model.layers.0." + std::string(norm) + ".weight", {32});
  add("model.layers.0.self_attn.q_proj.weight", {32, 32});
  add("model.layers.0.self_attn.k_proj.weight", {16, 32});
  add("model.layers.0.self_attn.v_proj.weight", {16, 32});
  add("model.layers.0.self_attn.o_proj.weight", {32, 32});
  add("model.layers.0.mlp.gate_proj.weight", {64, 32});
  add("model.layers.0.mlp.up_proj.weight", {64, 32});
  add("model.layers.0.mlp.down_proj.weight", {32, 64});
  for (const char* folder : {"st", "bin"}) {
    std::filesystem::create_directories(dir / folder);
    WriteFileAtomically(dir / (std::string(folder) + "/config.json"), config.dump());
    std::filesystem::copy_file(dir / "tok.model", dir / (std::string(folder) + "/tokenizer.model"));
  }
  WriteSafetensors(dir / "st/model.safetensors", weights, SafetensorsDType::kF32);
  WriteFileAtomically(dir / "spec.json", spec.dump());
  ASSERT_EQ(RunCommand("python3 " + std::string(ELASTIQ_SOURCE_DIR) + "/tests/common/write_torch_save.py " +
                       (dir / "bin/pytorch_model.bin") + " " + (dir / "spec.json") + " --ordered")
                .exit_code,
            0);
  if (!testing::HasTrainingHelper()) {
    ExpectUserError("import hf --dir " + (dir / "bin") + " --out " + (dir / "b.h5"), "needs elastiq-train");
    return;
  }
  ASSERT_EQ(RunCommand(Elastiq("import hf --dir " + (dir / "st") + " --out " + (dir / "s.h5"))).exit_code, 0);
  const testing::CommandResult r = RunCommand(Elastiq("import hf --dir " + (dir / "bin") + " --out " + (dir / "b.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pytorch_model.bin (read by LibTorch)"), std::string::npos) << r.out;
  const ModelFile a = ModelFile::Open(dir / "s.h5"), b = ModelFile::Open(dir / "b.h5");
  for (const WeightShape& w : MaxnetWeightShapes(a.config()))
    EXPECT_EQ(a.ReadWeight(w.name), b.ReadWeight(w.name)) << w.name;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << "left behind: " << entry.path();
  // A pytorch_model.bin that is not a torch.save archive: one clear line, nothing written.
  testing::WriteText(dir / "bin/pytorch_model.bin", "not a zip");
  ExpectUserError("import hf --dir " + (dir / "bin") + " --out " + (dir / "c.h5"), "not a torch.save archive");
  EXPECT_FALSE(std::filesystem::exists(dir / "c.h5"));
}

// A full disk, simulated by a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored: writes past 20 KB fail
// as on a full filesystem): writers end with one line and exit 2, the previous output intact, no
// temporary file left, and no crash in HDF5 on the way out.
TEST(CliDiskFull, WritersFailCleanlyAndKeepThePreviousOutput) {
  testing::ScratchDir dir;
  InitTokenizedRandomModel(dir);  // dir/m.h5, with a tokenizer
  const std::string config = std::string(ELASTIQ_SOURCE_DIR) + "/experiments/configs/tiny-decoder.json";
  testing::WriteText(dir / "out.h5", "the previous output");
  for (const std::string& args :
       {"init --config " + config + " --random --out " + (dir / "out.h5"),
        "quantize --in " + (dir / "m.h5") + " --format w8a8 --out " + (dir / "out.h5"),
        "export gguf --palette " + (dir / "m.h5") + " --type f32 --out " + (dir / "out.h5")}) {
    const testing::CommandResult r = RunCommand("bash -c \"trap '' XFSZ; ulimit -f 20; " + Elastiq(args) + "\"");
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(ReadFileBytes(dir / "out.h5"), "the previous output") << args;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
      EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << args << " left " << entry.path();
  }
}

// export gguf through the command line, read back by inspect, by our reader and by @huggingface/gguf
// (a parser no one here wrote: scripts/test.sh installs it under ~/.cache/elastiq/npm) for every
// type: the same keys, value types and values, tensor names, shapes, types and offsets.
TEST(CliGguf, ExportedFilesReadTheSameInAnIndependentParser) {
  const char* home = std::getenv("HOME");
  const std::string package =
      std::getenv("ELASTIQ_GGUF_JS_DIR")
          ? std::getenv("ELASTIQ_GGUF_JS_DIR")
          : std::string(home ? home : "") + "/.cache/elastiq/npm/node_modules/@huggingface/gguf";
  testing::ScratchDir dir;
  InitTokenizedRandomModel(dir);
  ASSERT_EQ(
      RunCommand(Elastiq("quantize --in " + (dir / "m.h5") + " --format ternary --out " + (dir / "mq.h5"))).exit_code,
      0);
  for (const std::string type : {"f32", "f16", "q8_0", "tq2_0", "tq1_0"}) {
    const std::string out = dir / (type + ".gguf");
    // The ternary types: ffn_down (rows of 256 FFN neurons) in the type, the 32-wide rest as q8_0.
    const bool ternary = type.starts_with("tq");
    const std::string from = ternary ? (dir / "mq.h5") + " --fallback q8_0" : dir / "m.h5";
    testing::CommandResult r =
        RunCommand(Elastiq("export gguf --palette " + from + " --type " + type + " --out " + out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("24 matrices as q8_0") != std::string::npos, ternary) << r.out;  // 6 per block, 4 blocks
    EXPECT_NE(r.out.find("4 blocks"), std::string::npos) << r.out;  // 2 stored blocks, each used twice
    r = RunCommand(Elastiq("inspect --json " + out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json inspected = nlohmann::json::parse(r.out);
    EXPECT_EQ(inspected["metadata"]["llama.block_count"], 4);
    EXPECT_EQ(inspected["tensors"].size(), 2u + 4 * 9);
    if (!std::filesystem::exists(package + "/dist/index.mjs")) {
      ADD_FAILURE() << "no @huggingface/gguf at " << package
                    << ": npm install --prefix ~/.cache/elastiq/npm @huggingface/gguf@0.4.6 (scripts/test.sh does)";
      return;
    }
    r = RunCommand("node " + std::string(ELASTIQ_SOURCE_DIR) + "/scripts/gguf_independent_check.mjs " + package + " " +
                   out);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json theirs = nlohmann::json::parse(r.out);
    const GgufFile ours = ReadGguf(out);
    ASSERT_EQ(theirs["metadata"].size(), ours.metadata.size()) << type;
    for (const GgufKv& kv : ours.metadata) {
      const nlohmann::json& t = theirs["metadata"][kv.key];
      EXPECT_EQ(t["type"], static_cast<uint32_t>(kv.type)) << kv.key;
      if (kv.type == GgufValueType::kArray) {
        EXPECT_EQ(t["subType"], static_cast<uint32_t>(kv.item_type)) << kv.key;
      }
      EXPECT_EQ(t["value"], kv.value) << kv.key;
    }
    ASSERT_EQ(theirs["tensors"].size(), ours.tensors.size());
    for (size_t i = 0; i < ours.tensors.size(); ++i) {
      const GgufTensorInfo& o = ours.tensors[i];
      const nlohmann::json& t = theirs["tensors"][i];
      EXPECT_EQ(t["name"], o.name);
      std::vector<uint64_t> shape;
      for (const auto& n : t["shape"]) shape.push_back(std::stoull(n.get<std::string>()));
      EXPECT_EQ(shape, o.ne) << o.name;
      EXPECT_EQ(t["dtype"], static_cast<uint32_t>(o.type)) << o.name;
      if (ternary && o.name.ends_with("ffn_down.weight")) {
        EXPECT_EQ(GgmlTypeName(o.type), type);
      }
      EXPECT_EQ(std::stoull(t["offset"].get<std::string>()), o.offset) << o.name;
    }
    EXPECT_EQ(std::stoull(theirs["tensorDataOffset"].get<std::string>()), ours.data_offset);
    const uint64_t last = ours.data_offset + ours.tensors.back().offset + ours.tensors.back().bytes();
    EXPECT_EQ(std::filesystem::file_size(out), last) << "the file ends where the last tensor does";
  }
  ExpectUserError("export gguf --palette " + (dir / "m.h5") + " --subnet p33 --out " + (dir / "x.gguf"),
                  "no palette entry \"p33\"");
  ExpectUserError("export gguf --palette " + (dir / "m.h5") + " --type q4_k --out " + (dir / "x.gguf"),
                  "--type must be f32, f16, q8_0, tq2_0 or tq1_0");
  ExpectUserError("export gguf --palette " + (dir / "m.h5") + " --type tq2_0 --out " + (dir / "x.gguf"),
                  "holds no ternary weights");
  ExpectUserError("export gguf --palette " + (dir / "mq.h5") + " --type tq1_0 --out " + (dir / "x.gguf"),
                  "blk.0.attn_q.weight: rows of 32 values are not a multiple of 256, which tq1_0 needs");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.gguf"));
}

// Weights that hold a NaN make run, bench and eval fail with one line instead of printing garbage or
// "perplexity nan"; a bench length past the context is refused before it can overflow; a tokenizer
// smaller than the config's vocabulary is refused before run or eval use it.
TEST(CliRuntime, BrokenModelsAreRefusedWithOneLine) {
  testing::ScratchDir dir;
  InitTokenizedRandomModel(dir);
  const ModelFile good = ModelFile::Open(dir / "m.h5");
  {
    ModelFileWriter w(dir / "nan.h5", good.config(), kKindCheckpoint, good.TokenizerBytes());
    for (const WeightShape& ws : MaxnetWeightShapes(good.config())) {
      std::vector<float> v = good.ReadWeight(ws.name);
      if (ws.name == "layers.0.wo") v[3] = std::nanf("");  // a matrix: norms are refused earlier (below)
      w.WriteWeight(ws.name, ws.shape, v.data());
    }
    w.AddPaletteEntry({MaxnetSpec(good.config()), nlohmann::json::object()});
    w.Commit();
  }
  const std::string nan = dir / "nan.h5";
  for (const char* sampling : {"", " --temperature 0"}) {  // run logs its entry choice first, then fails
    const testing::CommandResult r =
        RunCommand(Elastiq("run --palette " + nan + " --prompt-ids 1,5 --max-tokens 3" + sampling));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.rfind("elastiq: error: the model produced a non-finite logit"), std::string::npos) << r.err;
  }
  ExpectUserError("bench --palette " + nan + " --prompt-tokens 4 --decode-tokens 4 --repeats 1 --no-torch",
                  "non-finite logit");
  ExpectUserError("eval --engine runtime --model " + nan + " --data " + (dir / "data"), "non-finite loss");
  ModelConfig wider = good.config();
  wider.vocab_size = 500;  // the embedded tokenizer has 400 pieces
  WriteRandomModel(dir / "wider.h5", wider, 1, good.TokenizerBytes());
  const std::string mismatch = "its tokenizer has 400 pieces but its config says vocab_size 500";
  ExpectUserError("run --palette " + (dir / "wider.h5") + " --prompt hello --max-tokens 2", mismatch);
  ExpectUserError("eval --engine runtime --model " + (dir / "wider.h5") + " --data " + (dir / "data"), mismatch);
  ExpectUserError("bench --palette " + (dir / "m.h5") + " --prompt-tokens 2000000000 --decode-tokens 2000000000",
                  "exceed the model's max_seq_len (64)");
  // Declared sizes whose KV cache and buffers no machine holds: one line before allocating.
  ModelConfig long_context = good.config(), deep = good.config();
  long_context.max_seq_len = 2000000000;
  deep.repeat = 1000000000;
  WriteRandomModel(dir / "long.h5", long_context, 1, good.TokenizerBytes());
  WriteRandomModel(dir / "deep.h5", deep, 1, good.TokenizerBytes());
  ExpectUserError("run --palette " + (dir / "long.h5") + " --prompt-ids 1,5 --max-tokens 2",
                  "running it for 2000000000 tokens of context (max_seq_len 2000000000");
  ExpectUserError("eval --engine runtime --model " + (dir / "long.h5") + " --data " + (dir / "data"),
                  "more than this machine's");
  ExpectUserError("bench --palette " + (dir / "long.h5") + " --prompt-tokens 1000000000 --decode-tokens 4 --no-torch",
                  "more than this machine's");
  ExpectUserError("run --palette " + (dir / "deep.h5") + " --prompt-ids 1,5 --max-tokens 2", "repeat 1000000000");
}

// The runtime commands work without LibTorch: init a random model, run, bench, eval with the runtime.
TEST(CliRuntime, InitRunBenchEval) {
  testing::ScratchDir dir;
  InitTokenizedRandomModel(dir);
  testing::CommandResult r = RunCommand(Elastiq("run --palette " + (dir / "m.h5") +
                                                " --prompt 'The captain' --max-tokens 5 --temperature 0 --threads 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("The captain", 0), 0u) << r.out;
  EXPECT_NE(r.err.find("2 threads"), std::string::npos) << r.err;
  r = RunCommand(Elastiq("bench --palette " + (dir / "m.h5") +
                         " --threads 1 --prompt-tokens 8 --decode-tokens 8 --repeats 1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0.0);
  EXPECT_GT(j["bandwidth_bytes_per_s"].get<double>(), 1e8);
  EXPECT_GT(j["weight_bytes_per_token"].get<double>(), 4.0 * 400 * 32);
  // The same subnet in LibTorch fp32 side by side, where this build has the LibTorch helper.
  EXPECT_EQ(j.contains("torch_fp32_decode_tokens_per_s"), testing::HasTrainingHelper()) << r.out;
  if (testing::HasTrainingHelper()) {
    EXPECT_GT(j["torch_fp32_decode_tokens_per_s"].get<double>(), 0.0);
    EXPECT_NEAR(j["decode_speedup_vs_torch_fp32"].get<double>(),
                j["decode_tokens_per_s"].get<double>() / j["torch_fp32_decode_tokens_per_s"].get<double>(), 1e-9);
  }
  r = RunCommand(Elastiq("bench --palette " + (dir / "m.h5") +
                         " --threads 1 --prompt-tokens 8 --decode-tokens 8 --repeats 1 --json --no-torch"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out).contains("torch_fp32_decode_tokens_per_s"));
  r = RunCommand(Elastiq("eval --engine runtime --json --model " + (dir / "m.h5") + " --data " + (dir / "data")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  // Random weights (N(0, 0.02)) predict close to uniform: perplexity near the vocabulary size.
  EXPECT_NEAR(j["perplexity"].get<double>(), 400.0, 40.0);
  EXPECT_EQ(j["kv_cache"], "f32");  // eval's reference default
  EXPECT_EQ(j["sample"], "all");
  // --predictions: one top-1 id per scored token.
  r = RunCommand(Elastiq("eval --engine runtime --json --model " + (dir / "m.h5") + " --data " + (dir / "data") +
                         " --max-tokens 64 --predictions " + (dir / "top1.txt")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream predictions(ReadFileBytes(dir / "top1.txt"));
  int64_t predicted = 0;
  for (int id; predictions >> id; ++predicted) ASSERT_TRUE(id >= 0 && id < 400) << id;
  EXPECT_EQ(predicted, nlohmann::json::parse(r.out)["tokens"].get<int64_t>());
  EXPECT_EQ(nlohmann::json::parse(r.out)["sample"], "spread");
  EXPECT_GE(nlohmann::json::parse(r.out)["top1_accuracy"].get<double>(), 0.0);
  ExpectUserError("eval --engine torch --predictions x.txt --model " + (dir / "m.h5") + " --data " + (dir / "data"),
                  "--predictions is for --engine runtime");
  r = RunCommand(
      Elastiq("eval --engine runtime --json --kv-cache f16 --model " + (dir / "m.h5") + " --data " + (dir / "data")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j16 = nlohmann::json::parse(r.out);
  EXPECT_EQ(j16["kv_cache"], "f16");
  EXPECT_NE(j16["loss"], j["loss"]);
  EXPECT_NEAR(j16["loss"].get<double>(), j["loss"].get<double>(), 1e-3 * j["loss"].get<double>());
  // run and bench: fp16 cache by default, half the bytes of f32.
  r = RunCommand(Elastiq("run --palette " + (dir / "m.h5") + " --prompt-ids 1,5 --max-tokens 3 --temperature 0"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("KV cache f16"), std::string::npos) << r.err;
  std::map<std::string, int64_t> kv_bytes;
  for (const char* kv : {"f32", "f16"}) {
    r = RunCommand(
        Elastiq("bench --palette " + (dir / "m.h5") +
                " --threads 1 --prompt-tokens 8 --decode-tokens 8 --repeats 1 --json --no-torch --kv-cache " + kv));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["kv_cache"], kv);
    kv_bytes[kv] = j["kv_cache_bytes"].get<int64_t>();
  }
  EXPECT_EQ(kv_bytes["f32"], 2 * kv_bytes["f16"]);
  EXPECT_EQ(kv_bytes["f16"],
            2 * 4 * 16 * 16 * 2);  // (k, v) x 4 virtual layers x 16 tokens x (2 KV heads x 8) x 2 bytes
  // Bad input.
  ExpectUserError("run --palette " + (dir / "m.h5") + " --format int4", "--format must be fp32, w8a8 or ternary");
  ExpectUserError("run --palette " + (dir / "m.h5") + " --kv-cache f8", "--kv-cache must be f32 or f16, got \"f8\"");
  ExpectUserError("bench --palette " + (dir / "m.h5") + " --kv-cache half", "--kv-cache must be f32 or f16");
  ExpectUserError("eval --engine runtime --kv-cache 16 --model " + (dir / "m.h5") + " --data " + (dir / "data"),
                  "--kv-cache must be f32 or f16");
  ExpectUserError("eval --engine torch --kv-cache f16 --model " + (dir / "m.h5") + " --data " + (dir / "data"),
                  "--kv-cache is for --engine runtime");
  ExpectUserError("run --palette " + (dir / "m.h5") + " --subnet nope", "no palette entry \"nope\"");
  ExpectUserError("run --palette " + (dir / "m.h5") + " --context 1000", "longer than the model supports");
  ExpectUserError("init --config " + (dir / "tiny.json") + " --out " + (dir / "x.h5"), "pass --random");
  ExpectUserError("eval --engine jax --model " + (dir / "m.h5") + " --data " + (dir / "data"),
                  "--engine must be torch or runtime");

  // Quantization: the input is never modified; every format runs; bad input is refused.
  const std::string before = ReadFileBytes(dir / "m.h5");
  ExpectUserError("run --palette " + (dir / "m.h5") + " --format w8a8", "has no w8a8 weights");
  ASSERT_EQ(
      RunCommand(Elastiq("quantize --in " + (dir / "m.h5") + " --format w8a8 --out " + (dir / "q8.h5"))).exit_code, 0);
  ASSERT_EQ(
      RunCommand(Elastiq("quantize --in " + (dir / "q8.h5") + " --format ternary --out " + (dir / "q.h5"))).exit_code,
      0);
  EXPECT_EQ(ReadFileBytes(dir / "m.h5"), before);
  ExpectUserError("quantize --in " + (dir / "m.h5") + " --format int4 --out " + (dir / "x.h5"),
                  "--format must be w8a8 or ternary");
  ExpectUserError("quantize --in " + (dir / "q8.h5") + " --format w8a8 --out " + (dir / "x.h5"), "already holds w8a8");
  ExpectUserError("quantize --in " + (dir / "m.h5") + " --format w8a8 --out " + (dir / "m.h5"),
                  "--out must differ from --in");
  ExpectUserError("quantize --in " + (dir / "m.h5") + " --format ternary --qat-steps 5 --out " + (dir / "x.h5"),
                  "--qat-steps needs --data DIR");
  ExpectUserError("quantize --in " + (dir / "m.h5") + " --format ternary --subnets nope --out " + (dir / "x.h5"),
                  "no palette entry \"nope\"");
  ExpectUserError(
      "quantize --in " + (dir / "m.h5") + " --format ternary --data " + (dir / "data") + " --out " + (dir / "x.h5"),
      "--data is for QAT");
  EXPECT_FALSE(std::filesystem::exists(dir / "x.h5"));
  std::map<std::string, double> loss;
  for (const char* format : {"fp32", "w8a8", "ternary"}) {
    r = RunCommand(Elastiq(std::string("eval --engine runtime --json --format ") + format + " --model " +
                           (dir / "q.h5") + " --data " + (dir / "data")));
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    loss[format] = nlohmann::json::parse(r.out)["loss"].get<double>();
    r = RunCommand(Elastiq(std::string("run --format ") + format + " --palette " + (dir / "q.h5") +
                           " --prompt 'The whale' --max-tokens 4"));
    EXPECT_EQ(r.exit_code, 0) << format << r.err;
  }
  EXPECT_NEAR(loss["w8a8"], loss["fp32"], 0.01 * loss["fp32"]);
  if (!testing::HasTrainingHelper()) return;        // the LibTorch side is not built (ASan build)
  for (const char* format : {"w8a8", "ternary"}) {  // LibTorch's simulated quantization: the same numbers
    r = RunCommand(Elastiq(std::string("eval --engine torch --json --format ") + format + " --model " + (dir / "q.h5") +
                           " --data " + (dir / "data")));
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    EXPECT_NEAR(nlohmann::json::parse(r.out)["loss"].get<double>(), loss[format], 1e-3 * loss[format]) << format;
  }
}

// A labelled split sorted by class: its first examples are all of one class, yet eval with a
// budget scores every class in proportion (the validation sample), and says so.
TEST(CliRuntime, EvalScoresEveryClassOfAClassSortedSplit) {
  testing::ScratchDir dir;
  std::string csv = "text,label\n";
  for (const char* label : {"alpha", "beta", "gamma"}) {
    for (int i = 0; i < 60; ++i) {
      std::string text = testing::SyntheticText(1, static_cast<uint64_t>(csv.size()));
      text.erase(std::remove(text.begin(), text.end(), '\n'), text.end());
      csv += "\"" + text + " " + label + " " + std::to_string(i) + "\"," + label + "\n";
    }
  }
  testing::WriteText(dir / "sorted.csv", csv);
  testing::CommandResult r = RunCommand(
      Elastiq("data prepare --labelled " + (dir / "sorted.csv") + " --val-permille 300 --out " + (dir / "data")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand(
      Elastiq("tokenizer train --data " + (dir / "data") + " --vocab-size 400 --out " + (dir / "tok.model")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testing::WriteText(
      dir / "enc.json",
      R"({"name":"enc","kind":"encoder","n_classes":3,"vocab_size":400,"d_model":32,"n_layers":1,"n_heads":2,"n_kv_heads":1,"ffn_dim":64,"max_seq_len":32})");
  r = RunCommand(Elastiq("init --config " + (dir / "enc.json") + " --random --tokenizer " + (dir / "tok.model") +
                         " --out " + (dir / "m.h5")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string eval = "eval --engine runtime --json --model " + (dir / "m.h5") + " --data " + (dir / "data");
  r = RunCommand(Elastiq(eval));  // the whole split; tokenizes it into data/tokens
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json all = nlohmann::json::parse(r.out);
  EXPECT_EQ(all["sample"], "all");
  ASSERT_EQ(all["examples_per_class"].size(), 3u) << r.out;
  const int64_t n = all["examples"].get<int64_t>();

  // The split's head: one class only (what scoring the first examples saw), as long as the budget.
  std::string val_ids;
  for (const auto& f : std::filesystem::directory_iterator(dir / "data/tokens")) {
    if (f.path().filename().string().rfind("val-", 0) == 0) val_ids = f.path().string();
  }
  ASSERT_FALSE(val_ids.empty());
  const LabelledTokens val = ReadLabelledTokens(val_ids);
  ASSERT_EQ(static_cast<int64_t>(val.size()), n);
  const int64_t budget =
      std::find_if(val.labels.begin(), val.labels.end(), [&](int32_t label) { return label != val.labels[0]; }) -
      val.labels.begin();
  ASSERT_GE(budget, 6) << "the split is not sorted by class";
  ASSERT_LT(budget, n);

  r = RunCommand(Elastiq(eval + " --max-tokens " + std::to_string(budget)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json some = nlohmann::json::parse(r.out);
  EXPECT_EQ(some["sample"], "stratified");
  EXPECT_EQ(some["examples"].get<int64_t>(), budget);
  int64_t scored = 0;
  for (const auto& [name, count] : all["examples_per_class"].items()) {
    ASSERT_TRUE(some["examples_per_class"].contains(name)) << name << " not scored: " << r.out;
    const double share = static_cast<double>(budget) * count.get<double>() / static_cast<double>(n);
    EXPECT_LE(std::abs(some["examples_per_class"][name].get<double>() - share), 1.0) << name << ": " << r.out;
    scored += some["examples_per_class"][name].get<int64_t>();
  }
  EXPECT_EQ(scored, budget);
  r = RunCommand(Elastiq("eval --engine runtime --model " + (dir / "m.h5") + " --data " + (dir / "data") +
                         " --max-tokens " + std::to_string(budget)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("over " + std::to_string(budget) + " examples, stratified by class"), std::string::npos)
      << r.out;
  // --head: the split's first examples, one class only (for comparisons with tools that read a prefix).
  r = RunCommand(Elastiq(eval + " --head --max-tokens " + std::to_string(budget)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json head = nlohmann::json::parse(r.out);
  EXPECT_EQ(head["sample"], "head");
  EXPECT_EQ(head["examples_per_class"].size(), 1u) << r.out;
  if (!testing::HasTrainingHelper()) return;  // the LibTorch side is not built (ASan build)
  r = RunCommand(Elastiq("eval --engine torch --json --model " + (dir / "m.h5") + " --data " + (dir / "data") +
                         " --max-tokens " + std::to_string(budget)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json torch = nlohmann::json::parse(r.out);
  EXPECT_EQ(torch["sample"], "stratified");
  EXPECT_EQ(torch["examples_per_class"], some["examples_per_class"]);
  EXPECT_NEAR(torch["loss"].get<double>(), some["loss"].get<double>(), 1e-4);  // the same examples
}

// Memory-aware run from the command line: a palette made by init --sizes, scripted switches, and
// every bad input of --memory-budget / --watch-memory as a one-line error with exit code 2.
TEST(CliRuntime, MemoryBudgetAndSwitching) {
  testing::ScratchDir dir;
  const std::string m = dir / "m.h5";
  testing::CommandResult r = RunCommand(
      Elastiq("init --config " + testing::ConfigPath("overhead-tiny.json") + " --random --sizes 0.5 0.25 --out " + m));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("entry p25"), std::string::npos) << r.out;
  r = RunCommand(
      Elastiq("run --palette " + m + " --prompt-ids 1,5 --max-tokens 12 --temperature 0 --switch-at 4:p25,8:maxnet"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("maxnet -> p25 (scheduled after 4 tokens)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("p25 -> maxnet"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.rfind("1 5 |", 0), 0u) << r.out;
  r = RunCommand(Elastiq("run --palette " + m + " --prompt-ids 1 --max-tokens 4 --memory-budget 1G --format fp32"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("-> maxnet"), std::string::npos) << r.err;
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --memory-budget 1K",
                  "is smaller than the smallest entry, \"p25\", which needs");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --memory-budget lots",
                  "--memory-budget: \"lots\" is not a size");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --memory-budget 300M --watch-memory",
                  "use --memory-budget auto");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --watch-memory --switch-up-margin 1.5",
                  "--switch-up-margin must be in [0, 1)");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --switch-at 4:nope", "no runnable palette entry \"nope\"");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --switch-at soon", "is not AFTER_TOKENS:ENTRY");
  ExpectUserError("run --palette " + m + " --prompt-ids 1,999", "--prompt-ids: \"999\" is not a token id in 0..255");
  ExpectUserError("run --palette " + m + " --prompt hello", "holds no tokenizer; pass --prompt-ids");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --context 4096", "longer than the model supports");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --format w8a8", "has no w8a8 weights");
  // Values that were silently taken as the defaults.
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --context -7", "--context must be >= 0");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --threads -3", "--threads must be 0 (one per core) to");
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --memory-budget ''", "--memory-budget: give auto or a size");
  // Far more threads than cores: refused before any is started (the spinning pool would only wait).
  ExpectUserError("run --palette " + m + " --prompt-ids 1 --threads 1000", "--threads must be 0 (one per core) to");
  ExpectUserError("bench --palette " + m + " --threads 1000 --no-torch", "--threads must be 0 (one per core) to");
}

TEST_F(CliEndToEnd, RuntimeAndLibTorchAgreeOnPerplexity) {
  ASSERT_EQ(RunCommand(Pretrain("--steps 20 --out " + (*dir_ / "agree.h5"))).exit_code, 0);
  auto eval = [&](const std::string& engine) {
    testing::CommandResult r = RunCommand(
        Elastiq("eval --json --engine " + engine + " --model " + (*dir_ / "agree.h5") + " --data " + (*dir_ / "data")));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  };
  auto torch = eval("torch"), runtime = eval("runtime");
  EXPECT_EQ(torch["tokens"], runtime["tokens"]);
  EXPECT_NEAR(torch["loss"].get<double>(), runtime["loss"].get<double>(), 1e-4);
  // A budget: both engines score the same windows spread over the split.
  torch = eval("torch --max-tokens 256");
  runtime = eval("runtime --max-tokens 256");
  EXPECT_EQ(torch["sample"], "spread");
  EXPECT_EQ(runtime["sample"], "spread");
  EXPECT_EQ(torch["tokens"], 256);
  EXPECT_EQ(runtime["tokens"], 256);
  EXPECT_EQ(torch["unigram_baseline_perplexity"], runtime["unigram_baseline_perplexity"]);
  EXPECT_NEAR(torch["loss"].get<double>(), runtime["loss"].get<double>(), 1e-4);
}

}  // namespace
}  // namespace elastiq
