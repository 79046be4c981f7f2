#pragma once
// Reducing an inner run's learning curve to one number (the outer fitness of one task), and
// aggregating tasks.
#include <string>
#include <vector>

#include "l2l/storage/run_store.hpp"

namespace l2l {

enum class ReduceRule { final_value, best, mean_last, auc };
enum class Aggregate { mean, median, worst };

struct Reduction {
  ReduceRule rule = ReduceRule::final_value;
  std::string metric = "best";  // best | median | mean | test_<name>
  std::int64_t last = 5;        // generations averaged by mean_last
};

// The per-generation series of `metric` in raw units of the inner objective (for `best`,
// `median`, `mean`: the weighted statistic divided by the first weight; `test_*` from info).
// Generations without the metric are skipped.
std::vector<double> metric_series(const std::vector<GenerationRecord>& gens,
                                  const std::string& metric, double first_weight);

// `higher_is_better` tells `best` which extreme to take.
double reduce(const std::vector<double>& series, const Reduction& r, bool higher_is_better);

double aggregate(const std::vector<double>& values, Aggregate a, bool higher_is_better);

}  // namespace l2l
