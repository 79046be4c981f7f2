// The specialised spiking path of the ant controllers: NEST's propagators, timing of DC input,
// heartbeat and synaptic delays, closed-form PSPs, and spike-for-spike agreement with a plain
// one-neuron-at-a-time implementation of NEST's update loop.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>
#include <set>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/brain.hpp"

#ifndef L2L_DATA_DIR
#define L2L_DATA_DIR "data"
#endif

namespace l2l::ants {
namespace {

const std::string kPublished = std::string(L2L_DATA_DIR) + "/ants/evolved_gen1600_ind30.csv";

Genome zero_genome(int hidden = 20) {
  Genome g;
  g.hidden = hidden;
  g.weights.assign(g.layout().size(), 0.0);
  g.delays.assign(g.layout().size(), 1.0);
  return g;
}

TEST(AntBrain, PropagatorsMatchTheClosedForms) {
  const auto p = AlphaNeuron{}.propagators();
  const double h = 1, tm = 10, ts = 2, C = 250;
  EXPECT_DOUBLE_EQ(p.P11, std::exp(-h / ts));
  EXPECT_DOUBLE_EQ(p.P21, h * std::exp(-h / ts));
  EXPECT_NEAR(p.P30, tm / C * (1 - std::exp(-h / tm)), 1e-17);
  EXPECT_DOUBLE_EQ(p.expm1_tau_m + 1, std::exp(-h / tm));
  // Textbook forms (tau_m != tau_syn): the response of V to I and to dI over one step.
  const double P32 = 1 / C * tm * ts / (tm - ts) * (std::exp(-h / tm) - std::exp(-h / ts));
  const double P31 =
      1 / C *
      ((std::exp(-h / ts) - std::exp(-h / tm)) / (1 / tm - 1 / ts) - h * std::exp(-h / ts)) /
      (1 / ts - 1 / tm);
  EXPECT_NEAR(p.P32, P32, 1e-15);
  EXPECT_NEAR(p.P31, P31, 1e-15);
  EXPECT_DOUBLE_EQ(p.psc_initial, std::numbers::e / ts);
  EXPECT_EQ(p.theta, 15.0);
  EXPECT_EQ(p.v_reset, 0.0);
  EXPECT_EQ(p.ref_steps, 1);
}

TEST(AntBrain, DcDrivenInputFiresEveryTwoMillisecondsAfterATwoStepLag) {
  ColonyBrain brain(zero_genome(), 1);
  std::vector<SpikeRecord> log;
  brain.set_spike_log(&log);
  std::vector<OutputCounts> out(1);
  std::vector<InputCounts> in(1);
  std::vector<InputMask> active{1u << visual_food};
  brain.tick(active, out, in);
  EXPECT_EQ(in[0][visual_food], 9);  // steps 2, 4, ..., 18
  active[0] = 0;
  brain.tick(active, out, in);
  EXPECT_EQ(in[0][visual_food], 1);  // the current of tick 0 still acts in step 20
  brain.tick(active, out, in);
  EXPECT_EQ(in[0][visual_food], 0);
  std::vector<std::int64_t> steps;
  for (const auto& s : log) {
    EXPECT_EQ(s.neuron, visual_food);
    steps.push_back(s.step);
  }
  EXPECT_EQ(steps, (std::vector<std::int64_t>{2, 4, 6, 8, 10, 12, 14, 16, 18, 20}));
  // 20,000 pA lift V by P30 * I = 76 mV in a step from rest, far above threshold (15 mV).
  EXPECT_GT(AlphaNeuron{}.propagators().P30 * kInputCurrentPa, 70.0);
}

// V of a neuron at rest after alpha PSCs of weight w (pA) starting at `onsets` (ms).
double alpha_psp_sum(double w, const std::vector<double>& onsets, double t) {
  const double tm = 10, ts = 2, C = 250, a = 1 / ts - 1 / tm;
  double v = 0;
  for (double t0 : onsets) {
    const double s = t - t0;
    if (s <= 0) continue;
    v += w * std::numbers::e / (ts * C) * std::exp(-s / tm) * (1 - std::exp(-a * s) * (1 + a * s)) /
         (a * a);
  }
  return v;
}

TEST(AntBrain, HeartbeatPspsMatchTheClosedFormWithDelays) {
  for (int delay = 1; delay <= 7; delay += 3) {
    Genome g = zero_genome();
    const auto gene = g.layout().heartbeat_to_hidden(3);
    g.weights[gene] = 0.01;  // 1 pA: far below threshold
    g.delays[gene] = delay;
    ColonyBrain brain(g, 2);
    std::vector<OutputCounts> out(2);
    std::vector<InputMask> active(2, 0);
    for (int tick = 1; tick <= 5; ++tick) {
      brain.tick(active, out);
      const double t = 20.0 * tick;
      // Heartbeat spikes at 1, 3, 5, ... ms; each PSC starts at spike time + delay.
      std::vector<double> onsets;
      for (double s = 1; s + delay < t; s += 2) onsets.push_back(s + delay);
      const double expect = alpha_psp_sum(1.0, onsets, t);
      for (int ant = 0; ant < 2; ++ant)
        EXPECT_NEAR(brain.v_m(ant, kInputs + 3) + 70.0, expect, 1e-12 * std::max(1.0, expect))
            << "delay " << delay << " tick " << tick;
      EXPECT_EQ(brain.v_m(0, kInputs + 4), -70.0);  // unconnected neurons stay at rest
    }
  }
}

TEST(AntBrain, GenomeConnectionsReachOnlyTheirTargets) {
  // input 7 -> hidden 5 -> output 2, nothing else.
  Genome g = zero_genome();
  const auto L = g.layout();
  g.weights[L.input_to_hidden(nest_left, 5)] = 20;
  g.delays[L.input_to_hidden(nest_left, 5)] = 3;
  g.weights[L.hidden_to_output(5, rotate_right)] = 20;
  g.delays[L.hidden_to_output(5, rotate_right)] = 6;
  ColonyBrain brain(g, 3);
  std::vector<SpikeRecord> log;
  brain.set_spike_log(&log);
  std::vector<OutputCounts> out(3);
  std::vector<InputMask> active{1u << nest_left, 0, 1u << nest_middle};
  for (int t = 0; t < 5; ++t) brain.tick(active, out);
  std::set<std::pair<int, int>> fired;
  std::int64_t first_hidden = -1, first_output = -1;
  for (const auto& s : log) {
    fired.insert({s.ant, s.neuron});
    if (s.neuron == kInputs + 5 && first_hidden < 0) first_hidden = s.step;
    if (s.neuron == kInputs + 20 + rotate_right && first_output < 0) first_output = s.step;
  }
  EXPECT_EQ(
      fired,
      (std::set<std::pair<int, int>>{
          {0, nest_left}, {0, kInputs + 5}, {0, kInputs + 20 + rotate_right}, {2, nest_middle}}));
  // The first input spike (step 2) reaches hidden 5 in step 5 and moves V from step 6 on.
  EXPECT_GE(first_hidden, 6);
  EXPECT_GE(first_output, first_hidden + 7);
  EXPECT_GT(out[0][rotate_right], 0);
  EXPECT_EQ(out[0][move] + out[0][rotate_left] + out[0][drop_pheromone], 0);
  EXPECT_EQ(out[1], (OutputCounts{0, 0, 0, 0}));
}

// A plain implementation of NEST's simulation loop for one ant: every neuron with its own input
// ring buffers, generators sending every step, spikes delivered after the step in source order.
class ReferenceAnt {
 public:
  explicit ReferenceAnt(const Genome& g) : H_(g.hidden), p_(AlphaNeuron{}.propagators()) {
    n_.resize(static_cast<std::size_t>(kInputs + H_ + kOutputs));
    const auto L = g.layout();
    by_source_.resize(static_cast<std::size_t>(kInputs + H_ + 1));
    auto add = [&](int src, int tgt, std::size_t gene) {
      by_source_[static_cast<std::size_t>(src + 1)].push_back(
          {tgt, g.delay_ms(gene), g.weight_pa(gene)});
    };
    for (int i = 0; i < kInputs; ++i)
      for (int h = 0; h < H_; ++h) add(i, kInputs + h, L.input_to_hidden(i, h));
    for (int h = 0; h < H_; ++h) add(-1, kInputs + h, L.heartbeat_to_hidden(h));
    for (int s = 0; s < H_; ++s)
      for (int t = 0; t < H_; ++t)
        if (s != t) add(kInputs + s, kInputs + t, L.hidden_to_hidden(s, t));
    for (int h = 0; h < H_; ++h)
      for (int o = 0; o < kOutputs; ++o)
        add(kInputs + h, kInputs + H_ + o, L.hidden_to_output(h, o));
  }

  // One step; returns the neurons that fired.
  std::vector<int> step(std::int64_t s, InputMask active) {
    const auto slot = static_cast<std::size_t>(s % 8);
    std::vector<int> fired;
    for (std::size_t k = 0; k < n_.size(); ++k) {
      auto& x = n_[k];
      if (x.r == 0)
        x.v = p_.P30 * (x.y0 + 0.0) + p_.P31 * x.dex + p_.P32 * x.iex + p_.P31 * x.din +
              p_.P32 * x.iin + p_.expm1_tau_m * x.v + x.v;
      else
        --x.r;
      x.iex = p_.P21 * x.dex + p_.P22 * x.iex;
      x.dex *= p_.P11;
      x.dex += p_.psc_initial * x.ex[slot];
      x.iin = p_.P21 * x.din + p_.P22 * x.iin;
      x.din *= p_.P11;
      x.din += p_.psc_initial * x.in[slot];
      x.ex[slot] = x.in[slot] = 0;
      if (x.v >= p_.theta) {
        x.r = p_.ref_steps;
        x.v = p_.v_reset;
        fired.push_back(static_cast<int>(k));
      }
      x.y0 = x.cur[slot];
      x.cur[slot] = 0;
    }
    // DC generators: this step's amplitude reaches the input one step later.
    for (int i = 0; i < kInputs; ++i)
      n_[static_cast<std::size_t>(i)].cur[(slot + 1) % 8] +=
          ((active >> i) & 1u) ? kInputCurrentPa : 0.0;
    // Deliveries in source order: inputs, heartbeat (spikes at odd ms, sent in even steps),
    // hidden.
    auto send = [&](int src) {
      for (const auto& c : by_source_[static_cast<std::size_t>(src + 1)]) {
        auto& t = n_[static_cast<std::size_t>(c.tgt)];
        (c.w > 0 ? t.ex : t.in)[(slot + static_cast<std::size_t>(c.d)) % 8] += c.w;
      }
    };
    for (int k : fired)
      if (k < kInputs) send(k);
    if (s % 2 == 0) send(-1);
    for (int k : fired)
      if (k >= kInputs && k < kInputs + H_) send(k);
    return fired;
  }

 private:
  struct Neuron {
    double v = 0, dex = 0, iex = 0, din = 0, iin = 0, y0 = 0;
    int r = 0;
    std::array<double, 8> ex{}, in{}, cur{};
  };
  struct Conn {
    int tgt, d;
    double w;
  };
  int H_;
  AlphaNeuron::Propagators p_;
  std::vector<Neuron> n_;
  std::vector<std::vector<Conn>> by_source_;  // heartbeat first, then neurons 0..
};

void expect_same_as_reference(const Genome& g, int ants, int ticks, std::uint64_t seed,
                              BrainKernel kernel = BrainKernel::best) {
  SCOPED_TRACE(brain_kernel_name(kernel));
  ColonyBrain brain(g, ants, kernel);
  std::vector<SpikeRecord> fast;
  brain.set_spike_log(&fast);
  std::vector<ReferenceAnt> ref(static_cast<std::size_t>(ants), ReferenceAnt(g));
  std::vector<SpikeRecord> slow;
  Rng rng(seed);
  std::vector<InputMask> active(static_cast<std::size_t>(ants));
  std::vector<OutputCounts> out(static_cast<std::size_t>(ants));
  std::int64_t step = 0;
  std::size_t outputs_seen = 0;
  for (int t = 0; t < ticks; ++t) {
    for (auto& m : active) m = static_cast<InputMask>(rng.below(1u << kInputs));
    brain.tick(active, out);
    std::vector<OutputCounts> expect(static_cast<std::size_t>(ants), OutputCounts{});
    for (int j = 0; j < kStepsPerTick; ++j, ++step)
      for (int a = 0; a < ants; ++a)
        for (int k :
             ref[static_cast<std::size_t>(a)].step(step, active[static_cast<std::size_t>(a)])) {
          slow.push_back({step, a, k});
          if (k >= kInputs + g.hidden)
            ++expect[static_cast<std::size_t>(a)][static_cast<std::size_t>(k - kInputs - g.hidden)];
        }
    for (int a = 0; a < ants; ++a) {
      ASSERT_EQ(out[static_cast<std::size_t>(a)], expect[static_cast<std::size_t>(a)])
          << "tick " << t << " ant " << a;
      for (auto c : out[static_cast<std::size_t>(a)]) outputs_seen += c;
    }
  }
  auto key = [](const SpikeRecord& r) { return std::tuple(r.step, r.ant, r.neuron); };
  std::sort(fast.begin(), fast.end(), [&](auto& x, auto& y) { return key(x) < key(y); });
  std::sort(slow.begin(), slow.end(), [&](auto& x, auto& y) { return key(x) < key(y); });
  ASSERT_EQ(fast.size(), slow.size());
  EXPECT_TRUE(fast == slow);
  EXPECT_GT(fast.size(), 1000u);  // the comparison saw real activity
  EXPECT_GT(outputs_seen, 0u);
}

// Every kernel this CPU can run (the generic one everywhere, AVX2 and AVX-512 where present).
std::vector<BrainKernel> kernels_here() {
  std::vector<BrainKernel> out;
  for (auto k : {BrainKernel::avx512, BrainKernel::avx2, BrainKernel::generic})
    if (brain_kernel_supported(k)) out.push_back(k);
  return out;
}

TEST(AntBrain, PublishedGenomeSpikesLikeTheReferenceLoop) {
  for (auto k : kernels_here())
    expect_same_as_reference(read_genome_csv(kPublished), 3, 150, 11, k);
}

TEST(AntBrain, RandomGenomesSpikeLikeTheReferenceLoop) {
  for (auto k : kernels_here())
    for (int hidden : {20, 5, 33}) {
      Rng rng(static_cast<std::uint64_t>(hidden));
      expect_same_as_reference(random_genome(hidden, rng), hidden == 5 ? 9 : 2, 100,
                               static_cast<std::uint64_t>(hidden) + 1, k);
    }
}

// The kernels of different vector widths agree to the bit on a whole colony (15 ants: two blocks
// of lanes, one with a padding lane), spikes and membrane potentials alike.
TEST(AntBrain, EveryKernelGivesTheSameDoubles) {
  const Genome g = read_genome_csv(kPublished);
  const auto here = kernels_here();
  ASSERT_FALSE(here.empty());
  EXPECT_EQ(here.back(), BrainKernel::generic);
  EXPECT_EQ(std::string(brain_kernel_name(BrainKernel::best)), brain_kernel_name(here.front()));
  auto run = [&](BrainKernel k, std::vector<SpikeRecord>& log, std::vector<double>& v) {
    ColonyBrain brain(g, 15, k);
    brain.set_spike_log(&log);
    Rng rng(21);
    std::vector<InputMask> active(15);
    std::vector<OutputCounts> out(15);
    for (int t = 0; t < 300; ++t) {
      for (auto& m : active)
        m = static_cast<InputMask>(rng.below(1u << kInputs) & rng.below(1u << kInputs));
      brain.tick(active, out);
      for (int a = 0; a < 15; ++a)
        for (int n = 0; n < brain.neurons_per_ant(); ++n) v.push_back(brain.v_m(a, n));
    }
  };
  std::vector<SpikeRecord> first_log;
  std::vector<double> first_v;
  run(here.front(), first_log, first_v);
  EXPECT_GT(first_log.size(), 10000u);
  for (std::size_t i = 1; i < here.size(); ++i) {
    std::vector<SpikeRecord> log;
    std::vector<double> v;
    run(here[i], log, v);
    EXPECT_TRUE(log == first_log) << brain_kernel_name(here[i]);
    ASSERT_EQ(v.size(), first_v.size());
    EXPECT_EQ(std::memcmp(v.data(), first_v.data(), v.size() * sizeof(double)), 0)
        << brain_kernel_name(here[i]);
  }
}

TEST(AntBrain, StateCarriesOverTicksAndAntsAreIndependent) {
  const Genome g = read_genome_csv(kPublished);
  // Ant 1 of a colony sees the same inputs as the only ant of another: same spikes.
  ColonyBrain two(g, 2), one(g, 1);
  std::vector<OutputCounts> o2(2), o1(1);
  Rng rng(5);
  for (int t = 0; t < 200; ++t) {
    const auto m = static_cast<InputMask>(rng.below(1u << kInputs));
    std::vector<InputMask> a2{static_cast<InputMask>(~m & 0x7FF), m}, a1{m};
    two.tick(a2, o2);
    one.tick(a1, o1);
    ASSERT_EQ(o2[1], o1[0]) << "tick " << t;
  }
  EXPECT_EQ(two.steps(), 200 * kStepsPerTick);
}

}  // namespace
}  // namespace l2l::ants
