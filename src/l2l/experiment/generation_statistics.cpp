#include "l2l/experiment/generation_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace l2l {

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

GenerationRecord generation_statistics(std::int64_t generation, const std::vector<Candidate>& batch,
                                       const std::vector<Evaluation>& evals,
                                       const std::vector<double>& weighted) {
  GenerationRecord rec;
  rec.generation = generation;
  rec.evaluations = static_cast<std::int64_t>(batch.size());
  std::vector<double> ok_values;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!evals[i].ok()) {
      ++rec.failed;
      continue;
    }
    ok_values.push_back(weighted[i]);
    if (rec.best_index < 0 || weighted[i] > weighted[static_cast<std::size_t>(rec.best_index)])
      rec.best_index = static_cast<std::int64_t>(i);
  }
  std::sort(ok_values.begin(), ok_values.end());
  rec.worst = ok_values.empty() ? std::nan("") : ok_values.front();
  rec.best = ok_values.empty() ? std::nan("") : ok_values.back();
  rec.q25 = quantile(ok_values, 0.25);
  rec.median = quantile(ok_values, 0.5);
  rec.q75 = quantile(ok_values, 0.75);
  rec.mean = std::nan("");
  if (!ok_values.empty()) {
    double sum = 0;
    for (double v : ok_values) sum += v;
    rec.mean = sum / static_cast<double>(ok_values.size());
  }
  if (rec.best_index >= 0) {
    const auto b = static_cast<std::size_t>(rec.best_index);
    rec.best_fitness = evals[b].fitness;
    rec.best_params = batch[b].params;
  }
  return rec;
}

}  // namespace l2l
