// Network construction and simulation: exact synapse counts per connection rule, distributions of
// weights and delays, Poisson statistics, devices, and bit-identical results for any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "l2l/spiking/iaf_psc_alpha.hpp"
#include "l2l/spiking/iaf_psc_delta.hpp"
#include "l2l/spiking/network.hpp"
#include "l2l/spiking/poisson.hpp"
#include "l2l/spiking/poisson_source.hpp"
#include "l2l/spiking/spike_generator.hpp"

using namespace l2l::spiking;

namespace {

struct Pair {
  Network net{{0.1, 7, 1}};
  NodeRange a, b;
  Pair(std::uint32_t na, std::uint32_t nb) {
    a = net.create<IafPscAlpha>(na);
    b = net.create<IafPscAlpha>(nb);
  }
};

std::map<std::uint32_t, std::size_t> count_by(const std::vector<std::uint32_t>& v) {
  std::map<std::uint32_t, std::size_t> m;
  for (auto x : v) ++m[x];
  return m;
}

}  // namespace

TEST(SpikingConnect, AllToAllCountsWithAndWithoutAutapses) {
  Pair p(30, 20);
  const auto all = p.a + p.b;
  const auto c1 = p.net.connect(p.a, p.b, ConnSpec::all_to_all(), SynSpec(1.0, 1.0));
  const auto c2 = p.net.connect(all, all, ConnSpec::all_to_all(), SynSpec(1.0, 1.0));
  const auto c3 =
      p.net.connect(all, all, ConnSpec::all_to_all().autapses(false), SynSpec(1.0, 1.0));
  EXPECT_EQ(p.net.num_synapses(c1), 30u * 20u);
  EXPECT_EQ(p.net.num_synapses(c2), 50u * 50u);
  EXPECT_EQ(p.net.num_synapses(c3), 50u * 49u);
  const auto c = p.net.connections(c3);
  for (std::size_t k = 0; k < c.size(); ++k) EXPECT_NE(c.pre[k], c.post[k]);
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (std::size_t k = 0; k < c.size(); ++k) pairs.insert({c.pre[k], c.post[k]});
  EXPECT_EQ(pairs.size(), c.size());
}

TEST(SpikingConnect, OneToOne) {
  Pair p(25, 25);
  const auto id = p.net.connect(p.a, p.b, ConnSpec::one_to_one(), SynSpec(2.0, 1.5));
  const auto c = p.net.connections(id);
  ASSERT_EQ(c.size(), 25u);
  for (std::size_t k = 0; k < c.size(); ++k) {
    EXPECT_EQ(c.post[k] - p.b.first, c.pre[k] - p.a.first);
    EXPECT_DOUBLE_EQ(c.weight[k], 2.0);
    EXPECT_NEAR(c.delay[k], 1.5, 1e-12);
  }
  Pair q(3, 4);
  EXPECT_THROW(q.net.connect(q.a, q.b, ConnSpec::one_to_one(), SynSpec()), std::invalid_argument);
  // Autapses excluded: connecting a range to itself one-to-one gives nothing.
  EXPECT_EQ(q.net.num_synapses(
                q.net.connect(q.a, q.a, ConnSpec::one_to_one().autapses(false), SynSpec())),
            0u);
}

TEST(SpikingConnect, FixedIndegreeExactPerTarget) {
  Pair p(100, 40);
  const auto all = p.a + p.b;
  const auto multi = p.net.connect(p.a, p.b, ConnSpec::fixed_indegree(150), SynSpec());
  const auto uniq = p.net.connect(
      all, all, ConnSpec::fixed_indegree(30).autapses(false).multapses(false), SynSpec());
  EXPECT_EQ(p.net.num_synapses(multi), 40u * 150u);  // more than the 100 sources: multapses
  EXPECT_EQ(p.net.num_synapses(uniq), 140u * 30u);
  for (auto [post, n] : count_by(p.net.connections(multi).post)) EXPECT_EQ(n, 150u) << post;
  const auto c = p.net.connections(uniq);
  std::map<std::uint32_t, std::set<std::uint32_t>> sources;
  for (std::size_t k = 0; k < c.size(); ++k) {
    EXPECT_NE(c.pre[k], c.post[k]);
    EXPECT_TRUE(sources[c.post[k]].insert(c.pre[k]).second) << "multapse";
  }
  for (const auto& [post, s] : sources) EXPECT_EQ(s.size(), 30u);
  EXPECT_EQ(sources.size(), 140u);
  // The dense case (in-degree close to the number of candidates) takes the shuffle path.
  const auto dense = p.net.connect(
      all, all, ConnSpec::fixed_indegree(139).autapses(false).multapses(false), SynSpec());
  const auto d = p.net.connections(dense);
  std::map<std::uint32_t, std::set<std::uint32_t>> ds;
  for (std::size_t k = 0; k < d.size(); ++k) ds[d.post[k]].insert(d.pre[k]);
  for (const auto& [post, s] : ds) {
    EXPECT_EQ(s.size(), 139u);
    EXPECT_EQ(s.count(post), 0u);
  }
  EXPECT_THROW(p.net.connect(p.a, p.b, ConnSpec::fixed_indegree(101).multapses(false), SynSpec()),
               std::invalid_argument);
}

TEST(SpikingConnect, FixedOutdegreeExactPerSource) {
  Pair p(60, 80);
  const auto id =
      p.net.connect(p.a, p.b, ConnSpec::fixed_outdegree(25).multapses(false), SynSpec());
  EXPECT_EQ(p.net.num_synapses(id), 60u * 25u);
  const auto c = p.net.connections(id);
  std::map<std::uint32_t, std::set<std::uint32_t>> targets;
  for (std::size_t k = 0; k < c.size(); ++k) {
    EXPECT_TRUE(p.b.contains(c.post[k]));
    targets[c.pre[k]].insert(c.post[k]);
  }
  EXPECT_EQ(targets.size(), 60u);
  for (const auto& [pre, t] : targets) EXPECT_EQ(t.size(), 25u);
}

TEST(SpikingConnect, PairwiseBernoulliCountIsBinomial) {
  Pair p(400, 300);
  const double prob = 0.1;
  const auto id = p.net.connect(p.a, p.b, ConnSpec::pairwise_bernoulli(prob), SynSpec());
  const double n = 400.0 * 300.0, mean = n * prob, sd = std::sqrt(n * prob * (1 - prob));
  EXPECT_NEAR(static_cast<double>(p.net.num_synapses(id)), mean, 4 * sd);
  // No duplicates; p = 1 is all-to-all; autapses excluded when asked.
  const auto c = p.net.connections(id);
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  for (std::size_t k = 0; k < c.size(); ++k) pairs.insert({c.pre[k], c.post[k]});
  EXPECT_EQ(pairs.size(), c.size());
  EXPECT_EQ(
      p.net.num_synapses(p.net.connect(p.a, p.b, ConnSpec::pairwise_bernoulli(1.0), SynSpec())),
      400u * 300u);
  EXPECT_EQ(p.net.num_synapses(p.net.connect(
                p.b, p.b, ConnSpec::pairwise_bernoulli(1.0).autapses(false), SynSpec())),
            300u * 299u);
  // Per-target in-degrees are Binomial(400, 0.1): mean 40, variance 36.
  const auto deg = count_by(c.post);
  double m = 0, v = 0;
  for (auto [_, k] : deg) m += k;
  m /= deg.size();
  for (auto [_, k] : deg) v += (k - m) * (k - m);
  v /= deg.size() - 1;
  EXPECT_NEAR(m, 40.0, 4 * std::sqrt(36.0 / 300));
  EXPECT_NEAR(v / 36.0, 1.0, 4 * std::sqrt(2.0 / 299));
}

TEST(SpikingConnect, WeightAndDelayDistributions) {
  Pair p(200, 200);
  SynSpec s(Distribution::normal(5.0, 2.0), Distribution::uniform(0.5, 3.0));
  const auto id = p.net.connect(p.a, p.b, ConnSpec::fixed_indegree(50), s);
  const auto c = p.net.connections(id);
  const double n = static_cast<double>(c.size());
  double mw = 0, vw = 0;
  for (double w : c.weight) mw += w;
  mw /= n;
  for (double w : c.weight) vw += (w - mw) * (w - mw);
  vw /= n - 1;
  EXPECT_NEAR(mw, 5.0, 4 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(vw), 2.0, 4 * 2.0 / std::sqrt(2 * n));
  double md = 0;
  for (double d : c.delay) {
    EXPECT_NEAR(d * 10, std::round(d * 10), 1e-9);  // on the grid
    EXPECT_GE(d, 0.5 - 1e-12);
    EXPECT_LE(d, 3.0 + 1e-12);
    md += d;
  }
  EXPECT_NEAR(md / n, 1.75, 4 * 2.5 / std::sqrt(12 * n));
  // Bounded distributions redraw out-of-range values.
  SynSpec b(Distribution::normal(0.0, 1.0).bounded(0.0, 0.5), Distribution::constant(1.0));
  for (double w : p.net.connections(p.net.connect(p.a, p.b, ConnSpec::one_to_one(), b)).weight) {
    EXPECT_GE(w, 0.0);
    EXPECT_LE(w, 0.5);
  }
  EXPECT_THROW(p.net.connect(p.a, p.b, ConnSpec::one_to_one(), SynSpec(1.0, 0.04)),
               std::invalid_argument);
}

TEST(SpikingConnect, ConnectionsAndWeightsSurviveBuildAndCanBeReplaced) {
  for (int threads : {1, 3}) {
    Network net({0.1, 3, threads});
    const auto a = net.create<IafPscAlpha>(50);
    const auto id = net.connect(a, a, ConnSpec::fixed_indegree(10),
                                SynSpec(Distribution::normal(0, 10), Distribution::uniform(1, 2)));
    const auto before = net.connections(id);
    net.simulate(1.0);  // builds the per-thread tables
    const auto after = net.connections(id);
    EXPECT_EQ(before.pre, after.pre);
    EXPECT_EQ(before.post, after.post);
    EXPECT_EQ(before.weight, after.weight);
    EXPECT_EQ(before.delay, after.delay);
    std::vector<double> w(before.size());
    for (std::size_t k = 0; k < w.size(); ++k) w[k] = static_cast<double>(k) - 100.0;
    net.set_weights(id, w);
    EXPECT_EQ(net.weights(id), w);
    EXPECT_THROW(net.connect(a, a, ConnSpec::one_to_one(), SynSpec()), std::logic_error);
  }
}

TEST(SpikingPoisson, TableSamplesPoissonDistribution) {
  for (double mean : {0.02, 0.8, 2.0, 7.5, 60.0}) {
    PoissonTable t(mean);
    l2l::Rng rng(11);
    const int n = 200000;
    std::map<std::uint32_t, int> hist;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = t.sample(rng);
      s += k;
      s2 += k * k;
      ++hist[static_cast<std::uint32_t>(k)];
    }
    const double m = s / n, var = s2 / n - m * m;
    EXPECT_NEAR(m, mean, 5 * std::sqrt(mean / n)) << mean;
    EXPECT_NEAR(var / mean, 1.0, 5 * std::sqrt(2.0 / n) * std::max(1.0, 1 / std::sqrt(mean)))
        << mean;
    // Chi-square over cells with expected count >= 20.
    double chi2 = 0;
    int cells = 0;
    for (std::uint32_t k = 0; k < 1000; ++k) {
      const double pk = std::exp(k * std::log(mean) - mean - std::lgamma(k + 1.0));
      const double e = n * pk;
      if (e < 20) continue;
      const double o = hist.count(k) ? hist[k] : 0;
      chi2 += (o - e) * (o - e) / e;
      ++cells;
    }
    // Mean of chi2 is cells - 1 (at most), sd sqrt(2 cells): allow 5 sd.
    EXPECT_LT(chi2, cells + 5 * std::sqrt(2.0 * cells)) << mean;
  }
}

TEST(SpikingPoisson, GeneratorGivesIndependentTrainsPerTarget) {
  // Integrators without leak count the input spikes in V: V_i(T) - E_L = N_i ~ Poisson(rate T).
  Network net({0.1, 5, 2});
  IafPscDelta::Params p;
  p.tau_m = 1e12;
  p.V_th = 1e9;
  const auto n = net.create<IafPscDelta>(500, p);
  const double rate = 800.0, t = 500.0;
  const auto g = net.add_poisson_generator(rate);
  net.connect_generator(g, n, 1.0, 1.0);
  net.simulate(t + 1.0);  // + delay
  std::vector<double> c(n.size());
  for (std::uint32_t i = 0; i < n.size(); ++i) c[i] = net.v_m(n[i]) - p.E_L;
  const double lambda = rate * t * 1e-3;  // 400 per target
  double m = 0, v = 0, cov = 0;
  for (double x : c) m += x;
  m /= c.size();
  for (std::size_t i = 0; i < c.size(); ++i) {
    v += (c[i] - m) * (c[i] - m);
    if (i + 1 < c.size()) cov += (c[i] - m) * (c[i + 1] - m);
  }
  v /= c.size() - 1;
  cov /= c.size() - 2;
  EXPECT_NEAR(m, lambda, 5 * std::sqrt(lambda / c.size()));
  EXPECT_NEAR(v / lambda, 1.0, 5 * std::sqrt(2.0 / c.size()));
  EXPECT_NEAR(cov / v, 0.0, 5 / std::sqrt(static_cast<double>(c.size())));  // independent
}

TEST(SpikingPoisson, SourceTrainIsSharedByItsTargets) {
  Network net({0.1, 9, 1});
  const auto src = net.create<PoissonSource>(1, {200.0});
  IafPscDelta::Params p;
  p.tau_m = 1e12;
  p.V_th = 1e9;
  const auto n = net.create<IafPscDelta>(3, p);
  net.connect(src, n, ConnSpec::all_to_all(), SynSpec(1.0, 1.0));
  const auto rec = net.add_spike_recorder(src);
  net.simulate(1001.0);
  const double count = std::round(net.v_m(n[0]) - p.E_L);  // the leak is 1e-12 per ms
  EXPECT_EQ(net.v_m(n[1]), net.v_m(n[0]));
  EXPECT_EQ(net.v_m(n[2]), net.v_m(n[0]));
  EXPECT_NEAR(count, 200.0, 5 * std::sqrt(200.0));
  // The recorder sees every spike of the source (delivered ones: those before t = 1000 ms).
  const auto& r = net.spike_record(rec);
  std::size_t before = 0;
  for (double t : r.times) before += t <= 1000.0 + 1e-9;
  EXPECT_DOUBLE_EQ(static_cast<double>(before), count);
}

TEST(SpikingDevices, SpikeRecorderWindowAndCounts) {
  Network net({0.1, 1, 1});
  const auto sg = net.create<SpikeGenerator>(2);
  auto& gen = net.population_as<SpikeGenerator>(sg);
  gen.set_spike_times(0, {1.0, 2.0, 2.0, 5.0});
  gen.set_spike_times(1, {2.0, 7.0});
  const auto all = net.add_spike_recorder(sg);
  const auto win = net.add_spike_recorder(sg, 2.0, 5.0);  // (2, 5]
  net.simulate(10.0);
  const auto& a = net.spike_record(all);
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a.times, (std::vector<double>{1.0, 2.0, 2.0, 2.0, 5.0, 7.0}));
  EXPECT_EQ(a.senders, (std::vector<std::uint32_t>{0, 0, 0, 1, 0, 1}));
  const auto& w = net.spike_record(win);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_DOUBLE_EQ(w.times[0], 5.0);
  EXPECT_EQ(net.spike_counts(sg), (std::vector<std::uint64_t>{4, 2}));
  EXPECT_THROW(net.connect(sg, sg, ConnSpec::one_to_one(), SynSpec()), std::logic_error);
}

namespace {

// A network exercising every parallel path: two models, Poisson and DC generators, Bernoulli and
// in-degree rules, distributed weights and delays, a Poisson source population.
std::pair<SpikeRecord, std::vector<double>> mixed_run(int threads, double t_sim = 300.0) {
  Network net({0.1, 42, threads});
  IafPscAlpha::Params pa;
  const auto e = net.create<IafPscAlpha>(160, pa);
  const auto i = net.create<IafPscAlpha>(40, pa);
  const auto d = net.create<IafPscDelta>(50);
  const auto src = net.create<PoissonSource>(30, {50.0});
  const auto all = e + i + d;
  net.randomize_v_m(all, Distribution::uniform(-70, -56), 1);
  net.connect(e, all, ConnSpec::pairwise_bernoulli(0.1),
              SynSpec(Distribution::normal(60, 20), Distribution::uniform(0.5, 3.0)));
  net.connect(i, all, ConnSpec::fixed_indegree(10),
              SynSpec(Distribution::normal(-250, 30), Distribution::constant(1.0)));
  net.connect(src, e, ConnSpec::fixed_outdegree(8), SynSpec(150.0, 2.0));
  const auto g = net.add_poisson_generator(9000.0);
  net.connect_generator(g, e + i, 4.0, 1.0);
  net.connect_generator(g, d, 0.2, 1.0);
  const auto dc = net.add_dc_generator(100.0, 50.0, 200.0);
  net.connect_generator(dc, d, 1.0, 0.5);
  const auto rec = net.add_spike_recorder(all);
  net.simulate(t_sim / 2);
  net.simulate(t_sim / 2);
  std::vector<double> v(all.size());
  for (std::uint32_t k = 0; k < all.size(); ++k) v[k] = net.v_m(all[k]);
  return {net.spike_record(rec), v};
}

}  // namespace

TEST(SpikingNetwork, ResultsAreIdenticalForAnyThreadCount) {
  const auto [r1, v1] = mixed_run(1);
  ASSERT_GT(r1.size(), 500u);  // the network is active
  for (int threads : {2, 3, 4}) {
    const auto [r, v] = mixed_run(threads);
    EXPECT_EQ(r.senders, r1.senders) << threads;
    EXPECT_EQ(r.times, r1.times) << threads;
    EXPECT_EQ(v, v1) << threads;  // bit-identical membrane potentials
  }
}

TEST(SpikingNetwork, CopyContinuesIdentically) {
  Network net({0.1, 4, 2});
  const auto e = net.create<IafPscAlpha>(100);
  net.connect(e, e, ConnSpec::fixed_indegree(10), SynSpec(300.0, 1.5));
  const auto g = net.add_poisson_generator(15000.0);
  net.connect_generator(g, e, 5.0, 1.0);
  net.simulate(50.0);
  Network copy(net);
  net.simulate(50.0);
  copy.simulate(50.0);
  EXPECT_GT(net.total_spikes(e), 0u);
  EXPECT_EQ(net.spike_counts(e), copy.spike_counts(e));
  for (std::uint32_t k = 0; k < e.size(); ++k) EXPECT_EQ(net.v_m(e[k]), copy.v_m(e[k]));
}
