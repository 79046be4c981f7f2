// The tree-structured Parzen estimator: Optuna's weights, gamma and bandwidths on hand-computed
// cases, normalisation of the truncated mixtures, concentration on the good region, sample
// efficiency against random search, log-scale and integer elements, failures, batches, and
// bit-exact checkpoints at every step.
#include "l2l/optimizers/tpe.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {

const std::string kTpe = "type: tpe\n";

// The ask/tell loop of the experiment driver with a failure decided by the parameters (the
// harness's Driver decides by position): `fails(x)` makes the evaluation of x fail.
struct Loop {
  double best = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> asked;  // after repair, in order
  std::size_t failed = 0;
};
Loop run_loop(l2l::Optimizer& opt, const l2l::ParameterSpace& s, int generations,
              const Objective& f,
              const std::function<bool(const std::vector<double>&)>& fails = nullptr) {
  Loop r;
  Driver d(s, f);
  for (int g = 0; g < generations; ++g) {
    auto batch = d.ask(opt);
    std::vector<l2l::Evaluation> evals(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      r.asked.push_back(batch[i].params);
      if (fails && fails(batch[i].params)) {
        evals[i] = l2l::Evaluation::failure("injected");
        ++r.failed;
        continue;
      }
      evals[i].fitness = {f(batch[i].params)};
      r.best = std::min(r.best, evals[i].fitness[0]);
    }
    opt.tell(batch, evals);
    ++d.generation;
  }
  return r;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Composite Simpson rule of exp(log_pdf) on [0, 1].
double integrate(const l2l::TruncatedMixture& m, int intervals) {
  const double h = 1.0 / intervals;
  double s = std::exp(m.log_pdf(0.0)) + std::exp(m.log_pdf(1.0));
  for (int i = 1; i < intervals; ++i) s += (i % 2 ? 4.0 : 2.0) * std::exp(m.log_pdf(i * h));
  return s * h / 3.0;
}

}  // namespace

TEST(Tpe, DefaultWeightsAndGammaFollowOptuna) {
  EXPECT_TRUE(l2l::tpe_weights(0).empty());
  EXPECT_EQ(l2l::tpe_weights(25), std::vector<double>(25, 1.0));
  // numpy.concatenate([numpy.linspace(1/30, 1, 5), numpy.ones(25)])
  const auto w = l2l::tpe_weights(30);
  ASSERT_EQ(w.size(), 30u);
  const double first = 1.0 / 30.0, step = (1.0 - first) / 4.0;
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(w[i], first + i * step, 1e-15) << i;
  for (int i = 5; i < 30; ++i) EXPECT_EQ(w[i], 1.0) << i;
  EXPECT_EQ(l2l::tpe_weights(26)[0], 1.0 / 26.0);  // a one-point ramp is the oldest weight

  // Optuna's default_gamma: min(ceil(0.1 n), 25).
  EXPECT_EQ(l2l::tpe_n_below(0, 0.1, 25), 0u);
  EXPECT_EQ(l2l::tpe_n_below(1, 0.1, 25), 1u);
  EXPECT_EQ(l2l::tpe_n_below(10, 0.1, 25), 1u);
  EXPECT_EQ(l2l::tpe_n_below(11, 0.1, 25), 2u);
  EXPECT_EQ(l2l::tpe_n_below(249, 0.1, 25), 25u);
  EXPECT_EQ(l2l::tpe_n_below(1000, 0.1, 25), 25u);
  EXPECT_EQ(l2l::tpe_n_below(4, 1.0, 25), 4u);
}

TEST(Tpe, BandwidthsFollowOptunasRule) {
  // Observations 0.2, 0.5, 0.6 on [0, 1], given unordered, and the prior at 0.5 (after the
  // observation 0.5 among equals). Gaps with the ends: 0.2 | 0.3 | 0 | 0.1 | 0.4. Each kernel
  // takes the larger neighbouring gap; without consider_endpoints the outer kernels look inwards
  // only (0.3 and 0.1). Magic clip: at least 1 / min(100, 3 + 2) = 0.2. The prior keeps the width
  // of the range.
  const std::vector<double> mus = {0.6, 0.2, 0.5}, w = {1.0, 1.0, 2.0};
  l2l::ParzenSettings s;
  auto m = l2l::fit_parzen(mus, w, 0.0, 1.0, s);
  EXPECT_EQ(m.mu(), (std::vector<double>{0.6, 0.2, 0.5, 0.5}));
  ASSERT_EQ(m.sigma().size(), 4u);
  EXPECT_NEAR(m.sigma()[0], 0.2, 1e-15);
  EXPECT_NEAR(m.sigma()[1], 0.3, 1e-15);
  EXPECT_NEAR(m.sigma()[2], 0.3, 1e-15);
  EXPECT_EQ(m.sigma()[3], 1.0);
  EXPECT_EQ(m.weight(), (std::vector<double>{0.2, 0.2, 0.4, 0.2}));

  s.magic_clip = false;
  m = l2l::fit_parzen(mus, w, 0.0, 1.0, s);
  EXPECT_NEAR(m.sigma()[0], 0.1, 1e-15);

  s.consider_endpoints = true;
  m = l2l::fit_parzen(mus, w, 0.0, 1.0, s);
  EXPECT_NEAR(m.sigma()[0], 0.4, 1e-15);
  EXPECT_NEAR(m.sigma()[1], 0.3, 1e-15);

  // One observation: its gap to the prior (0.4; the outer kernel looks inwards), not to the far
  // end (0.9, what leaving the prior out gives); none leaves the prior alone.
  s = {};
  m = l2l::fit_parzen(std::vector<double>{0.9}, std::vector<double>{1.0}, 0.0, 1.0, s);
  EXPECT_NEAR(m.sigma()[0], 0.4, 1e-15);
  m = l2l::fit_parzen({}, {}, 0.0, 1.0, s);
  EXPECT_EQ(m.mu(), std::vector<double>{0.5});
  EXPECT_EQ(m.weight(), std::vector<double>{1.0});
}

TEST(Tpe, ScoresMatchOptuna31AndTheNormalisedDensities) {
  // A 1-D history from a run on [-5, 5] (19 points in unit coordinates and their values, to
  // minimize) and the point proposed next. The references were computed outside l2l: the
  // width-weighted score by Optuna 3.1's _ParzenEstimator (whose truncated-normal log pdf leaves
  // out -log(sigma), optuna/optuna#5109, fixed in 3.5), the density score with SciPy's truncnorm.
  const std::vector<double> u = {0.506735, 0.970243, 0.510375, 0.349115, 0.806361,
                                 0.16293,  0.450965, 0.356066, 0.700761, 0.89638,
                                 0.750396, 0.962528, 0.782913, 0.847748, 0.646228,
                                 0.826779, 0.62819,  0.870614, 0.079313};
  const std::vector<double> f = {11.354053, 1.601483,  11.110086, 24.46072, 0.139365,
                                 46.343787, 15.423533, 23.777957, 2.042957, 0.277594,
                                 0.870435,  1.412189,  0.369415,  0.001644, 3.899244,
                                 0.028607,  4.644165,  0.072473,  58.427615};
  const double pick = 0.60186;
  // n_below = ceil(0.1 * 19) = 2: the two smallest values, 0.001644 and 0.028607.
  std::vector<double> below, above;
  for (std::size_t i = 0; i < u.size(); ++i) (f[i] < 0.03 ? below : above).push_back(u[i]);
  ASSERT_EQ(below.size(), l2l::tpe_n_below(u.size(), 0.1, 25));
  const l2l::ParzenSettings s;
  const auto l = l2l::fit_parzen(below, l2l::tpe_weights(below.size()), 0.0, 1.0, s);
  const auto g = l2l::fit_parzen(above, l2l::tpe_weights(above.size()), 0.0, 1.0, s);
  EXPECT_NEAR(l.log_width_weighted(pick) - g.log_width_weighted(pick), 1.4798875386847166, 1e-9);
  EXPECT_NEAR(l.log_pdf(pick) - g.log_pdf(pick), 0.2525605120021889, 1e-9);
  // Per kernel, the width-weighted term is the density times the bandwidth.
  for (std::size_t k = 0; k < l.mu().size(); ++k) {
    const l2l::TruncatedMixture one(0.0, 1.0, {l.mu()[k]}, {l.sigma()[k]}, {1.0});
    EXPECT_NEAR(one.log_width_weighted(pick), one.log_pdf(pick) + std::log(l.sigma()[k]), 1e-12);
  }
  EXPECT_EQ(l.log_width_weighted(1.5), -std::numeric_limits<double>::infinity());
}

TEST(Tpe, ParzenDensityIsNormalisedOnTheUnitInterval) {
  l2l::Rng rng(5);
  std::vector<double> many(30);
  for (auto& v : many) v = rng.uniform();
  const std::vector<std::vector<double>> sets = {
      {}, {0.45}, {0.0}, {1.0}, {0.0, 1.0, 1.0}, {0.01, 0.02, 0.03, 0.97}, many};
  for (const bool clip : {true, false}) {
    for (const bool ends : {true, false}) {
      for (const auto& mus : sets) {
        l2l::ParzenSettings s;
        s.magic_clip = clip;
        s.consider_endpoints = ends;
        s.prior_weight = 0.5;
        // Two equal points (here 1.0 twice; an observation exactly at the prior's 0.5 alike) make
        // a gap of 0: without the magic clip a 1e-12 spike, as in Optuna, which no quadrature
        // resolves.
        if (!clip && mus.size() == 3 && mus[1] == 1.0) continue;
        const auto m = l2l::fit_parzen(mus, l2l::tpe_weights(mus.size()), 0.0, 1.0, s);
        EXPECT_NEAR(integrate(m, 50000), 1.0, 1e-3)
            << "clip " << clip << " ends " << ends << " n " << mus.size();
        // The masses of a partition of the domain sum to one as well (integer bins).
        double total = 0.0;
        for (int k = 0; k < 7; ++k) total += std::exp(m.log_mass(k / 7.0, (k + 1) / 7.0));
        EXPECT_NEAR(total, 1.0, 1e-12);
      }
    }
  }
  // Integer domains extend past [0, 1] by half a bin; the bins of 0..4 partition them.
  const auto m = l2l::fit_parzen(std::vector<double>{0.0, 0.25, 1.0},
                                 std::vector<double>{1.0, 1.0, 1.0}, -0.125, 1.125, {});
  double total = 0.0;
  for (int k = 0; k <= 4; ++k) total += std::exp(m.log_mass(k / 4.0 - 0.125, k / 4.0 + 0.125));
  EXPECT_NEAR(total, 1.0, 1e-12);
  // A bin far narrower than any kernel: mass = density * width.
  const double a = 0.3, b = a + 1e-9;
  EXPECT_NEAR(m.log_mass(a, b), m.log_pdf(a + 0.5 * (b - a)) + std::log(b - a), 1e-12);
}

TEST(Tpe, ProposalsConcentrateNearTheOptimumOfAQuadratic) {
  // f = (x - 1.7)^2 on [-5, 5]. Uniform proposals are |x - 1.7| <= d with probability 2d / 10
  // (d <= 3.3): median distance 2.5, and the median of 40 of them has a standard deviation of
  // about 1 / (2 * 0.2 * sqrt(40)) = 0.4. TPE's proposals 20 to 59, measured on seeds 1 to 20:
  // medians 0.52 to 0.71 (the magic clip keeps the few kernels of l wide: at least a quarter of
  // the range with two good points); proposals 60 to 99: 0.32 to 0.41. The bounds, half and
  // less than a third of uniform's median, are over 3 standard deviations below it.
  const auto s = box(1, -5, 5);
  auto f = [](const std::vector<double>& x) { return (x[0] - 1.7) * (x[0] - 1.7); };
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto opt = make(kTpe, s, seed);
    const auto r = run_loop(*opt, s, 100, f);
    std::vector<double> early, late;
    for (std::size_t i = 20; i < 60; ++i) early.push_back(std::abs(r.asked[i][0] - 1.7));
    for (std::size_t i = 60; i < 100; ++i) late.push_back(std::abs(r.asked[i][0] - 1.7));
    EXPECT_LT(median(early), 1.25) << "seed " << seed;
    EXPECT_LT(median(late), 0.75) << "seed " << seed;
    EXPECT_LT(median(late), median(early)) << "seed " << seed;
  }
}

TEST(Tpe, BeatsRandomSearchOnSphereWithTheSameBudget) {
  // Sphere-5 on [-5, 5], 200 evaluations one at a time, seeds 1 to 10. Measured: random
  // search's best 2.4 to 9.4; TPE's 0.083 to 0.93 (univariate) and 0.19 to 0.83 (multivariate),
  // better on all ten seeds.
  const auto s = box(5, -5, 5);
  for (const bool multivariate : {false, true}) {
    int wins = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      auto tpe = make(kTpe + "multivariate: " + (multivariate ? "true" : "false") + "\n", s, seed);
      auto rs = make("type: random_search\npopulation: 1\n", s, seed);
      const double best_tpe = run_loop(*tpe, s, 200, sphere).best;
      const double best_rs = run_loop(*rs, s, 200, sphere).best;
      wins += best_tpe < best_rs;
    }
    EXPECT_GE(wins, 8) << "multivariate " << multivariate;
  }
}

TEST(Tpe, LogScaleParameterFoundWithinAFactorOfThree) {
  // Optimum at 1e-3 in [1e-6, 1] on a log scale: 100 evaluations find it within a factor 3
  // (|log10 x + 3| < log10 3) on every seed; in fact within 2% (measured on seeds 1 to 10),
  // where random search's 100 log-uniform draws come within 5% only half of the time.
  l2l::ParameterSpace s;
  s.add_scalar("lr", 1e-6, 1.0, /*log_scale=*/true);
  auto f = [](const std::vector<double>& x) {
    const double e = std::log10(x[0]) + 3.0;
    return e * e;
  };
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto opt = make(kTpe, s, seed);
    const auto r = run_loop(*opt, s, 100, f);
    const double best = opt->estimate().value().at(0);
    EXPECT_LT(std::abs(std::log10(best) + 3.0), std::log10(3.0)) << "seed " << seed;
    EXPECT_NEAR(best, 1e-3, 5e-5) << "seed " << seed;
    EXPECT_EQ(f({best}), r.best);
  }
}

TEST(Tpe, IntegerAndLogElementsStayInTheSpace) {
  l2l::ParameterSpace s;
  s.add_scalar("lr", 1e-6, 1.0, true);
  s.add_scalar("layers", 1, 8, false, true);
  s.add_scalar("units", 4, 1024, true, true);  // log-scale integer
  s.add_array("w", 2, -1, 1);
  s.add_scalar("odd", 0.5, 3.7, false, true);  // integers 1..3 inside non-integer bounds
  auto f = [](const std::vector<double>& x) {
    const double a = std::log10(x[0]) + 3.0, b = std::log2(x[2]) - 6.0;  // units 64
    return a * a + (x[1] - 6.0) * (x[1] - 6.0) + b * b + x[3] * x[3] + x[4] * x[4] +
           (x[5] - 2.0) * (x[5] - 2.0);
  };
  for (const bool multivariate : {false, true}) {
    auto opt =
        make(kTpe + "population: 2\nmultivariate: " + (multivariate ? "true" : "false"), s, 3);
    Driver d(s, f);
    for (int g = 0; g < 60; ++g) {
      // Straight from ask(), before the driver's repair: inside the bounds, integers integral.
      for (const auto& c : opt->ask()) {
        ASSERT_TRUE(s.contains(c.params));
        for (std::size_t i : {1u, 2u, 5u}) ASSERT_EQ(c.params[i], std::round(c.params[i]));
        auto repaired = c.params;
        s.repair(repaired, l2l::BoundPolicy::clip);
        ASSERT_TRUE(same_bits(repaired, c.params));
      }
      d.step(*opt);
    }
    const auto best = opt->estimate().value();
    EXPECT_LT(d.best, 2.0);
    // The discrete model explores every value of a small integer range.
    std::set<double> layers;
    for (const auto& batch : d.history)
      for (const auto& c : batch) layers.insert(c.params[1]);
    EXPECT_EQ(layers.size(), 8u);
    EXPECT_EQ(best[5], 2.0);
  }
}

TEST(Tpe, FailedEvaluationsNeverEnterTheModelAsNumbers) {
  // Evaluations fail wherever x0 > 0, half of [-5, 5]^3. Failed points are kernels of g(x), so
  // TPE learns to avoid the failing half. Sphere centred at (-2.5, 0, 0): of proposals 50 to 149
  // (population 2), 0 to 1 fail on seeds 1 to 10 univariate (1 to 6 with score: density), 6 to
  // 13 multivariate. With
  // `failures: ignore` (Optuna's policy) a failure teaches nothing, the model is frozen with its
  // unexplored half looking best, and 70 to 100 of them fail.
  const auto s = box(3, -5, 5);
  auto inside = [](const std::vector<double>& x) {
    return (x[0] + 2.5) * (x[0] + 2.5) + x[1] * x[1] + x[2] * x[2];
  };
  auto fails = [](const std::vector<double>& x) { return x[0] > 0.0; };
  auto late_failures = [&](const Loop& r) {
    std::size_t n = 0;
    for (std::size_t i = 50; i < 150; ++i) n += fails(r.asked[i]);
    return n;
  };
  for (const bool multivariate : {false, true}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      const std::string yaml =
          kTpe + "population: 2\nmultivariate: " + (multivariate ? "true" : "false") + "\n";
      auto opt = make(yaml, s, seed);
      const auto r = run_loop(*opt, s, 75, inside, fails);
      for (const auto& x : r.asked)
        for (double v : x) ASSERT_TRUE(std::isfinite(v));
      const auto best = opt->estimate().value();
      EXPECT_FALSE(fails(best));
      EXPECT_EQ(inside(best), r.best);
      EXPECT_LT(r.best, 0.5);
      EXPECT_LT(late_failures(r), 25u) << "multivariate " << multivariate << " seed " << seed;
      EXPECT_EQ(opt->generation_info().at("failed").get<std::size_t>(), r.failed);
      for (double v : l2l::state::unpack(opt->state().at("f")))
        EXPECT_TRUE(std::isfinite(v) || v == l2l::FitnessWeights::failed_value);

      auto ignoring = make(yaml + "failures: ignore\n", s, seed);
      EXPECT_GT(late_failures(run_loop(*ignoring, s, 75, inside, fails)), 50u)
          << "multivariate " << multivariate << " seed " << seed;
    }
  }
  // The optimum of the objective inside the failing half, (1, 0, 0): the best evaluable point is
  // on the boundary, f = 1. Measured best 1.08 to 1.45 (seeds 1 to 10); ignoring failures, up
  // to 23.
  auto across = [](const std::vector<double>& x) {
    return (x[0] - 1.0) * (x[0] - 1.0) + x[1] * x[1] + x[2] * x[2];
  };
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto opt = make(kTpe + "population: 2\n", s, seed);
    const auto r = run_loop(*opt, s, 75, across, fails);
    EXPECT_FALSE(fails(opt->estimate().value()));
    EXPECT_LT(r.best, 3.0) << "seed " << seed;
  }
}

TEST(Tpe, EverythingFailing) {
  const auto s = box(2, -1, 1);
  for (const bool multivariate : {false, true}) {
    auto opt =
        make(kTpe + "population: 3\nmultivariate: " + (multivariate ? "true" : "false"), s, 1);
    const auto r = run_loop(*opt, s, 10, sphere, [](const std::vector<double>&) { return true; });
    for (const auto& x : r.asked) ASSERT_TRUE(s.contains(x));
    EXPECT_FALSE(opt->estimate().has_value());
    EXPECT_EQ(opt->generation_info().at("n_below"), 0);
    EXPECT_FALSE(opt->generation_info().contains("best_fitness"));
  }
}

TEST(Tpe, CheckpointAtEveryStepContinuesBitIdentically) {
  // A reference run and a run that goes through state() -> CBOR -> a fresh optimizer (with
  // another seed, which the state overrides) before every ask() and again between every ask()
  // and tell(): every candidate bit-identical, failures included.
  l2l::ParameterSpace mixed;
  mixed.add_array("x", 3, -5, 5);
  mixed.add_scalar("lr", 1e-5, 1.0, true);
  mixed.add_scalar("n", 0, 6, false, true);
  auto f = [](const std::vector<double>& x) {
    return sphere({x[0], x[1], x[2]}) + std::abs(std::log10(x[3]) + 2) + std::abs(x[4] - 2);
  };
  auto fails = [](std::int64_t g, std::int64_t i) { return (g * 3 + i) % 7 == 2; };
  for (const std::string extra : {"population: 1\n", "population: 3\nmultivariate: true\n",
                                  "population: 4\nconstant_liar: false\n"}) {
    SCOPED_TRACE(extra);
    const std::string yaml = kTpe + "n_startup: 5\n" + extra;
    auto ref = make(yaml, mixed, 7);
    Driver dr(mixed, f, fails);

    auto cur = make(yaml, mixed, 7);
    Driver dc(mixed, f, fails);
    auto reload = [&] {
      const auto saved = l2l::state::decode(l2l::state::encode(cur->state()));
      auto next = make(yaml, mixed, 1000 + static_cast<std::uint64_t>(dc.generation));
      next->restore(saved);
      ASSERT_EQ(next->state(), cur->state());
      cur = std::move(next);
    };
    for (int g = 0; g < 30; ++g) {
      reload();
      (void)cur->ask();
      reload();  // between ask() and tell(): the same batch comes back
      dc.step(*cur);
      dr.step(*ref);
      ASSERT_EQ(cur->generation_info(), ref->generation_info()) << "generation " << g;
    }
    ASSERT_EQ(dc.history.size(), dr.history.size());
    for (std::size_t g = 0; g < dr.history.size(); ++g)
      for (std::size_t i = 0; i < dr.history[g].size(); ++i)
        ASSERT_TRUE(same_bits(dr.history[g][i].params, dc.history[g][i].params))
            << "generation " << g << " candidate " << i;
    EXPECT_EQ(cur->state(), ref->state());
    EXPECT_EQ(cur->estimate(), ref->estimate());
  }
  expect_round_trip(kTpe + "population: 2\n", box(4, -5, 5), rastrigin, 8, 6);
  expect_round_trip(kTpe + "population: 2\nmultivariate: true\n", box(4, -5, 5), rastrigin, 0, 8,
                    [](std::int64_t g, std::int64_t i) { return g % 3 == 1 && i == 0; });
}

TEST(Tpe, AskReturnsTheSameBatchUntilTell) {
  const auto s = box(3, -5, 5);
  auto opt = make(kTpe + "population: 3\nn_startup: 3\n", s, 2);
  Driver d(s, sphere);
  for (int g = 0; g < 4; ++g) {
    const auto a = opt->ask(), b = opt->ask();
    ASSERT_EQ(a.size(), 3u);
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(same_bits(a[i].params, b[i].params));
      EXPECT_EQ(a[i].generation, g);
      EXPECT_EQ(a[i].index, static_cast<std::int64_t>(i));
    }
    d.step(*opt);
  }
  EXPECT_THROW(opt->tell({}, {}), std::logic_error);
  (void)opt->ask();
  std::vector<l2l::Candidate> two(2);
  std::vector<l2l::Evaluation> evals(2);
  EXPECT_THROW(opt->tell(two, evals), std::invalid_argument);
}

TEST(Tpe, BatchPointsAreDistinct) {
  // The constant liar spreads a batch: its points are distinct and, summed over seeds, farther
  // apart than independent draws from the same model (measured: 413 against 289).
  const auto s = box(4, -5, 5);
  double spread_liar = 0.0, spread_independent = 0.0;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    for (const bool liar : {true, false}) {
      auto opt =
          make(kTpe + "population: 8\nconstant_liar: " + (liar ? "true" : "false") + "\n", s, seed);
      Driver d(s, sphere);
      d.run(*opt, 5);
      const auto batch = opt->ask();
      ASSERT_EQ(batch.size(), 8u);
      EXPECT_FALSE(opt->generation_info().at("startup").get<bool>());
      double spread = 0.0;
      for (std::size_t i = 0; i < batch.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) {
          EXPECT_NE(batch[i].params, batch[j].params) << "seed " << seed << " liar " << liar;
          double d2 = 0.0;
          for (std::size_t k = 0; k < 4; ++k)
            d2 += std::pow(batch[i].params[k] - batch[j].params[k], 2);
          spread += std::sqrt(d2);
        }
      (liar ? spread_liar : spread_independent) += spread;
    }
  }
  EXPECT_GT(spread_liar, spread_independent);

  // Integer elements: the lie makes a batch of a 5-value space try more values than independent
  // draws, which all go to the best-scoring integer (summed over seeds 1-5).
  l2l::ParameterSpace ints;
  ints.add_scalar("k", 0, 4, false, true);
  std::size_t distinct_liar = 0, distinct_independent = 0;
  for (const bool liar : {true, false})
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      auto opt = make(
          kTpe + "population: 4\nn_startup: 4\nconstant_liar: " + (liar ? "true" : "false") + "\n",
          ints, seed);
      Driver d(ints, [](const std::vector<double>& x) { return std::abs(x[0] - 2); });
      d.run(*opt, 3);
      std::set<double> values;
      for (const auto& c : opt->ask()) values.insert(c.params[0]);
      EXPECT_GE(values.size(), liar ? 2u : 1u) << "seed " << seed;
      (liar ? distinct_liar : distinct_independent) += values.size();
    }
  EXPECT_GT(distinct_liar, distinct_independent);
}

TEST(Tpe, StartupIsUniformThenTheModelTakesOver) {
  const auto s = box(2, -5, 5);
  auto opt = make(kTpe + "population: 4\nn_startup: 10\n", s, 4);
  Driver d(s, sphere);
  d.step(*opt);
  auto info = opt->generation_info();
  EXPECT_TRUE(info.at("startup").get<bool>());
  EXPECT_EQ(info.at("observations"), 4);
  EXPECT_FALSE(info.contains("log_ratio"));
  d.run(*opt, 2);  // 12 observations: the startup ended with the third batch
  EXPECT_TRUE(opt->generation_info().at("startup").get<bool>());
  d.step(*opt);
  info = opt->generation_info();
  EXPECT_FALSE(info.at("startup").get<bool>());
  EXPECT_EQ(info.at("observations"), 16);
  EXPECT_EQ(info.at("n_below"), 2);
  EXPECT_EQ(info.at("failed"), 0);
  EXPECT_TRUE(info.contains("log_ratio"));
  EXPECT_EQ(info.at("best_fitness").get<double>(), -d.best);  // maximized: weight -1
}

TEST(Tpe, Deterministic) {
  expect_deterministic(kTpe + "population: 2\n", box(3, -5, 5), sphere, 12);
  expect_deterministic(kTpe + "multivariate: true\n", box(3, -5, 5), sphere, 15);
}

TEST(Tpe, RegisteredAndDocumented) {
  ASSERT_TRUE(l2l::optimizer_registry().contains("tpe"));
  const auto docs = l2l::optimizer_registry().docs("tpe");
  std::set<std::string> keys;
  for (const auto& d : docs) {
    keys.insert(d.key);
    EXPECT_FALSE(d.help.empty()) << d.key;
  }
  for (const char* k :
       {"population", "n_startup", "n_candidates", "gamma", "n_below_max", "prior_weight",
        "consider_endpoints", "magic_clip", "multivariate", "constant_liar"})
    EXPECT_TRUE(keys.count(k)) << k;
  // Defaults alone make a working optimizer.
  auto s = box(3, -5, 5);
  auto opt = make(kTpe, s, 1);
  Driver d(s, sphere);
  d.run(*opt, 15);
  EXPECT_TRUE(opt->estimate().has_value());
  EXPECT_EQ(d.evaluations, 15);
}

TEST(Tpe, ConfigErrors) {
  expect_config_error(kTpe + "gamma: 0\n", "optimizer.gamma");
  expect_config_error(kTpe + "gamma: 1.5\n", "optimizer.gamma");
  expect_config_error(kTpe + "n_candidates: 0\n", "optimizer.n_candidates");
  expect_config_error(kTpe + "population: 0\n", "optimizer.population");
  expect_config_error(kTpe + "prior_weight: 0\n", "optimizer.prior_weight");
  expect_config_error(kTpe + "n_startup: -1\n", "optimizer.n_startup");
  expect_config_error(kTpe + "n_below_max: 0\n", "optimizer.n_below_max");
  expect_config_error(kTpe + "failures: retry\n", "optimizer.failures");
  expect_config_error(kTpe + "score: ratio\n", "optimizer.score");
  expect_config_error(kTpe + "n_candidate: 10\n", "n_candidate");
}

TEST(Tpe, WarmStartTakesTheHistoryAsObservations) {
  // 30 stored evaluations of -(x - 2)^2 at uniform points of [-5, 5] end the start-up: the first
  // proposal is already the model's, and the first 10 lie nearer the optimum than a cold start's
  // (measured medians of |x - 2|: warm 0.19 to 1.08, cold 0.72 to 2.94; warm nearer on 9 of
  // seeds 1 to 10).
  const auto s = box(1, -5, 5);
  auto f = [](const std::vector<double>& x) { return (x[0] - 2) * (x[0] - 2); };
  int nearer = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    l2l::WarmStart from;
    from.origin = "test";
    l2l::Rng rng(seed);
    for (int i = 0; i < 30; ++i) {
      const double x = rng.uniform(-5, 5);
      from.history.push_back({{x}, -(x - 2) * (x - 2)});
      if (i == 0 || from.history.back().weighted > from.best.weighted)
        from.best = from.history.back();
    }
    auto warm = make(kTpe, s, seed), cold = make(kTpe, s, seed);
    EXPECT_TRUE(warm->warm_start_uses_history());
    warm->warm_start(from);
    EXPECT_EQ(warm->estimate().value(), from.best.params);
    // The warm start is part of the state.
    auto resumed = make(kTpe, s, 99);
    resumed->restore(l2l::state::decode(l2l::state::encode(warm->state())));
    EXPECT_TRUE(same_bits(resumed->ask()[0].params, warm->ask()[0].params));

    std::vector<double> d_warm, d_cold;
    for (const auto& x : run_loop(*warm, s, 10, f).asked) d_warm.push_back(std::abs(x[0] - 2));
    for (const auto& x : run_loop(*cold, s, 10, f).asked) d_cold.push_back(std::abs(x[0] - 2));
    nearer += median(d_warm) < median(d_cold);
    EXPECT_FALSE(warm->generation_info().at("startup").get<bool>());
    EXPECT_EQ(warm->generation_info().at("observations"), 40);
  }
  EXPECT_GE(nearer, 8);
}

TEST(Tpe, CheckpointOfAnotherOptimizerIsRefused) {
  const auto s = box(2, -1, 1);
  auto opt = make(kTpe, s, 1);
  EXPECT_THROW(opt->restore(nlohmann::json{{"optimizer", "cmaes"}}), std::runtime_error);
  const auto s3 = box(3, -1, 1);
  auto other = make(kTpe, s3, 1);
  Driver d(s3, sphere);
  d.run(*other, 2);
  EXPECT_THROW(opt->restore(other->state()), std::runtime_error);
}
