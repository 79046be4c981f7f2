#pragma once
// iaf_psc_exp: leaky integrate-and-fire neuron with exponentially decaying synaptic currents
// (NEST model of the same name).
//
// Dynamics:
//   dV/dt     = -(V - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_ext(t))/C_m
//   dI_syn_x/dt = -I_syn_x/tau_syn_x,   x in {ex, in}
// A spike of weight w (pA) makes I_syn_ex jump by w if w >= 0, I_syn_in by w (negative) otherwise.
// Exact integration over a step h (Rotter & Diesmann 1999), see propagators.hpp:
//   V    <- E_L + P22 (V - E_L) + P21ex I_syn_ex + P21in I_syn_in + P20 (I_e + I_ext)
//   I_syn_x <- P11x I_syn_x + (weights arriving in the step)
//   P22 = exp(-h/tau_m), P11x = exp(-h/tau_syn_x), P21x = propagator_exp(tau_syn_x),
//   P20 = tau_m/C_m (1 - P22)
// Update order as in NEST: V (unless refractory), then the currents decay and receive this step's
// spikes, then the threshold test (spike, V = V_reset, t_ref steps without V update), then the
// external current of this step is stored for the next one.
//
// Parameters (NEST defaults):
//   | name       | unit | default | meaning                                 |
//   |------------|------|---------|-----------------------------------------|
//   | E_L        | mV   | -70     | resting potential                       |
//   | C_m        | pF   | 250     | membrane capacitance                    |
//   | tau_m      | ms   | 10      | membrane time constant                  |
//   | tau_syn_ex | ms   | 2       | excitatory synaptic time constant       |
//   | tau_syn_in | ms   | 2       | inhibitory synaptic time constant       |
//   | t_ref      | ms   | 2       | absolute refractory period              |
//   | V_th       | mV   | -55     | spike threshold                         |
//   | V_reset    | mV   | -70     | reset potential                         |
//   | I_e        | pA   | 0       | constant external current               |
// State: V_m (mV, initial E_L), I_syn_ex, I_syn_in (pA, initial 0).
#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class IafPscExp final : public Population {
 public:
  struct Params {
    double E_L = -70.0;
    double C_m = 250.0;
    double tau_m = 10.0;
    double tau_syn_ex = 2.0;
    double tau_syn_in = 2.0;
    double t_ref = 2.0;
    double V_th = -55.0;
    double V_reset = -70.0;
    double I_e = 0.0;
    void validate() const;
  };
  static constexpr const char* kModel = "iaf_psc_exp";

  explicit IafPscExp(std::size_t n) : IafPscExp(n, Params{}) {}
  IafPscExp(std::size_t n, const Params& p);
  std::string model() const override { return kModel; }
  std::unique_ptr<Population> clone() const override;
  void calibrate(double h) override;
  void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
              const double* in, const double* current, SpikeSink& out) override;
  double v_m(std::size_t i) const override { return v_[i] + p_.E_L; }
  void set_v_m(std::size_t i, double v) override { v_[i] = v - p_.E_L; }
  double i_syn_ex(std::size_t i) const { return i_ex_[i]; }
  double i_syn_in(std::size_t i) const { return i_in_[i]; }
  const Params& params() const { return p_; }

 private:
  Params p_;
  double P11ex_ = 0, P11in_ = 0, P21ex_ = 0, P21in_ = 0, P22_ = 0, P20_ = 0;
  double v_th_ = 0, v_reset_ = 0;
  std::int32_t ref_steps_ = 0;
  std::vector<double> v_, i_ex_, i_in_, i0_;
  std::vector<std::int32_t> r_;
};

}  // namespace l2l::spiking
