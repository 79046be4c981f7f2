#include "l2l/optimizers/gradient_descent.hpp"

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kGd = "type: gradient_descent\n";
}

TEST(GradientDescent, EveryVariantReachesTargetOnSphere) {
  auto s = box(5, -5, 5);
  // classic and stochastic steps scale with the gradient (20 x per unit coordinate on this box),
  // so they need a smaller rate than the normalized rmsprop / adam / adamax steps.
  const std::vector<std::string> variants = {
      "variant: classic\nlearning_rate: 0.002\n",
      "variant: stochastic\nlearning_rate: 0.002\nstochastic_deviation: 10\n",
      "variant: rmsprop\nlearning_rate: 0.005\n", "variant: adam\n", "variant: adamax\n"};
  for (const auto& v : variants) {
    auto opt = make(kGd + v, s, 2);
    Driver d(s, sphere);
    d.run(*opt, 300);
    EXPECT_LT(objective_at_estimate(*opt, sphere), 0.05) << v;
    EXPECT_EQ(opt->generation_info().at("action"), "update");
  }
}

TEST(GradientDescent, LeastSquaresGradientIsExactForALinearFunction) {
  // f(x) = c . x on [-1, 1]^3 (raw, minimized): the weighted gradient in unit coordinates is
  // -c * 2, so one classic step moves x by lr * (-2c) unit = lr * (-2c) * 2 natural units.
  auto s = box(3, -1, 1);
  const std::vector<double> c = {1.0, -2.0, 0.5};
  auto opt = make(kGd + "variant: classic\nlearning_rate: 0.01\ninit: center\n", s, 1);
  Driver d(s,
           [&](const std::vector<double>& x) { return c[0] * x[0] + c[1] * x[1] + c[2] * x[2]; });
  d.step(*opt);
  const auto x = *opt->estimate();
  for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(x[k], 0.01 * (-2 * c[k]) * 2, 1e-9);
  EXPECT_EQ(dynamic_cast<l2l::GradientDescent&>(*opt).random_steps(), 6u);  // 2 d by default
  EXPECT_EQ(d.history[0].size(), 7u);  // plus the current point, last
  EXPECT_EQ(d.history[0].back().params, (std::vector<double>{0, 0, 0}));
}

TEST(GradientDescent, FailedCurrentPointUndoesTheStep) {
  auto s = box(3, -5, 5);
  auto opt = make(kGd, s, 4);
  // The current point is the last candidate (index 6).
  Driver d(s, sphere, [](std::int64_t g, std::int64_t i) { return g == 3 && i == 6; });
  d.run(*opt, 2);
  const auto x_evaluated_at_1 = d.history[1].back().params;
  d.step(*opt);  // generation 2 succeeds and moves on
  d.step(*opt);  // generation 3: its current point fails
  EXPECT_EQ(opt->generation_info().at("action"), "revert");
  d.step(*opt);  // back at the point of generation 2, the last one that succeeded
  EXPECT_EQ(d.history[4].back().params, d.history[2].back().params);
  EXPECT_NE(d.history[4].back().params, x_evaluated_at_1);
}

TEST(GradientDescent, FailedExplorationPointsAreLeftOut) {
  auto s = box(3, -5, 5);
  auto opt = make(kGd, s, 4);
  Driver d(s, sphere,
           [](std::int64_t g, std::int64_t i) { return i < 6 && (g == 2 || i % 2 == 0); });
  d.run(*opt, 2);
  EXPECT_EQ(opt->generation_info().at("used_steps"), 3);
  d.step(*opt);  // every exploration point fails: no gradient, same point again
  EXPECT_EQ(opt->generation_info().at("action"), "resample");
  d.step(*opt);
  EXPECT_EQ(d.history[3].back().params, d.history[2].back().params);
  d.run(*opt, 300);
  expect_finite(d, *opt);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 0.05);
}

TEST(GradientDescent, StopsAfterTooManyFailures) {
  auto s = box(2, -5, 5);
  auto opt = make(kGd + "max_failures: 3\n", s, 1);
  Driver d(s, sphere, [](std::int64_t, std::int64_t) { return true; });
  d.run(*opt, 10);
  EXPECT_EQ(d.generation, 3);
  ASSERT_TRUE(opt->stop_reason().has_value());
  EXPECT_NE(opt->stop_reason()->find("3 consecutive generations"), std::string::npos);
}

TEST(GradientDescent, Deterministic) {
  expect_deterministic(kGd + "variant: stochastic\nlearning_rate: 0.001\n", box(4, -5, 5),
                       rastrigin, 10);
}

TEST(GradientDescent, StateRoundTrip) {
  for (const char* v : {"classic", "stochastic", "rmsprop", "adam", "adamax"})
    expect_round_trip(kGd + "learning_rate: 0.001\nvariant: " + v + "\n", box(4, -5, 5), rastrigin,
                      5, 5, [](std::int64_t g, std::int64_t i) { return g == 6 || i == 1; });
}

TEST(GradientDescent, RejectsBadOptions) {
  expect_config_error(kGd + "variant: nesterov\n", "optimizer.variant");
  expect_config_error(kGd + "learning_rate: 0\n", "optimizer.learning_rate");
  expect_config_error(kGd + "exploration_step_size: -1\n", "optimizer.exploration_step_size");
  expect_config_error(kGd + "n_random_steps: -1\n", "optimizer.n_random_steps");
  expect_config_error(kGd + "beta1: 1\n", "optimizer.beta1");
  expect_config_error(kGd + "max_failures: 0\n", "optimizer.max_failures");
}
