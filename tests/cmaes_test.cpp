// CMA-ES: convergence on standard functions, variants, restarts, bounds, determinism, checkpoints
// and the failure policy.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizees/bbob/bbob_functions.hpp"
#include "l2l/optimizers/cmaes.hpp"

namespace {

using Fn = std::function<double(const std::vector<double>&)>;

double sphere(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v;
  return s;
}

double rosenbrock(const std::vector<double>& x) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i)
    s += 100 * std::pow(x[i] * x[i] - x[i + 1], 2) + std::pow(1 - x[i], 2);
  return s;
}

double ellipsoid(const std::vector<double>& x) {
  double s = 0;
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    s += std::pow(1e6, static_cast<double>(i) / (n - 1)) * x[i] * x[i];
  return s;
}

l2l::ParameterSpace box(std::size_t n, double lo = -5, double hi = 5) {
  l2l::ParameterSpace s;
  s.add_array("x", n, lo, hi);
  return s;
}

std::unique_ptr<l2l::Optimizer> make(const std::string& yaml, const l2l::ParameterSpace& space,
                                     std::uint64_t seed = 1) {
  YAML::Node node = YAML::Load(yaml.empty() ? "{type: cmaes}" : yaml);
  node["type"] = "cmaes";
  l2l::Options o(node, "optimizer", nullptr);
  l2l::OptimizerContext ctx;
  ctx.seed = seed;
  ctx.weights = l2l::FitnessWeights({-1.0});
  return l2l::make_optimizer(o, space, ctx);
}

l2l::Evaluation ok(double f) {
  l2l::Evaluation e;
  e.fitness = {f};
  return e;
}

struct Outcome {
  std::int64_t evals = 0;
  double best = INFINITY;
  std::int64_t generations = 0;
  bool stopped = false;
};

// The driver's loop in miniature: ask, repair into the box, evaluate, tell.
Outcome run(l2l::Optimizer& opt, const l2l::ParameterSpace& space, const Fn& f, double target,
            std::int64_t max_evals, std::vector<std::vector<double>>* seen = nullptr) {
  Outcome out;
  while (out.evals < max_evals && out.best > target) {
    if (opt.stop_reason()) {
      out.stopped = true;
      break;
    }
    auto batch = opt.ask();
    std::vector<l2l::Evaluation> evals;
    for (auto& c : batch) {
      space.repair(c.params, l2l::BoundPolicy::clip);
      if (seen) seen->push_back(c.params);
      const double v = f(c.params);
      out.best = std::min(out.best, v);
      evals.push_back(ok(v));
      ++out.evals;
    }
    opt.tell(batch, evals);
    ++out.generations;
  }
  return out;
}

TEST(CmaEs, SolvesStandardFunctionsTo1e8) {
  struct Case {
    const char* name;
    Fn f;
    std::size_t n;
    std::int64_t budget;
  };
  const std::vector<Case> cases = {{"sphere", sphere, 10, 4000},
                                   {"rosenbrock", rosenbrock, 10, 30000},
                                   {"ellipsoid", ellipsoid, 10, 20000}};
  for (const auto& c : cases) {
    const auto space = box(c.n);
    auto opt = make("{sigma0: 0.2}", space, 7);
    const auto out = run(*opt, space, c.f, 1e-8, c.budget);
    EXPECT_LE(out.best, 1e-8) << c.name << " after " << out.evals;
  }
}

TEST(CmaEs, SeparableModeSolvesSeparableEllipsoid) {
  const auto space = box(20);
  auto opt = make("{separable: 'true', sigma0: 0.2}", space, 3);
  auto* cma = dynamic_cast<l2l::CmaEs*>(opt.get());
  ASSERT_NE(cma, nullptr);
  EXPECT_TRUE(cma->separable());
  const auto out = run(*opt, space, ellipsoid, 1e-8, 60000);
  EXPECT_LE(out.best, 1e-8) << "after " << out.evals;
  // Full CMA-ES needs about n^2 generations to learn the scaling, the diagonal model far fewer:
  // with the same budget the full model is still far from the target.
  auto full = make("{separable: 'false', sigma0: 0.2}", space, 3);
  const auto out_full = run(*full, space, ellipsoid, 1e-8, out.evals);
  EXPECT_GT(out_full.best, 1e-6);
}

TEST(CmaEs, PopulationDefaultsFollowTheTutorial) {
  for (std::size_t n : {2u, 10u, 100u}) {
    const auto space = box(n);
    auto opt = make("", space);
    const auto batch = opt->ask();
    EXPECT_EQ(batch.size(), 4 + static_cast<std::size_t>(std::floor(3 * std::log(double(n)))));
  }
}

TEST(CmaEs, IpopRestartsDoublePopulation) {
  // Rastrigin defeats a single small-population run; IPOP restarts with twice the population.
  const auto space = box(5);
  const l2l::bbob::Problem p(3, 5, 1);
  auto opt = make("{restarts: ipop, max_restarts: 4, sigma0: 0.2}", space, 11);
  auto* cma = dynamic_cast<l2l::CmaEs*>(opt.get());
  std::set<std::size_t> sizes;
  Outcome out;
  std::int64_t evals = 0;
  while (!opt->stop_reason() && evals < 400000) {
    auto batch = opt->ask();
    sizes.insert(batch.size());
    std::vector<l2l::Evaluation> ev;
    for (auto& c : batch) ev.push_back(ok(p(c.params) - p.fopt()));
    evals += static_cast<std::int64_t>(batch.size());
    opt->tell(batch, ev);
  }
  EXPECT_EQ(cma->restarts(), 4);
  ASSERT_TRUE(opt->stop_reason().has_value());
  EXPECT_NE(opt->stop_reason()->find("IPOP"), std::string::npos) << *opt->stop_reason();
  EXPECT_EQ(sizes, (std::set<std::size_t>{8, 16, 32, 64, 128}));
  const auto info = opt->generation_info();
  EXPECT_EQ(info["restarts"], 4);
  EXPECT_EQ(info["population"], 128);
}

TEST(CmaEs, BipopInterlacesSmallAndLargeRegimes) {
  const auto space = box(5);
  const l2l::bbob::Problem p(15, 5, 1);
  auto opt = make("{restarts: bipop, max_restarts: 5, sigma0: 0.2}", space, 5);
  std::set<std::string> regimes;
  std::set<std::size_t> sizes;
  while (!opt->stop_reason()) {
    auto batch = opt->ask();
    sizes.insert(batch.size());
    regimes.insert(opt->generation_info()["regime"].get<std::string>());
    std::vector<l2l::Evaluation> ev;
    for (auto& c : batch) ev.push_back(ok(p(c.params) - p.fopt()));
    opt->tell(batch, ev);
  }
  EXPECT_EQ(regimes, (std::set<std::string>{"first", "large", "small"}));
  EXPECT_TRUE(sizes.count(16));  // the first large restart doubles the default 8
  EXPECT_NE(opt->stop_reason()->find("BIPOP"), std::string::npos);
}

TEST(CmaEs, WithoutRestartsStopsWithNamedCriterion) {
  const auto space = box(4);
  auto opt = make("{sigma0: 0.3}", space, 2);
  const auto out = run(*opt, space, sphere, -1.0, 200000);
  EXPECT_TRUE(out.stopped);
  ASSERT_TRUE(opt->stop_reason());
  const std::string why = *opt->stop_reason();
  EXPECT_TRUE(why.find("tolfun") != std::string::npos || why.find("tolx") != std::string::npos)
      << why;
  EXPECT_LT(out.best, 1e-12);
  EXPECT_TRUE(opt->ask().empty());
}

TEST(CmaEs, BoundsAreRespectedBothWays) {
  // The optimum of sum (x_i - 3)^2 lies outside the box [0, 1]^n: CMA-ES must end at the corner.
  const auto space = box(6, 0.0, 1.0);
  const Fn outside = [](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += (v - 3) * (v - 3);
    return s;
  };
  for (const char* mode : {"transform", "penalty"}) {
    auto opt = make(std::string("{bounds: ") + mode + ", sigma0: 0.3}", space, 4);
    auto f = [&](const std::vector<double>& x) {
      for (double v : x) EXPECT_TRUE(v >= 0.0 && v <= 1.0) << mode;
      return outside(x);
    };
    std::vector<std::vector<double>> seen;
    // Ask without repairing: the optimizer itself must propose points inside the box.
    for (int g = 0; g < 300 && !opt->stop_reason(); ++g) {
      auto batch = opt->ask();
      std::vector<l2l::Evaluation> ev;
      for (auto& c : batch) {
        EXPECT_TRUE(space.contains(c.params)) << mode;
        ev.push_back(ok(f(c.params)));
      }
      opt->tell(batch, ev);
    }
    const auto est = *opt->estimate();
    for (double v : est) EXPECT_GT(v, 0.999) << mode;
  }
}

TEST(CmaEs, WithoutBoundsSearchesOutsideTheBox) {
  // bounds: none (the COCO protocol): the same problem, but nothing keeps the candidates in
  // [0, 1]^n, so the mean must travel to the unconstrained optimum at 3 in every coordinate; the
  // box still sets the scale (sigma0 0.3 of its width).
  const auto space = box(6, 0.0, 1.0);
  auto opt = make("{bounds: none, sigma0: 0.3}", space, 4);
  bool left_the_box = false;
  for (int g = 0; g < 2000 && !opt->stop_reason(); ++g) {
    auto batch = opt->ask();
    std::vector<l2l::Evaluation> ev;
    for (auto& c : batch) {
      left_the_box = left_the_box || !space.contains(c.params);
      double s = 0;
      for (double v : c.params) s += (v - 3) * (v - 3);
      ev.push_back(ok(s));
    }
    opt->tell(batch, ev);
  }
  EXPECT_TRUE(left_the_box);
  const auto est = *opt->estimate();
  for (double v : est) EXPECT_NEAR(v, 3.0, 1e-4);
}

TEST(CmaEs, LogScaleParametersAreSearchedInUnitCoordinates) {
  l2l::ParameterSpace space;
  space.add_scalar("rate", 1e-6, 1.0, true);
  space.add_scalar("x", -2.0, 2.0);
  auto opt = make("{sigma0: 0.2}", space, 9);
  // Optimum at rate = 1e-4, x = 0.5.
  const Fn f = [](const std::vector<double>& v) {
    return std::pow(std::log10(v[0]) + 4.0, 2) + (v[1] - 0.5) * (v[1] - 0.5);
  };
  const auto out = run(*opt, space, f, 1e-10, 5000);
  EXPECT_LE(out.best, 1e-10);
  const auto est = *opt->estimate();
  EXPECT_NEAR(std::log10(est[0]), -4.0, 1e-4);
}

TEST(CmaEs, SameSeedSameRunDifferentSeedDifferentRun) {
  const auto space = box(8);
  std::vector<std::vector<double>> a, b, c;
  auto o1 = make("{restarts: bipop}", space, 42);
  auto o2 = make("{restarts: bipop}", space, 42);
  auto o3 = make("{restarts: bipop}", space, 43);
  run(*o1, space, rosenbrock, 1e-8, 3000, &a);
  run(*o2, space, rosenbrock, 1e-8, 3000, &b);
  run(*o3, space, rosenbrock, 1e-8, 3000, &c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// ask/tell N generations == ask/tell k, checkpoint (through CBOR), restore into a fresh optimizer,
// continue: identical candidates, in every variant and across restarts and resampling.
TEST(CmaEs, CheckpointRoundTripIsBitExact) {
  const std::vector<std::string> variants = {"{}",
                                             "{separable: 'true'}",
                                             "{bounds: penalty}",
                                             "{active: false}",
                                             "{restarts: ipop, tolfun: 1e-3, tolfunhist: 1e-3}",
                                             "{restarts: bipop, tolfun: 1e-2, tolfunhist: 1e-2}"};
  const auto space = box(6, -1.0, 2.0);
  for (const auto& v : variants) {
    for (int k : {0, 7, 40}) {
      auto full = make(v, space, 99);
      auto first = make(v, space, 99);
      std::vector<std::vector<double>> ref, got;
      const int total = 80;
      auto step = [&](l2l::Optimizer& o, int g, std::vector<std::vector<double>>& out) {
        auto batch = o.ask();
        std::vector<l2l::Evaluation> ev;
        for (std::size_t i = 0; i < batch.size(); ++i) {
          out.push_back(batch[i].params);
          // Every 5th generation one candidate fails, exercising the resampling path.
          if (g % 5 == 3 && i == 1) {
            ev.push_back(l2l::Evaluation::failure("injected"));
          } else {
            ev.push_back(ok(rosenbrock(batch[i].params)));
          }
        }
        o.tell(batch, ev);
      };
      for (int g = 0; g < total; ++g) step(*full, g, ref);
      for (int g = 0; g < k; ++g) step(*first, g, got);
      const auto blob = l2l::state::encode(first->state());
      auto second = make(v, space, 12345);  // the seed must not matter after restore
      second->restore(l2l::state::decode(blob));
      for (int g = k; g < total; ++g) step(*second, g, got);
      ASSERT_EQ(ref.size(), got.size()) << v << " k=" << k;
      EXPECT_EQ(ref, got) << v << " k=" << k;
      EXPECT_EQ(full->generation_info(), second->generation_info()) << v;
    }
  }
}

TEST(CmaEs, CheckpointBetweenAskAndTellResumes) {
  const auto space = box(5);
  auto a = make("{}", space, 3);
  auto b = make("{}", space, 3);
  for (int g = 0; g < 5; ++g) {
    auto batch = a->ask();
    std::vector<l2l::Evaluation> ev;
    for (auto& c : batch) ev.push_back(ok(sphere(c.params)));
    a->tell(batch, ev);
    b->ask();
    b->tell(batch, ev);
  }
  const auto asked = a->ask();
  auto c = make("{}", space, 77);
  c->restore(a->state());
  const auto again = c->ask();
  ASSERT_EQ(asked.size(), again.size());
  for (std::size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(asked[i].params, again[i].params);
  // A repeated ask() without tell() returns the same generation.
  const auto twice = a->ask();
  for (std::size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(asked[i].params, twice[i].params);
}

TEST(CmaEs, FailedEvaluationsAreResampledAndNotCounted) {
  const auto space = box(6);
  auto opt = make("{}", space, 8);
  auto* cma = dynamic_cast<l2l::CmaEs*>(opt.get());
  const std::size_t lambda = cma->population();
  // Generation 1: three failures -> the next ask returns exactly three new candidates.
  auto batch = opt->ask();
  ASSERT_EQ(batch.size(), lambda);
  std::vector<l2l::Evaluation> ev;
  for (std::size_t i = 0; i < batch.size(); ++i)
    ev.push_back(i % 3 == 0 && ev.size() < 9 && i < 9 ? l2l::Evaluation::failure("crash")
                                                      : ok(sphere(batch[i].params)));
  opt->tell(batch, ev);
  EXPECT_EQ(cma->evaluations(), static_cast<std::int64_t>(lambda - 3));
  EXPECT_EQ(opt->generation_info()["run_generation"], 0);  // no update yet
  auto again = opt->ask();
  ASSERT_EQ(again.size(), 3u);
  for (const auto& c : again)
    for (const auto& old : batch) EXPECT_NE(c.params, old.params);
  std::vector<l2l::Evaluation> ev2;
  for (auto& c : again) ev2.push_back(ok(sphere(c.params)));
  opt->tell(again, ev2);
  EXPECT_EQ(cma->evaluations(), static_cast<std::int64_t>(lambda));
  EXPECT_EQ(opt->generation_info()["run_generation"], 1);
  EXPECT_EQ(opt->generation_info()["failed_evaluations"], 3);
  EXPECT_EQ(opt->ask().size(), lambda);

  // A region that always fails: the optimizer still converges on the rest ...
  auto opt2 = make("{sigma0: 0.3}", space, 8);
  const Fn fails_left = [](const std::vector<double>& x) { return x[0] < -1.0 ? NAN : sphere(x); };
  std::int64_t evals = 0;
  double best = INFINITY;
  while (!opt2->stop_reason() && evals < 20000 && best > 1e-10) {
    auto b = opt2->ask();
    std::vector<l2l::Evaluation> e;
    for (auto& c : b) {
      const double v = fails_left(c.params);
      e.push_back(std::isnan(v) ? l2l::Evaluation::failure("nan") : ok(v));
      if (!std::isnan(v)) best = std::min(best, v);
      ++evals;
    }
    opt2->tell(b, e);
  }
  EXPECT_LT(best, 1e-10);
  // ... and everything failing stops it with a clear message.
  auto opt3 = make("{max_failed_rounds: 5}", space, 8);
  for (int r = 0; r < 5; ++r) {
    auto b = opt3->ask();
    ASSERT_FALSE(b.empty());
    std::vector<l2l::Evaluation> e(b.size(), l2l::Evaluation::failure("always"));
    opt3->tell(b, e);
  }
  ASSERT_TRUE(opt3->stop_reason());
  EXPECT_NE(opt3->stop_reason()->find("failed"), std::string::npos);
}

TEST(CmaEs, MaximizesWithPositiveWeights) {
  const auto space = box(4);
  YAML::Node node = YAML::Load("{type: cmaes}");
  l2l::Options o(node, "optimizer", nullptr);
  l2l::OptimizerContext ctx;
  ctx.seed = 1;
  ctx.weights = l2l::FitnessWeights({1.0});
  auto opt = l2l::make_optimizer(o, space, ctx);
  double best = -INFINITY;
  for (int g = 0; g < 200 && !opt->stop_reason(); ++g) {
    auto batch = opt->ask();
    std::vector<l2l::Evaluation> ev;
    for (auto& c : batch) {
      const double f = -sphere(c.params);
      best = std::max(best, f);
      ev.push_back(ok(f));
    }
    opt->tell(batch, ev);
  }
  EXPECT_GT(best, -1e-10);
}

TEST(CmaEs, ConfigurationErrorsNameTheKey) {
  const auto space = box(3);
  EXPECT_THROW(make("{sigma0: -1}", space), l2l::ConfigError);
  EXPECT_THROW(make("{restarts: sometimes}", space), l2l::ConfigError);
  EXPECT_THROW(make("{sigam0: 0.1}", space), l2l::ConfigError);
  EXPECT_THROW(make("{x0: [1, 2]}", space), l2l::UsageError);
  EXPECT_THROW(make("{x0: [1, 2, 9]}", space), l2l::UsageError);
  auto opt = make("{x0: [1, 2, 3], sigma0: 1e-9, tolx: 1e-30}", space);
  // With a tiny sigma every candidate sits on x0.
  for (const auto& c : opt->ask()) {
    EXPECT_NEAR(c.params[0], 1.0, 1e-6);
    EXPECT_NEAR(c.params[2], 3.0, 1e-6);
  }
  const auto docs = l2l::optimizer_registry().docs("cmaes");
  std::set<std::string> keys;
  for (const auto& d : docs) keys.insert(d.key);
  for (const char* k :
       {"population", "sigma0", "active", "separable", "bounds", "restarts", "tolfun", "tolfunhist",
        "tolx", "tolconditioncov", "stagnation", "noeffectaxis", "noeffectcoord"})
    EXPECT_TRUE(keys.count(k)) << k;
}

}  // namespace
