#pragma once
// What a new run takes from a stored one (experiment.init_from, `l2l run --init-from`).
//
// The driver reads it from the origin store in the new run's terms: parameters repaired into the
// new space (the spaces match by name; bounds may differ) and fitness weighted by the new run's
// weights. Optimizers see only these numbers, never the store, and each documents what it takes
// (Optimizer::warm_start). Failed evaluations are left out.
#include <span>
#include <string>
#include <vector>

#include "l2l/core/parameter_space.hpp"

namespace l2l {

struct StoredIndividual {
  std::vector<double> params;
  double weighted = 0;  // under the new run's fitness weights; higher is better
};

struct WarmStart {
  std::string origin;  // "RUN.db run 1 generation 19", for messages and generation info
  // The origin generation's successful candidates whose parameters were stored, best first.
  std::vector<StoredIndividual> population;
  // The best individual of the origin run up to and including that generation.
  StoredIndividual best;
  // Every successful evaluation up to that generation, in evaluation order; filled only for
  // optimizers that model the whole history (Optimizer::warm_start_uses_history).
  std::vector<StoredIndividual> history;
  // The latest EnKF ensemble stored at or before that generation (optimizer.store_ensemble),
  // one member per row; empty if the origin kept none.
  std::vector<std::vector<double>> ensemble;
  // experiment.init_from_centre: where a search distribution starts, the best (false) or the
  // population's mean (true).
  bool centre_at_mean = false;

  // The population, or the best alone where the origin generation left no stored individual
  // (its parameters kept only where the run's best improved): what a population is seeded with.
  std::span<const StoredIndividual> individuals() const {
    return population.empty() ? std::span<const StoredIndividual>(&best, 1)
                              : std::span<const StoredIndividual>(population);
  }

  // The start point of a search distribution: `best`, or the mean of `population` in unit
  // coordinates (log-aware) when centre_at_mean and the population has members.
  std::vector<double> centre(const ParameterSpace& space) const;
  // The population's standard deviation per element in unit coordinates; empty with fewer than
  // two members (an optimizer then keeps its configured step size).
  std::vector<double> unit_spread(const ParameterSpace& space) const;
  // The mean of unit_spread, or `fallback` when there is none: one step size for optimizers
  // that have a single sigma.
  double mean_unit_spread(const ParameterSpace& space, double fallback) const;
};

}  // namespace l2l
