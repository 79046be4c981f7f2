#pragma once
// Helpers for optimizers that work in normalized coordinates u in [0, 1]^d
// (ParameterSpace::to_unit: 0 at the lower and 1 at the upper bound, logarithmic for log-scale
// parameters), so that their step sizes are fractions of each parameter's range and they never
// special-case parameter types: es, nes, xnes, cross_entropy, face, simulated_annealing,
// parallel_tempering and gradient_descent. The driver repairs candidates into the space (bounds,
// integers) before evaluation; tell() reads the repaired parameters back with unit_params().
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "l2l/core/candidate.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/core/warm_start.hpp"

namespace l2l {

// Where a single-point or distribution-mean optimizer starts.
struct StartPoint {
  std::string init = "uniform";  // uniform | center
  std::vector<double> x0;        // explicit start in the optimizee's units; overrides init
  std::string x0_where;          // "file:line: optimizer.x0: " for errors found at construction

  static StartPoint read(Options& o);
  // The start in unit coordinates; throws ConfigError if x0 does not fit the space.
  std::vector<double> unit(const ParameterSpace& space, Rng& rng) const;
};

// Clamps every element to [0, 1].
void clamp_unit(std::vector<double>& u);

// Candidates of generation g (indices 0..n-1) at the given unit-coordinate points.
std::vector<Candidate> unit_candidates(const ParameterSpace& space, std::int64_t generation,
                                       const std::vector<std::vector<double>>& points);

// A unit-coordinate point in the optimizee's units, repaired into the space (for estimate()).
std::vector<double> natural_point(const ParameterSpace& space, const std::vector<double>& u,
                                  BoundPolicy policy);

// The (repaired) parameters of an evaluated candidate in unit coordinates.
std::vector<double> unit_params(const ParameterSpace& space, const Candidate& c);

// Throws std::invalid_argument unless tell() received `expected` candidates and evaluations.
void check_tell_sizes(const char* optimizer, std::size_t expected, std::size_t candidates,
                      std::size_t evaluations);

// Chains warm-started from a stored run (simulated_annealing, parallel_tempering): chain c at the
// origin's c-th best stored individual (cycling when there are fewer; the best alone where only
// the best was stored), valued at its stored fitness; the best so far is the origin's.
void warm_start_chains(const ParameterSpace& space, const WarmStart& from,
                       std::vector<std::vector<double>>& x, std::vector<double>& f,
                       std::vector<double>& best_x, double& best_f);

}  // namespace l2l
