#include "l2l/optimizers/simulated_annealing.hpp"

#include "l2l/optimizers/cooling.hpp"
#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::string kSa = "type: simulated_annealing\nn_chains: 8\n";
}  // namespace

TEST(SimulatedAnnealing, ReachesTargetOnSphere) {
  auto s = box(5, -5, 5);
  auto opt = make(kSa + "step: 0.1\n", s, 1);
  Driver d(s, sphere);
  d.run(*opt, 400);
  EXPECT_LT(objective_at_estimate(*opt, sphere), 0.05);  // the best state found
}

TEST(SimulatedAnnealing, MetropolisAcceptanceProbability) {
  EXPECT_EQ(l2l::metropolis_acceptance(-1.0, 2.0, 0.5), 1.0);
  EXPECT_EQ(l2l::metropolis_acceptance(-1.0, -1.0, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(l2l::metropolis_acceptance(0.0, -1.0, 2.0), std::exp(-0.5));
  EXPECT_EQ(l2l::metropolis_acceptance(0.0, -1.0, 0.0), 0.0);
  EXPECT_EQ(l2l::metropolis_acceptance(0.0, -std::numeric_limits<double>::infinity(), 1e9), 0.0);
  EXPECT_EQ(l2l::metropolis_acceptance(-std::numeric_limits<double>::infinity(), -5.0, 1.0), 1.0);
}

TEST(SimulatedAnnealing, AcceptsWorseMovesWithTheMetropolisRate) {
  // Every proposal is worse by T ln 2: about half must be accepted.
  const int n = 4000;
  auto s = box(2, -1, 1);
  auto opt = make("type: simulated_annealing\nschedule: constant\ntemperature: 3\nn_chains: " +
                      std::to_string(n) + "\n",
                  s, 1);
  Driver d(s, sphere);
  tell_values(*opt, d, [](std::size_t) { return 0.0; });
  tell_values(*opt, d, [](std::size_t) { return 3.0 * std::log(2.0); });  // raw, minimized
  const double rate = opt->generation_info().at("acceptance_rate");
  EXPECT_NEAR(rate, 0.5, 4 * std::sqrt(0.25 / n));
}

TEST(SimulatedAnnealing, TemperatureFollowsTheSchedule) {
  auto s = box(2, -1, 1);
  for (const auto& name : l2l::cooling_schedule_names()) {
    l2l::Cooling::Config c;
    c.schedule = l2l::parse_cooling_schedule(name);
    c.t0 = 5.0;
    c.t_end = 0.5;
    c.alpha = 0.9;
    c.length = 10;
    const l2l::Cooling cooling(c);
    auto opt = make(kSa + "schedule: " + name +
                        "\ntemperature: 5\nend_temperature: 0.5\nalpha: 0.9\n"
                        "schedule_length: 10\nstep_scaling: sqrt\nstep: 0.2\n",
                    s, 1);
    Driver d(s, sphere);
    d.step(*opt);  // generation 0 evaluates the start points (T0 except exponential_additive)
    EXPECT_EQ(opt->generation_info().at("temperature").get<double>(), cooling.temperature(0));
    for (int k = 0; k < 14; ++k) {
      d.step(*opt);  // generation k + 1 is judged at T_k
      const double t = opt->generation_info().at("temperature");
      EXPECT_NEAR(t, cooling.temperature(k), 1e-12 * cooling.temperature(k)) << name << " k=" << k;
      EXPECT_NEAR(opt->generation_info().at("step").get<double>(), 0.2 * std::sqrt(t / 5.0), 1e-12);
    }
  }
}

TEST(SimulatedAnnealing, FailedProposalsAreRejected) {
  auto s = box(3, -5, 5);
  auto opt = make(kSa, s, 3);
  Driver d(s, sphere, [](std::int64_t g, std::int64_t i) { return g == 4 || i == 2; });
  d.run(*opt, 4);
  const auto before = opt->state();
  d.step(*opt);
  EXPECT_EQ(before.at("x"), opt->state().at("x"));
  EXPECT_EQ(before.at("f"), opt->state().at("f"));
  EXPECT_EQ(opt->generation_info().at("acceptance_rate").get<double>(), 0.0);
  EXPECT_EQ(opt->generation_info().at("failed"), 8);
  d.run(*opt, 100);
  expect_finite(d, *opt);
  // Chain 2 never had a successful evaluation: it still sits at its start with fitness -inf.
  EXPECT_EQ(l2l::state::unpack(opt->state().at("f"))[2], -std::numeric_limits<double>::infinity());
}

TEST(SimulatedAnnealing, Deterministic) {
  expect_deterministic(kSa, box(4, -5, 5), rastrigin, 20);
}

TEST(SimulatedAnnealing, StateRoundTrip) {
  expect_round_trip(kSa, box(4, -5, 5), rastrigin, 10, 10);
  expect_round_trip(kSa +
                        "schedule: exponential_additive\ntemperature: 30\nend_temperature: 1\n"
                        "schedule_length: 8\n",
                    box(3, -5, 5), rastrigin, 5, 10,
                    [](std::int64_t, std::int64_t i) { return i == 1; });
  expect_round_trip(kSa, box(3, -5, 5), sphere, 0, 2);
}

TEST(SimulatedAnnealing, RejectsBadOptions) {
  expect_config_error(kSa + "schedule: fast\n", "optimizer.schedule");
  expect_config_error(kSa + "schedule: exponential\nalpha: 1.5\n", "optimizer.alpha");
  expect_config_error(kSa + "schedule: linear_additive\ntemperature: 1\nend_temperature: 2\n",
                      "optimizer.end_temperature");
  expect_config_error(kSa + "schedule: exponential_additive\ntemperature: 1\n",
                      "optimizer.end_temperature");
  expect_config_error("type: simulated_annealing\nn_chains: 0\n", "optimizer.n_chains");
  expect_config_error(kSa + "step_scaling: log\n", "optimizer.step_scaling");
  expect_config_error(kSa + "temperature: 0\n", "optimizer.temperature");
}
