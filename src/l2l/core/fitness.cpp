#include "l2l/core/fitness.hpp"

#include <cmath>

#include "l2l/core/error.hpp"

namespace l2l {

FitnessWeights::FitnessWeights(std::vector<double> w) : w_(std::move(w)) {
  if (w_.empty()) throw UsageError("fitness weights must not be empty");
  for (double v : w_)
    if (!std::isfinite(v) || v == 0.0)
      throw UsageError("fitness weights must be finite and non-zero");
}

double FitnessWeights::weighted(std::span<const double> fitness) const {
  double s = 0.0;
  for (std::size_t i = 0; i < w_.size() && i < fitness.size(); ++i) s += w_[i] * fitness[i];
  return s;
}

double FitnessWeights::weighted(const Evaluation& e) const {
  if (!e.ok() || e.fitness.size() != w_.size()) return failed_value;
  return weighted(std::span<const double>(e.fitness));
}

}  // namespace l2l
