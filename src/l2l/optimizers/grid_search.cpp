#include "l2l/optimizers/grid_search.hpp"

#include <algorithm>
#include <cmath>

#include "l2l/core/state.hpp"

namespace l2l {

namespace {
constexpr std::uint64_t kMaxGrid = 100'000'000;
}

GridSearch::Config GridSearch::Config::read(Options& o) {
  Config c;
  c.steps = o.get<std::int64_t>("steps", 10,
                                "intervals per element for parameters not listed in `grid` "
                                "(steps+1 values from lower to upper bound)",
                                Check::at_least(1));
  c.batch_size =
      o.get<std::int64_t>("batch_size", 0, "grid points per generation (0: the whole grid at once)",
                          Check::at_least(0));
  auto grid = o.child("grid", "per parameter name: [lo, hi, steps]");
  if (!o.describing()) {
    for (auto it = grid.node().begin(); it != grid.node().end(); ++it) {
      const auto name = it->first.Scalar();
      auto v = grid.get<std::vector<double>>(name, {}, "");
      if (v.size() != 3) grid.fail(name, "expected [lo, hi, steps]");
      if (!(v[0] <= v[1])) grid.fail(name, "lo must not exceed hi");
      if (v[2] < 1 || v[2] != std::floor(v[2])) grid.fail(name, "steps must be an integer >= 1");
      c.grid[name] = {v[0], v[1], static_cast<std::int64_t>(v[2]), grid.where(name)};
    }
  }
  return c;
}

GridSearch::GridSearch(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : weights_(ctx.weights) {
  for (const auto& [name, axis] : cfg.grid) {
    bool found = false;
    for (const auto& p : space.parameters()) found |= p.name == name;
    if (!found)
      throw ConfigError(axis.where + "the optimizee has no parameter named '" + name + "'");
  }
  for (const auto& p : space.parameters()) {
    Axis axis{p.lo, p.hi, cfg.steps, ""};
    if (auto it = cfg.grid.find(p.name); it != cfg.grid.end()) axis = it->second;
    if (axis.lo < p.lo || axis.hi > p.hi)
      throw ConfigError(axis.where + "grid range lies outside the parameter's bounds");
    std::vector<double> vals;
    for (std::int64_t k = 0; k <= axis.steps; ++k) {
      const double t = static_cast<double>(k) / static_cast<double>(axis.steps);
      double v = p.log_scale && axis.lo > 0 ? axis.lo * std::pow(axis.hi / axis.lo, t)
                                            : axis.lo + t * (axis.hi - axis.lo);
      if (p.integer) v = std::round(v);
      vals.push_back(v);
    }
    vals.erase(std::unique(vals.begin(), vals.end()), vals.end());
    for (std::size_t e = 0; e < p.size; ++e) {
      values_.push_back(vals);
      if (total_ > kMaxGrid / vals.size())
        throw UsageError("the grid has more than 1e8 points; use fewer steps");
      total_ *= vals.size();
    }
  }
  batch_ = cfg.batch_size > 0 ? static_cast<std::uint64_t>(cfg.batch_size) : total_;
}

std::vector<double> GridSearch::point(std::uint64_t index) const {
  // Mixed-radix decoding; the last element varies fastest.
  std::vector<double> x(values_.size());
  for (std::size_t e = values_.size(); e-- > 0;) {
    const auto n = values_[e].size();
    x[e] = values_[e][index % n];
    index /= n;
  }
  return x;
}

std::vector<Candidate> GridSearch::ask() {
  std::vector<Candidate> batch;
  const auto end = std::min(total_, next_ + batch_);
  for (auto i = next_; i < end; ++i) batch.push_back(Candidate{.params = point(i)});
  return batch;
}

void GridSearch::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  next_ += batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const double f = weights_.weighted(evals[i]);
    if (f > best_) {
      best_ = f;
      best_params_ = batch[i].params;
    }
  }
}

nlohmann::json GridSearch::state() const {
  return {{"next", next_},
          {"best", std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json()},
          {"best_params", state::pack(best_params_)}};
}

void GridSearch::restore(const nlohmann::json& s) {
  next_ = s.at("next");
  best_ = s.at("best").is_null() ? FitnessWeights::failed_value : s.at("best").get<double>();
  best_params_ = state::unpack(s.at("best_params"));
}

std::optional<std::string> GridSearch::stop_reason() const {
  if (next_ >= total_) return "grid exhausted (" + std::to_string(total_) + " points)";
  return std::nullopt;
}

void GridSearch::warm_start(const WarmStart& from) {
  // The grid is fixed; the origin's best competes with its points for the estimate.
  best_ = from.best.weighted;
  best_params_ = from.best.params;
}

std::optional<std::vector<double>> GridSearch::estimate() const {
  if (best_params_.empty()) return std::nullopt;
  return best_params_;
}

nlohmann::json GridSearch::generation_info() const {
  return {{"grid_points", total_}, {"evaluated", next_}};
}

L2L_REGISTER_OPTIMIZER(GridSearch, "grid_search",
                       "exhaustive grid over [lo, hi] with steps+1 values per element");

}  // namespace l2l
