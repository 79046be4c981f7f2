#include "l2l/core/parameter_space.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"

namespace l2l {

BoundPolicy parse_bound_policy(const std::string& name) {
  if (name == "clip") return BoundPolicy::clip;
  if (name == "reflect") return BoundPolicy::reflect;
  throw UsageError(fmt::format("unknown bound policy '{}' (expected clip or reflect)", name));
}

const char* to_string(BoundPolicy p) {
  return p == BoundPolicy::clip ? "clip" : "reflect";
}

void ParameterSpace::check_new(const std::string& name, double lo, double hi,
                               bool log_scale) const {
  if (name.empty()) throw UsageError("parameter name must not be empty");
  for (const auto& p : params_)
    if (p.name == name) throw UsageError(fmt::format("parameter '{}' defined twice", name));
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= hi))
    throw UsageError(
        fmt::format("parameter '{}': bounds [{}, {}] are not a finite interval", name, lo, hi));
  if (log_scale && lo <= 0.0)
    throw UsageError(
        fmt::format("parameter '{}': a log-scale parameter needs a lower bound > 0", name));
}

ParameterSpace& ParameterSpace::add_scalar(std::string name, double lo, double hi, bool log_scale,
                                           bool integer) {
  add_array(std::move(name), 1, lo, hi, log_scale, integer);
  params_.back().is_array = false;
  return *this;
}

ParameterSpace& ParameterSpace::add_array(std::string name, std::size_t size, double lo, double hi,
                                          bool log_scale, bool integer) {
  check_new(name, lo, hi, log_scale);
  if (size == 0) throw UsageError(fmt::format("parameter '{}' has size 0", name));
  params_.push_back({std::move(name), size, true, lo, hi, log_scale, integer});
  offsets_.push_back(dim_);
  dim_ += size;
  lo_.insert(lo_.end(), size, lo);
  hi_.insert(hi_.end(), size, hi);
  integer_.insert(integer_.end(), size, integer ? 1 : 0);
  log_.insert(log_.end(), size, log_scale ? 1 : 0);
  any_integer_ = any_integer_ || integer;
  return *this;
}

const Parameter& ParameterSpace::parameter(const std::string& name) const {
  for (const auto& p : params_)
    if (p.name == name) return p;
  throw UsageError(fmt::format("no parameter named '{}'", name));
}

std::size_t ParameterSpace::offset(const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return offsets_[i];
  throw UsageError(fmt::format("no parameter named '{}'", name));
}

std::vector<std::string> ParameterSpace::element_names() const {
  std::vector<std::string> names;
  names.reserve(dim_);
  for (const auto& p : params_) {
    if (!p.is_array) {
      names.push_back(p.name);
    } else {
      for (std::size_t k = 0; k < p.size; ++k) names.push_back(fmt::format("{}[{}]", p.name, k));
    }
  }
  return names;
}

std::vector<double> ParameterSpace::flatten(const ParameterValues& values) const {
  std::vector<double> x(dim_);
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const auto& p = params_[i];
    auto it = values.find(p.name);
    if (it == values.end())
      throw UsageError(fmt::format("missing value for parameter '{}'", p.name));
    if (it->second.size() != p.size)
      throw UsageError(
          fmt::format("parameter '{}' has {} elements, got {}", p.name, p.size, it->second.size()));
    std::copy(it->second.begin(), it->second.end(), x.begin() + offsets_[i]);
  }
  for (const auto& [name, v] : values) parameter(name);  // rejects unknown names
  return x;
}

ParameterValues ParameterSpace::unflatten(std::span<const double> x) const {
  if (x.size() != dim_)
    throw UsageError(fmt::format("vector has {} elements, space has {}", x.size(), dim_));
  ParameterValues values;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto first = x.begin() + static_cast<std::ptrdiff_t>(offsets_[i]);
    values[params_[i].name] =
        std::vector<double>(first, first + static_cast<std::ptrdiff_t>(params_[i].size));
  }
  return values;
}

std::span<const double> ParameterSpace::view(std::span<const double> x,
                                             const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return x.subspan(offsets_[i], params_[i].size);
  throw UsageError(fmt::format("no parameter named '{}'", name));
}

void ParameterSpace::repair(std::span<double> x, BoundPolicy policy) const {
  if (policy == BoundPolicy::clip && !any_integer_) {
    // The common case, kept branch-light: it runs for every candidate of every generation.
    for (std::size_t i = 0; i < dim_; ++i) {
      const double v = x[i];
      x[i] = std::isfinite(v) ? std::clamp(v, lo_[i], hi_[i]) : 0.5 * (lo_[i] + hi_[i]);
    }
    return;
  }
  for (std::size_t i = 0; i < dim_; ++i) {
    const double lo = lo_[i], hi = hi_[i];
    double v = x[i];
    if (!std::isfinite(v)) {
      v = 0.5 * (lo + hi);
    } else if (policy == BoundPolicy::reflect && hi > lo) {
      // Reflection is periodic with period 2 (hi - lo); fold once into [lo, hi].
      const double w = hi - lo;
      double t = std::fmod(v - lo, 2.0 * w);
      if (t < 0) t += 2.0 * w;
      v = t <= w ? lo + t : hi - (t - w);
    }
    v = std::clamp(v, lo, hi);
    if (integer_[i]) v = std::clamp(std::round(v), std::ceil(lo), std::floor(hi));
    x[i] = v;
  }
}

bool ParameterSpace::contains(std::span<const double> x) const {
  if (x.size() != dim_) return false;
  for (std::size_t i = 0; i < dim_; ++i)
    if (!(x[i] >= lo_[i] && x[i] <= hi_[i])) return false;
  return true;
}

std::vector<double> ParameterSpace::to_unit(std::span<const double> x) const {
  std::vector<double> u(dim_);
  for (std::size_t i = 0; i < dim_; ++i) {
    if (hi_[i] == lo_[i]) {
      u[i] = 0.5;
    } else if (log_[i]) {
      u[i] = std::log(x[i] / lo_[i]) / std::log(hi_[i] / lo_[i]);
    } else {
      u[i] = (x[i] - lo_[i]) / (hi_[i] - lo_[i]);
    }
  }
  return u;
}

std::vector<double> ParameterSpace::from_unit(std::span<const double> u) const {
  std::vector<double> x(dim_);
  for (std::size_t i = 0; i < dim_; ++i) {
    if (log_[i]) {
      x[i] = lo_[i] * std::pow(hi_[i] / lo_[i], u[i]);
    } else {
      x[i] = lo_[i] + u[i] * (hi_[i] - lo_[i]);
    }
  }
  return x;
}

std::vector<double> ParameterSpace::sample_uniform(Rng& rng) const {
  std::vector<double> u(dim_);
  for (auto& v : u) v = rng.uniform();
  auto x = from_unit(u);
  repair(x, BoundPolicy::clip);
  return x;
}

std::vector<double> ParameterSpace::center() const {
  std::vector<double> u(dim_, 0.5);
  auto x = from_unit(u);
  repair(x, BoundPolicy::clip);
  return x;
}

nlohmann::json ParameterSpace::to_json() const {
  auto arr = nlohmann::json::array();
  for (const auto& p : params_)
    arr.push_back({{"name", p.name},
                   {"size", p.size},
                   {"array", p.is_array},
                   {"lo", p.lo},
                   {"hi", p.hi},
                   {"log", p.log_scale},
                   {"integer", p.integer}});
  return arr;
}

ParameterSpace ParameterSpace::from_json(const nlohmann::json& j) {
  ParameterSpace s;
  for (const auto& p : j) {
    if (p.at("array").get<bool>()) {
      s.add_array(p.at("name"), p.at("size"), p.at("lo"), p.at("hi"), p.at("log"), p.at("integer"));
    } else {
      s.add_scalar(p.at("name"), p.at("lo"), p.at("hi"), p.at("log"), p.at("integer"));
    }
  }
  return s;
}

}  // namespace l2l
