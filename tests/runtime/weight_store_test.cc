// The runtime's mapped view of a model file: every maxnet weight reads back bit for bit from the
// mapping, tensors are checked against the type and shape asked for (UserError naming the dataset),
// missing attributes read as -1, and the whole file is mapped once.
#include "src/runtime/weight_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "src/core/error.h"
#include "src/format/random_model.h"
#include "src/format/weight_layout.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

ModelConfig Config() {
  return ParseModelConfig(
      R"({"name":"ws","vocab_size":96,"d_model":64,"n_layers":2,"n_heads":4,"n_kv_heads":2,"ffn_dim":128,"max_seq_len":32})",
      "ws");
}

TEST(WeightStore, EveryWeightReadsBackBitForBitFromTheMapping) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config(), 11, "");
  auto store = WeightStore::Open(dir / "m.h5");
  EXPECT_EQ(store->mapped_bytes(), std::filesystem::file_size(dir / "m.h5"));
  for (const WeightShape& w : MaxnetWeightShapes(Config())) {
    const std::vector<float> want = store->file().ReadWeight(w.name);
    const float* got = store->Weight(w.name);
    ASSERT_NE(got, nullptr) << w.name;
    EXPECT_EQ(std::memcmp(got, want.data(), want.size() * sizeof(float)), 0) << w.name;
    EXPECT_EQ(store->MaxnetShape(w.name), w.shape) << w.name;
    EXPECT_EQ(store->Weight(w.name), got) << "a second lookup returns the same pointer";
  }
}

TEST(WeightStore, TensorsAreCheckedAgainstTheTypeAndShapeAskedFor) {
  testing::ScratchDir dir;
  WriteRandomModel(dir / "m.h5", Config(), 11, "");
  auto store = WeightStore::Open(dir / "m.h5");
  EXPECT_NE(store->Tensor("/weights/final_norm", DType::kF32, {64}), nullptr);
  for (const auto& [dtype, shape] :
       {std::pair{DType::kI8, std::vector<int64_t>{64}}, std::pair{DType::kF32, std::vector<int64_t>{65}},
        std::pair{DType::kF32, std::vector<int64_t>{8, 8}}}) {
    try {
      store->Tensor("/weights/final_norm", dtype, shape);
      ADD_FAILURE() << "accepted a wrong type or shape";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("final_norm"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(store->Tensor("/weights/nothing", DType::kF32, {1}), UserError);
  EXPECT_EQ(store->IntAttr("/quant/w8a8/embed", "rows"), -1);
  EXPECT_EQ(store->IntAttr("/weights", "no_such_attribute"), -1);
}

TEST(WeightStore, AFileThatIsNotAModelIsAClearError) {
  testing::ScratchDir dir;
  testing::WriteText(dir / "x.h5", "not hdf5 at all");
  try {
    WeightStore::Open(dir / "x.h5");
    ADD_FAILURE() << "opened a text file";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("x.h5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace elastiq
