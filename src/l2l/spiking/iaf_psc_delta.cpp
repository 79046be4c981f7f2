#include "l2l/spiking/iaf_psc_delta.hpp"

#include <cmath>
#include <stdexcept>

#include "l2l/spiking/propagators.hpp"

namespace l2l::spiking {

void IafPscDelta::Params::validate() const {
  if (!(C_m > 0)) throw std::invalid_argument("iaf_psc_delta: C_m must be > 0");
  if (!(tau_m > 0)) throw std::invalid_argument("iaf_psc_delta: tau_m must be > 0");
  if (!(t_ref >= 0)) throw std::invalid_argument("iaf_psc_delta: t_ref must be >= 0");
  if (!(V_reset < V_th)) throw std::invalid_argument("iaf_psc_delta: V_reset must be < V_th");
}

IafPscDelta::IafPscDelta(std::size_t n, const Params& p)
    : Population(n), p_(p), v_(n, 0.0), y0_(n, 0.0), refr_input_(n, 0.0), r_(n, 0) {
  p_.validate();
}

std::unique_ptr<Population> IafPscDelta::clone() const {
  return std::make_unique<IafPscDelta>(*this);
}

void IafPscDelta::calibrate(double h) {
  h_ = h;
  P33_ = std::exp(-h / p_.tau_m);
  P30_ = propagator_dc(p_.tau_m, p_.C_m, h);
  v_th_ = p_.V_th - p_.E_L;
  v_reset_ = p_.V_reset - p_.E_L;
  v_min_ = p_.V_min - p_.E_L;
  ref_steps_ = static_cast<std::int32_t>(ms_to_steps(p_.t_ref, h));
}

void IafPscDelta::update(std::size_t begin, std::size_t end, std::int64_t, const double* ex,
                         const double* in, const double* current, SpikeSink& out) {
  // Locals: the spike sink may reallocate, so the compiler could not keep members in registers.
  const double I_e = p_.I_e, P30 = P30_, P33 = P33_, v_th = v_th_, v_reset = v_reset_,
               v_min = v_min_;
  const std::int32_t ref_steps = ref_steps_;
  double* const v_arr = v_.data();
  double* const y0 = y0_.data();
  std::int32_t* const r_arr = r_.data();
  if (p_.refractory_input) {
    for (std::size_t i = begin, k = 0; i < end; ++i, ++k) {
      double v = v_arr[i];
      const double input = ex[k] + in[k];
      if (r_arr[i] == 0) {
        v = P30 * (y0[i] + I_e) + P33 * v + input + refr_input_[i];
        refr_input_[i] = 0.0;
        if (v < v_min) v = v_min;
      } else {
        refr_input_[i] += input * std::exp(-r_arr[i] * h_ / p_.tau_m);
        --r_arr[i];
      }
      if (v >= v_th) {
        r_arr[i] = ref_steps;
        v = v_reset;
        out.emit(i);
      }
      v_arr[i] = v;
      y0[i] = current ? current[k] : 0.0;
    }
    return;
  }
  for (std::size_t i = begin, k = 0; i < end; ++i, ++k) {
    const double v_old = v_arr[i];
    const std::int32_t r = r_arr[i];
    double v = P30 * (y0[i] + I_e) + P33 * v_old + (ex[k] + in[k]);
    v = v < v_min ? v_min : v;
    v = r == 0 ? v : v_old;  // refractory: V stays, input is discarded
    r_arr[i] = r == 0 ? 0 : r - 1;
    if (v >= v_th) [[unlikely]] {
      r_arr[i] = ref_steps;
      v = v_reset;
      out.emit(i);
    }
    v_arr[i] = v;
    y0[i] = current ? current[k] : 0.0;
  }
}

}  // namespace l2l::spiking
