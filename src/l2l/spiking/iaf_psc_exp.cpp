#include "l2l/spiking/iaf_psc_exp.hpp"

#include <cmath>
#include <stdexcept>

#include "l2l/spiking/propagators.hpp"

namespace l2l::spiking {

void IafPscExp::Params::validate() const {
  if (!(C_m > 0)) throw std::invalid_argument("iaf_psc_exp: C_m must be > 0");
  if (!(tau_m > 0 && tau_syn_ex > 0 && tau_syn_in > 0))
    throw std::invalid_argument("iaf_psc_exp: time constants must be > 0");
  if (!(t_ref >= 0)) throw std::invalid_argument("iaf_psc_exp: t_ref must be >= 0");
  if (!(V_reset < V_th)) throw std::invalid_argument("iaf_psc_exp: V_reset must be < V_th");
}

IafPscExp::IafPscExp(std::size_t n, const Params& p)
    : Population(n), p_(p), v_(n, 0.0), i_ex_(n, 0.0), i_in_(n, 0.0), i0_(n, 0.0), r_(n, 0) {
  p_.validate();
}

std::unique_ptr<Population> IafPscExp::clone() const {
  return std::make_unique<IafPscExp>(*this);
}

void IafPscExp::calibrate(double h) {
  P11ex_ = std::exp(-h / p_.tau_syn_ex);
  P11in_ = std::exp(-h / p_.tau_syn_in);
  P22_ = std::exp(-h / p_.tau_m);
  P21ex_ = propagator_exp(p_.tau_syn_ex, p_.tau_m, p_.C_m, h);
  P21in_ = propagator_exp(p_.tau_syn_in, p_.tau_m, p_.C_m, h);
  P20_ = propagator_dc(p_.tau_m, p_.C_m, h);
  v_th_ = p_.V_th - p_.E_L;
  v_reset_ = p_.V_reset - p_.E_L;
  ref_steps_ = static_cast<std::int32_t>(ms_to_steps(p_.t_ref, h));
}

void IafPscExp::update(std::size_t begin, std::size_t end, std::int64_t, const double* ex,
                       const double* in, const double* current, SpikeSink& out) {
  const double I_e = p_.I_e, P11ex = P11ex_, P11in = P11in_, P21ex = P21ex_, P21in = P21in_,
               P22 = P22_, P20 = P20_, v_th = v_th_, v_reset = v_reset_;
  const std::int32_t ref_steps = ref_steps_;
  double* const v_arr = v_.data();
  double* const i_ex = i_ex_.data();
  double* const i_in = i_in_.data();
  double* const i0 = i0_.data();
  std::int32_t* const r_arr = r_.data();
  for (std::size_t i = begin, k = 0; i < end; ++i, ++k) {
    const double v_old = v_arr[i];
    const std::int32_t r = r_arr[i];
    double v = v_old * P22 + i_ex[i] * P21ex + i_in[i] * P21in + (I_e + i0[i]) * P20;
    v = r == 0 ? v : v_old;
    r_arr[i] = r == 0 ? 0 : r - 1;
    i_ex[i] = i_ex[i] * P11ex + ex[k];
    i_in[i] = i_in[i] * P11in + in[k];
    if (v >= v_th) [[unlikely]] {
      r_arr[i] = ref_steps;
      v = v_reset;
      out.emit(i);
    }
    v_arr[i] = v;
    i0[i] = current ? current[k] : 0.0;
  }
}

}  // namespace l2l::spiking
