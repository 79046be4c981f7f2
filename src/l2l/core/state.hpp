#pragma once
// Helpers for optimizer checkpoints. States are nlohmann::json documents stored as CBOR, with
// large numeric vectors embedded as binary so that a checkpoint of an 18,050 x 1,000 ensemble is
// 144 MB of doubles, not a gigabyte of decimal text, and restores bit-exactly.
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/core/rng.hpp"

namespace l2l::state {

nlohmann::json pack(std::span<const double> v);
std::vector<double> unpack(const nlohmann::json& j);

nlohmann::json pack_matrix(const std::vector<std::vector<double>>& rows);
std::vector<std::vector<double>> unpack_matrix(const nlohmann::json& j);

nlohmann::json pack_rng(const Rng& rng);
void unpack_rng(const nlohmann::json& j, Rng& rng);

std::string encode(const nlohmann::json& j);  // CBOR bytes
nlohmann::json decode(const std::string& bytes);

}  // namespace l2l::state
