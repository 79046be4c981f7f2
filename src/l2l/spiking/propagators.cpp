#include "l2l/spiking/propagators.hpp"

#include <cmath>

namespace l2l::spiking {

double phi1(double x) {
  if (std::fabs(x) < 1e-4) return 1.0 + x * (0.5 + x * (1.0 / 6.0 + x / 24.0));
  return std::expm1(x) / x;
}

double phi2(double x) {
  if (std::fabs(x) < 0.1) {
    // sum_{n>=2} (n-1) x^(n-2) / n!, truncated where the terms drop below double precision.
    double term_factorial = 2.0;  // n!
    double xp = 1.0;              // x^(n-2)
    double sum = 0.0;
    for (int n = 2; n <= 16; ++n) {
      if (n > 2) term_factorial *= n, xp *= x;
      sum += (n - 1) * xp / term_factorial;
    }
    return sum;
  }
  return (x * std::exp(x) - std::expm1(x)) / (x * x);
}

double propagator_exp(double tau_syn, double tau_m, double c_m, double h) {
  const double x = h * (1.0 / tau_m - 1.0 / tau_syn);
  return h / c_m * std::exp(-h / tau_m) * phi1(x);
}

double propagator_alpha(double tau_syn, double tau_m, double c_m, double h) {
  const double x = h * (1.0 / tau_m - 1.0 / tau_syn);
  return h * h / c_m * std::exp(-h / tau_m) * phi2(x);
}

double propagator_dc(double tau_m, double c_m, double h) {
  return -tau_m / c_m * std::expm1(-h / tau_m);
}

}  // namespace l2l::spiking
