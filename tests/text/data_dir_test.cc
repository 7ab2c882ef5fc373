// Prepared data folders: every manifest.json field of the wrong JSON type is a UserError naming
// manifest.json, the field and the type it must be.
#include "src/text/data_dir.h"

#include <gtest/gtest.h>

#include "tests/common/test_util.h"

namespace elastiq {
namespace {

// A labelled folder whose manifest is the prepared one with `field` set to `value`.
std::string ErrorOpeningWith(const testing::ScratchDir& dir, const std::string& field, const nlohmann::json& value) {
  nlohmann::json manifest = {{"kind", "labelled"},
                             {"sources", {"in.tsv"}},
                             {"classes", {"neg", "pos"}},
                             {"skipped_rows", nlohmann::json::object()},
                             {"splits", {{"train", {{"documents", 2}, {"words", 4}, {"bytes", 20}}}}}};
  if (!field.empty()) manifest[field] = value;
  testing::WriteText(dir / "manifest.json", manifest.dump());
  for (const char* split : {"train", "val", "test"})
    testing::WriteText(dir / (std::string(split) + ".tsv"), "pos\thi\n");
  return testing::UserErrorMessage([&] { OpenDataDir(dir.path()); });
}

TEST(DataDir, ManifestFieldsOfTheWrongTypeAreUserErrors) {
  testing::ScratchDir dir;
  const std::string manifest = dir / "manifest.json";
  EXPECT_EQ(ErrorOpeningWith(dir, "", nullptr), "");
  EXPECT_EQ(ErrorOpeningWith(dir, "classes", "spam"),
            manifest + ": field \"classes\" must be an array of strings, got \"spam\"");
  EXPECT_EQ(ErrorOpeningWith(dir, "classes", {"neg", 1}),
            manifest + ": field \"classes\" item must be a string, got 1");
  EXPECT_EQ(ErrorOpeningWith(dir, "kind", 3), manifest + ": field \"kind\" must be a string, got 3");
  EXPECT_NE(
      ErrorOpeningWith(dir, "kind", "images").find(manifest + ": field \"kind\" must be \"text\" or \"labelled\""),
      std::string::npos);
  EXPECT_EQ(ErrorOpeningWith(dir, "splits", {1, 2}), manifest + ": field \"splits\" must be an object, got [1,2]");
  EXPECT_EQ(ErrorOpeningWith(dir, "splits", {{"train", "many"}}),
            manifest + " splits: field \"train\" must be an object, got \"many\"");
  EXPECT_EQ(ErrorOpeningWith(dir, "splits", {{"train", {{"documents", "2"}}}}),
            manifest + " splits.train: field \"documents\" must be an integer, got \"2\"");
  EXPECT_EQ(ErrorOpeningWith(dir, "sources", "in.tsv"),
            manifest + ": field \"sources\" must be an array of strings, got \"in.tsv\"");
  EXPECT_EQ(ErrorOpeningWith(dir, "skipped_rows", {{"empty", "x"}}),
            manifest + " skipped_rows: field \"empty\" must be an integer, got \"x\"");
  EXPECT_EQ(ErrorOpeningWith(dir, "columns", {{"text", 1}}),
            manifest + " columns: field \"text\" must be a string, got 1");
}

TEST(DataDir, ManifestThatIsNotAnObjectIsAUserError) {
  testing::ScratchDir dir;
  ErrorOpeningWith(dir, "", nullptr);
  testing::WriteText(dir / "manifest.json", "[\"kind\"]");
  EXPECT_EQ(testing::UserErrorMessage([&] { OpenDataDir(dir.path()); }),
            dir / "manifest.json: not a JSON object; re-run `elastiq data prepare`");
}

}  // namespace
}  // namespace elastiq
