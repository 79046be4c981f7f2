#include "l2l/storage/vector_codec.hpp"

#include <sqlite3.h>

#include <bit>
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

std::vector<double> column_doubles(const sql::Statement& st, int col) {
  switch (st.column_type(col)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_BLOB:
      return decode_doubles(st.get_text(col));
    default: {
      const auto text = st.get_text(col);
      std::vector<double> v;
      if (text.empty()) return v;
      for (const auto& e : nlohmann::json::parse(text))
        v.push_back(e.is_number() ? e.get<double>() : std::nan(""));
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
