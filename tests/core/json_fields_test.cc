// Checked JSON field reads: a wrong type or a missing field is a UserError naming the source, the
// field and the type it must be; dumping and printing never throw on bytes that are not UTF-8.
#include "src/core/json_fields.h"

#include <gtest/gtest.h>

#include "src/core/printable_text.h"
#include "tests/common/test_util.h"

namespace elastiq {
namespace {

using nlohmann::json;
using testing::UserErrorMessage;

TEST(JsonFields, ReadsFieldsOfTheRightType) {
  const json j = json::parse(R"({"n": 5, "x": 0.5, "s": "hi", "b": true, "l": [1, 2], "names": ["a"], "o": {}})");
  EXPECT_EQ(RequireInt(j, "n", "f.json"), 5);
  EXPECT_EQ(OptionalInt(j, "missing", "f.json", 7), 7);
  EXPECT_EQ(OptionalInt64(j, "n", "f.json", 0), 5);
  EXPECT_DOUBLE_EQ(OptionalDouble(j, "x", "f.json", 1.0), 0.5);
  EXPECT_DOUBLE_EQ(OptionalDouble(j, "n", "f.json", 1.0), 5.0);
  EXPECT_EQ(RequireString(j, "s", "f.json"), "hi");
  EXPECT_EQ(OptionalString(j, "missing", "f.json", "d"), "d");
  EXPECT_TRUE(OptionalBool(j, "b", "f.json", false));
  EXPECT_EQ(RequireIntList(j, "l", "f.json"), (std::vector<int>{1, 2}));
  EXPECT_EQ(OptionalStringList(j, "names", "f.json"), std::vector<std::string>{"a"});
  EXPECT_TRUE(OptionalStringList(j, "missing", "f.json").empty());
  EXPECT_TRUE(OptionalObject(j, "o", "f.json").is_object());
}

TEST(JsonFields, WrongTypesNameTheSourceTheFieldAndTheType) {
  const json j = json::parse(R"({"n": "x", "s": 5, "l": {"a": 1}, "li": [1, "2"], "names": "spam", "o": [], "b": 1})");
  EXPECT_EQ(UserErrorMessage([&] { RequireInt(j, "n", "f.json"); }),
            "f.json: field \"n\" must be an integer, got \"x\"");
  EXPECT_EQ(UserErrorMessage([&] { OptionalDouble(j, "n", "f.json", 0); }),
            "f.json: field \"n\" must be a number, got \"x\"");
  EXPECT_EQ(UserErrorMessage([&] { OptionalString(j, "s", "f.json", ""); }),
            "f.json: field \"s\" must be a string, got 5");
  EXPECT_EQ(UserErrorMessage([&] { RequireIntList(j, "l", "f.json"); }),
            "f.json: field \"l\" must be an array of integers, got {\"a\":1}");
  EXPECT_EQ(UserErrorMessage([&] { RequireIntList(j, "li", "f.json"); }),
            "f.json: field \"li\" item must be an integer, got \"2\"");
  EXPECT_EQ(UserErrorMessage([&] { OptionalStringList(j, "names", "f.json"); }),
            "f.json: field \"names\" must be an array of strings, got \"spam\"");
  EXPECT_EQ(UserErrorMessage([&] { OptionalObject(j, "o", "f.json"); }),
            "f.json: field \"o\" must be an object, got []");
  EXPECT_EQ(UserErrorMessage([&] { OptionalBool(j, "b", "f.json", false); }),
            "f.json: field \"b\" must be true or false, got 1");
  EXPECT_EQ(UserErrorMessage([&] { RequireString(j, "missing", "f.json"); }),
            "f.json: missing field \"missing\" (a string)");
  EXPECT_EQ(UserErrorMessage([&] { RequireInt(json::parse(R"({"n": 4294967360})"), "n", "f.json"); }),
            "f.json: field \"n\" is out of range, got 4294967360");
  EXPECT_EQ(UserErrorMessage([&] { ParseJsonObject("[1]", "f.json", "; hint"); }), "f.json: not a JSON object; hint");
}

TEST(JsonFields, LongValuesAreShortenedInMessages) {
  const json j = {{"n", std::string(500, 'a')}};
  EXPECT_LT(UserErrorMessage([&] { RequireInt(j, "n", "f.json"); }).size(), 120u);
}

TEST(JsonFields, DumpNeverThrowsOnBytesThatAreNotUtf8) {
  const json j = {{"name", std::string("w\xff\xfe")}};
  EXPECT_THROW(j.dump(), json::type_error);  // what nlohmann does by default
  EXPECT_EQ(DumpJson(j), "{\"name\":\"w\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST(PrintableText, EscapesBytesThatAreNotUtf8AndControlCharacters) {
  EXPECT_EQ(PrintableText("plain /weights/embed"), "plain /weights/embed");
  EXPECT_EQ(PrintableText("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(PrintableText("a\xff"
                          "b"),
            "a\\xFFb");
  EXPECT_EQ(PrintableText("line\nbreak\x1b[2J"), "line\\x0Abreak\\x1B[2J");
  EXPECT_EQ(PrintableText("\xC0\xAF"), "\\xC0\\xAF");           // overlong '/'
  EXPECT_EQ(PrintableText("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // a surrogate
  EXPECT_EQ(PrintableText("cut \xE2\x82"), "cut \\xE2\\x82");   // truncated sequence
}

}  // namespace
}  // namespace elastiq
