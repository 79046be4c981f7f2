#include "l2l/spiking/iaf_psc_alpha.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "l2l/spiking/propagators.hpp"

namespace l2l::spiking {

void IafPscAlpha::Params::validate() const {
  if (!(C_m > 0)) throw std::invalid_argument("iaf_psc_alpha: C_m must be > 0");
  if (!(tau_m > 0 && tau_syn_ex > 0 && tau_syn_in > 0))
    throw std::invalid_argument("iaf_psc_alpha: time constants must be > 0");
  if (!(t_ref >= 0)) throw std::invalid_argument("iaf_psc_alpha: t_ref must be >= 0");
  if (!(V_reset < V_th)) throw std::invalid_argument("iaf_psc_alpha: V_reset must be < V_th");
}

IafPscAlpha::IafPscAlpha(std::size_t n, const Params& p)
    : Population(n),
      p_(p),
      v_(n, 0.0),
      di_ex_(n, 0.0),
      i_ex_(n, 0.0),
      di_in_(n, 0.0),
      i_in_(n, 0.0),
      y0_(n, 0.0),
      r_(n, 0) {
  p_.validate();
}

std::unique_ptr<Population> IafPscAlpha::clone() const {
  return std::make_unique<IafPscAlpha>(*this);
}

void IafPscAlpha::calibrate(double h) {
  P11ex_ = std::exp(-h / p_.tau_syn_ex);
  P11in_ = std::exp(-h / p_.tau_syn_in);
  P21ex_ = h * P11ex_;
  P21in_ = h * P11in_;
  P31ex_ = propagator_alpha(p_.tau_syn_ex, p_.tau_m, p_.C_m, h);
  P31in_ = propagator_alpha(p_.tau_syn_in, p_.tau_m, p_.C_m, h);
  P32ex_ = propagator_exp(p_.tau_syn_ex, p_.tau_m, p_.C_m, h);
  P32in_ = propagator_exp(p_.tau_syn_in, p_.tau_m, p_.C_m, h);
  P33_ = std::exp(-h / p_.tau_m);
  P30_ = propagator_dc(p_.tau_m, p_.C_m, h);
  psc_ex_ = std::numbers::e / p_.tau_syn_ex;
  psc_in_ = std::numbers::e / p_.tau_syn_in;
  v_th_ = p_.V_th - p_.E_L;
  v_reset_ = p_.V_reset - p_.E_L;
  v_min_ = p_.V_min - p_.E_L;
  ref_steps_ = static_cast<std::int32_t>(ms_to_steps(p_.t_ref, h));
}

void IafPscAlpha::update(std::size_t begin, std::size_t end, std::int64_t, const double* ex,
                         const double* in, const double* current, SpikeSink& out) {
  const double I_e = p_.I_e, P11ex = P11ex_, P11in = P11in_, P21ex = P21ex_, P21in = P21in_,
               P31ex = P31ex_, P31in = P31in_, P32ex = P32ex_, P32in = P32in_, P33 = P33_,
               P30 = P30_, psc_ex = psc_ex_, psc_in = psc_in_, v_th = v_th_, v_reset = v_reset_,
               v_min = v_min_;
  const std::int32_t ref_steps = ref_steps_;
  double* const v_arr = v_.data();
  double* const di_ex_arr = di_ex_.data();
  double* const i_ex_arr = i_ex_.data();
  double* const di_in_arr = di_in_.data();
  double* const i_in_arr = i_in_.data();
  double* const y0 = y0_.data();
  std::int32_t* const r_arr = r_.data();
  for (std::size_t i = begin, k = 0; i < end; ++i, ++k) {
    const double v_old = v_arr[i];
    const std::int32_t r = r_arr[i];
    double di_ex = di_ex_arr[i], i_ex = i_ex_arr[i], di_in = di_in_arr[i], i_in = i_in_arr[i];
    double v = P30 * (y0[i] + I_e) + P31ex * di_ex + P32ex * i_ex + P31in * di_in + P32in * i_in +
               P33 * v_old;
    v = v < v_min ? v_min : v;
    v = r == 0 ? v : v_old;
    r_arr[i] = r == 0 ? 0 : r - 1;
    i_ex = P21ex * di_ex + P11ex * i_ex;
    di_ex = P11ex * di_ex + psc_ex * ex[k];
    i_in = P21in * di_in + P11in * i_in;
    di_in = P11in * di_in + psc_in * in[k];
    if (v >= v_th) [[unlikely]] {
      r_arr[i] = ref_steps;
      v = v_reset;
      out.emit(i);
    }
    v_arr[i] = v;
    di_ex_arr[i] = di_ex;
    i_ex_arr[i] = i_ex;
    di_in_arr[i] = di_in;
    i_in_arr[i] = i_in;
    y0[i] = current ? current[k] : 0.0;
  }
}

}  // namespace l2l::spiking
