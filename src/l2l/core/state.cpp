#include "l2l/core/state.hpp"

#include <cstring>

#include "l2l/core/error.hpp"

namespace l2l::state {

nlohmann::json pack(std::span<const double> v) {
  std::vector<std::uint8_t> bytes(v.size() * sizeof(double));
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return nlohmann::json::binary(std::move(bytes));
}

std::vector<double> unpack(const nlohmann::json& j) {
  if (!j.is_binary()) throw std::runtime_error("checkpoint: expected a binary vector");
  const auto& b = j.get_binary();
  if (b.size() % sizeof(double) != 0) throw std::runtime_error("checkpoint: truncated vector");
  std::vector<double> v(b.size() / sizeof(double));
  if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

nlohmann::json pack_matrix(const std::vector<std::vector<double>>& rows) {
  auto arr = nlohmann::json::array();
  for (const auto& r : rows) arr.push_back(pack(r));
  return arr;
}

std::vector<std::vector<double>> unpack_matrix(const nlohmann::json& j) {
  std::vector<std::vector<double>> rows;
  rows.reserve(j.size());
  for (const auto& r : j) rows.push_back(unpack(r));
  return rows;
}

nlohmann::json pack_rng(const Rng& rng) {
  const auto& s = rng.state();
  return nlohmann::json::array({s[0], s[1], s[2], s[3]});
}

void unpack_rng(const nlohmann::json& j, Rng& rng) {
  Rng::State s{};
  for (std::size_t i = 0; i < 4; ++i) s[i] = j.at(i).get<std::uint64_t>();
  rng.set_state(s);
}

std::string encode(const nlohmann::json& j) {
  const auto bytes = nlohmann::json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

nlohmann::json decode(const std::string& bytes) {
  return nlohmann::json::from_cbor(bytes.begin(), bytes.end());
}

}  // namespace l2l::state
