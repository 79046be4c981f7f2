// Benchmark functions, presets, noise, sums, the `function` optimizee and `active_wait`.
//
// Reference values were computed from the published definitions (SFU test-function library, the
// formulas in L2L's function_generator.py) with an independent transcription; exact ones by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "l2l/core/error.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/optimizees/functions/function.hpp"
#include "l2l/optimizees/functions/function_optimizee.hpp"
#include "l2l/optimizees/functions/presets.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {
namespace {

using functions::BenchmarkFunction;
using functions::Kind;
using functions::Term;
using functions::TermParams;
constexpr double pi = std::numbers::pi;

double f1(Kind k, std::vector<double> x, TermParams p = {}) {
  return Term(k, x.size(), p)(x);
}

TEST(Functions, GlobalOptimaInSeveralDimensions) {
  for (std::size_t d : {1, 2, 3, 7, 10}) {
    SCOPED_TRACE(d);
    EXPECT_EQ(f1(Kind::sphere, std::vector<double>(d, 0.0)), 0.0);
    EXPECT_EQ(f1(Kind::rastrigin, std::vector<double>(d, 0.0)), 0.0);
    EXPECT_NEAR(f1(Kind::ackley, std::vector<double>(d, 0.0)), 0.0, 1e-14);
    EXPECT_DOUBLE_EQ(f1(Kind::easom, std::vector<double>(d, pi)), -1.0);
    std::vector<double> perm(d);
    for (std::size_t i = 0; i < d; ++i) perm[i] = static_cast<double>(i + 1);
    TermParams p;
    p.beta = 0.5;
    EXPECT_NEAR(f1(Kind::permutation, perm, p), 0.0, 1e-9);
    std::vector<double> mean(d, 0.25);
    TermParams g;
    g.mean = mean;
    // Standard normal density at its mean: (2 pi)^(-d/2).
    EXPECT_NEAR(f1(Kind::gaussian, mean, g), -std::pow(2 * pi, -0.5 * static_cast<double>(d)),
                1e-14);
    if (d >= 2) {
      EXPECT_EQ(f1(Kind::rosenbrock, std::vector<double>(d, 1.0)), 0.0);
    }
  }
  EXPECT_EQ(f1(Kind::chasm, {0.0, 0.0}), 0.0);
}

TEST(Functions, ValuesAtKnownPoints) {
  EXPECT_DOUBLE_EQ(f1(Kind::sphere, {1, -2, 3}), 14.0);
  EXPECT_NEAR(f1(Kind::rastrigin, {1, 1}), 2.0, 1e-12);
  EXPECT_NEAR(f1(Kind::rastrigin, {0.5, 0.0, -0.5}), 40.5, 1e-12);
  EXPECT_DOUBLE_EQ(f1(Kind::rosenbrock, {0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(f1(Kind::rosenbrock, {-1, 1}), 4.0);
  EXPECT_DOUBLE_EQ(f1(Kind::rosenbrock, {0, 1, 2}), 100 + 1 + 100 + 0);
  EXPECT_NEAR(f1(Kind::ackley, {1, 1}), 20 * (1 - std::exp(-0.2)), 1e-12);
  EXPECT_NEAR(f1(Kind::ackley, std::vector<double>(10, 0.5)), 4.253654026568412, 1e-12);
  EXPECT_NEAR(f1(Kind::chasm, {1, 1}), 1000.0 / 1001.0 + 0.01, 1e-15);
  EXPECT_NEAR(f1(Kind::chasm, {-0.001, -2}), 0.5 + 0.02, 1e-15);
  EXPECT_NEAR(f1(Kind::easom, {0, 0}), -std::exp(-2 * pi * pi), 1e-20);
  // cos(pi) = -1: the product's sign matters. For odd d the sign is flipped (see function.cpp).
  EXPECT_NEAR(f1(Kind::easom, {pi, 0}), std::exp(-pi * pi), 1e-16);
  EXPECT_NEAR(f1(Kind::easom, {pi, 0, pi}), std::exp(-pi * pi), 1e-16);
  EXPECT_NEAR(f1(Kind::easom, {pi, pi, pi / 3}), 0.5 * std::exp(-4 * pi * pi / 9), 1e-16);
  EXPECT_NEAR(f1(Kind::michalewicz, {1, 1}), -2.5573872831813936e-05, 1e-17);
  EXPECT_NEAR(f1(Kind::michalewicz, {1.0, 1.5, 2.0, 2.5, 3.0}), -1.459816545024584, 1e-12);
  TermParams m3;
  m3.m = 3;
  EXPECT_NEAR(f1(Kind::michalewicz, {1, 2}, m3), -0.02901588790693355, 1e-14);
  EXPECT_NEAR(f1(Kind::langermann, {0, 0}), -1.0271573538269159, 1e-12);
  EXPECT_NEAR(f1(Kind::langermann, {3, 5}), 0.53865490159455, 1e-12);
  TermParams b;
  b.beta = 0.005;
  EXPECT_NEAR(f1(Kind::permutation, {0, 0}, b), 3.01 * 3.01 + 5.01 * 5.01, 1e-12);
  // The permuted solution (2, 1) is a local minimum only beta^2 * 85/16 above the global one.
  EXPECT_NEAR(f1(Kind::permutation, {2, 1}, b), 0.005 * 0.005 * 85.0 / 16.0, 1e-15);
  TermParams b3;
  b3.beta = 0.5;
  EXPECT_NEAR(f1(Kind::permutation, {0.5, -1, 2}, b3), 1041.3786222565159, 1e-9);
  TermParams g;
  g.mean = {-1, -1};
  g.cov = {{1.5, 0.1}, {0.1, 0.3}};
  // d' inv(cov) d = 1.6 / 0.44 for d = (1, 1).
  EXPECT_NEAR(f1(Kind::gaussian, {0, 0}, g),
              -std::exp(-0.5 * 1.6 / 0.44) / (2 * pi * std::sqrt(0.44)), 1e-15);
}

TEST(Functions, ShekelMatchesThePublishedFourDimensionalMinimum) {
  // SFU's Shekel with m = 10: f(4, 4, 4, 4) ~ -10.5364, the textbook minimum value.
  TermParams p;
  p.A = {{4, 4, 4, 4}, {1, 1, 1, 1}, {8, 8, 8, 8}, {6, 6, 6, 6}, {3, 7, 3, 7},
         {2, 9, 2, 9}, {5, 3, 5, 3}, {8, 1, 8, 1}, {6, 2, 6, 2}, {7, 3.6, 7, 3.6}};
  p.c = {0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5};
  const Term t(Kind::shekel, 4, p);
  EXPECT_NEAR(t(std::vector<double>{4, 4, 4, 4}), -10.536283726219603, 1e-12);
  const std::vector<double> xmin = {4.000746869442687, 3.9995094820458155, 4.000746863669122,
                                    3.99950948284049};
  EXPECT_NEAR(t(xmin), -10.536443153483528, 1e-10);
}

TEST(Functions, Shekel2dReproducesL2LsCode) {
  // L2L's code computes sum_i 1 / sum_j ((x_j - A_ij)^2 + c_i) with c = 0.1 * (1, 2, 5, 2, 3, 1,
  // 1).
  const double a[7][2] = {{3, 5}, {5, 2}, {2, 1}, {3, 3}, {2, 7}, {1, 4}, {7, 9}};
  const double c[7] = {0.1, 0.2, 0.5, 0.2, 0.3, 0.1, 0.1};
  const auto f = functions::make_preset("Shekel2d");
  Rng rng(3);
  for (int k = 0; k < 200; ++k) {
    const std::vector<double> x = {rng.uniform(0, 10), rng.uniform(0, 10)};
    double l2l = 0;
    for (int i = 0; i < 7; ++i) {
      double s = 0;
      for (int j = 0; j < 2; ++j) s += (x[j] - a[i][j]) * (x[j] - a[i][j]) + c[i];
      l2l -= 1.0 / s;
    }
    EXPECT_NEAR(f.value(x), l2l, 1e-14 * std::fabs(l2l));
  }
}

struct PresetExpect {
  const char* name;
  std::size_t dims;
  double lo, hi;
};

TEST(Presets, NamesDimsAndBoundsFollowL2L) {
  const PresetExpect expect[] = {
      {"Rastrigin2d", 2, -5, 5},    {"Rastrigin10d", 10, -5, 5}, {"Rosenbrock2d", 2, -2, 2},
      {"Rosenbrock10d", 10, -2, 2}, {"Ackley2d", 2, -2, 2},      {"Ackley10d", 10, -2, 2},
      {"Chasm", 2, -2, 2},          {"Gauss2d", 2, -5, 5},       {"Shekel2d", 2, 0, 10},
      {"Langermann2d", 2, 0, 10},   {"Michalewicz2d", 2, 0, pi}, {"Permutation2d", 2, -2, 2},
      {"Easom2d", 2, -10, 10},      {"Easom10d", 10, -10, 10},   {"3Gaussians2d", 2, -5, 5},
  };
  const auto& names = functions::preset_names();
  ASSERT_EQ(names.size(), 15u);
  for (std::size_t i = 0; i < 15; ++i) {
    SCOPED_TRACE(expect[i].name);
    EXPECT_EQ(names[i], expect[i].name);  // L2L's benchmark ids are these positions
    const auto f = functions::make_preset(expect[i].name);
    EXPECT_EQ(f.dims(), expect[i].dims);
    EXPECT_EQ(f.lower(), expect[i].lo);
    EXPECT_EQ(f.upper(), expect[i].hi);
    EXPECT_FALSE(f.noise().active());
  }
  EXPECT_EQ(functions::make_preset("Permutation2d").terms()[0].describe()["beta"], 0.005);
  EXPECT_EQ(functions::make_preset("3Gaussians2d").terms().size(), 3u);
  EXPECT_EQ(functions::find_preset("rastrigin10D"), "Rastrigin10d");
  EXPECT_FALSE(functions::find_preset("Rastrigin3d"));
  EXPECT_THROW(functions::make_preset("Rastrigin3d"), UsageError);
}

TEST(Presets, RecordedOptimaAreTheGlobalMinima) {
  for (const auto& name : functions::preset_names()) {
    SCOPED_TRACE(name);
    const auto f = functions::make_preset(name);
    const auto opt = functions::preset_optimum(name);
    ASSERT_EQ(opt.x.size(), f.dims());
    EXPECT_NEAR(f.value(opt.x), opt.value, 1e-9);
    // A local minimum: no coordinate step leads lower.
    for (double h : {1e-3, 1e-5}) {
      for (std::size_t i = 0; i < f.dims(); ++i) {
        for (double s : {-h, h}) {
          auto y = opt.x;
          y[i] += s;
          if (y[i] < f.lower() || y[i] > f.upper()) continue;
          EXPECT_GE(f.value(y), opt.value - 1e-12) << "coordinate " << i << " step " << s;
        }
      }
    }
    // And global: nothing on a grid (2-D) or among random points (10-D) is lower.
    double lowest = INFINITY;
    if (f.dims() == 2) {
      const int n = 400;
      for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
          const std::vector<double> x = {f.lower() + (f.upper() - f.lower()) * i / n,
                                         f.lower() + (f.upper() - f.lower()) * j / n};
          lowest = std::min(lowest, f.value(x));
        }
    } else {
      Rng rng(11);
      std::vector<double> x(f.dims());
      for (int k = 0; k < 20000; ++k) {
        for (auto& v : x) v = rng.uniform(f.lower(), f.upper());
        lowest = std::min(lowest, f.value(x));
      }
    }
    EXPECT_GE(lowest, opt.value - 1e-12);
  }
}

TEST(Functions, SumsAddTermsAndTakeTheHullOfBounds) {
  const auto three = functions::make_preset("3Gaussians2d");
  std::vector<Term> singles;
  for (const auto& t : three.terms()) singles.push_back(t);
  Rng rng(5);
  for (int k = 0; k < 50; ++k) {
    const std::vector<double> x = {rng.uniform(-5, 5), rng.uniform(-5, 5)};
    double s = 0;
    for (const auto& t : singles) s += t(x);
    EXPECT_NEAR(three.value(x), s, 1e-15);
  }
  const BenchmarkFunction mix({Term(Kind::rastrigin, 3), Term(Kind::sphere, 3)});
  EXPECT_NEAR(mix.value(std::vector<double>{1, 1, 1}), 3.0 + 3.0, 1e-12);
  EXPECT_EQ(mix.lower(), -5);

  const BenchmarkFunction hull({Term(Kind::shekel, 2), Term(Kind::easom, 2)});
  EXPECT_EQ(hull.lower(), -10);
  EXPECT_EQ(hull.upper(), 10);
  const BenchmarkFunction hull2({Term(Kind::michalewicz, 2), Term(Kind::ackley, 2)});
  EXPECT_EQ(hull2.lower(), -2);
  EXPECT_EQ(hull2.upper(), pi);
  const BenchmarkFunction custom({Term(Kind::sphere, 2)}, std::pair{-1.0, 3.0});
  EXPECT_EQ(custom.lower(), -1);
  EXPECT_EQ(custom.upper(), 3);

  EXPECT_THROW(BenchmarkFunction({Term(Kind::sphere, 2), Term(Kind::sphere, 3)}), UsageError);
  EXPECT_THROW(BenchmarkFunction({}), UsageError);
  EXPECT_THROW(BenchmarkFunction({Term(Kind::sphere, 2)}, std::pair{1.0, 1.0}), UsageError);
  EXPECT_THROW(mix.value(std::vector<double>{1, 1}), UsageError);
}

TEST(Functions, InvalidParametersAreRejected) {
  EXPECT_THROW(Term(Kind::chasm, 3), UsageError);
  EXPECT_THROW(Term(Kind::rosenbrock, 1), UsageError);
  EXPECT_THROW(Term(Kind::sphere, 0), UsageError);
  EXPECT_THROW(Term(Kind::shekel, 3), UsageError);  // defaults exist for 2-D only
  TermParams p;
  p.A = {{1, 2}, {3, 4}};
  p.c = {1};
  EXPECT_THROW(Term(Kind::langermann, 2, p), UsageError);
  p.c = {1, 2};
  EXPECT_NO_THROW(Term(Kind::langermann, 2, p));
  EXPECT_THROW(Term(Kind::langermann, 3, p), UsageError);
  TermParams g;
  g.cov = {{1, 2}, {2, 1}};  // indefinite
  EXPECT_THROW(Term(Kind::gaussian, 2, g), UsageError);
  g.cov = {{1, 0.1}, {0.2, 1}};
  EXPECT_THROW(Term(Kind::gaussian, 2, g), UsageError);
  g.cov = {{1}};
  EXPECT_THROW(Term(Kind::gaussian, 2, g), UsageError);
  TermParams m;
  m.m = 0;
  EXPECT_THROW(Term(Kind::michalewicz, 2, m), UsageError);
  TermParams b;
  b.beta = -1;
  EXPECT_THROW(Term(Kind::permutation, 2, b), UsageError);
  EXPECT_THROW(Term(Kind::permutation, 65), UsageError);
  EXPECT_THROW(Term(Kind::gaussian, 2001), UsageError);
  // The largest permutation stays finite over its whole box.
  const Term big(Kind::permutation, 64);
  EXPECT_TRUE(std::isfinite(big(std::vector<double>(64, 64.0))));
  EXPECT_TRUE(std::isfinite(big(std::vector<double>(64, -64.0))));
}

TEST(Functions, NoiseIsReproducibleAndHasTheRequestedMoments) {
  const double mu = 0.3, sigma = 0.05;
  const BenchmarkFunction f({Term(Kind::rastrigin, 2)}, {}, {mu, sigma});
  const std::vector<double> x = {0.0, 0.0};
  EXPECT_EQ(f.value(x, 42), f.value(x, 42));
  EXPECT_NE(f.value(x, 42), f.value(x, 43));
  EXPECT_EQ(f.value(x), 0.0);  // the noiseless value

  const int n = 20000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double e = f.value(x, stream_seed(7, 0, i));
    sum += e;
    sum2 += e * e;
  }
  const double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
  // 5 standard errors: the mean's is sigma/sqrt(n), the variance's about sigma^2 sqrt(2/(n-1)).
  EXPECT_NEAR(mean, mu, 5 * sigma / std::sqrt(n));
  EXPECT_NEAR(var, sigma * sigma, 5 * sigma * sigma * std::sqrt(2.0 / (n - 1)));

  const BenchmarkFunction shifted({Term(Kind::sphere, 1)}, {}, {1.5, 0.0});
  EXPECT_EQ(shifted.value(std::vector<double>{2.0}, 9), 5.5);
  EXPECT_THROW(BenchmarkFunction({Term(Kind::sphere, 1)}, {}, {0.0, -1.0}), UsageError);
}

// --- the optimizees, built through the registry as the driver does ---

std::unique_ptr<Optimizee> make(const std::string& yaml) {
  auto src = std::make_shared<ConfigSource>();
  src->file = "test.yaml";
  Options o(YAML::Load(yaml), "optimizee", src);
  return make_optimizee(o, OptimizeeContext{});
}

std::string config_error(const std::string& yaml) {
  try {
    make(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

Candidate candidate(std::vector<double> x, std::uint64_t seed = 1, std::int64_t index = 0) {
  Candidate c;
  c.params = std::move(x);
  c.seed = seed;
  c.index = index;
  return c;
}

TEST(FunctionOptimizee, PresetFromYaml) {
  auto f = make("type: function\npreset: Rastrigin10d\n");
  const auto s = f->space();
  ASSERT_EQ(s.dim(), 10u);
  EXPECT_EQ(s.parameters().at(0).name, "x");
  EXPECT_TRUE(s.parameters().at(0).is_array);
  EXPECT_EQ(s.lower(0), -5);
  EXPECT_EQ(s.upper(9), 5);
  EXPECT_EQ(f->default_weights(), std::vector<double>{-1.0});
  const auto e = evaluate_guarded(*f, candidate(std::vector<double>(10, 0.0)), 1);
  ASSERT_TRUE(e.ok()) << e.reason;
  EXPECT_EQ(e.fitness, std::vector<double>{0.0});
  EXPECT_EQ(f->describe()["preset"], "Rastrigin10d");
  // A wrong-sized candidate fails cleanly.
  EXPECT_FALSE(evaluate_guarded(*f, candidate({0.0, 0.0}), 1).ok());
}

TEST(FunctionOptimizee, NamedFunctionWithParametersBoundsAndNoise) {
  auto f = make(
      "type: function\nname: michalewicz\nm: 3\ndims: 2\nbounds: [0, 4]\n"
      "noise: {mu: 1.0, sigma: 0.1}\n");
  const auto s = f->space();
  EXPECT_EQ(s.dim(), 2u);
  EXPECT_EQ(s.upper(1), 4);
  const auto a = evaluate_guarded(*f, candidate({1, 2}, 77), 1);
  const auto b = evaluate_guarded(*f, candidate({1, 2}, 77), 1);
  const auto c = evaluate_guarded(*f, candidate({1, 2}, 78), 1);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.fitness, b.fitness);
  EXPECT_NE(a.fitness, c.fitness);
  EXPECT_NEAR(a.fitness[0], -0.02901588790693355 + 1.0, 0.6);  // within 6 sigma of the mean

  auto g = make(
      "type: function\nname: gaussian\ndims: 2\nmean: [-1, -1]\ncov: [[1.5, 0.1], [0.1, 0.3]]\n");
  EXPECT_NEAR(evaluate_guarded(*g, candidate({-1, -1}), 1).fitness.at(0),
              functions::preset_optimum("Gauss2d").value, 1e-15);
}

TEST(FunctionOptimizee, SumOfTermsFromYaml) {
  auto f = make(R"(
type: function
dims: 2
terms:
  - {name: gaussian, mean: [-1, -1], cov: [[1.5, 0.1], [0.1, 0.3]]}
  - {name: gaussian, mean: [1, 1], cov: [[0.25, 0.3], [0.3, 1.0]]}
  - {name: gaussian, mean: [2, -2], cov: [[0.5, 0.25], [0.25, 1.3]]}
)");
  const auto ref = functions::make_preset("3Gaussians2d");
  for (const std::vector<double>& x : {std::vector<double>{0, 0}, {1, 1}, {-3, 2.5}}) {
    const auto e = evaluate_guarded(*f, candidate(x), 1);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e.fitness.at(0), ref.value(x));
  }
  auto mixed = make("type: function\ndims: 2\nterms: [{name: shekel}, {name: easom}]\n");
  EXPECT_EQ(mixed->space().lower(0), -10);
  EXPECT_EQ(mixed->space().upper(0), 10);
}

TEST(FunctionOptimizee, ConfigErrorsNameTheKeyAndLine) {
  EXPECT_NE(config_error("type: function\nname: rastrigin\nm: 3\n").find("test.yaml:3"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: rastrigin\nm: 3\n").find("optimizee.m"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\npreset: Rastrigin2d\ndims: 3\n").find("preset fixes"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\n").find("set one of"), std::string::npos);
  EXPECT_NE(config_error("type: function\npreset: Chasm\nname: chasm\n").find("only one"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\npreset: Foo2d\n").find("unknown preset"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: rastrign\n").find("optimizee.name"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: chasm\ndims: 3\n").find("dims = 2 only"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: sphere\nbounds: [1, 0]\n").find("bounds"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: sphere\nnoise: {sigma: -1}\n").find("noise.sigma"),
            std::string::npos);
  EXPECT_NE(config_error("type: function\nname: gaussian\ncov: [1, 2]\n").find("matrix"),
            std::string::npos);
  const auto term = config_error(
      "type: function\ndims: 2\nterms:\n  - {name: sphere}\n  - {name: shekel, A: [[1, 2, 3]], "
      "c: [1]}\n");
  EXPECT_NE(term.find("test.yaml:5"), std::string::npos) << term;
  EXPECT_NE(term.find("optimizee.terms[1].name"), std::string::npos) << term;
  EXPECT_NE(term.find("expected dims = 2"), std::string::npos) << term;
  const auto stray = config_error("type: function\ndims: 2\nterms: [{name: sphere, beta: 1}]\n");
  EXPECT_NE(stray.find("optimizee.terms[0].beta"), std::string::npos) << stray;
}

TEST(FunctionOptimizee, ListDocumentsEveryOption) {
  std::vector<std::string> keys;
  for (const auto& d : optimizee_registry().docs("function")) keys.push_back(d.key);
  for (const char* k : {"preset", "name", "m", "beta", "A", "c", "mean", "cov", "dims", "bounds",
                        "terms", "noise", "noise.mu", "noise.sigma"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
  keys.clear();
  for (const auto& d : optimizee_registry().docs("active_wait")) keys.push_back(d.key);
  for (const char* k : {"seconds", "mode", "failure_rate", "nan_rate", "dims"})
    EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
}

TEST(ActiveWait, FitnessMetricsAndWaiting) {
  for (const char* mode : {"busy", "sleep"}) {
    SCOPED_TRACE(mode);
    auto f = make(std::string("type: active_wait\nseconds: 0.002\ndims: 3\nmode: ") + mode);
    const auto s = f->space();
    EXPECT_EQ(s.dim(), 3u);
    EXPECT_EQ(s.lower(0), -1);
    EXPECT_EQ(s.upper(2), 1);
    const auto e = evaluate_guarded(*f, candidate({0.5, -0.5, 1.0}), 1);
    ASSERT_TRUE(e.ok()) << e.reason;
    EXPECT_DOUBLE_EQ(e.fitness.at(0), 1.5);
    EXPECT_GE(e.metrics.at("waited"), 0.002);
    EXPECT_GE(e.seconds, 0.002);
  }
  EXPECT_NE(config_error("type: active_wait\nfailure_rate: 1.5\n").find("failure_rate"),
            std::string::npos);
  EXPECT_NE(config_error("type: active_wait\nmode: spin\n").find("mode"), std::string::npos);
}

TEST(ActiveWait, FailureAndNanRatesFollowTheSeed) {
  const double p_fail = 0.2, p_nan = 0.1;
  auto f = make("type: active_wait\nseconds: 0\nfailure_rate: 0.2\nnan_rate: 0.1\n");
  const int n = 4000;
  int failed = 0, nan = 0, ok = 0;
  for (int i = 0; i < n; ++i) {
    const auto c = candidate({0.1, 0.2}, stream_seed(2024, 3, i), i);
    const auto e = evaluate_guarded(*f, c, 1);
    ASSERT_EQ(e.ok(), evaluate_guarded(*f, c, 1).ok());  // the outcome is the seed's, not luck
    if (e.ok()) {
      ++ok;
      EXPECT_NEAR(e.fitness.at(0), 0.05, 1e-15);
    } else if (e.reason.find("injected failure") != std::string::npos) {
      ++failed;
    } else {
      // NaN fitness becomes a failure with the reason in the engine's validate().
      EXPECT_NE(e.reason.find("fitness[0] is nan"), std::string::npos) << e.reason;
      ++nan;
    }
  }
  // Failures ~ Binomial(n, p_fail); NaNs among the rest ~ Binomial(n, (1 - p_fail) p_nan).
  const double pn = (1 - p_fail) * p_nan;
  EXPECT_NEAR(failed, n * p_fail, 5 * std::sqrt(n * p_fail * (1 - p_fail)));
  EXPECT_NEAR(nan, n * pn, 5 * std::sqrt(n * pn * (1 - pn)));
  EXPECT_EQ(ok + failed + nan, n);

  auto never = make("type: active_wait\nseconds: 0\n");
  auto always = make("type: active_wait\nseconds: 0\nnan_rate: 1\n");
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(evaluate_guarded(*never, candidate({0, 0}, stream_seed(1, 0, i)), 1).ok());
    EXPECT_FALSE(evaluate_guarded(*always, candidate({0, 0}, stream_seed(1, 0, i)), 1).ok());
  }
}

}  // namespace
}  // namespace l2l
