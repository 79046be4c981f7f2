#include "l2l/optimizers/cooling.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

using l2l::Cooling;
using l2l::CoolingSchedule;

namespace {

Cooling make(CoolingSchedule s, double t0, double t_end, double alpha, std::int64_t n) {
  Cooling::Config c;
  c.schedule = s;
  c.t0 = t0;
  c.t_end = t_end;
  c.alpha = alpha;
  c.length = n;
  EXPECT_EQ(Cooling::invalid(c).message, "");
  return Cooling(c);
}

}  // namespace

// Values worked out by hand from the formulas in cooling.hpp.
TEST(Cooling, MultiplicativeSchedulesMatchHandComputedValues) {
  auto exp = make(CoolingSchedule::exponential, 8.0, 0, 0.5, 100);
  EXPECT_DOUBLE_EQ(exp.temperature(0), 8.0);
  EXPECT_DOUBLE_EQ(exp.temperature(3), 1.0);  // 8 * 0.5^3

  auto log = make(CoolingSchedule::logarithmic, 1.0, 0, 1.0, 100);
  EXPECT_DOUBLE_EQ(log.temperature(0), 1.0);
  EXPECT_NEAR(log.temperature(1), 0.5906161091496412, 1e-15);  // 1 / (1 + ln 2)
  auto log2 = make(CoolingSchedule::logarithmic, 3.0, 0, 2.0, 100);
  EXPECT_NEAR(log2.temperature(6), 3.0 / (1.0 + 2.0 * 1.945910149055313), 1e-14);  // ln 7

  auto lin = make(CoolingSchedule::linear_multiplicative, 10.0, 0, 0.5, 100);
  EXPECT_DOUBLE_EQ(lin.temperature(4), 10.0 / 3.0);  // 10 / (1 + 0.5 * 4)

  auto quad = make(CoolingSchedule::quadratic_multiplicative, 10.0, 0, 0.25, 100);
  EXPECT_DOUBLE_EQ(quad.temperature(4), 2.0);  // 10 / (1 + 0.25 * 16)

  auto cst = make(CoolingSchedule::constant, 4.0, 0, 0.5, 100);
  EXPECT_DOUBLE_EQ(cst.temperature(1000), 4.0);
}

TEST(Cooling, AdditiveSchedulesUseStartMinusEndTemperature) {
  // T0 = 10, Tn = 1, n = 10.
  auto lin = make(CoolingSchedule::linear_additive, 10.0, 1.0, 0.5, 10);
  EXPECT_DOUBLE_EQ(lin.temperature(0), 10.0);
  EXPECT_DOUBLE_EQ(lin.temperature(3), 7.3);  // 1 + 9 * 7/10
  EXPECT_DOUBLE_EQ(lin.temperature(10), 1.0);
  EXPECT_DOUBLE_EQ(lin.temperature(25), 1.0);  // held at the end

  auto quad = make(CoolingSchedule::quadratic_additive, 10.0, 1.0, 0.5, 10);
  EXPECT_DOUBLE_EQ(quad.temperature(3), 1.0 + 9.0 * 0.49);
  EXPECT_DOUBLE_EQ(quad.temperature(10), 1.0);

  auto trig = make(CoolingSchedule::trigonometric_additive, 10.0, 1.0, 0.5, 10);
  EXPECT_DOUBLE_EQ(trig.temperature(0), 10.0);
  EXPECT_NEAR(trig.temperature(5), 5.5, 1e-14);   // 1 + 4.5 (1 + cos(pi/2))
  EXPECT_NEAR(trig.temperature(10), 1.0, 1e-14);  // exact pi: L2L's 3.1415 missed it

  auto ea = make(CoolingSchedule::exponential_additive, 10.0, 1.0, 0.5, 10);
  EXPECT_DOUBLE_EQ(ea.temperature(5), 5.5);     // midpoint: 1 + 9 / (1 + e^0)
  EXPECT_NEAR(ea.temperature(0), 9.1, 1e-13);   // 1 + 9 / (1 + 1/9)
  EXPECT_NEAR(ea.temperature(10), 1.9, 1e-13);  // 1 + 9 / (1 + 9)
}

TEST(Cooling, AdditiveSchedulesDoNotDependOnThePreviousTemperature) {
  // L2L's bug: T_k used (T_0 - T_{k-1}); the corrected schedules decrease monotonically.
  for (auto s : {CoolingSchedule::linear_additive, CoolingSchedule::quadratic_additive,
                 CoolingSchedule::exponential_additive, CoolingSchedule::trigonometric_additive}) {
    auto c = make(s, 20.0, 2.0, 0.5, 50);
    double t = c.temperature(0);
    for (std::int64_t k = 1; k <= 60; ++k) {
      const double next = c.next(t, k);
      EXPECT_EQ(next, c.temperature(k));
      EXPECT_LE(next, t) << l2l::to_string(s) << " at k = " << k;
      t = next;
    }
  }
}

TEST(Cooling, MultiplicativeIsTheRecursionOfExponential) {
  auto c = make(CoolingSchedule::multiplicative, 2.0, 0, 0.9, 100);
  double t = c.temperature(0);
  for (std::int64_t k = 1; k <= 50; ++k) t = c.next(t, k);
  EXPECT_NEAR(t, 2.0 * std::pow(0.9, 50), 1e-14);
}

TEST(Cooling, RejectsConfigurationsThatDoNotCool) {
  Cooling::Config c;
  c.schedule = CoolingSchedule::exponential;
  c.alpha = 1.5;
  EXPECT_EQ(Cooling::invalid(c).field, "alpha");
  c.schedule = CoolingSchedule::linear_additive;
  c.t0 = 1.0;
  c.t_end = 2.0;
  EXPECT_EQ(Cooling::invalid(c).field, "t_end");
  c.schedule = CoolingSchedule::exponential_additive;
  c.t0 = 1.0;
  c.t_end = 0.0;  // T0 - Tn = 1: the published formula is constant there
  EXPECT_EQ(Cooling::invalid(c).field, "t_end");
  c.t0 = 0.0;
  EXPECT_EQ(Cooling::invalid(c).field, "t0");
}

TEST(Cooling, NamesRoundTrip) {
  for (const auto& n : l2l::cooling_schedule_names())
    EXPECT_EQ(l2l::to_string(l2l::parse_cooling_schedule(n)), n);
  EXPECT_THROW(l2l::parse_cooling_schedule("linear_addaptive"), l2l::UsageError);
}
