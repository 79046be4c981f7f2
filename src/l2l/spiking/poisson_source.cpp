#include "l2l/spiking/poisson_source.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "l2l/spiking/poisson.hpp"

namespace l2l::spiking {

PoissonSource::PoissonSource(std::size_t n, const Params& p)
    : Population(n), rate_(n, p.rate), mean_(n, 0.0), p0_(n, 1.0), rng_(n) {
  if (!(p.rate >= 0.0)) throw std::invalid_argument("poisson_source: rate must be >= 0");
}

std::unique_ptr<Population> PoissonSource::clone() const {
  return std::make_unique<PoissonSource>(*this);
}

double PoissonSource::v_m(std::size_t) const {
  return std::numeric_limits<double>::quiet_NaN();
}

void PoissonSource::seed_streams(std::uint64_t network_seed, std::uint32_t first_node) {
  const std::uint64_t base = mix_seed(network_seed, 0x706f6973736f6e73ull);  // "poissons"
  for (std::size_t i = 0; i < size(); ++i) rng_[i].reseed(mix_seed(base, first_node + i));
}

void PoissonSource::set_rate(std::size_t i, double rate_hz) {
  if (!(rate_hz >= 0.0) || !std::isfinite(rate_hz))
    throw std::invalid_argument("poisson_source: rate must be >= 0");
  rate_.at(i) = rate_hz;
  mean_[i] = rate_hz * h_ * 1e-3;
  p0_[i] = std::exp(-mean_[i]);
}

void PoissonSource::calibrate(double h) {
  h_ = h;
  for (std::size_t i = 0; i < size(); ++i) set_rate(i, rate_[i]);
}

void PoissonSource::update(std::size_t begin, std::size_t end, std::int64_t, const double*,
                           const double*, const double*, SpikeSink& out) {
  for (std::size_t i = begin; i < end; ++i) {
    if (mean_[i] <= 0.0) continue;
    const double u = rng_[i].uniform();
    if (u < p0_[i]) continue;  // the common case: no spike
    // Sequential inversion of the Poisson distribution, continued past k = 0.
    double p = p0_[i], c = p;
    std::uint32_t k = 0;
    while (u >= c && k < 100000) {
      ++k;
      p *= mean_[i] / k;
      c += p;
      if (p == 0.0) break;
    }
    out.emit(i, k);
  }
}

}  // namespace l2l::spiking
