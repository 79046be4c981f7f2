#include "l2l/optimizers/parallel_tempering.hpp"

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kPt = "type: parallel_tempering\nn_chains: 6\nt_min: 0.1\nt_max: 10\n";
}  // namespace

TEST(ParallelTempering, SwapProbabilityIsTheMetropolisCriterion) {
  using PT = l2l::ParallelTempering;
  // Maximization: a better state at the hotter temperature always moves down.
  EXPECT_EQ(PT::swap_probability(0.0, 1.0, 1.0, 2.0), 1.0);
  // exp((1/T_i - 1/T_j)(f_j - f_i)) = exp(0.5 * -1)
  EXPECT_DOUBLE_EQ(PT::swap_probability(1.0, 1.0, 0.0, 2.0), std::exp(-0.5));
  EXPECT_DOUBLE_EQ(PT::swap_probability(-3.0, 0.5, -5.0, 4.0), std::exp((2.0 - 0.25) * -2.0));
  EXPECT_EQ(PT::swap_probability(-std::numeric_limits<double>::infinity(), 1.0, 0.0, 2.0), 0.0);
}

TEST(ParallelTempering, GeometricLadder) {
  auto s = box(2, -1, 1);
  auto opt = make(kPt, s, 1);
  const auto& t = dynamic_cast<l2l::ParallelTempering&>(*opt).temperatures();
  ASSERT_EQ(t.size(), 6u);
  EXPECT_DOUBLE_EQ(t.front(), 0.1);
  EXPECT_NEAR(t.back(), 10.0, 1e-12);
  for (std::size_t i = 1; i < t.size(); ++i)
    EXPECT_NEAR(t[i] / t[i - 1], std::pow(100.0, 0.2), 1e-12);
}

TEST(ParallelTempering, SwapsReallyExchangeStates) {
  auto s = box(2, -1, 1);
  auto opt = make("type: parallel_tempering\ntemperatures: [1, 2]\n", s, 1);
  auto& pt = dynamic_cast<l2l::ParallelTempering&>(*opt);
  Driver d(s, sphere);
  // Generation 0: the cold chain gets raw 1 (weighted -1), the hot chain raw 0 (weighted 0):
  // the better state is hot, so the swap is certain.
  auto batch = d.ask(*opt);
  std::vector<l2l::Evaluation> evals(2);
  evals[0].fitness = {1.0};
  evals[1].fitness = {0.0};
  opt->tell(batch, evals);
  ++d.generation;
  EXPECT_EQ(pt.chain_fitness(), (std::vector<double>{0.0, -1.0}));
  EXPECT_EQ(opt->generation_info().at("swap_accepts"), 1);
  EXPECT_EQ(opt->generation_info().at("swap_rate").get<double>(), 1.0);
  // The positions moved with their fitness: chain 0 now holds what chain 1 evaluated.
  const auto st = opt->state();
  EXPECT_EQ(s.from_unit(l2l::state::unpack_matrix(st.at("x"))[0]), batch[1].params);
}

TEST(ParallelTempering, SwapRateMatchesTheMetropolisCriterion) {
  // Two chains at T = 1 and 2 hold fitness 0 and -1 (raw 0 and 1) and every later proposal
  // fails, so only swaps change anything. From "cold has the worse state" the swap is certain,
  // from "cold has the better state" it happens with q = exp(-(1 - 1/2) * 1). The states
  // alternate as a two-state Markov chain whose long-run acceptance rate is 2q / (1 + q).
  auto s = box(2, -1, 1);
  auto opt = make("type: parallel_tempering\ntemperatures: [1, 2]\n", s, 17);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t) { return g > 0; });
  tell_values(*opt, d, [](std::size_t i) { return i == 0 ? 0.0 : 1.0; });
  const int n = 20000;
  std::int64_t accepted = 0;
  for (int g = 0; g < n; ++g) {
    d.step(*opt);
    accepted += opt->generation_info().at("swap_accepts").get<std::int64_t>();
  }
  const double q = std::exp(-0.5), expected = 2 * q / (1 + q);
  // Binomial-like standard error, inflated for the Markov correlation.
  EXPECT_NEAR(accepted / double(n), expected, 4 * 2 * std::sqrt(expected * (1 - expected) / n));
  EXPECT_NEAR(opt->generation_info().at("swap_rate_total").get<double>(), accepted / double(n),
              1e-4);
}

TEST(ParallelTempering, SwapsHappenOnARealProblem) {
  auto s = box(4, -5, 5);
  auto opt = make(kPt, s, 2);
  Driver d(s, rastrigin);
  double sum = 0;
  for (int g = 0; g < 300; ++g) {
    d.step(*opt);
    const auto info = opt->generation_info();
    EXPECT_EQ(info.at("swap_attempts"), 5);  // every neighbouring pair, every generation
    sum += info.at("swap_rate").get<double>();
  }
  EXPECT_GT(sum / 300, 0.05);
  EXPECT_LT(objective_at_estimate(*opt, rastrigin), 5.0);
}

TEST(ParallelTempering, ReachesTargetOnRastrigin2d) {
  auto s = box(2, -5, 5);
  auto opt =
      make("type: parallel_tempering\nn_chains: 8\nt_min: 0.05\nt_max: 20\nstep: 0.01\n", s, 3);
  Driver d(s, rastrigin);
  d.run(*opt, 1000);
  EXPECT_LT(objective_at_estimate(*opt, rastrigin), 0.01);
}

TEST(ParallelTempering, CoolingMovesEveryRung) {
  auto s = box(2, -1, 1);
  auto opt = make(
      "type: parallel_tempering\ntemperatures: [1, 4]\nschedule: linear_additive\n"
      "schedule_length: 4\nend_factor: 0.5\n",
      s, 1);
  Driver d(s, sphere);
  d.run(*opt, 6);
  const auto t = opt->generation_info().at("temperatures").get<std::vector<double>>();
  EXPECT_EQ(t, (std::vector<double>{0.5, 2.0}));
}

TEST(ParallelTempering, ChainWithoutASuccessNeverSwaps) {
  auto s = box(2, -1, 1);
  auto opt = make("type: parallel_tempering\ntemperatures: [1, 2, 3]\n", s, 1);
  Driver d(s, sphere, [](std::int64_t, std::int64_t i) { return i == 1; });
  d.run(*opt, 30);
  const auto f = dynamic_cast<l2l::ParallelTempering&>(*opt).chain_fitness();
  EXPECT_EQ(f[1], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(opt->generation_info().at("swap_accepts"), 0);
  expect_finite(d, *opt);
}

TEST(ParallelTempering, Deterministic) {
  expect_deterministic(kPt, box(4, -5, 5), rastrigin, 20);
}

TEST(ParallelTempering, StateRoundTrip) {
  expect_round_trip(kPt, box(4, -5, 5), rastrigin, 10, 10);
  expect_round_trip(kPt + "schedule: trigonometric_additive\nschedule_length: 12\n", box(3, -5, 5),
                    rastrigin, 6, 10,
                    [](std::int64_t g, std::int64_t i) { return g == 3 || i == 4; });
}

TEST(ParallelTempering, RejectsBadOptions) {
  expect_config_error("type: parallel_tempering\ntemperatures: [1, 3, 2]\n",
                      "optimizer.temperatures");
  expect_config_error("type: parallel_tempering\ntemperatures: [1]\n", "optimizer.temperatures");
  expect_config_error("type: parallel_tempering\nt_min: 5\nt_max: 1\n", "optimizer.t_max");
  expect_config_error("type: parallel_tempering\nn_chains: 1\n", "optimizer.n_chains");
  expect_config_error("type: parallel_tempering\nschedule: exponential\nalpha: 2\n",
                      "optimizer.alpha");
  expect_config_error("type: parallel_tempering\nschedule: exponential_additive\n",
                      "optimizer.end_factor");
  expect_config_error("type: parallel_tempering\nt_min: -1\n", "optimizer.t_min");
}
