#include "l2l/spiking/iaf_cond_exp.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace l2l::spiking {

void IafCondExp::Params::validate() const {
  if (!(C_m > 0)) throw std::invalid_argument("iaf_cond_exp: C_m must be > 0");
  if (!(g_L > 0)) throw std::invalid_argument("iaf_cond_exp: g_L must be > 0");
  if (!(tau_syn_ex > 0 && tau_syn_in > 0))
    throw std::invalid_argument("iaf_cond_exp: time constants must be > 0");
  if (!(t_ref >= 0)) throw std::invalid_argument("iaf_cond_exp: t_ref must be >= 0");
  if (!(V_reset < V_th)) throw std::invalid_argument("iaf_cond_exp: V_reset must be < V_th");
  if (!(abs_tolerance > 0)) throw std::invalid_argument("iaf_cond_exp: abs_tolerance must be > 0");
}

IafCondExp::IafCondExp(std::size_t n, const Params& p)
    : Population(n), p_(p), y_(3 * n, 0.0), step_size_(n, 0.1), i_stim_(n, 0.0), r_(n, 0) {
  p_.validate();
  for (std::size_t i = 0; i < n; ++i) y_[3 * i] = p_.E_L;
}

std::unique_ptr<Population> IafCondExp::clone() const {
  return std::make_unique<IafCondExp>(*this);
}

void IafCondExp::calibrate(double h) {
  if (h != h_) std::fill(step_size_.begin(), step_size_.end(), h);
  h_ = h;
  ref_steps_ = static_cast<std::int32_t>(ms_to_steps(p_.t_ref, h));
}

void IafCondExp::derivatives(const double* y, double* f, bool refractory, double i_stim) const {
  const double V = refractory ? p_.V_reset : std::min(y[0], p_.V_th);
  const double I_syn_ex = y[1] * (V - p_.E_ex);
  const double I_syn_in = y[2] * (V - p_.E_in);
  const double I_L = p_.g_L * (V - p_.E_L);
  f[0] = refractory ? 0.0 : (-I_L + i_stim + p_.I_e - I_syn_ex - I_syn_in) / p_.C_m;
  f[1] = -y[1] / p_.tau_syn_ex;
  f[2] = -y[2] / p_.tau_syn_in;
}

// Fehlberg's 4(5) pair; the solution advances with the fifth-order weights (local
// extrapolation) and the difference to the fourth-order weights estimates the error.
void IafCondExp::integrate(double* y, double& step_size, bool refractory, double i_stim) {
  constexpr double a21 = 1.0 / 4.0;
  constexpr double a31 = 3.0 / 32.0, a32 = 9.0 / 32.0;
  constexpr double a41 = 1932.0 / 2197.0, a42 = -7200.0 / 2197.0, a43 = 7296.0 / 2197.0;
  constexpr double a51 = 439.0 / 216.0, a52 = -8.0, a53 = 3680.0 / 513.0, a54 = -845.0 / 4104.0;
  constexpr double a61 = -8.0 / 27.0, a62 = 2.0, a63 = -3544.0 / 2565.0, a64 = 1859.0 / 4104.0,
                   a65 = -11.0 / 40.0;
  constexpr double b1 = 16.0 / 135.0, b3 = 6656.0 / 12825.0, b4 = 28561.0 / 56430.0,
                   b5 = -9.0 / 50.0, b6 = 2.0 / 55.0;
  constexpr double e1 = 1.0 / 360.0, e3 = -128.0 / 4275.0, e4 = -2197.0 / 75240.0, e5 = 1.0 / 50.0,
                   e6 = 2.0 / 55.0;
  constexpr int n = 3;
  double t = 0.0;
  double k1[n], k2[n], k3[n], k4[n], k5[n], k6[n], tmp[n], out[n];
  while (t < h_) {
    double dt = std::min(step_size, h_ - t);
    for (;;) {
      derivatives(y, k1, refractory, i_stim);
      for (int j = 0; j < n; ++j) tmp[j] = y[j] + dt * a21 * k1[j];
      derivatives(tmp, k2, refractory, i_stim);
      for (int j = 0; j < n; ++j) tmp[j] = y[j] + dt * (a31 * k1[j] + a32 * k2[j]);
      derivatives(tmp, k3, refractory, i_stim);
      for (int j = 0; j < n; ++j) tmp[j] = y[j] + dt * (a41 * k1[j] + a42 * k2[j] + a43 * k3[j]);
      derivatives(tmp, k4, refractory, i_stim);
      for (int j = 0; j < n; ++j)
        tmp[j] = y[j] + dt * (a51 * k1[j] + a52 * k2[j] + a53 * k3[j] + a54 * k4[j]);
      derivatives(tmp, k5, refractory, i_stim);
      for (int j = 0; j < n; ++j)
        tmp[j] = y[j] + dt * (a61 * k1[j] + a62 * k2[j] + a63 * k3[j] + a64 * k4[j] + a65 * k5[j]);
      derivatives(tmp, k6, refractory, i_stim);
      double ratio = 0.0;
      for (int j = 0; j < n; ++j) {
        out[j] = y[j] + dt * (b1 * k1[j] + b3 * k3[j] + b4 * k4[j] + b5 * k5[j] + b6 * k6[j]);
        const double err = dt * (e1 * k1[j] + e3 * k3[j] + e4 * k4[j] + e5 * k5[j] + e6 * k6[j]);
        ratio = std::max(ratio, std::fabs(err) / p_.abs_tolerance);
      }
      if (ratio > 1.1 && dt > 1e-12) {
        // Reject: shrink by the usual safety rule for a fifth-order local error, at most 5x.
        dt *= std::max(0.9 * std::pow(ratio, -1.0 / 5.0), 0.2);
        step_size = dt;
        continue;
      }
      for (int j = 0; j < n; ++j) y[j] = out[j];
      ++rk_steps_;
      const bool reached_end = dt >= h_ - t;
      t = reached_end ? h_ : t + dt;
      if (ratio < 0.5) {
        const double grow = ratio > 0.0 ? 0.9 * std::pow(ratio, -1.0 / 6.0) : 5.0;
        step_size = dt * std::clamp(grow, 1.0, 5.0);
      } else if (!reached_end) {
        step_size = dt;
      }
      break;
    }
  }
}

void IafCondExp::update(std::size_t begin, std::size_t end, std::int64_t, const double* ex,
                        const double* in, const double* current, SpikeSink& out) {
  for (std::size_t i = begin, k = 0; i < end; ++i, ++k) {
    double* y = &y_[3 * i];
    integrate(y, step_size_[i], r_[i] > 0, i_stim_[i]);
    y[1] += ex[k];
    y[2] -= in[k];
    if (r_[i] > 0) {
      --r_[i];
      y[0] = p_.V_reset;
    } else if (y[0] >= p_.V_th) {
      r_[i] = ref_steps_;
      y[0] = p_.V_reset;
      out.emit(i);
    }
    i_stim_[i] = current ? current[k] : 0.0;
  }
}

}  // namespace l2l::spiking
