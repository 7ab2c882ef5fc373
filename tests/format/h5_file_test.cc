// The HDF5 wrapper on its own: every element type round-trips bit for bit, attributes of both kinds
// read back, groups list their members, large datasets start page-aligned at an offset that holds
// their bytes, and wrong types, shapes, names and attributes are UserErrors naming the file and object.
#include "src/format/h5_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <type_traits>
#include <vector>

#include "src/core/error.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

template <typename T>
void ExpectRoundTrip(H5File& f, const std::string& name, DType dtype) {
  std::vector<T> values(24);
  std::iota(values.begin(), values.end(), static_cast<T>(std::is_signed_v<T> ? -3 : 3));
  f.WriteDataset(name, dtype, {2, 3, 4}, values.data());
  const DatasetInfo info = f.Info(name);
  EXPECT_EQ(info.dtype, dtype) << name;
  EXPECT_EQ(info.shape, (std::vector<int64_t>{2, 3, 4})) << name;
  EXPECT_EQ(info.num_elements, 24) << name;
  EXPECT_EQ(info.bytes, static_cast<int64_t>(24 * sizeof(T))) << name;
  EXPECT_EQ(f.Read<T>(name, dtype), values) << name;
}

TEST(H5File, EveryElementTypeRoundTrips) {
  testing::ScratchDir dir;
  H5File f = H5File::Create(dir / "t.h5", "t.h5");
  ExpectRoundTrip<float>(f, "/f32", DType::kF32);
  ExpectRoundTrip<int8_t>(f, "/i8", DType::kI8);
  ExpectRoundTrip<uint8_t>(f, "/u8", DType::kU8);
  ExpectRoundTrip<int32_t>(f, "/i32", DType::kI32);
  ExpectRoundTrip<uint32_t>(f, "/u32", DType::kU32);
  ExpectRoundTrip<int64_t>(f, "/i64", DType::kI64);
}

TEST(H5File, AttributesGroupsAndExistenceReadBackAfterReopening) {
  testing::ScratchDir dir;
  {
    H5File f = H5File::Create(dir / "t.h5", "t.h5");
    f.CreateGroup("/a/b/c");
    const float one = 1.0f;
    f.WriteDataset("/a/x", DType::kF32, {1}, &one);
    f.SetAttr("/a", "title", std::string("ünïcode text"));
    f.SetAttr("/a/b", "count", int64_t{1} << 40);
  }
  const H5File f = H5File::OpenReadOnly(dir / "t.h5");
  EXPECT_TRUE(f.Exists("/a/b/c"));
  EXPECT_FALSE(f.Exists("/a/nothing"));
  EXPECT_TRUE(f.IsGroup("/a/b"));
  EXPECT_TRUE(f.IsDataset("/a/x"));
  EXPECT_FALSE(f.IsDataset("/a/b"));
  EXPECT_EQ(f.ListGroup("/a"), (std::vector<std::string>{"b", "x"}));
  EXPECT_TRUE(f.ListGroup("/a/x").empty());
  EXPECT_EQ(f.GetStringAttr("/a", "title"), "ünïcode text");
  EXPECT_EQ(f.GetIntAttr("/a/b", "count"), int64_t{1} << 40);
  EXPECT_TRUE(f.HasAttr("/a", "title"));
  EXPECT_FALSE(f.HasAttr("/a", "count"));
}

TEST(H5File, LargeDatasetsArePageAlignedAndTheirBytesSitAtTheOffset) {
  testing::ScratchDir dir;
  std::vector<float> big(5000);
  std::iota(big.begin(), big.end(), 0.5f);
  {
    H5File f = H5File::Create(dir / "t.h5", "t.h5");
    const float small = 2.0f;
    f.WriteDataset("/small", DType::kF32, {1}, &small);  // pushes the next dataset off a page boundary
    f.WriteDataset("/big", DType::kF32, {5000}, big.data());
  }
  const DatasetInfo info = H5File::OpenReadOnly(dir / "t.h5").Info("/big");
  ASSERT_GE(info.file_offset, 0);
  EXPECT_EQ(info.file_offset % static_cast<int64_t>(H5File::kAlignment), 0);
  std::ifstream in(dir / "t.h5", std::ios::binary);
  in.seekg(info.file_offset);
  std::vector<float> raw(big.size());
  in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(float)));
  EXPECT_EQ(raw, big);
}

TEST(H5File, MisuseIsAUserErrorNamingFileAndObject) {
  testing::ScratchDir dir;
  H5File f = H5File::Create(dir / "t.h5", "t.h5");
  const std::vector<float> v(6, 1.0f);
  f.WriteDataset("/w", DType::kF32, {2, 3}, v.data());
  std::vector<float> out(6);
  std::vector<int32_t> ints(6);
  EXPECT_NE(testing::UserErrorMessage([&] {
              f.ReadDataset("/w", DType::kI32, {2, 3}, ints.data());
            }).find("t.h5"),
            std::string::npos);
  EXPECT_NE(testing::UserErrorMessage([&] {
              f.ReadDataset("/w", DType::kF32, {3, 2}, out.data());
            }).find("/w"),
            std::string::npos);
  EXPECT_NE(testing::UserErrorMessage([&] { f.Info("/missing"); }).find("/missing"), std::string::npos);
  EXPECT_NE(testing::UserErrorMessage([&] { f.GetIntAttr("/", "nope"); }).find("nope"), std::string::npos);
  f.SetAttr("/", "text", std::string("words"));
  EXPECT_NE(testing::UserErrorMessage([&] { f.GetIntAttr("/", "text"); }).find("text"), std::string::npos);
}

// /a/x and /b/y, then (through the C API, as a hand-made file could) a hard link from /a back to
// /a, a second hard link to /b, and a soft link to /a.
void WriteFileWithLinkCycle(const std::string& path) {
  {
    H5File f = H5File::Create(path, "t.h5");
    const float v = 1.0f;
    f.WriteDataset("/a/x", DType::kF32, {1}, &v);
    f.WriteDataset("/b/y", DType::kF32, {1}, &v);
  }
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_GE(H5Lcreate_hard(file, "/a", file, "/a/loop", H5P_DEFAULT, H5P_DEFAULT), 0);
  EXPECT_GE(H5Lcreate_hard(file, "/b", file, "/z_again", H5P_DEFAULT, H5P_DEFAULT), 0);
  EXPECT_GE(H5Lcreate_soft("/a", file, "/a/soft", H5P_DEFAULT, H5P_DEFAULT), 0);
  H5Fclose(file);
}

TEST(H5File, ListDatasetsVisitsEachObjectOnceThroughLinkCycles) {
  testing::ScratchDir dir;
  WriteFileWithLinkCycle(dir / "cycle.h5");
  const H5File f = H5File::OpenReadOnly(dir / "cycle.h5");
  EXPECT_EQ(f.ListDatasets(), (std::vector<std::string>{"/a/x", "/b/y"}));
}

TEST(H5File, ListDatasetsRefusesGroupsNestedImplausiblyDeep) {
  testing::ScratchDir dir;
  {
    H5File f = H5File::Create(dir / "deep.h5", "deep.h5");
    std::string group;
    for (int i = 0; i <= H5File::kMaxWalkDepth; ++i) group += "/g";
    f.CreateGroup(group);
  }
  const H5File f = H5File::OpenReadOnly(dir / "deep.h5");
  const std::string err = testing::UserErrorMessage([&] { f.ListDatasets(); });
  EXPECT_NE(err.find("deep.h5: /g/g"), std::string::npos) << err;
  EXPECT_NE(err.find("nest more than 32 levels deep"), std::string::npos) << err;
}

}  // namespace
}  // namespace elastiq
