// Neuron models against closed-form solutions: PSP shapes and peaks, membrane potential under DC
// input, firing under DC with refractoriness, the tau_m == tau_syn singular case.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "l2l/spiking/iaf_cond_exp.hpp"
#include "l2l/spiking/iaf_psc_alpha.hpp"
#include "l2l/spiking/iaf_psc_delta.hpp"
#include "l2l/spiking/iaf_psc_exp.hpp"
#include "l2l/spiking/network.hpp"
#include "l2l/spiking/propagators.hpp"
#include "l2l/spiking/spike_generator.hpp"

using namespace l2l::spiking;

namespace {

constexpr double kH = 0.1;

// One spike at t_spike through a synapse of weight w and delay d into one neuron; returns the
// voltmeter record (every step).
template <class Model>
VoltageRecord psp_trace(const typename Model::Params& p, double w, double t_spike, double d,
                        double t_sim) {
  Network net({kH, 1, 1});
  const NodeRange sg = net.create<SpikeGenerator>(1);
  net.population_as<SpikeGenerator>(sg).set_spike_times(0, {t_spike});
  const NodeRange n = net.create<Model>(1, p);
  net.connect(sg, n, ConnSpec::one_to_one(), SynSpec(w, d));
  const auto vm = net.add_voltmeter(n);
  net.simulate(t_sim);
  const auto rec = net.voltage_record(vm);
  EXPECT_EQ(rec.times.size(), static_cast<std::size_t>(std::llround(t_sim / kH)));
  return rec;
}

// Alpha PSP (mV) t ms after the current onset: (w e / (tau_s C)) int_0^t e^{-(t-s)/tau_m} s
// e^{-s/tau_s} ds, written in the textbook form for tau_m != tau_s.
double alpha_psp(double t, double w, double tau_s, double tau_m, double c) {
  if (t <= 0) return 0.0;
  const double a = 1.0 / tau_m - 1.0 / tau_s;
  const double integral = (std::exp(-t / tau_s) * (a * t - 1.0) + std::exp(-t / tau_m)) / (a * a);
  return w * std::numbers::e / tau_s / c * integral;
}

double exp_psp(double t, double w, double tau_s, double tau_m, double c) {
  if (t <= 0) return 0.0;
  const double a = 1.0 / tau_m - 1.0 / tau_s;
  return w / c * (std::exp(-t / tau_s) - std::exp(-t / tau_m)) / a;
}

// Peak of f on [lo, hi] by golden-section search (f unimodal there).
template <class F>
std::pair<double, double> peak(F f, double lo, double hi) {
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = lo, b = hi;
  for (int i = 0; i < 200; ++i) {
    const double c = b - g * (b - a), d = a + g * (b - a);
    if (f(c) > f(d))
      b = d;
    else
      a = c;
  }
  const double t = 0.5 * (a + b);
  return {t, f(t)};
}

}  // namespace

TEST(SpikingPropagators, SmoothThroughTheSingularCase) {
  const double h = 0.1, tau_m = 10.0, c = 250.0;
  const double singular_exp = h / c * std::exp(-h / tau_m);
  const double singular_alpha = 0.5 * h * h / c * std::exp(-h / tau_m);
  EXPECT_DOUBLE_EQ(propagator_exp(tau_m, tau_m, c, h), singular_exp);
  EXPECT_DOUBLE_EQ(propagator_alpha(tau_m, tau_m, c, h), singular_alpha);
  // Approaching the singularity the values converge to the limit (first-order in the difference),
  // without the cancellation of the textbook formula.
  for (double eps : {1e-3, 1e-6, 1e-9, 1e-12, 1e-15}) {
    const double ts = tau_m * (1 + eps);
    EXPECT_NEAR(propagator_exp(ts, tau_m, c, h) / singular_exp, 1.0, 1e-2 * eps + 1e-15) << eps;
    EXPECT_NEAR(propagator_alpha(ts, tau_m, c, h) / singular_alpha, 1.0, 1e-2 * eps + 1e-15) << eps;
  }
  // Away from it they equal the textbook closed forms.
  const double ts = 2.0;
  const double textbook_exp =
      tau_m * ts / (c * (tau_m - ts)) * (std::exp(-h / tau_m) - std::exp(-h / ts));
  EXPECT_NEAR(propagator_exp(ts, tau_m, c, h), textbook_exp, 1e-15);
  EXPECT_NEAR(propagator_alpha(ts, tau_m, c, h),
              alpha_psp(h, 1.0, ts, tau_m, c) * ts / std::numbers::e, 1e-15);
}

TEST(SpikingModels, DeltaPspIsJumpAndExponentialDecay) {
  IafPscDelta::Params p;
  const double w = 0.5, t_sp = 2.0, d = 1.0;
  const auto rec = psp_trace<IafPscDelta>(p, w, t_sp, d, 40.0);
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double t = rec.times[j] - (t_sp + d);
    const double expected = p.E_L + (t >= -1e-9 ? w * std::exp(-t / p.tau_m) : 0.0);
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-12) << rec.times[j];
  }
}

TEST(SpikingModels, ExpPspMatchesAnalyticShapeAndPeak) {
  IafPscExp::Params p;
  p.tau_syn_ex = 2.0;
  const double w = 100.0, t_sp = 2.0, d = 1.5;
  const auto rec = psp_trace<IafPscExp>(p, w, t_sp, d, 60.0);
  double vmax = -1e9, tmax = 0;
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double t = rec.times[j] - (t_sp + d);
    const double expected = p.E_L + exp_psp(t, w, p.tau_syn_ex, p.tau_m, p.C_m);
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-11) << rec.times[j];
    if (rec.v_m[0][j] > vmax) vmax = rec.v_m[0][j], tmax = t;
  }
  const auto [t_peak, v_peak] =
      peak([&](double t) { return exp_psp(t, w, p.tau_syn_ex, p.tau_m, p.C_m); }, 0.0, 30.0);
  // Closed form of the peak time: ln(tau_m / tau_s) / (1/tau_s - 1/tau_m).
  EXPECT_NEAR(t_peak, std::log(p.tau_m / p.tau_syn_ex) / (1 / p.tau_syn_ex - 1 / p.tau_m), 1e-6);
  EXPECT_NEAR(tmax, t_peak, kH);
  EXPECT_LE(vmax - p.E_L, v_peak + 1e-12);
  EXPECT_NEAR(vmax - p.E_L, v_peak, 1e-4);  // grid max is within h of the peak (second order)
  // Inhibitory weights go to the inhibitory current with their sign.
  const auto inh = psp_trace<IafPscExp>(p, -w, t_sp, d, 20.0);
  EXPECT_NEAR(inh.v_m[0].back() - p.E_L, -(rec.v_m[0][inh.v_m[0].size() - 1] - p.E_L), 1e-11);
}

TEST(SpikingModels, AlphaPspMatchesAnalyticShapeAndPeak) {
  IafPscAlpha::Params p;  // NEST defaults: tau_m 10, tau_syn 2, C_m 250
  const double w = 100.0, t_sp = 5.0, d = 1.0;
  const auto rec = psp_trace<IafPscAlpha>(p, w, t_sp, d, 80.0);
  double vmax = -1e9, tmax = 0;
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double t = rec.times[j] - (t_sp + d);
    const double expected = p.E_L + alpha_psp(t, w, p.tau_syn_ex, p.tau_m, p.C_m);
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-11) << rec.times[j];
    if (rec.v_m[0][j] > vmax) vmax = rec.v_m[0][j], tmax = t;
  }
  const auto [t_peak, v_peak] =
      peak([&](double t) { return alpha_psp(t, w, p.tau_syn_ex, p.tau_m, p.C_m); }, 0.0, 40.0);
  EXPECT_NEAR(tmax, t_peak, kH);
  EXPECT_LE(vmax - p.E_L, v_peak + 1e-12);
  EXPECT_NEAR(vmax - p.E_L, v_peak, 1e-4);
  // The synaptic current itself peaks at w, tau_syn after onset (alpha normalization).
  Network net({kH, 1, 1});
  const NodeRange sg = net.create<SpikeGenerator>(1);
  net.population_as<SpikeGenerator>(sg).set_spike_times(0, {1.0});
  const NodeRange n = net.create<IafPscAlpha>(1, p);
  net.connect(sg, n, ConnSpec::one_to_one(), SynSpec(w, 1.0));
  net.simulate(2.0 + p.tau_syn_ex);
  EXPECT_NEAR(net.population_as<IafPscAlpha>(n).i_syn_ex(0), w, 1e-10);
}

TEST(SpikingModels, AlphaPspSingularCaseTauMEqualsTauSyn) {
  IafPscAlpha::Params p;
  p.tau_syn_ex = p.tau_m;
  const double w = 50.0, t_sp = 1.0, d = 1.0;
  const auto rec = psp_trace<IafPscAlpha>(p, w, t_sp, d, 60.0);
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double t = std::max(0.0, rec.times[j] - (t_sp + d));
    // Limit tau_s -> tau_m of the alpha PSP: w e/(tau C) t^2/2 e^{-t/tau}.
    const double expected =
        p.E_L + w * std::numbers::e / (p.tau_m * p.C_m) * 0.5 * t * t * std::exp(-t / p.tau_m);
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-11) << rec.times[j];
  }
  // Nearly singular: the same curve within the first-order difference.
  p.tau_syn_ex = p.tau_m * (1 + 1e-10);
  const auto near = psp_trace<IafPscAlpha>(p, w, t_sp, d, 60.0);
  for (std::size_t j = 0; j < rec.times.size(); ++j)
    EXPECT_NEAR(near.v_m[0][j], rec.v_m[0][j], 1e-8);
}

TEST(SpikingModels, CondExpPspMatchesFineReferenceIntegration) {
  IafCondExp::Params p;
  const double w = 20.0, t_sp = 1.0, d = 1.0;  // nS
  const auto rec = psp_trace<IafCondExp>(p, w, t_sp, d, 30.0);
  // Reference: classical RK4 with a step of 1e-4 ms from the conductance onset.
  auto rhs = [&](double v, double g) { return (-p.g_L * (v - p.E_L) - g * (v - p.E_ex)) / p.C_m; };
  const double onset = t_sp + d;
  double v = p.E_L, t = onset;
  const double dt = 1e-4;
  double max_err = 0.0, max_psp = 0.0;
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    if (rec.times[j] < onset - 1e-9) {
      EXPECT_DOUBLE_EQ(rec.v_m[0][j], p.E_L);
      continue;
    }
    while (t < rec.times[j] - 1e-12) {
      auto g_at = [&](double s) { return w * std::exp(-(s - onset) / p.tau_syn_ex); };
      const double k1 = rhs(v, g_at(t)), k2 = rhs(v + 0.5 * dt * k1, g_at(t + 0.5 * dt)),
                   k3 = rhs(v + 0.5 * dt * k2, g_at(t + 0.5 * dt)),
                   k4 = rhs(v + dt * k3, g_at(t + dt));
      v += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
      t += dt;
    }
    max_err = std::max(max_err, std::fabs(rec.v_m[0][j] - v));
    max_psp = std::max(max_psp, v - p.E_L);
  }
  EXPECT_GT(max_psp, 0.5);  // a visible PSP
  // The integrator keeps local errors below 1e-3 mV per step (NEST's tolerance).
  EXPECT_LT(max_err, 1e-3);
}

namespace {

// V_m under constant input current I from t = 0 (I_e): E_L + I tau/C (1 - e^{-t/tau}).
template <class Model>
void check_dc_closed_form() {
  typename Model::Params p;
  p.I_e = 300.0;  // V_inf = -58 mV, below threshold
  Network net({kH, 1, 1});
  const NodeRange n = net.create<Model>(1, p);
  const auto vm = net.add_voltmeter(n);
  net.simulate(100.0);
  const auto& rec = net.voltage_record(vm);
  ASSERT_EQ(rec.times.size(), 1000u);
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double expected =
        p.E_L + p.I_e * p.tau_m / p.C_m * (1 - std::exp(-rec.times[j] / p.tau_m));
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-10) << Model::kModel << " t=" << rec.times[j];
  }
}

// Regular firing under a suprathreshold DC: after each spike V stays at V_reset for t_ref, then
// relaxes exactly; the inter-spike interval is t_ref + the first grid time at which
// V_inf + (V_reset - V_inf) e^{-t/tau} >= V_th.
template <class Model>
void check_dc_firing() {
  typename Model::Params p;
  p.I_e = 500.0;  // V_inf = -50 mV
  Network net({kH, 1, 1});
  const NodeRange n = net.create<Model>(1, p);
  const auto rec = net.add_spike_recorder(n);
  net.simulate(200.0);
  const double v_inf = p.E_L + p.I_e * p.tau_m / p.C_m;
  const double t_cross = p.tau_m * std::log((v_inf - p.V_reset) / (v_inf - p.V_th));
  const auto steps_cross = static_cast<std::int64_t>(std::ceil(t_cross / kH));
  const auto ref = static_cast<std::int64_t>(std::llround(p.t_ref / kH));
  const auto& r = net.spike_record(rec);
  ASSERT_GE(r.size(), 5u);
  // First spike: from V = E_L = V_reset at t = 0.
  EXPECT_NEAR(r.times[0], steps_cross * kH, 1e-9) << Model::kModel;
  for (std::size_t k = 1; k < r.size(); ++k)
    EXPECT_NEAR(r.times[k] - r.times[k - 1], (steps_cross + ref) * kH, 1e-9) << Model::kModel;
}

}  // namespace

TEST(SpikingModels, MembranePotentialUnderDcMatchesClosedForm) {
  check_dc_closed_form<IafPscDelta>();
  check_dc_closed_form<IafPscExp>();
  check_dc_closed_form<IafPscAlpha>();
}

TEST(SpikingModels, FiringUnderDcHasExactIntervalsWithRefractoriness) {
  check_dc_firing<IafPscDelta>();
  check_dc_firing<IafPscExp>();
  check_dc_firing<IafPscAlpha>();
}

TEST(SpikingModels, CondExpUnderDcMatchesClosedFormWithinTolerance) {
  IafCondExp::Params p;
  p.I_e = 200.0;  // V_inf = E_L + I/g_L = -58 mV
  Network net({kH, 1, 1});
  const NodeRange n = net.create<IafCondExp>(1, p);
  const auto vm = net.add_voltmeter(n);
  net.simulate(100.0);
  const auto& rec = net.voltage_record(vm);
  const double tau = p.C_m / p.g_L;
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double expected = p.E_L + p.I_e / p.g_L * (1 - std::exp(-rec.times[j] / tau));
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-3) << rec.times[j];
  }
  // Adaptive: the smooth relaxation needs far fewer steps than a fixed tiny step would.
  EXPECT_LT(net.population_as<IafCondExp>(n).integration_steps(), 3000u);
}

TEST(SpikingModels, CondExpRefractoryClampAndInterval) {
  IafCondExp::Params p;
  p.I_e = 400.0;  // V_inf = -46 mV
  Network net({kH, 1, 1});
  const NodeRange n = net.create<IafCondExp>(1, p);
  const auto rec = net.add_spike_recorder(n);
  const auto vm = net.add_voltmeter(n);
  net.simulate(200.0);
  const double tau = p.C_m / p.g_L, v_inf = p.E_L + p.I_e / p.g_L;
  const double t_cross = tau * std::log((v_inf - p.V_reset) / (v_inf - p.V_th));
  const auto& r = net.spike_record(rec);
  ASSERT_GE(r.size(), 4u);
  for (std::size_t k = 1; k < r.size(); ++k) {
    const double isi = r.times[k] - r.times[k - 1];
    // t_ref of clamping, then the relaxation from V_reset; the integrator's error may move the
    // crossing by one step.
    EXPECT_NEAR(isi, p.t_ref + std::ceil(t_cross / kH - 1e-9) * kH, kH + 1e-9);
  }
  // While refractory the potential is clamped at V_reset.
  const auto& v = net.voltage_record(vm);
  const auto first = static_cast<std::size_t>(std::llround(r.times[0] / kH)) - 1;
  for (std::size_t j = first; j < first + 20; ++j) EXPECT_DOUBLE_EQ(v.v_m[0][j], p.V_reset);
}

TEST(SpikingModels, DcGeneratorOnsetFollowsNestTiming) {
  // A DC generator switched on at `start` through a delay d acts from start + d + h (the current
  // read in a step drives the next one).
  IafPscAlpha::Params p;
  const double amp = 300.0, start = 10.0, d = 1.0;
  Network net({kH, 1, 1});
  const NodeRange n = net.create<IafPscAlpha>(1, p);
  const auto dc = net.add_dc_generator(amp, start, 50.0);
  net.connect_generator(dc, n, 1.0, d);
  const auto vm = net.add_voltmeter(n);
  net.simulate(80.0);
  const auto& rec = net.voltage_record(vm);
  const double on = start + d + kH, off = 50.0 + d + kH;
  for (std::size_t j = 0; j < rec.times.size(); ++j) {
    const double t = rec.times[j];
    double expected = p.E_L;
    const double v_step = amp * p.tau_m / p.C_m;
    if (t > on - 1e-9) expected += v_step * (1 - std::exp(-(std::min(t, off) - on) / p.tau_m));
    if (t > off + 1e-9) expected = p.E_L + (expected - p.E_L) * std::exp(-(t - off) / p.tau_m);
    EXPECT_NEAR(rec.v_m[0][j], expected, 1e-10) << t;
  }
}

TEST(SpikingModels, DeltaRefractoryInputIsDiscardedByDefault) {
  // A neuron driven to spike by a big input ignores inputs arriving while refractory.
  IafPscDelta::Params p;
  Network net({kH, 1, 1});
  const NodeRange sg = net.create<SpikeGenerator>(1);
  net.population_as<SpikeGenerator>(sg).set_spike_times(0, {1.0, 1.5});
  const NodeRange n = net.create<IafPscDelta>(1, p);
  net.connect(sg, n, ConnSpec::one_to_one(), SynSpec(20.0, 1.0));
  const auto rec = net.add_spike_recorder(n);
  const auto vm = net.add_voltmeter(n);
  net.simulate(5.0);
  ASSERT_EQ(net.spike_record(rec).size(), 1u);
  EXPECT_NEAR(net.spike_record(rec).times[0], 2.0, 1e-12);
  // After the refractory period V has relaxed from V_reset only (the second input was dropped).
  EXPECT_DOUBLE_EQ(net.voltage_record(vm).v_m[0].back(), p.V_reset);
}
