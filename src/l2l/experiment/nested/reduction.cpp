#include "l2l/experiment/nested/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace l2l {

std::vector<double> metric_series(const std::vector<GenerationRecord>& gens,
                                  const std::string& metric, double first_weight) {
  std::vector<double> s;
  for (const auto& g : gens) {
    double v = std::nan("");
    if (metric == "best")
      v = g.best / first_weight;
    else if (metric == "median")
      v = g.median / first_weight;
    else if (metric == "mean")
      v = g.mean / first_weight;
    else if (g.info.contains(metric) && g.info[metric].is_number())
      v = g.info[metric].get<double>();
    if (std::isfinite(v)) s.push_back(v);
  }
  return s;
}

double reduce(const std::vector<double>& series, const Reduction& r, bool higher_is_better) {
  if (series.empty()) throw std::runtime_error("the inner run recorded no value of its metric");
  switch (r.rule) {
    case ReduceRule::final_value:
      return series.back();
    case ReduceRule::best:
      return higher_is_better ? *std::max_element(series.begin(), series.end())
                              : *std::min_element(series.begin(), series.end());
    case ReduceRule::mean_last: {
      const auto n = std::min<std::size_t>(series.size(), static_cast<std::size_t>(r.last));
      return std::accumulate(series.end() - static_cast<std::ptrdiff_t>(n), series.end(), 0.0) /
             static_cast<double>(n);
    }
    case ReduceRule::auc:
      // Area under the learning curve per generation (trapezoids, normalised by the length), so
      // runs of different lengths compare and fast learners score better.
      if (series.size() == 1) return series[0];
      double area = 0;
      for (std::size_t i = 1; i < series.size(); ++i) area += 0.5 * (series[i - 1] + series[i]);
      return area / static_cast<double>(series.size() - 1);
  }
  return series.back();
}

double aggregate(const std::vector<double>& values, Aggregate a, bool higher_is_better) {
  if (values.empty()) throw std::runtime_error("no task values to aggregate");
  switch (a) {
    case Aggregate::mean:
      return std::accumulate(values.begin(), values.end(), 0.0) /
             static_cast<double>(values.size());
    case Aggregate::median: {
      auto v = values;
      std::sort(v.begin(), v.end());
      const auto n = v.size();
      return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
    case Aggregate::worst:
      return higher_is_better ? *std::min_element(values.begin(), values.end())
                              : *std::max_element(values.begin(), values.end());
  }
  return values.front();
}

}  // namespace l2l
