#include "l2l/spiking/poisson.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace l2l::spiking {

PoissonTable::PoissonTable(double mean) : mean_(mean) {
  if (!(mean >= 0.0) || !std::isfinite(mean))
    throw std::invalid_argument("Poisson mean must be >= 0");
  if (mean == 0.0) return;
  if (mean > 1e6) throw std::invalid_argument("Poisson mean per step too large (> 1e6)");
  // Probabilities from log-space terms (no underflow of exp(-mean) for large means), cumulated
  // until the remaining tail is below double precision.
  const double log_mean = std::log(mean);
  std::vector<double> prob;
  double c = 0.0;
  for (std::uint32_t k = 0;; ++k) {
    const double p = std::exp(k * log_mean - mean - std::lgamma(k + 1.0));
    c += p;
    prob.push_back(p);
    if (k > mean && (1.0 - c < 1e-16 || p < 1e-300)) break;
  }
  prob.back() += std::max(0.0, 1.0 - c);  // the neglected tail goes to the last value
  int bits = 0;
  while ((std::size_t{1} << bits) < prob.size()) ++bits;
  const std::size_t n = std::size_t{1} << bits;
  prob.resize(n, 0.0);
  shift_ = 64 - bits;
  mask_ = bits == 0 ? ~std::uint64_t{0} : (std::uint64_t{1} << shift_) - 1;
  const double scale = bits == 0 ? 0x1.0p64 : std::ldexp(1.0, shift_);
  // Vose's construction of the alias table.
  std::vector<double> q(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t k = 0; k < n; ++k) {
    q[k] = prob[k] * static_cast<double>(n);
    (q[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
  }
  cells_.assign(n, Cell{0, 0, 0});
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    cells_[s] = {static_cast<std::uint64_t>(q[s] * scale), s, l};
    q[l] -= 1.0 - q[s];
    if (q[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What remains has probability 1 up to rounding: always keep the cell's own value.
  for (auto k : large) cells_[k] = {~std::uint64_t{0}, k, k};
  for (auto k : small) cells_[k] = {~std::uint64_t{0}, k, k};
}

std::uint32_t poisson_draw(Rng& rng, double mean) {
  if (!(mean > 0.0)) return 0;
  if (mean > 30.0) {
    const double half = 0.5 * mean;
    return poisson_draw(rng, half) + poisson_draw(rng, mean - half);
  }
  const double u = rng.uniform();
  double p = std::exp(-mean);
  double c = p;
  std::uint32_t k = 0;
  while (u >= c && k < 1000) {
    ++k;
    p *= mean / k;
    c += p;
  }
  return k;
}

}  // namespace l2l::spiking
