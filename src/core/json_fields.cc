// Checked JSON field reads: every type test and message in one place.
#include "src/core/json_fields.h"

#include "src/core/error.h"

namespace elastiq {
namespace {

using nlohmann::json;

// A value for a message: short, and never throwing on bytes that are not UTF-8.
std::string Shown(const json& v) {
  std::string text = DumpJson(v);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

[[noreturn]] void WrongType(const json& v, const std::string& what, const char* type) {
  throw UserError(what + " must be " + type + ", got " + Shown(v));
}

std::string FieldName(const std::string& key, const std::string& source) { return source + ": field \"" + key + "\""; }

const json* Find(const json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

const json& Require(const json& j, const std::string& key, const std::string& source, const char* type) {
  const json* v = Find(j, key);
  if (!v) throw UserError(source + ": missing field \"" + key + "\" (" + type + ")");
  return *v;
}

// Read wide and range-checked: get<int>() would keep the low 32 bits of 2^32 + 64 (64).
int64_t IntValue(const json& v, const std::string& what, int64_t lo, int64_t hi) {
  if (!v.is_number_integer()) WrongType(v, what, "an integer");
  const bool in_range = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(hi)
                                               : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range) throw UserError(what + " is out of range, got " + Shown(v));
  return v.get<int64_t>();
}

int Int32Value(const json& v, const std::string& what) {
  return static_cast<int>(IntValue(v, what, INT32_MIN, INT32_MAX));
}

}  // namespace

int RequireInt(const json& j, const std::string& key, const std::string& source) {
  return Int32Value(Require(j, key, source, "an integer"), FieldName(key, source));
}

int OptionalInt(const json& j, const std::string& key, const std::string& source, int fallback) {
  const json* v = Find(j, key);
  return v ? Int32Value(*v, FieldName(key, source)) : fallback;
}

int64_t OptionalInt64(const json& j, const std::string& key, const std::string& source, int64_t fallback) {
  const json* v = Find(j, key);
  return v ? IntValue(*v, FieldName(key, source), INT64_MIN, INT64_MAX) : fallback;
}

double OptionalDouble(const json& j, const std::string& key, const std::string& source, double fallback) {
  const json* v = Find(j, key);
  if (!v) return fallback;
  if (!v->is_number()) WrongType(*v, FieldName(key, source), "a number");
  return v->get<double>();
}

bool OptionalBool(const json& j, const std::string& key, const std::string& source, bool fallback) {
  const json* v = Find(j, key);
  if (!v) return fallback;
  if (!v->is_boolean()) WrongType(*v, FieldName(key, source), "true or false");
  return v->get<bool>();
}

std::string RequireString(const json& j, const std::string& key, const std::string& source) {
  const json& v = Require(j, key, source, "a string");
  if (!v.is_string()) WrongType(v, FieldName(key, source), "a string");
  return v.get<std::string>();
}

std::string OptionalString(const json& j, const std::string& key, const std::string& source,
                           const std::string& fallback) {
  return Find(j, key) ? RequireString(j, key, source) : fallback;
}

std::vector<int> RequireIntList(const json& j, const std::string& key, const std::string& source) {
  const json& v = Require(j, key, source, "an array of integers");
  if (!v.is_array()) WrongType(v, FieldName(key, source), "an array of integers");
  std::vector<int> out;
  for (const json& e : v) out.push_back(Int32Value(e, FieldName(key, source) + " item"));
  return out;
}

double RequireDouble(const json& j, const std::string& key, const std::string& source) {
  const json& v = Require(j, key, source, "a number");
  if (!v.is_number()) WrongType(v, FieldName(key, source), "a number");
  return v.get<double>();
}

std::vector<double> RequireNumberList(const json& j, const std::string& key, const std::string& source) {
  const json& v = Require(j, key, source, "an array of numbers");
  if (!v.is_array()) WrongType(v, FieldName(key, source), "an array of numbers");
  std::vector<double> out;
  for (const json& e : v) {
    if (!e.is_number()) WrongType(e, FieldName(key, source) + " item", "a number");
    out.push_back(e.get<double>());
  }
  return out;
}

std::vector<std::string> StringListValue(const json& v, const std::string& what) {
  if (!v.is_array()) WrongType(v, what, "an array of strings");
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string()) WrongType(e, what + " item", "a string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::vector<std::string> OptionalStringList(const json& j, const std::string& key, const std::string& source) {
  const json* v = Find(j, key);
  return v ? StringListValue(*v, FieldName(key, source)) : std::vector<std::string>{};
}

json OptionalObject(const json& j, const std::string& key, const std::string& source) {
  const json* v = Find(j, key);
  if (!v) return json::object();
  if (!v->is_object()) WrongType(*v, FieldName(key, source), "an object");
  return *v;
}

json ParseJsonObject(const std::string& text, const std::string& source, const std::string& hint) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw UserError(source + ": not a JSON object" + hint);
  return j;
}

std::string DumpJson(const json& j, int indent) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

}  // namespace elastiq
