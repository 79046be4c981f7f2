#include "l2l/optimizers/ranking.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>

using namespace l2l::ranking;

namespace {
constexpr double kFail = -std::numeric_limits<double>::infinity();
}

TEST(Ranking, AverageRanksOrderAndTies) {
  const std::vector<double> f = {3.0, 1.0, 2.0, 2.0, kFail};
  EXPECT_EQ(average_ranks(f), (std::vector<double>{4.0, 1.0, 2.5, 2.5, 0.0}));
  EXPECT_EQ(order_best_first(f), (std::vector<std::size_t>{0, 2, 3, 1, 4}));
}

TEST(Ranking, CenteredRanksSpanHalfAndSumToZero) {
  const std::vector<double> f = {5.0, -1.0, 0.5, 7.0};
  const auto r = centered_ranks(f);
  EXPECT_DOUBLE_EQ(r[3], 0.5);
  EXPECT_DOUBLE_EQ(r[1], -0.5);
  EXPECT_NEAR(std::accumulate(r.begin(), r.end(), 0.0), 0.0, 1e-15);
  EXPECT_EQ(centered_ranks(std::vector<double>{1.0}), std::vector<double>{0.0});
}

TEST(Ranking, FailuresRankWorstAndShareTheirRank) {
  const std::vector<double> f = {1.0, kFail, std::nan(""), -100.0};
  const auto r = average_ranks(f);
  EXPECT_EQ(r[0], 3.0);
  EXPECT_EQ(r[3], 2.0);
  EXPECT_EQ(r[1], 0.5);  // NaN counts as a failure
  EXPECT_EQ(r[2], 0.5);
}

TEST(Ranking, NesUtilitiesMatchTheFormula) {
  // n = 4: raw max(0, ln 3 - ln k) for k = 1..4 is ln 3, ln 1.5, 0, 0.
  const std::vector<double> f = {0.0, 3.0, 1.0, 2.0};
  const auto u = nes_utilities(f);
  const double s = std::log(3.0) + std::log(1.5);
  EXPECT_NEAR(u[1], std::log(3.0) / s - 0.25, 1e-15);
  EXPECT_NEAR(u[3], std::log(1.5) / s - 0.25, 1e-15);
  EXPECT_NEAR(u[2], -0.25, 1e-15);
  EXPECT_NEAR(u[0], -0.25, 1e-15);
  EXPECT_NEAR(std::accumulate(u.begin(), u.end(), 0.0), 0.0, 1e-15);
}

TEST(Ranking, AllFailedShapesToEqualValues) {
  const std::vector<double> f(6, kFail);
  for (double v : centered_ranks(f)) EXPECT_EQ(v, 0.0);
  const auto u = nes_utilities(f);
  for (double v : u) EXPECT_NEAR(v, 0.0, 1e-15);
}

TEST(Ranking, CenteredFitnessIgnoresFailures) {
  const std::vector<double> f = {1.0, kFail, 3.0};
  EXPECT_EQ(centered_fitness(f), (std::vector<double>{-1.0, 0.0, 1.0}));
  EXPECT_EQ(count_finite(f), 2u);
}
