#pragma once
// Fitness weights with the L2L convention: optimizers maximize the weighted sum of the objectives;
// a negative weight turns an objective into one to minimize.
#include <limits>
#include <span>
#include <vector>

#include "l2l/core/evaluation.hpp"

namespace l2l {

class FitnessWeights {
 public:
  FitnessWeights() : w_{1.0} {}
  explicit FitnessWeights(std::vector<double> w);

  std::size_t size() const { return w_.size(); }
  const std::vector<double>& values() const { return w_; }
  double operator[](std::size_t i) const { return w_[i]; }

  // The scalar every optimizer maximizes; -inf for failed evaluations, so they rank last.
  double weighted(const Evaluation& e) const;
  double weighted(std::span<const double> fitness) const;
  // True if `a` is better than `b` in raw units of objective 0 (direction from its weight).
  bool better_raw(double a, double b) const { return w_[0] >= 0 ? a > b : a < b; }

  static constexpr double failed_value = -std::numeric_limits<double>::infinity();

 private:
  std::vector<double> w_;
};

}  // namespace l2l
