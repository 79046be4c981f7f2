#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/rng.hpp"

using namespace l2l;

namespace {
ParameterSpace mixed_space() {
  ParameterSpace s;
  s.add_scalar("lr", 1e-4, 1e-1, /*log=*/true);
  s.add_array("w", 3, -1, 1);
  s.add_scalar("n", 2, 9, false, /*integer=*/true);
  return s;
}
}  // namespace

TEST(ParameterSpace, FlattenUnflattenRoundTrip) {
  const auto s = mixed_space();
  EXPECT_EQ(s.dim(), 5u);
  ParameterValues v{{"lr", {0.01}}, {"w", {0.1, -0.2, 0.3}}, {"n", {4}}};
  const auto x = s.flatten(v);
  EXPECT_EQ(x, (std::vector<double>{0.01, 0.1, -0.2, 0.3, 4}));
  EXPECT_EQ(s.unflatten(x), v);
  EXPECT_EQ(s.offset("n"), 4u);
  EXPECT_EQ(s.element_names(), (std::vector<std::string>{"lr", "w[0]", "w[1]", "w[2]", "n"}));
  const auto view = s.view(x, "w");
  EXPECT_EQ(view.size(), 3u);
  EXPECT_DOUBLE_EQ(view[1], -0.2);
}

TEST(ParameterSpace, FlattenRejectsMissingWrongSizeAndUnknown) {
  const auto s = mixed_space();
  EXPECT_THROW(s.flatten({{"lr", {0.01}}, {"w", {0, 0, 0}}}), UsageError);
  EXPECT_THROW(s.flatten({{"lr", {0.01}}, {"w", {0, 0}}, {"n", {3}}}), UsageError);
  EXPECT_THROW(s.flatten({{"lr", {0.01}}, {"w", {0, 0, 0}}, {"n", {3}}, {"zz", {1}}}), UsageError);
}

TEST(ParameterSpace, RejectsBadDefinitions) {
  ParameterSpace s;
  EXPECT_THROW(s.add_scalar("a", 1, 0), UsageError);
  EXPECT_THROW(s.add_scalar("b", 0, 1, /*log=*/true), UsageError);
  s.add_scalar("c", 0, 1);
  EXPECT_THROW(s.add_scalar("c", 0, 1), UsageError);
  EXPECT_THROW(s.add_array("d", 0, 0, 1), UsageError);
}

TEST(ParameterSpace, ClipAndReflect) {
  ParameterSpace s;
  s.add_array("x", 4, 0, 10);
  std::vector<double> a{-3, 12, 5, 25};
  auto b = a;
  s.repair(a, BoundPolicy::clip);
  EXPECT_EQ(a, (std::vector<double>{0, 10, 5, 10}));
  s.repair(b, BoundPolicy::reflect);
  // -3 reflects to 3, 12 to 8, 25 -> 25-20 = 5 (two reflections).
  EXPECT_DOUBLE_EQ(b[0], 3);
  EXPECT_DOUBLE_EQ(b[1], 8);
  EXPECT_DOUBLE_EQ(b[2], 5);
  EXPECT_DOUBLE_EQ(b[3], 5);
  std::vector<double> nan{std::nan(""), 1, 1, 1};
  s.repair(nan, BoundPolicy::clip);
  EXPECT_DOUBLE_EQ(nan[0], 5);  // non-finite goes to the centre
}

TEST(ParameterSpace, IntegersAreRoundedIntoBounds) {
  ParameterSpace s;
  s.add_scalar("n", 1.5, 7.5, false, true);
  std::vector<double> x{0.2};
  s.repair(x, BoundPolicy::clip);
  EXPECT_DOUBLE_EQ(x[0], 2);  // rounded inside [ceil(lo), floor(hi)]
  x = {4.4};
  s.repair(x, BoundPolicy::clip);
  EXPECT_DOUBLE_EQ(x[0], 4);
  x = {100};
  s.repair(x, BoundPolicy::clip);
  EXPECT_DOUBLE_EQ(x[0], 7);
}

TEST(ParameterSpace, UnitCoordinatesAreLogAware) {
  const auto s = mixed_space();
  const std::vector<double> x{1e-2, 0, 0.5, -1, 9};
  const auto u = s.to_unit(x);
  EXPECT_NEAR(u[0], 2.0 / 3.0, 1e-12);  // 1e-2 is 2/3 of the way from 1e-4 to 1e-1 in log
  EXPECT_NEAR(u[1], 0.5, 1e-12);
  EXPECT_NEAR(u[3], 0.0, 1e-12);
  const auto back = s.from_unit(u);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(back[i], x[i], 1e-12);
}

TEST(ParameterSpace, UniformSamplesRespectBoundsAndLogScale) {
  const auto s = mixed_space();
  Rng rng(7);
  int below_1e3 = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const auto x = s.sample_uniform(rng);
    ASSERT_TRUE(s.contains(x));
    EXPECT_EQ(x[4], std::round(x[4]));
    below_1e3 += x[0] < 1e-3;
  }
  // Log-uniform: P(lr < 1e-3) = 1/3; binomial sd = sqrt(n p (1-p)) ~ 30; allow 5 sd.
  EXPECT_NEAR(below_1e3, n / 3.0, 5 * std::sqrt(n * (1.0 / 3) * (2.0 / 3)));
}

TEST(ParameterSpace, JsonRoundTrip) {
  const auto s = mixed_space();
  const auto t = ParameterSpace::from_json(s.to_json());
  EXPECT_EQ(t.dim(), s.dim());
  EXPECT_EQ(t.element_names(), s.element_names());
  EXPECT_TRUE(t.is_log(0));
  EXPECT_TRUE(t.is_integer(4));
}

TEST(Rng, StreamsDependOnlyOnSeedGenerationIndex) {
  EXPECT_EQ(stream_seed(1, 2, 3), stream_seed(1, 2, 3));
  EXPECT_NE(stream_seed(1, 2, 3), stream_seed(1, 3, 2));
  EXPECT_NE(stream_seed(1, 2, 3), stream_seed(2, 2, 3));
  EXPECT_NE(stream_seed(1, 0, -1), stream_seed(1, 0, 0));
}

TEST(Rng, NormalHasUnitMomentsAndStateRoundTrips) {
  Rng rng(123);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sq += z * z;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 5.0 / std::sqrt(n));  // 5 standard errors
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / n));
  Rng copy(0);
  copy.set_state(rng.state());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(copy(), rng());
}

TEST(Rng, BelowIsUniform) {
  Rng rng(5);
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) ++counts[rng.below(7)];
  for (int c : counts) EXPECT_NEAR(c, n / 7.0, 5 * std::sqrt(n * (1.0 / 7) * (6.0 / 7)));
}
