#include "l2l/storage/vector_codec.hpp"

#include <sqlite3.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace l2l {

// The blobs are the machine's doubles as they are: l2l is built for little-endian x86-64 and
// arm64 (the report's float32 artifacts make the same assumption).
static_assert(std::endian::native == std::endian::little,
              "the store's float64 blobs are little-endian");

std::string encode_doubles(std::span<const double> v) {
  std::string out(v.size() * sizeof(double), '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<double> decode_doubles(std::string_view bytes) {
  if (bytes.size() % sizeof(double) != 0)
    throw std::runtime_error(fmt::format(
        "a float64 vector in the store has {} bytes, not a multiple of 8", bytes.size()));
  std::vector<double> v(bytes.size() / sizeof(double));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

bool parse_number_array(std::string_view s, std::vector<double>& out) {
  out.clear();
  std::size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  };
  skip();
  if (i >= s.size() || s[i] != '[') return false;
  ++i;
  skip();
  if (i < s.size() && s[i] == ']') return true;
  while (i < s.size()) {
    skip();
    if (s.compare(i, 4, "null") == 0) {
      out.push_back(std::nan(""));
      i += 4;
    } else {
      double v = 0;
      auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
      if (ec != std::errc()) return false;
      out.push_back(v);
      i = static_cast<std::size_t>(p - s.data());
    }
    skip();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') {
      ++i;
      skip();
      return i == s.size();
    }
    return false;
  }
  return false;
}

std::vector<double> column_doubles(const sql::Statement& st, int col) {
  switch (st.column_type(col)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_BLOB:
      return decode_doubles(st.get_text(col));
    default: {
      const auto text = st.get_text(col);
      std::vector<double> v;
      if (!text.empty() && !parse_number_array(text, v))
        throw std::runtime_error(fmt::format(
            "a vector in the store is not a JSON array of numbers: {}", text.substr(0, 80)));
      return v;
    }
  }
}

bool try_column_doubles(const sql::Statement& st, int col, std::vector<double>& out) {
  try {
    out = column_doubles(st, col);
    return true;
  } catch (const std::exception&) {
    out.clear();
    return false;
  }
}

nlohmann::json column_doubles_json(const sql::Statement& st, int col) {
  if (st.column_type(col) == SQLITE_NULL) return nullptr;
  nlohmann::json a = nlohmann::json::array();
  for (double x : column_doubles(st, col))
    a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
  return a;
}

}  // namespace l2l
