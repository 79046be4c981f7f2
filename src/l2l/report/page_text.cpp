#include "l2l/report/page_text.hpp"

#include <fmt/format.h>

namespace l2l::report {

std::string str(const nlohmann::json& j, const char* key, const std::string& dflt) {
  if (!j.is_object() || !j.contains(key)) return dflt;
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return dflt;
  return v.dump();
}

std::string format_value(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace l2l::report
