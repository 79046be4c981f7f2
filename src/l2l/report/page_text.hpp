#pragma once
// Values of the report data as the text the page shows (before HTML escaping, which Page does).
#include <string>

#include <nlohmann/json.hpp>

namespace l2l::report {

// Key `key` of object `j` as text: strings as they are, other values as JSON, `dflt` when the key
// is missing or null.
std::string str(const nlohmann::json& j, const char* key, const std::string& dflt = "");

// One value as text: null as "-", floating point with 6 significant digits.
std::string format_value(const nlohmann::json& v);

}  // namespace l2l::report
