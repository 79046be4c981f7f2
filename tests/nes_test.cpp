#include "l2l/optimizers/nes.hpp"

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kNes = "type: nes\n";

// Runs `opt` where candidate `bad(g)` of each generation either fails or gets a raw value worse
// than any other, and returns the candidates.
template <class Make>
void expect_failure_acts_as_worst(Make make_opt, const l2l::ParameterSpace& s, int generations) {
  auto failing = make_opt(), worst = make_opt();
  auto bad = [](std::int64_t g) { return g % 5; };
  Driver df(s, sphere, [&](std::int64_t g, std::int64_t i) { return i == bad(g); });
  Driver dw(s, sphere);
  for (int g = 0; g < generations; ++g) {
    df.step(*failing);
    auto batch = dw.ask(*worst);
    std::vector<l2l::Evaluation> evals(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
      evals[i].fitness = {static_cast<std::int64_t>(i) == bad(g) ? 1e300 : sphere(batch[i].params)};
    worst->tell(batch, evals);
    dw.history.push_back(batch);
    ++dw.generation;
  }
  expect_same_candidates(df.history, dw.history);
  auto a = failing->state(), b = worst->state();
  a.erase("info");  // only the failure count differs
  b.erase("info");
  EXPECT_EQ(a, b);
}
}  // namespace

TEST(Nes, DefaultsFollowWierstra2014) {
  auto s = box(10, -5, 5);
  auto opt = make(kNes, s, 1);
  auto* nes = dynamic_cast<l2l::Nes*>(opt.get());
  ASSERT_NE(nes, nullptr);
  EXPECT_EQ(nes->samples_per_generation(), 10u);  // 4 + floor(3 ln 10)
  EXPECT_NEAR(nes->learning_rate_sigma(), (3 + std::log(10.0)) / (5 * std::sqrt(10.0)), 1e-15);
  EXPECT_EQ(opt->ask().size(), 10u);  // every sample is used: L2L's version dropped one
}

TEST(Nes, ReachesTargetOnSphere) {
  auto s = box(10, -5, 5);
  auto opt = make(kNes, s, 5);
  Driver d(s, sphere);
  d.run(*opt, 250);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1e-8);
  EXPECT_LT(opt->generation_info().at("sigma_max").get<double>(), 1e-3);
}

TEST(Nes, StopsWhenSigmaIsBelowTolerance) {
  auto s = box(2, -5, 5);
  auto opt = make(kNes + "tol_sigma: 1e-6\n", s, 5);
  Driver d(s, sphere);
  d.run(*opt, 2000);
  ASSERT_TRUE(opt->stop_reason().has_value());
  EXPECT_NE(opt->stop_reason()->find("tol_sigma"), std::string::npos);
  EXPECT_LT(d.generation, 2000);
}

TEST(Nes, ShapingVariantsAndMirroredSamplingImprove) {
  auto s = box(5, -5, 5);
  // Without shaping the update scales with the fitness, so the rates must suit its units.
  for (const char* extra :
       {"fitness_shaping: centered_rank\n", "mirrored: true\n",
        "fitness_shaping: none\nlearning_rate_mu: 0.02\nlearning_rate_sigma: 0.01\n"}) {
    auto opt = make(kNes + extra, s, 6);
    Driver d(s, sphere);
    const double start = objective_at_estimate(*opt, sphere);
    d.run(*opt, 150);
    EXPECT_LT(objective_at_estimate(*opt, sphere), start / 100) << extra;
  }
}

TEST(Nes, Deterministic) {
  expect_deterministic(kNes + "mirrored: true\n", box(4, -5, 5), rastrigin, 10);
}

TEST(Nes, StateRoundTrip) {
  expect_round_trip(kNes, box(6, -5, 5), rastrigin, 8, 8);
  expect_round_trip(kNes + "mirrored: true\n", box(3, -5, 5), sphere, 2, 3,
                    [](std::int64_t, std::int64_t i) { return i == 1; });
}

TEST(Nes, FailureActsAsWorstRank) {
  auto s = box(5, -5, 5);
  expect_failure_acts_as_worst([&] { return make(kNes, s, 9); }, s, 12);
}

TEST(Nes, AllFailedGenerationLeavesTheDistribution) {
  auto s = box(4, -5, 5);
  auto opt = make(kNes, s, 2);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t) { return g == 2; });
  d.run(*opt, 2);
  const auto before = opt->state();
  d.step(*opt);
  EXPECT_EQ(before.at("mu"), opt->state().at("mu"));
  EXPECT_EQ(before.at("sigma"), opt->state().at("sigma"));
  d.fail = [](std::int64_t, std::int64_t i) { return i % 4 == 3; };
  d.run(*opt, 200);
  expect_finite(d, *opt);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1e-4);
}

TEST(Nes, RejectsBadOptions) {
  expect_config_error("type: nes\nsigma: 0\n", "optimizer.sigma");
  expect_config_error("type: nes\nlearning_rate_sigma: -1\n", "optimizer.learning_rate_sigma");
  expect_config_error("type: nes\nfitness_shaping: rank\n", "optimizer.fitness_shaping");
  expect_config_error("type: nes\npop_size: -3\n", "optimizer.pop_size");
  expect_config_error("type: nes\ninit: random\n", "optimizer.init");
}

TEST(Xnes, ReachesTargetOnRotatedProblem) {
  // Rosenbrock needs the full covariance; the separable NES stalls on it (see docs).
  auto s = box(5, -2, 2);
  auto opt = make("type: xnes\n", s, 3);
  Driver d(s, rosenbrock);
  d.run(*opt, 800);
  EXPECT_LT(objective_at_estimate(*opt, rosenbrock), 1e-6);
}

TEST(Xnes, DefaultLearningRates) {
  auto s = box(10, -5, 5);
  auto opt = make("type: xnes\n", s, 1);
  EXPECT_EQ(opt->ask().size(), 10u);
  // One generation on a flat function: utilities are all equal, nothing may move.
  Driver d(s, [](const std::vector<double>&) { return 1.0; });
  const auto before = opt->state();
  d.step(*opt);
  EXPECT_EQ(before.at("mu"), opt->state().at("mu"));
  EXPECT_EQ(before.at("sigma"), opt->state().at("sigma"));
}

TEST(Xnes, Deterministic) {
  expect_deterministic("type: xnes\n", box(4, -5, 5), rastrigin, 10);
}

TEST(Xnes, StateRoundTrip) {
  expect_round_trip("type: xnes\n", box(5, -2, 2), rosenbrock, 9, 7);
  expect_round_trip("type: xnes\nmirrored: true\nfitness_shaping: none\n", box(3, -5, 5), sphere, 3,
                    3, [](std::int64_t g, std::int64_t i) { return g == 1 || i == 0; });
}

TEST(Xnes, FailureActsAsWorstRank) {
  auto s = box(4, -5, 5);
  expect_failure_acts_as_worst([&] { return make("type: xnes\n", s, 4); }, s, 12);
}

TEST(Xnes, SurvivesFailures) {
  auto s = box(4, -5, 5);
  auto opt = make("type: xnes\n", s, 4);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t i) { return g == 5 || i % 3 == 0; });
  d.run(*opt, 400);
  expect_finite(d, *opt);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1e-4);
  EXPECT_TRUE(opt->generation_info().contains("max_coordinate_sd"));
}

TEST(Xnes, RejectsBadOptions) {
  expect_config_error("type: xnes\nsigma: -0.1\n", "optimizer.sigma");
  expect_config_error("type: xnes\nlearning_rate_b: -1\n", "optimizer.learning_rate_b");
  expect_config_error("type: xnes\nlearning_rate_mu: 0\n", "optimizer.learning_rate_mu");
  expect_config_error("type: xnes\nmirror: true\n", "optimizer.mirror");
}
