#include "l2l/optimizers/es.hpp"

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kEs = "type: es\npop_size: 16\nsigma: 0.05\nlearning_rate: 0.02\n";
}

TEST(Es, ReachesTargetOnSphere) {
  auto s = box(10, -5, 5);
  auto opt = make(kEs + "sigma_decay: 0.98\nlearning_rate_decay: 0.98\n", s, 3);
  Driver d(s, sphere);
  const double start = objective_at_estimate(*opt, sphere);
  d.run(*opt, 200);
  const double end = objective_at_estimate(*opt, sphere);
  EXPECT_LT(end, start / 100);
  EXPECT_LT(end, 1e-3);  // the mean, in natural units
}

TEST(Es, SgdStepAndNoShapingAlsoImprove) {
  auto s = box(5, -5, 5);
  for (const char* extra : {"step: sgd\nlearning_rate: 0.002\n", "fitness_shaping: none\n",
                            "fitness_shaping: utility\nmirrored: false\n"}) {
    auto opt = make(kEs + extra, s, 4);
    Driver d(s, sphere);
    const double start = objective_at_estimate(*opt, sphere);
    d.run(*opt, 150);
    EXPECT_LT(objective_at_estimate(*opt, sphere), start / 20) << extra;
  }
}

TEST(Es, MirroredSamplingEvaluatesAntitheticPairs) {
  auto s = box(3, -1, 1);
  auto opt = make("type: es\npop_size: 4\nevaluate_mean: true\n", s, 1);
  const auto batch = opt->ask();
  ASSERT_EQ(batch.size(), 9u);
  const auto mean = *opt->estimate();
  for (std::size_t i = 0; i < 8; i += 2)
    for (std::size_t k = 0; k < 3; ++k)
      EXPECT_NEAR(batch[i].params[k] + batch[i + 1].params[k], 2 * mean[k], 1e-12);
  EXPECT_EQ(batch[8].params, mean);
}

TEST(Es, Deterministic) {
  expect_deterministic(kEs, box(4, -5, 5), rastrigin, 10);
}

TEST(Es, StateRoundTrip) {
  expect_round_trip(kEs, box(4, -5, 5), rastrigin, 7, 6);
  expect_round_trip(kEs + "step: sgd\nevaluate_mean: true\n", box(3, -5, 5), sphere, 3, 4);
}

TEST(Es, FailureRanksWorst) {
  // One failure per generation must act exactly like the worst fitness of the generation.
  auto s = box(4, -5, 5);
  auto failing = make(kEs, s, 8), worst = make(kEs, s, 8);
  Driver df(s, sphere, [](std::int64_t g, std::int64_t i) { return i == g % 32; });
  Driver dw(s, [](const std::vector<double>&) { return 0.0; });
  for (int g = 0; g < 10; ++g) {
    df.step(*failing);
    auto batch = dw.ask(*worst);
    std::vector<l2l::Evaluation> evals(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i)
      evals[i].fitness = {i == static_cast<std::size_t>(g % 32) ? 1e300 : sphere(batch[i].params)};
    worst->tell(batch, evals);
    dw.history.push_back(batch);
    ++dw.generation;
  }
  expect_same_candidates(df.history, dw.history);
  EXPECT_EQ(failing->estimate(), worst->estimate());
}

TEST(Es, AllFailedGenerationChangesNothingButTheRandomStream) {
  auto s = box(4, -5, 5);
  auto opt = make(kEs, s, 2);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t) { return g == 3; });
  d.run(*opt, 3);
  const auto before = opt->state();
  d.step(*opt);
  const auto after = opt->state();
  EXPECT_EQ(before.at("theta"), after.at("theta"));
  EXPECT_EQ(before.at("steps"), after.at("steps"));
  EXPECT_NE(before.at("rng"), after.at("rng"));
  EXPECT_EQ(opt->generation_info().at("failed"), 32);
  d.fail = [](std::int64_t, std::int64_t i) { return i % 5 == 0; };
  d.run(*opt, 100);
  expect_finite(d, *opt);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1.0);
}

TEST(Es, GenerationInfo) {
  auto s = box(2, -1, 1);
  auto opt = make(kEs + "sigma_decay: 0.5\n", s, 1);
  Driver d(s, sphere);
  d.run(*opt, 2);
  const auto info = opt->generation_info();
  EXPECT_DOUBLE_EQ(info.at("sigma").get<double>(), 0.025);  // sigma used by generation 1
  for (const char* k : {"gradient_norm", "step_norm", "failed", "best_fitness", "learning_rate"})
    EXPECT_TRUE(info.contains(k)) << k;
}

TEST(Es, RejectsBadOptions) {
  expect_config_error("type: es\nsigma: -1\n", "optimizer.sigma");
  expect_config_error("type: es\npop_size: 0\n", "optimizer.pop_size");
  expect_config_error("type: es\nstep: rmsprop\n", "optimizer.step");
  expect_config_error("type: es\nfitness_shaping: linear\n", "optimizer.fitness_shaping");
  expect_config_error("type: es\nsigma_decay: 1.5\n", "optimizer.sigma_decay");
  expect_config_error("type: es\nsigmaa: 0.1\n", "optimizer.sigmaa");
  expect_config_error("type: es\nx0: [0, 0]\n", "optimizer.x0");
  expect_config_error("type: es\nx0: [0, 0, 7]\n", "optimizer.x0");
}

TEST(Es, StartsAtX0) {
  auto s = box(3, -5, 5);
  auto opt = make("type: es\nx0: [1, -2, 3]\n", s, 1);
  EXPECT_EQ(*opt->estimate(), (std::vector<double>{1, -2, 3}));
  auto c = make("type: es\ninit: center\n", s, 1);
  EXPECT_EQ(*c->estimate(), (std::vector<double>{0, 0, 0}));
}
