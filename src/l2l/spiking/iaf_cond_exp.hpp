#pragma once
// iaf_cond_exp: leaky integrate-and-fire neuron with exponentially decaying synaptic
// conductances (NEST model of the same name; Kumar et al. 2008).
//
// Dynamics:
//   C_m dV/dt  = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_ext(t)
//   dg_x/dt    = -g_x/tau_syn_x,   x in {ex, in}
// A spike of weight w (nS) increases g_ex by w if w > 0 and g_in by -w otherwise. In the
// right-hand side V is bounded above by V_th, and while refractory V is clamped to V_reset (dV/dt
// = 0), as in NEST.
// The system is not linear in V, so it is integrated numerically with the embedded
// Runge-Kutta-Fehlberg 4(5) pair, advancing with the fifth-order solution and adapting the
// step size to keep the local error estimate of every component below 1e-3 (absolute; NEST uses
// GSL's rkf45 with the same tolerance). Each neuron keeps its last accepted step size across
// time steps. After integrating over the time step: this step's spikes are added to the
// conductances, refractoriness is counted down (V = V_reset) or the threshold is tested (spike,
// V = V_reset, t_ref steps), and the external current of the step is stored for the next one.
//
// Parameters (NEST defaults):
//   | name       | unit | default  | meaning                                  |
//   |------------|------|----------|------------------------------------------|
//   | E_L        | mV   | -70      | leak reversal potential                  |
//   | C_m        | pF   | 250      | membrane capacitance                     |
//   | g_L        | nS   | 16.6667  | leak conductance                         |
//   | E_ex       | mV   | 0        | excitatory reversal potential            |
//   | E_in       | mV   | -85      | inhibitory reversal potential            |
//   | tau_syn_ex | ms   | 0.2      | excitatory conductance time constant     |
//   | tau_syn_in | ms   | 2        | inhibitory conductance time constant     |
//   | t_ref      | ms   | 2        | absolute refractory period               |
//   | V_th       | mV   | -55      | spike threshold                          |
//   | V_reset    | mV   | -60      | reset potential                          |
//   | I_e        | pA   | 0        | constant external current                |
// State: V_m (mV, initial E_L), g_ex, g_in (nS, initial 0).
#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class IafCondExp final : public Population {
 public:
  struct Params {
    double E_L = -70.0;
    double C_m = 250.0;
    double g_L = 16.6667;
    double E_ex = 0.0;
    double E_in = -85.0;
    double tau_syn_ex = 0.2;
    double tau_syn_in = 2.0;
    double t_ref = 2.0;
    double V_th = -55.0;
    double V_reset = -60.0;
    double I_e = 0.0;
    double abs_tolerance = 1e-3;  // local error bound of the RKF45 integrator
    void validate() const;
  };
  static constexpr const char* kModel = "iaf_cond_exp";

  explicit IafCondExp(std::size_t n) : IafCondExp(n, Params{}) {}
  IafCondExp(std::size_t n, const Params& p);
  std::string model() const override { return kModel; }
  std::unique_ptr<Population> clone() const override;
  void calibrate(double h) override;
  void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
              const double* in, const double* current, SpikeSink& out) override;
  double v_m(std::size_t i) const override { return y_[3 * i]; }
  void set_v_m(std::size_t i, double v) override { y_[3 * i] = v; }
  double g_ex(std::size_t i) const { return y_[3 * i + 1]; }
  double g_in(std::size_t i) const { return y_[3 * i + 2]; }
  const Params& params() const { return p_; }
  // Total number of accepted RKF45 steps (for tests and profiling).
  std::uint64_t integration_steps() const { return rk_steps_; }

 private:
  void derivatives(const double* y, double* f, bool refractory, double i_stim) const;
  void integrate(double* y, double& step_size, bool refractory, double i_stim);

  Params p_;
  double h_ = 0.1;
  std::int32_t ref_steps_ = 0;
  std::vector<double> y_;          // V, g_ex, g_in per neuron
  std::vector<double> step_size_;  // last accepted RKF45 step per neuron
  std::vector<double> i_stim_;
  std::vector<std::int32_t> r_;
  std::uint64_t rk_steps_ = 0;
};

}  // namespace l2l::spiking
