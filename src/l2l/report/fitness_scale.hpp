#pragma once
// The fitness a run's charts show. Stores hold the weighted fitness the optimizer maximizes; with
// one objective of weight w the report shows the objective itself (weighted / w), so a loss reads
// as a loss and "lower is better" can be said. With several objectives it shows the weighted sum.
#include <cmath>
#include <string>

#include "l2l/storage/run_store.hpp"

namespace l2l::report {

struct Scale {
  double factor = 1.0;
  std::string label = "weighted fitness";
  bool lower_is_better = false;

  explicit Scale(const RunInfo& r) {
    if (r.weights.size() == 1 && r.weights[0] != 0 && std::isfinite(r.weights[0])) {
      factor = 1.0 / r.weights[0];
      label = r.objectives.empty() ? std::string("fitness") : r.objectives[0];
      lower_is_better = r.weights[0] < 0;
    }
  }
  double operator()(double weighted) const { return weighted * factor; }
};

}  // namespace l2l::report
