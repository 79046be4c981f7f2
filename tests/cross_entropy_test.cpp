#include "l2l/optimizers/cross_entropy.hpp"

#include "l2l/optimizers/ce_distribution.hpp"
#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kCe = "type: cross_entropy\npop_size: 40\n";
}  // namespace

TEST(CrossEntropy, ReachesTargetOnSphereWithEveryDistribution) {
  // The plain families can converge prematurely (a mixture of 2 full-covariance components fitted
  // to 18 elites in 5-D most of all); the noisy ones are limited by the decaying added variance.
  auto s = box(5, -5, 5);
  const std::vector<std::pair<std::string, double>> targets = {
      {"gaussian", 1e-3}, {"noisy_gaussian", 1e-3}, {"mixture", 0.2}, {"noisy_mixture", 1e-3}};
  for (const auto& [dist, target] : targets) {
    auto opt = make(
        "type: cross_entropy\npop_size: 60\nrho: 0.3\ncomponents: 2\ndistribution: " + dist + "\n",
        s, 2);
    Driver d(s, sphere);
    d.run(*opt, 80);
    EXPECT_LT(objective_at_estimate(*opt, sphere), target) << dist;
  }
  auto diag = make(kCe + "diagonal: true\n", s, 7);
  Driver d(s, sphere);
  d.run(*diag, 80);
  EXPECT_LT(objective_at_estimate(*diag, sphere), 1e-3);
}

TEST(CrossEntropy, GenerationZeroIsUniformThenTheDistribution) {
  auto s = box(2, 0, 1);
  auto opt = make("type: cross_entropy\npop_size: 2000\nrho: 0.1\n", s, 3);
  Driver d(s, [](const std::vector<double>& x) { return (x[0] - 0.2) * (x[0] - 0.2); });
  auto batch = d.ask(*opt);
  double mean = 0;
  for (const auto& c : batch) mean += c.params[1];
  EXPECT_NEAR(mean / 2000, 0.5, 4 * std::sqrt(1.0 / 12 / 2000));
  d.step(*opt);
  d.step(*opt);
  // Generation 1 samples the elites' fit (mean ~0.2) smoothed with the initial mean 0.5:
  // 0.2 * 0.5 + 0.8 * 0.2 = 0.26 (sample sd ~0.004, clipping at 0 adds < 0.01).
  double m0 = 0;
  for (const auto& c : d.history[1]) m0 += c.params[0];
  EXPECT_NEAR(m0 / 2000, 0.26, 0.02);
}

TEST(CrossEntropy, TemperatureAcceptanceFollowsExpOfFitnessGap) {
  // Elite gamma = 0, one non-elite at f = -T ln 2: kept with probability 1/2.
  const double t = 3.0;
  std::vector<double> f = {0.0, -t * std::log(2.0), -std::numeric_limits<double>::infinity()};
  l2l::Rng rng(5);
  int kept = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const auto sel = l2l::select_elites(f, 1, true, t, rng);
    ASSERT_EQ(sel.elites, 1u);
    EXPECT_EQ(sel.gamma, 0.0);
    kept += static_cast<int>(sel.accepted);
    for (auto j : sel.selected) ASSERT_NE(j, 2u);  // a failure is never kept
  }
  EXPECT_NEAR(kept / double(n), 0.5, 4 * std::sqrt(0.25 / n));
  // The rule uses the sorted fitness (L2L compared unsorted values with sorted individuals).
  std::vector<double> g = {-1000.0, 5.0, 4.0, 3.0};
  const auto sel = l2l::select_elites(g, 2, true, 1e-9, rng);
  EXPECT_EQ(sel.selected, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(sel.gamma, 4.0);
}

TEST(CrossEntropy, TemperatureDecays) {
  auto s = box(3, -5, 5);
  auto opt = make(kCe + "temperature: 1e9\ntemp_decay: 0.5\n", s, 1);
  Driver d(s, sphere);
  d.step(*opt);
  auto info = opt->generation_info();
  EXPECT_EQ(info.at("temperature").get<double>(), 1e9);
  EXPECT_EQ(info.at("accepted_non_elites").get<int>(), 32);  // every non-elite at T = 1e9
  d.step(*opt);
  EXPECT_EQ(opt->generation_info().at("temperature").get<double>(), 5e8);
}

TEST(CrossEntropy, MixtureFitsTwoClustersByEm) {
  l2l::CeDistribution::Config c;
  c.family = "mixture";
  c.components = 2;
  l2l::Rng rng(1);
  l2l::CeDistribution dist(c, 2, rng);
  std::vector<Eigen::VectorXd> pts;
  for (int i = 0; i < 300; ++i) {
    const bool left = i % 3 != 0;  // weights 2/3 and 1/3
    Eigen::VectorXd p(2);
    p << (left ? 0.2 : 0.8) + 0.02 * rng.normal(), 0.5 + 0.02 * rng.normal();
    pts.push_back(p);
  }
  dist.fit(pts, 0.0);
  const auto st = dist.state();
  std::vector<std::pair<double, double>> comps;  // (weight, mean x)
  for (const auto& comp : st.at("components"))
    comps.emplace_back(comp.at("weight").get<double>(), l2l::state::unpack(comp.at("mean"))[0]);
  std::sort(comps.begin(), comps.end());
  EXPECT_NEAR(comps[0].first, 1.0 / 3, 0.01);
  EXPECT_NEAR(comps[0].second, 0.8, 0.01);
  EXPECT_NEAR(comps[1].first, 2.0 / 3, 0.01);
  EXPECT_NEAR(comps[1].second, 0.2, 0.01);
  EXPECT_NEAR(dist.mode_mean()[0], 0.2, 0.01);
}

TEST(CrossEntropy, NoisyGaussianAddsDecayingVariance) {
  l2l::CeDistribution::Config c;
  c.family = "noisy_gaussian";
  c.noise = 0.01;
  c.noise_decay = 0.5;
  c.min_variance = 0;
  l2l::Rng rng(1);
  l2l::CeDistribution dist(c, 1, rng);
  const std::vector<Eigen::VectorXd> same(4, Eigen::VectorXd::Constant(1, 0.3));
  dist.fit(same, 0.0);  // fitted variance 0, plus 0.01
  EXPECT_NEAR(dist.info().at("sd_mean").get<double>(), 0.1, 1e-12);
  dist.fit(same, 0.0);  // plus 0.005
  EXPECT_NEAR(dist.info().at("sd_mean").get<double>(), std::sqrt(0.005), 1e-12);
  EXPECT_NEAR(dist.info().at("noise").get<double>(), 0.0025, 1e-15);
}

TEST(CrossEntropy, SmoothingBlendsOldAndNewParameters) {
  l2l::CeDistribution::Config c;
  c.family = "gaussian";
  c.min_variance = 0;
  l2l::Rng rng(1);
  l2l::CeDistribution dist(c, 1, rng);  // mean 0.5, variance 1/12
  dist.fit({Eigen::VectorXd::Constant(1, 0.1), Eigen::VectorXd::Constant(1, 0.3)}, 0.25);
  EXPECT_NEAR(dist.mode_mean()[0], 0.25 * 0.5 + 0.75 * 0.2, 1e-15);
  EXPECT_NEAR(dist.info().at("sd_mean").get<double>(), std::sqrt(0.25 / 12 + 0.75 * 0.01), 1e-12);
}

TEST(CrossEntropy, Deterministic) {
  expect_deterministic(kCe, box(4, -5, 5), rastrigin, 6);
  expect_deterministic(kCe + "distribution: mixture\ntemp_decay: 0.9\n", box(3, -5, 5), rastrigin,
                       6);
}

TEST(CrossEntropy, StateRoundTrip) {
  expect_round_trip(kCe, box(4, -5, 5), rastrigin, 4, 5);
  expect_round_trip(kCe + "distribution: noisy_mixture\ncomponents: 3\ntemp_decay: 0.9\n",
                    box(3, -5, 5), rastrigin, 3, 4,
                    [](std::int64_t, std::int64_t i) { return i % 7 == 2; });
  expect_round_trip(kCe + "diagonal: true\n", box(5, -5, 5), sphere, 0, 3);
}

TEST(CrossEntropy, FailedCandidatesAreNeverElites) {
  // A failure acts like a value worse than every other one (with temperature off).
  auto s = box(3, -5, 5);
  auto failing = make(kCe, s, 4), worst = make(kCe, s, 4);
  Driver df(s, sphere, [](std::int64_t, std::int64_t i) { return i < 20; });
  Driver dw(s, sphere);
  for (int g = 0; g < 6; ++g) {
    df.step(*failing);
    tell_values(*worst, dw, [](std::size_t i, const std::vector<double>& x) {
      return i < 20 ? 1e300 : sphere(x);
    });
  }
  expect_same_candidates(df.history, dw.history);
  EXPECT_EQ(failing->state().at("distribution"), worst->state().at("distribution"));
}

TEST(CrossEntropy, AllFailedGenerationLeavesTheDistribution) {
  auto s = box(3, -5, 5);
  auto opt = make(kCe + "temp_decay: 0.9\n", s, 4);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t) { return g == 2; });
  d.run(*opt, 2);
  const auto before = opt->state();
  d.step(*opt);
  EXPECT_EQ(before.at("distribution"), opt->state().at("distribution"));
  EXPECT_EQ(opt->generation_info().at("failed"), 40);
  EXPECT_FALSE(opt->generation_info().contains("gamma"));
  d.fail = [](std::int64_t, std::int64_t i) { return i % 3 == 0; };
  d.run(*opt, 60);
  expect_finite(d, *opt);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1e-2);
}

TEST(CrossEntropy, RejectsBadOptions) {
  expect_config_error("type: cross_entropy\npop_size: 10\nrho: 0.05\n", "optimizer.rho");
  expect_config_error("type: cross_entropy\nsmoothing: 1\n", "optimizer.smoothing");
  expect_config_error("type: cross_entropy\ndistribution: student\n", "optimizer.distribution");
  expect_config_error("type: cross_entropy\ntemp_decay: 2\n", "optimizer.temp_decay");
  expect_config_error("type: cross_entropy\ncomponents: 0\n", "optimizer.components");
  expect_config_error("type: cross_entropy\nnoise_decay: -0.1\n", "optimizer.noise_decay");
}
