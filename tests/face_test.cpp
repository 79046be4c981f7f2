#include "l2l/optimizers/face.hpp"

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kFace =
    "type: face\nmin_pop_size: 20\nmax_pop_size: 60\nn_expand: 15\nn_elite: 5\n";
}  // namespace

TEST(Face, ReachesTargetOnSphere) {
  auto s = box(5, -5, 5);
  auto opt = make("type: face\nmin_pop_size: 40\nmax_pop_size: 200\nn_elite: 10\n", s, 3);
  Driver d(s, sphere);
  d.run(*opt, 80);
  EXPECT_FALSE(opt->stop_reason().has_value()) << *opt->stop_reason();
  EXPECT_LT(objective_at_estimate(*opt, sphere), 1e-3);
}

TEST(Face, PopulationGrowsWithoutImprovementAndShrinksWithIt) {
  auto s = box(2, -1, 1);
  auto opt = make(kFace, s, 1);
  Driver d(s, sphere);
  EXPECT_EQ(tell_values(*opt, d, [](std::size_t) { return 1.0; }), 20u);  // improves on -inf
  EXPECT_EQ(opt->generation_info().at("action"), "update");
  EXPECT_EQ(tell_values(*opt, d, [](std::size_t) { return 1.0; }), 20u);  // equal: no improvement
  EXPECT_EQ(opt->generation_info().at("action"), "expand");
  EXPECT_EQ(tell_values(*opt, d, [](std::size_t) { return 2.0; }), 35u);  // worse
  EXPECT_EQ(tell_values(*opt, d, [](std::size_t i) { return i == 3 ? 0.5 : 2.0; }), 50u);
  EXPECT_EQ(opt->generation_info().at("action"), "update");  // best improved
  // Shrinks halfway back to the minimum: (50 + 20) / 2.
  EXPECT_EQ(opt->generation_info().at("next_pop_size"), 35);
  EXPECT_EQ(tell_values(*opt, d, [](std::size_t i) { return i < 5 ? 0.9 : 0.95; }), 35u);
  EXPECT_EQ(opt->generation_info().at("action"), "update");  // gamma improved (2.0 -> 0.9)
  EXPECT_EQ(opt->generation_info().at("next_pop_size"), 27);
}

TEST(Face, StopsWithAClearMessageWhenItDiverges) {
  auto s = box(2, -1, 1);
  auto opt = make(kFace, s, 1);
  Driver d(s, [](const std::vector<double>&) { return 3.0; });  // nothing ever improves
  std::vector<std::int64_t> sizes;
  while (!opt->stop_reason() && d.generation < 20) {
    d.step(*opt);
    sizes.push_back(static_cast<std::int64_t>(d.history.back().size()));
  }
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{20, 20, 35, 50, 60}));  // capped at max_pop_size
  ASSERT_TRUE(opt->stop_reason().has_value());
  const auto why = *opt->stop_reason();
  EXPECT_NE(why.find("diverged"), std::string::npos) << why;
  EXPECT_NE(why.find("max_pop_size"), std::string::npos) << why;
  EXPECT_EQ(opt->generation_info().at("action"), "stop");
}

TEST(Face, TemperatureAcceptanceWorks) {
  // L2L's FACE crashed as soon as temp_decay > 0.
  auto s = box(3, -5, 5);
  auto opt = make(kFace + "temp_decay: 0.9\ntemperature: 1e9\n", s, 2);
  Driver d(s, sphere);
  d.step(*opt);
  EXPECT_EQ(opt->generation_info().at("accepted_non_elites"), 15);
  d.run(*opt, 40);
  EXPECT_TRUE(opt->generation_info().contains("temperature"));
}

TEST(Face, FailedGenerationCountsAsNoImprovement) {
  auto s = box(2, -1, 1);
  auto opt = make(kFace, s, 1);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t i) { return g == 1 || (g > 1 && i < 3); });
  d.step(*opt);
  const auto dist = opt->state().at("distribution");
  d.step(*opt);
  EXPECT_EQ(opt->generation_info().at("action"), "expand");
  EXPECT_EQ(opt->generation_info().at("failed"), 20);
  EXPECT_EQ(opt->state().at("distribution"), dist);
  d.run(*opt, 30);
  expect_finite(d, *opt);
}

TEST(Face, Deterministic) {
  expect_deterministic(kFace, box(4, -5, 5), rastrigin, 8);
}

TEST(Face, StateRoundTrip) {
  expect_round_trip(kFace, box(4, -5, 5), rastrigin, 6, 6);
  expect_round_trip(kFace + "distribution: mixture\ncomponents: 2\ntemp_decay: 0.5\n",
                    box(3, -5, 5), rastrigin, 5, 5,
                    [](std::int64_t g, std::int64_t i) { return g == 2 || i == 4; });
}

TEST(Face, RejectsBadOptions) {
  expect_config_error("type: face\nmin_pop_size: 10\nn_elite: 11\n", "optimizer.n_elite");
  expect_config_error("type: face\nmin_pop_size: 50\nmax_pop_size: 40\n", "optimizer.max_pop_size");
  expect_config_error("type: face\nn_expand: 0\n", "optimizer.n_expand");
  expect_config_error("type: face\npop_size: 30\n", "optimizer.pop_size");
}
