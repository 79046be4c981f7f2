#include "l2l/optimizers/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace l2l::ranking {

namespace {

double key(double f) {
  return std::isnan(f) ? -std::numeric_limits<double>::infinity() : f;
}

// Calls visit(first, last) for each run of tied values in `order` (best first).
template <class Visit>
void for_each_tie(std::span<const double> fitness, const std::vector<std::size_t>& order,
                  Visit visit) {
  std::size_t a = 0;
  while (a < order.size()) {
    std::size_t b = a + 1;
    while (b < order.size() && key(fitness[order[b]]) == key(fitness[order[a]])) ++b;
    visit(a, b);
    a = b;
  }
}

}  // namespace

std::vector<std::size_t> order_best_first(std::span<const double> fitness) {
  std::vector<std::size_t> idx(fitness.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t i, std::size_t j) { return key(fitness[i]) > key(fitness[j]); });
  return idx;
}

std::vector<double> average_ranks(std::span<const double> fitness) {
  const std::size_t n = fitness.size();
  const auto order = order_best_first(fitness);
  std::vector<double> ranks(n);
  for_each_tie(fitness, order, [&](std::size_t a, std::size_t b) {
    // Positions a..b-1 best-first are ascending ranks n-1-a .. n-b.
    const double r = (static_cast<double>(n - 1 - a) + static_cast<double>(n - b)) / 2.0;
    for (std::size_t p = a; p < b; ++p) ranks[order[p]] = r;
  });
  return ranks;
}

std::vector<double> centered_ranks(std::span<const double> fitness) {
  const std::size_t n = fitness.size();
  auto r = average_ranks(fitness);
  if (n < 2) return std::vector<double>(n, 0.0);
  for (auto& v : r) v = v / static_cast<double>(n - 1) - 0.5;
  return r;
}

std::vector<double> nes_utilities(std::span<const double> fitness) {
  const std::size_t n = fitness.size();
  std::vector<double> by_position(n);
  double sum = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    by_position[k] = std::max(
        0.0, std::log(static_cast<double>(n) / 2.0 + 1.0) - std::log(static_cast<double>(k + 1)));
    sum += by_position[k];
  }
  for (auto& u : by_position) u = u / sum - 1.0 / static_cast<double>(n);
  const auto order = order_best_first(fitness);
  std::vector<double> util(n);
  for_each_tie(fitness, order, [&](std::size_t a, std::size_t b) {
    if (b - a == n) return;  // all tied: exactly zero, not a rounding residue of it
    double s = 0.0;
    for (std::size_t p = a; p < b; ++p) s += by_position[p];
    s /= static_cast<double>(b - a);
    for (std::size_t p = a; p < b; ++p) util[order[p]] = s;
  });
  return util;
}

std::vector<double> centered_fitness(std::span<const double> fitness) {
  double sum = 0.0;
  std::size_t n = 0;
  for (double f : fitness)
    if (std::isfinite(f)) sum += f, ++n;
  std::vector<double> c(fitness.size(), 0.0);
  if (n == 0) return c;
  const double mean = sum / static_cast<double>(n);
  for (std::size_t i = 0; i < fitness.size(); ++i)
    if (std::isfinite(fitness[i])) c[i] = fitness[i] - mean;
  return c;
}

std::size_t count_finite(std::span<const double> fitness) {
  return static_cast<std::size_t>(
      std::count_if(fitness.begin(), fitness.end(), [](double f) { return std::isfinite(f); }));
}

}  // namespace l2l::ranking
