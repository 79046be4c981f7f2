#pragma once
// iaf_psc_delta: leaky integrate-and-fire neuron with delta-shaped synaptic input (NEST model
// of the same name; Brunel 2000 model A).
//
// Subthreshold dynamics (V relative to E_L in the code):
//   dV/dt = -(V - E_L)/tau_m + (I_e + I_ext(t))/C_m + sum_k w_k delta(t - t_k)
// Each arriving spike makes V jump by its weight w (mV). The linear part is integrated exactly:
//   V(t + h) = E_L + P33 (V(t) - E_L) + P30 (I_e + I_ext) + (sum of weights arriving in the step)
//   P33 = exp(-h/tau_m),  P30 = tau_m/C_m (1 - exp(-h/tau_m))
// If V >= V_th after the update, the neuron spikes (time stamp: end of the step), V is set to
// V_reset and stays there for t_ref (rounded to steps); spikes arriving meanwhile are discarded
// unless refractory_input is set, in which case they are added, discounted by exp(-remaining
// refractory time/tau_m), when the refractory period ends. V is bounded below by V_min.
// External current read in a step acts from the next step on (NEST update order).
//
// Parameters (NEST defaults):
//   | name             | unit | default | meaning                                  |
//   |------------------|------|---------|------------------------------------------|
//   | E_L              | mV   | -70     | resting potential                        |
//   | C_m              | pF   | 250     | membrane capacitance                     |
//   | tau_m            | ms   | 10      | membrane time constant                   |
//   | t_ref            | ms   | 2       | absolute refractory period               |
//   | V_th             | mV   | -55     | spike threshold                          |
//   | V_reset          | mV   | -70     | reset potential                          |
//   | I_e              | pA   | 0       | constant external current                |
//   | V_min            | mV   | -inf    | lower bound of V                         |
//   | refractory_input | bool | false   | keep spikes arriving while refractory    |
// State: V_m (mV, initial E_L).
#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class IafPscDelta final : public Population {
 public:
  struct Params {
    double E_L = -70.0;
    double C_m = 250.0;
    double tau_m = 10.0;
    double t_ref = 2.0;
    double V_th = -55.0;
    double V_reset = -70.0;
    double I_e = 0.0;
    double V_min = -kInf;
    bool refractory_input = false;
    void validate() const;
  };
  static constexpr const char* kModel = "iaf_psc_delta";

  explicit IafPscDelta(std::size_t n) : IafPscDelta(n, Params{}) {}
  IafPscDelta(std::size_t n, const Params& p);
  std::string model() const override { return kModel; }
  std::unique_ptr<Population> clone() const override;
  void calibrate(double h) override;
  void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
              const double* in, const double* current, SpikeSink& out) override;
  double v_m(std::size_t i) const override { return v_[i] + p_.E_L; }
  void set_v_m(std::size_t i, double v) override { v_[i] = v - p_.E_L; }
  const Params& params() const { return p_; }

 private:
  Params p_;
  double h_ = 0.1, P30_ = 0.0, P33_ = 0.0, v_th_ = 0.0, v_reset_ = 0.0, v_min_ = -kInf;
  std::int32_t ref_steps_ = 0;
  std::vector<double> v_, y0_, refr_input_;
  std::vector<std::int32_t> r_;
};

}  // namespace l2l::spiking
