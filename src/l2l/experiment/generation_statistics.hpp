#pragma once
// The row a generation leaves in the `generations` table: counts, the distribution of the weighted
// fitness over the successful evaluations (best, quartiles, worst, mean; NaN where none
// succeeded) and the best individual of the generation.
#include <cstdint>
#include <vector>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l {

// `weighted[i]` is the weighted fitness of `evals[i]`; failed evaluations count as failed and
// take no part in the statistics.
GenerationRecord generation_statistics(std::int64_t generation, const std::vector<Candidate>& batch,
                                       const std::vector<Evaluation>& evals,
                                       const std::vector<double>& weighted);

// Linear interpolation between order statistics of sorted values (NaN when empty).
double quantile(const std::vector<double>& sorted, double q);

}  // namespace l2l
