#include "l2l/spiking/siegert.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace l2l::spiking {

double siegert_integrand(double u) {
  if (u >= -26.0) return std::exp(u * u) * std::erfc(-u);
  // Asymptotic series of erfcx(x) for large x = -u.
  const double x = -u, x2 = x * x;
  return 1.0 / (x * std::sqrt(std::numbers::pi)) *
         (1.0 - 1.0 / (2 * x2) + 3.0 / (4 * x2 * x2) - 15.0 / (8 * x2 * x2 * x2));
}

double siegert_rate(double mu, double sigma, double tau_m, double theta, double v_reset,
                    double t_ref) {
  if (!(sigma > 0)) throw std::invalid_argument("siegert_rate: sigma must be > 0");
  const double lo = (v_reset - mu) / sigma, hi = (theta - mu) / sigma;
  // Composite Simpson; the integrand is smooth and grows like e^{u^2} for u > 0, so the number of
  // intervals grows with the range.
  const int n = 2 * static_cast<int>(
                        std::ceil(200.0 * std::max(1.0, hi - lo) * std::max(1.0, std::fabs(hi))));
  const double dx = (hi - lo) / n;
  double s = siegert_integrand(lo) + siegert_integrand(hi);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * siegert_integrand(lo + i * dx);
  const double integral = s * dx / 3.0;
  const double period_ms = t_ref + tau_m * std::sqrt(std::numbers::pi) * integral;
  return 1000.0 / period_ms;
}

double BrunelMeanField::rate() const {
  const double tau_s = tau_m * 1e-3;
  const double gamma = c_i / c_e;
  auto phi = [&](double nu) {
    const double mu = c_e * j * tau_s * (nu_ext + nu * (1.0 - g * gamma));
    const double var = c_e * j * j * tau_s * (nu_ext + nu * (1.0 + g * g * gamma));
    return siegert_rate(mu, std::sqrt(var), tau_m, theta, v_reset, t_ref);
  };
  // Bisection on phi(nu) - nu over [0, 1/t_ref]; with dominant inhibition phi decreases in nu, so
  // the root is unique.
  double lo = 0.0, hi = 1000.0 / t_ref;
  if (phi(lo) <= 0.0) return 0.0;
  for (int it = 0; it < 200 && hi - lo > 1e-12; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (phi(mid) > mid)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace l2l::spiking
