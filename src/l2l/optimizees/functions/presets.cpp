#include "l2l/optimizees/functions/presets.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l::functions {

namespace {

constexpr double pi = std::numbers::pi;

struct PresetDef {
  const char* name;
  std::size_t dims;
  std::vector<std::pair<Kind, TermParams>> terms;
  Optimum optimum;
};

TermParams gaussian(Matrix cov, std::vector<double> mean) {
  TermParams p;
  p.cov = std::move(cov);
  p.mean = std::move(mean);
  return p;
}

TermParams permutation(double beta) {
  TermParams p;
  p.beta = beta;
  return p;
}

const std::vector<PresetDef>& defs() {
  static const std::vector<PresetDef> d = [] {
    const TermParams none;
    const auto g1 = gaussian({{1.5, 0.1}, {0.1, 0.3}}, {-1.0, -1.0});
    const auto g2 = gaussian({{0.25, 0.3}, {0.3, 1.0}}, {1.0, 1.0});
    const auto g3 = gaussian({{0.5, 0.25}, {0.25, 1.3}}, {2.0, -2.0});
    const std::vector<double> zero2(2, 0.0), zero10(10, 0.0);
    return std::vector<PresetDef>{
        {"Rastrigin2d", 2, {{Kind::rastrigin, none}}, {zero2, 0.0}},
        {"Rastrigin10d", 10, {{Kind::rastrigin, none}}, {zero10, 0.0}},
        {"Rosenbrock2d", 2, {{Kind::rosenbrock, none}}, {std::vector<double>(2, 1.0), 0.0}},
        {"Rosenbrock10d", 10, {{Kind::rosenbrock, none}}, {std::vector<double>(10, 1.0), 0.0}},
        {"Ackley2d", 2, {{Kind::ackley, none}}, {zero2, 0.0}},
        {"Ackley10d", 10, {{Kind::ackley, none}}, {zero10, 0.0}},
        {"Chasm", 2, {{Kind::chasm, none}}, {zero2, 0.0}},
        {"Gauss2d", 2, {{Kind::gaussian, g1}}, {{-1.0, -1.0}, -1.0 / (2.0 * pi * std::sqrt(0.44))}},
        {"Shekel2d",
         2,
         {{Kind::shekel, none}},
         {{2.9962377437164482, 4.995895746464994}, -5.760160916001224}},
        {"Langermann2d",
         2,
         {{Kind::langermann, none}},
         {{2.7934022084848715, 1.5972325004186696}, -4.155809291847786}},
        {"Michalewicz2d",
         2,
         {{Kind::michalewicz, none}},
         {{2.2029055174224252, pi / 2}, -1.8013034100985532}},
        {"Permutation2d", 2, {{Kind::permutation, permutation(0.005)}}, {{1.0, 2.0}, 0.0}},
        {"Easom2d", 2, {{Kind::easom, none}}, {std::vector<double>(2, pi), -1.0}},
        {"Easom10d", 10, {{Kind::easom, none}}, {std::vector<double>(10, pi), -1.0}},
        {"3Gaussians2d",
         2,
         {{Kind::gaussian, g1}, {Kind::gaussian, g2}, {Kind::gaussian, g3}},
         {{0.9990573440186525, 0.9950994175257836}, -0.3984749957965237}},
    };
  }();
  return d;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

const PresetDef& def(std::string_view name) {
  for (const auto& d : defs())
    if (iequal(d.name, name)) return d;
  std::string known;
  for (const auto& d : defs()) known += (known.empty() ? "" : ", ") + std::string(d.name);
  throw UsageError(fmt::format("unknown preset '{}' (known: {})", name, known));
}

}  // namespace

const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& d : defs()) v.emplace_back(d.name);
    return v;
  }();
  return names;
}

std::optional<std::string> find_preset(std::string_view name) {
  for (const auto& d : defs())
    if (iequal(d.name, name)) return std::string(d.name);
  return std::nullopt;
}

BenchmarkFunction make_preset(std::string_view name,
                              std::optional<std::pair<double, double>> bounds, Noise noise) {
  const auto& d = def(name);
  std::vector<Term> terms;
  for (const auto& [kind, params] : d.terms) terms.emplace_back(kind, d.dims, params);
  return BenchmarkFunction(std::move(terms), bounds, noise);
}

Optimum preset_optimum(std::string_view name) {
  return def(name).optimum;
}

}  // namespace l2l::functions
