#include "l2l/optimizers/unit_coordinates.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace l2l {

StartPoint StartPoint::read(Options& o) {
  StartPoint s;
  s.init = o.get<std::string>("init", "uniform",
                              "start point: uniform (a random point of the space) or center",
                              Check::one_of({"uniform", "center"}));
  s.x0 = o.get<std::vector<double>>(
      "x0", {},
      "explicit start point in the optimizee's units (one value per element); "
      "overrides init");
  s.x0_where = o.where("x0");
  return s;
}

std::vector<double> StartPoint::unit(const ParameterSpace& space, Rng& rng) const {
  if (!x0.empty()) {
    if (x0.size() != space.dim())
      throw ConfigError(fmt::format("{}has {} values, the parameter space has {} elements",
                                    x0_where, x0.size(), space.dim()));
    if (!space.contains(x0))
      throw ConfigError(x0_where + "lies outside the bounds of the parameter space");
    return space.to_unit(x0);
  }
  if (init == "center") return std::vector<double>(space.dim(), 0.5);
  std::vector<double> u(space.dim());
  for (auto& v : u) v = rng.uniform();
  return u;
}

void clamp_unit(std::vector<double>& u) {
  for (auto& v : u) v = std::clamp(v, 0.0, 1.0);
}

std::vector<Candidate> unit_candidates(const ParameterSpace& space, std::int64_t generation,
                                       const std::vector<std::vector<double>>& points) {
  std::vector<Candidate> batch(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    batch[i].generation = generation;
    batch[i].index = static_cast<std::int64_t>(i);
    batch[i].params = space.from_unit(points[i]);
  }
  return batch;
}

std::vector<double> natural_point(const ParameterSpace& space, const std::vector<double>& u,
                                  BoundPolicy policy) {
  auto x = space.from_unit(u);
  space.repair(x, policy);
  return x;
}

std::vector<double> unit_params(const ParameterSpace& space, const Candidate& c) {
  if (c.params.size() != space.dim())
    throw std::invalid_argument(
        fmt::format("candidate has {} parameters, the space has {}", c.params.size(), space.dim()));
  return space.to_unit(c.params);
}

void check_tell_sizes(const char* optimizer, std::size_t expected, std::size_t candidates,
                      std::size_t evaluations) {
  if (candidates != expected || evaluations != expected)
    throw std::invalid_argument(
        fmt::format("{}: tell() got {} candidates and {} evaluations for the {} it asked for",
                    optimizer, candidates, evaluations, expected));
}

void warm_start_chains(const ParameterSpace& space, const WarmStart& from,
                       std::vector<std::vector<double>>& x, std::vector<double>& f,
                       std::vector<double>& best_x, double& best_f) {
  const auto pop = from.individuals();
  for (std::size_t c = 0; c < x.size(); ++c) {
    x[c] = space.to_unit(pop[c % pop.size()].params);
    f[c] = pop[c % pop.size()].weighted;
  }
  best_x = space.to_unit(from.best.params);
  best_f = from.best.weighted;
}

}  // namespace l2l
