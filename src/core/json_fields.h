// Type-checked reads of fields from JSON stored in files: a missing or mistyped field is a UserError.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace elastiq {

// `source` names where the JSON came from (a file, or a file and object) and starts every message,
// which names the field and the type it must have. Require* throw when the field is missing;
// Optional* return `fallback` when it is missing (a present field of the wrong type still throws).
// On a JSON value that is not an object every field counts as missing.
int RequireInt(const nlohmann::json& j, const std::string& key, const std::string& source);
int OptionalInt(const nlohmann::json& j, const std::string& key, const std::string& source, int fallback);
int64_t OptionalInt64(const nlohmann::json& j, const std::string& key, const std::string& source, int64_t fallback);
double OptionalDouble(const nlohmann::json& j, const std::string& key, const std::string& source, double fallback);
bool OptionalBool(const nlohmann::json& j, const std::string& key, const std::string& source, bool fallback);
std::string RequireString(const nlohmann::json& j, const std::string& key, const std::string& source);
std::string OptionalString(const nlohmann::json& j, const std::string& key, const std::string& source,
                           const std::string& fallback);
std::vector<int> RequireIntList(const nlohmann::json& j, const std::string& key, const std::string& source);
double RequireDouble(const nlohmann::json& j, const std::string& key, const std::string& source);
// Finite numbers only (NaN and infinities cannot come from JSON; huge values are refused by callers).
std::vector<double> RequireNumberList(const nlohmann::json& j, const std::string& key, const std::string& source);
std::vector<std::string> OptionalStringList(const nlohmann::json& j, const std::string& key, const std::string& source);
// The field as an object; an empty object when it is missing.
nlohmann::json OptionalObject(const nlohmann::json& j, const std::string& key, const std::string& source);

// A whole value (not a field) as a list of strings; `what` names it in the message.
std::vector<std::string> StringListValue(const nlohmann::json& v, const std::string& what);

// Parses `text` as a JSON object, or throws a UserError "<source>: not a JSON object<hint>".
nlohmann::json ParseJsonObject(const std::string& text, const std::string& source, const std::string& hint = "");

// dump() that never throws: bytes that are not UTF-8 (names read from files) become U+FFFD.
std::string DumpJson(const nlohmann::json& j, int indent = -1);

}  // namespace elastiq
