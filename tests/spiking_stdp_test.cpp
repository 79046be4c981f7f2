// The STDP synapse against a direct evaluation of NEST's stdp_synapse rule on the recorded spike
// trains, and the direction of the weight change for causal and anti-causal pairs.
#include <gtest/gtest.h>

#include <cmath>

#include "l2l/spiking/iaf_psc_alpha.hpp"
#include "l2l/spiking/network.hpp"
#include "l2l/spiking/spike_generator.hpp"

using namespace l2l::spiking;

namespace {

// The rule written directly from its definition: full sums over the post train, no traces kept.
double reference_weight(double w0, const StdpParams& p, const std::vector<double>& pre,
                        const std::vector<double>& post, double d) {
  double w = w0 / p.w_max, kplus = 0.0, t_last = 0.0;
  for (double t : pre) {
    for (double tp : post)
      if (tp > t_last - d && tp <= t - d) {
        const double k = kplus * std::exp((t_last - (tp + d)) / p.tau_plus);
        w = std::min(1.0, w + p.lambda * std::pow(1.0 - w, p.mu_plus) * k);
      }
    double kminus = 0.0;
    for (double tp : post)
      if (tp < t - d) kminus += std::exp(-(t - d - tp) / p.tau_minus);
    w = std::max(0.0, w - p.alpha * p.lambda * std::pow(w, p.mu_minus) * kminus);
    kplus = kplus * std::exp((t_last - t) / p.tau_plus) + 1.0;
    t_last = t;
  }
  return w * p.w_max;
}

struct StdpRun {
  std::vector<double> weights;
  Connections conns;
  SpikeRecord pre, post;
};

StdpRun run(int threads, const StdpParams& sp, double t_sim) {
  Network net({0.1, 3, threads});
  const NodeRange pre = net.create<SpikeGenerator>(4);
  const NodeRange drive = net.create<SpikeGenerator>(3);
  const NodeRange post = net.create<IafPscAlpha>(3);
  l2l::Rng rng(17);
  auto& g = net.population_as<SpikeGenerator>(pre);
  for (int i = 0; i < 4; ++i) {
    std::vector<double> t;
    for (double x = 5.0 + rng.exponential(0.03); x < t_sim - 5; x += 2.0 + rng.exponential(0.03))
      t.push_back(std::round(x * 10) / 10);
    g.set_spike_times(i, t);
  }
  auto& dg = net.population_as<SpikeGenerator>(drive);
  for (int i = 0; i < 3; ++i) {
    std::vector<double> t;
    for (double x = 3.0 + rng.exponential(0.03); x < t_sim - 5; x += 5.0 + rng.exponential(0.03))
      t.push_back(std::round(x * 10) / 10);
    dg.set_spike_times(i, t);
  }
  // Strong one-to-one drive makes each post neuron fire shortly after its driver's spikes.
  net.connect(drive, post, ConnSpec::one_to_one(), SynSpec(20000.0, 1.0));
  const auto id = net.connect(
      pre, post, ConnSpec::all_to_all(),
      SynSpec(Distribution::uniform(20.0, 80.0), Distribution::constant(1.5)).with_stdp(sp));
  const auto rp = net.add_spike_recorder(pre);
  const auto rq = net.add_spike_recorder(post);
  net.simulate(t_sim);
  return {net.weights(id), net.connections(id), net.spike_record(rp), net.spike_record(rq)};
}

}  // namespace

TEST(SpikingStdp, WeightsFollowTheRuleOnTheRecordedTrains) {
  StdpParams sp;
  sp.lambda = 0.05;
  sp.alpha = 1.1;
  sp.mu_plus = 0.5;  // exercise the power terms
  sp.mu_minus = 0.8;
  const double t_sim = 2000.0;
  const StdpRun r = run(1, sp, t_sim);
  ASSERT_EQ(r.weights.size(), 12u);
  ASSERT_GT(r.post.size(), 300u);
  // Initial weights: the same draw as in a network without plasticity.
  Network plain({0.1, 3, 1});
  const auto a = plain.create<SpikeGenerator>(4);
  const auto dr = plain.create<SpikeGenerator>(3);
  const auto b = plain.create<IafPscAlpha>(3);
  (void)plain.connect(dr, b, ConnSpec::one_to_one(), SynSpec(1.0, 1.0));  // same call count
  const auto w0 = plain.weights(
      plain.connect(a, b, ConnSpec::all_to_all(),
                    SynSpec(Distribution::uniform(20.0, 80.0), Distribution::constant(1.5))));
  int changed = 0;
  for (std::size_t k = 0; k < r.weights.size(); ++k) {
    std::vector<double> pre, post;
    for (std::size_t i = 0; i < r.pre.size(); ++i)
      if (r.pre.senders[i] == r.conns.pre[k] && r.pre.times[i] <= t_sim - 1.5 + 1e-9)
        pre.push_back(r.pre.times[i]);  // spikes delivered before the end
    for (std::size_t i = 0; i < r.post.size(); ++i)
      if (r.post.senders[i] == r.conns.post[k]) post.push_back(r.post.times[i]);
    const double expected = reference_weight(w0[k], sp, pre, post, 1.5);
    EXPECT_NEAR(r.weights[k], expected, 1e-9 * sp.w_max) << k;
    changed += std::fabs(r.weights[k] - w0[k]) > 1.0;
  }
  EXPECT_GT(changed, 6);
  // Thread count does not matter.
  const StdpRun r3 = run(3, sp, t_sim);
  EXPECT_EQ(r3.weights, r.weights);
}

TEST(SpikingStdp, CausalPairsPotentiateAntiCausalDepress) {
  auto pair_weight = [](double pre_offset) {
    Network net({0.1, 1, 1});
    const NodeRange pre = net.create<SpikeGenerator>(1);
    const NodeRange drive = net.create<SpikeGenerator>(1);
    const NodeRange post = net.create<IafPscAlpha>(1);
    std::vector<double> tp, td;
    for (int k = 0; k < 20; ++k) {
      td.push_back(50.0 + 100.0 * k);               // post fires ~1-2 ms after this drive spike
      tp.push_back(50.0 + 100.0 * k + pre_offset);  // pre relative to the drive
    }
    net.population_as<SpikeGenerator>(pre).set_spike_times(0, tp);
    net.population_as<SpikeGenerator>(drive).set_spike_times(0, td);
    net.connect(drive, post, ConnSpec::one_to_one(), SynSpec(20000.0, 1.0));
    const auto id =
        net.connect(pre, post, ConnSpec::one_to_one(), SynSpec(50.0, 1.0).with_stdp({}));
    net.simulate(2100.0);
    return net.weights(id)[0];
  };
  EXPECT_GT(pair_weight(-5.0), 50.0);  // pre before post
  EXPECT_LT(pair_weight(+8.0), 50.0);  // post before pre
  EXPECT_THROW(
      {
        Network net({0.1, 1, 1});
        const auto a = net.create<IafPscAlpha>(2);
        net.connect(a, a, ConnSpec::all_to_all(), SynSpec(-1.0, 1.0).with_stdp({}));
      },
      std::invalid_argument);
}
