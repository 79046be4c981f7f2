#pragma once
// iaf_psc_alpha: leaky integrate-and-fire neuron with alpha-shaped synaptic currents (NEST model
// of the same name).
//
// Dynamics:
//   dV/dt = -(V - E_L)/tau_m + (I_ex + I_in + I_e + I_ext(t))/C_m
//   a spike of weight w at t_k adds  w e (t - t_k)/tau_syn exp(-(t - t_k)/tau_syn)  to I_ex (w >=
//   0) or I_in (w < 0): the current peaks at w (pA) tau_syn after the spike.
// Written as a linear system per channel, dI/dt = dI' - I/tau_syn, d(dI')/dt = -dI'/tau_syn, a
// spike adds w e/tau_syn to dI'. Exact integration over a step h (Rotter & Diesmann 1999):
//   V   <- E_L + P33 (V - E_L) + P30 (I_e + I_ext) + sum_x (P31x dI'_x + P32x I_x)
//   I_x <- P21x dI'_x + P22x I_x,   dI'_x <- P11x dI'_x + (e/tau_syn_x) (weights arriving)
//   P11x = P22x = exp(-h/tau_syn_x), P21x = h P11x, P33 = exp(-h/tau_m),
//   P30 = tau_m/C_m (1 - P33), P31x = propagator_alpha(tau_syn_x), P32x = propagator_exp(tau_syn_x)
// The tau_m == tau_syn singularity is handled in propagators.hpp. Update order as in NEST: V unless
// refractory, the currents, this step's spikes, threshold test (spike, V = V_reset, t_ref steps
// without V update), then the external current is stored for the next step.
//
// Parameters (NEST defaults):
//   | name       | unit | default | meaning                                 |
//   |------------|------|---------|-----------------------------------------|
//   | E_L        | mV   | -70     | resting potential                       |
//   | C_m        | pF   | 250     | membrane capacitance                    |
//   | tau_m      | ms   | 10      | membrane time constant                  |
//   | tau_syn_ex | ms   | 2       | rise time of the excitatory current     |
//   | tau_syn_in | ms   | 2       | rise time of the inhibitory current     |
//   | t_ref      | ms   | 2       | absolute refractory period              |
//   | V_th       | mV   | -55     | spike threshold                         |
//   | V_reset    | mV   | -70     | reset potential                         |
//   | I_e        | pA   | 0       | constant external current               |
//   | V_min      | mV   | -inf    | lower bound of V                        |
// State: V_m (mV, initial E_L), I_ex, I_in (pA) and their derivatives (initial 0).
#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class IafPscAlpha final : public Population {
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
    double V_min = -kInf;
    void validate() const;
  };
  static constexpr const char* kModel = "iaf_psc_alpha";

  explicit IafPscAlpha(std::size_t n) : IafPscAlpha(n, Params{}) {}
  IafPscAlpha(std::size_t n, const Params& p);
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
  double P11ex_ = 0, P11in_ = 0, P21ex_ = 0, P21in_ = 0, P31ex_ = 0, P31in_ = 0, P32ex_ = 0,
         P32in_ = 0, P33_ = 0, P30_ = 0, psc_ex_ = 0, psc_in_ = 0;
  double v_th_ = 0, v_reset_ = 0, v_min_ = -kInf;
  std::int32_t ref_steps_ = 0;
  std::vector<double> v_, di_ex_, i_ex_, di_in_, i_in_, y0_;
  std::vector<std::int32_t> r_;
};

}  // namespace l2l::spiking
