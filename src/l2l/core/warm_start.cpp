#include "l2l/core/warm_start.hpp"

#include <algorithm>
#include <cmath>

namespace l2l {

std::vector<double> WarmStart::centre(const ParameterSpace& space) const {
  if (!centre_at_mean || population.empty()) return best.params;
  std::vector<double> mean(space.dim(), 0.0);
  for (const auto& ind : population) {
    const auto u = space.to_unit(ind.params);
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += u[i];
  }
  for (auto& m : mean) m /= static_cast<double>(population.size());
  return space.from_unit(mean);
}

std::vector<double> WarmStart::unit_spread(const ParameterSpace& space) const {
  if (population.size() < 2) return {};
  const std::size_t d = space.dim();
  std::vector<double> sum(d, 0.0), sum2(d, 0.0);
  for (const auto& ind : population) {
    const auto u = space.to_unit(ind.params);
    for (std::size_t i = 0; i < d; ++i) {
      sum[i] += u[i];
      sum2[i] += u[i] * u[i];
    }
  }
  const auto n = static_cast<double>(population.size());
  std::vector<double> sd(d);
  for (std::size_t i = 0; i < d; ++i) {
    const double mean = sum[i] / n;
    sd[i] = std::sqrt(std::max(0.0, (sum2[i] - n * mean * mean) / (n - 1.0)));
  }
  return sd;
}

double WarmStart::mean_unit_spread(const ParameterSpace& space, double fallback) const {
  const auto sd = unit_spread(space);
  if (sd.empty()) return fallback;
  double s = 0;
  for (double v : sd) s += v;
  s /= static_cast<double>(sd.size());
  // A population that collapsed onto one point would freeze a Gaussian search.
  return s > 1e-12 ? s : fallback;
}

}  // namespace l2l
