#pragma once
// The 15 named benchmarks of L2L (its BenchmarkedFunctions), with their global minima.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l2l/optimizees/functions/function.hpp"

namespace l2l::functions {

// The global minimum inside the preset's default bounds. Exact where the formula gives it, else
// found numerically (grid scan, then Nelder-Mead) and accurate to about 1e-9 in value.
struct Optimum {
  std::vector<double> x;
  double value = 0.0;
};

// L2L's names, in L2L's order (its benchmark ids are the positions in this list).
const std::vector<std::string>& preset_names();
// The canonical name of a preset, matched case-insensitively; nullopt if there is none.
std::optional<std::string> find_preset(std::string_view name);
// Throws l2l::UsageError for an unknown name.
BenchmarkFunction make_preset(std::string_view name,
                              std::optional<std::pair<double, double>> bounds = {},
                              Noise noise = {});
Optimum preset_optimum(std::string_view name);

}  // namespace l2l::functions
