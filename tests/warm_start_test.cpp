// Warm starts (experiment.init_from): what each optimizer takes from a stored run, that a warm
// state survives a checkpoint, and the whole path through `l2l run --init-from` (origin recorded,
// mistakes refused before a store exists, SIGKILL and resume as if uninterrupted).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "l2l/core/error.hpp"
#include "l2l/core/warm_start.hpp"
#include "l2l/experiment/warm_start_loader.hpp"
#include "l2l/storage/run_store.hpp"
#include "support/kill_and_resume.hpp"
#include "support/optsuite_harness.hpp"
#include "support/process_support.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace optsuite;
using l2l::testing::count_generations;
using l2l::testing::evaluation_rows;
using l2l::testing::run_l2l;
using l2l::testing::start_l2l;
using l2l::testing::TempDir;
using l2l::testing::wait_exit_code;

namespace {

// A population of 12 around `centre` (box [-5, 5]^3: unit sd 0.02 is 0.2 in parameter units),
// best first; the best is `centre` itself.
l2l::WarmStart clustered(const std::vector<double>& centre, double unit_sd = 0.02) {
  l2l::WarmStart ws;
  ws.origin = "test";
  l2l::Rng rng(7);
  for (int k = 0; k < 12; ++k) {
    auto x = centre;
    if (k > 0)
      for (auto& v : x) v += rng.normal(0.0, unit_sd * 10.0);
    ws.population.push_back({x, -sphere(x) - 1.0 - k});  // any decreasing fitness
  }
  ws.best = ws.population.front();
  return ws;
}

double unit_distance(const l2l::ParameterSpace& s, const std::vector<double>& a,
                     const std::vector<double>& b) {
  const auto ua = s.to_unit(a), ub = s.to_unit(b);
  double d = 0;
  for (std::size_t i = 0; i < ua.size(); ++i) d += (ua[i] - ub[i]) * (ua[i] - ub[i]);
  return std::sqrt(d);
}

double median_distance(const l2l::ParameterSpace& s, const std::vector<l2l::Candidate>& batch,
                       const std::vector<double>& to) {
  std::vector<double> d;
  for (const auto& c : batch) d.push_back(unit_distance(s, c.params, to));
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

// Every optimizer with settings whose first batch shows where it starts.
const std::vector<std::pair<std::string, std::string>> kSearchers = {
    {"cmaes", "type: cmaes\npopulation: 16\n"},
    {"es", "type: es\npop_size: 16\n"},
    {"nes", "type: nes\npop_size: 16\n"},
    {"xnes", "type: xnes\npop_size: 16\n"},
    {"cross_entropy", "type: cross_entropy\npop_size: 16\n"},
    {"face", "type: face\nmin_pop_size: 16\nmax_pop_size: 32\nn_elite: 4\n"},
    {"gradient_descent", "type: gradient_descent\nexploration_step_size: 0.01\n"},
    {"simulated_annealing", "type: simulated_annealing\nn_chains: 12\n"},
    {"parallel_tempering", "type: parallel_tempering\nn_chains: 4\n"},
    {"ga", "type: ga\npopulation: 12\nmutation_sigma: 0.1\n"},
    {"enkf", "type: enkf\nensemble_size: 16\ntarget: [0.0]\ninit_sigma: 0.1\n"},
};

}  // namespace

TEST(WarmStart, CentreAndSpreadAreTakenInUnitCoordinates) {
  l2l::ParameterSpace s;
  s.add_scalar("lr", 1e-4, 1.0, true).add_scalar("x", 0.0, 10.0);
  l2l::WarmStart ws;
  ws.population = {{{1e-3, 2.0}, -1.0}, {{1e-1, 4.0}, -2.0}};
  ws.best = ws.population[0];
  EXPECT_EQ(ws.centre(s), ws.best.params);
  ws.centre_at_mean = true;
  const auto c = ws.centre(s);
  EXPECT_NEAR(c[0], 1e-2, 1e-12);  // the geometric mean on a log scale
  EXPECT_NEAR(c[1], 3.0, 1e-12);
  const auto sd = ws.unit_spread(s);
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_NEAR(sd[0], 0.5 * std::sqrt(2.0) * 0.5, 1e-12);  // unit 0.25 and 0.75
  EXPECT_NEAR(sd[1], std::sqrt(2.0) * 0.1, 1e-12);        // unit 0.2 and 0.4
  EXPECT_NEAR(ws.mean_unit_spread(s, 9.0), (sd[0] + sd[1]) / 2, 1e-12);
  ws.population.resize(1);
  EXPECT_TRUE(ws.unit_spread(s).empty());
  EXPECT_EQ(ws.mean_unit_spread(s, 9.0), 9.0);
}

TEST(WarmStart, EveryOptimizerStartsWhereTheStoredRunLeftOff) {
  // A cold start searches the whole box (median distance to the corner point 0.4 of a
  // unit cube: ~0.5 and more); a warm one begins at the stored population, 0.02 wide per
  // coordinate, so its first batch lies within a few tenths at most.
  const auto s = box(3, -5, 5);
  const std::vector<double> centre = {3.0, -3.0, 1.0};
  for (const auto& [name, yaml] : kSearchers) {
    SCOPED_TRACE(name);
    auto cold = make(yaml, s, 3);
    auto warm = make(yaml, s, 3);
    warm->warm_start(clustered(centre));
    Driver dc(s, sphere), dw(s, sphere);
    const double d_cold = median_distance(s, dc.ask(*cold), centre);
    const double d_warm = median_distance(s, dw.ask(*warm), centre);
    EXPECT_LT(d_warm, 0.25) << "cold " << d_cold;
    EXPECT_GT(d_cold, 2.0 * d_warm);
  }
}

TEST(WarmStart, StepSizesComeFromTheStoredSpread) {
  // The same centre, spreads ten times apart: the optimizers that take a step size from the
  // population sample ten times wider (ratio of median distances within a factor 2 of 10). The
  // cross-entropy method is fitted to the population (its default noisy_gaussian adds variance
  // 0.01 to any fit, which would hide the difference: the plain Gaussian here).
  const auto s = box(3, -5, 5);
  const std::vector<double> centre = {1.0, 1.0, 1.0};
  for (const std::string name : {"cmaes", "es", "nes", "xnes", "cross_entropy"}) {
    SCOPED_TRACE(name);
    auto yaml = std::find_if(kSearchers.begin(), kSearchers.end(), [&](const auto& p) {
                  return p.first == name;
                })->second;
    if (name == "cross_entropy") yaml += "distribution: gaussian\n";
    auto narrow = make(yaml, s, 4), wide = make(yaml, s, 4);
    narrow->warm_start(clustered(centre, 0.003));
    wide->warm_start(clustered(centre, 0.03));
    Driver dn(s, sphere), dw(s, sphere);
    const double ratio =
        median_distance(s, dw.ask(*wide), centre) / median_distance(s, dn.ask(*narrow), centre);
    EXPECT_GT(ratio, 5.0);
    EXPECT_LT(ratio, 20.0);
  }
}

TEST(WarmStart, EstimatorsKeepTheOriginsBest) {
  const auto s = box(3, -5, 5);
  const auto ws = clustered({0.5, 0.5, 0.5});
  for (const std::string yaml :
       {"type: random_search\npopulation: 4\n", "type: grid_search\nsteps: 3\n",
        "type: simulated_annealing\nn_chains: 2\n"}) {
    SCOPED_TRACE(yaml);
    auto opt = make(yaml, s, 1);
    opt->warm_start(ws);
    ASSERT_TRUE(opt->estimate().has_value());
    for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR((*opt->estimate())[i], 0.5, 1e-9);
  }
}

TEST(WarmStart, GeneticAlgorithmKeepsTheBestStoredIndividualsAndTheirFitness) {
  const auto s = box(3, -5, 5);
  auto ws = clustered({2.0, 2.0, 2.0});
  // Population 4 < 12 stored: the best four survive; elitism 1 copies the very best unchanged and
  // without evaluating it again (its stored fitness stands).
  auto ga = make("type: ga\npopulation: 4\nelitism: 1\n", s, 2);
  ga->warm_start(ws);
  EXPECT_EQ(*ga->estimate(), ws.best.params);
  Driver d(s, sphere);
  const auto batch = d.ask(*ga);
  EXPECT_LE(batch.size(), 3u);
  for (const auto& c : batch) EXPECT_NE(c.params, ws.best.params);
  // Only the best stored: it is the parent pool of a whole population.
  ws.population.clear();
  auto lone = make("type: ga\npopulation: 8\nmutation_probability: 1\n", s, 2);
  lone->warm_start(ws);
  Driver d2(s, sphere);
  EXPECT_EQ(d2.ask(*lone).size(), 8u);
}

TEST(WarmStart, DistributionsRefuseASingleStoredIndividual) {
  const auto s = box(3, -5, 5);
  auto ws = clustered({1.0, 1.0, 1.0});
  ws.population.resize(1);
  for (const std::string yaml : {"type: cross_entropy\n", "type: face\n"}) {
    auto opt = make(yaml, s, 1);
    EXPECT_THROW(opt->warm_start(ws), l2l::UsageError) << yaml;
  }
}

TEST(WarmStart, EnkfTakesAStoredEnsembleAndCompletesIt) {
  const auto s = box(3, -5, 5);
  auto ws = clustered({1.0, 1.0, 1.0});
  for (int j = 0; j < 6; ++j)
    ws.ensemble.push_back({-2.0 + 0.01 * j, 4.0 - 0.02 * j, 0.5 + 0.03 * (j % 2)});
  auto enkf = make("type: enkf\nensemble_size: 10\ntarget: [0.0]\n", s, 1);
  enkf->warm_start(ws);
  Driver d(s, sphere);
  const auto batch = d.ask(*enkf);
  ASSERT_EQ(batch.size(), 10u);
  for (std::size_t j = 0; j < 6; ++j)
    for (std::size_t i = 0; i < 3; ++i)  // float32 storage
      EXPECT_NEAR(batch[j].params[i], ws.ensemble[j][i], 1e-6);
  // The four added members are drawn from the stored members' Gaussian: near them, not at the
  // population's best (1, 1, 1).
  for (std::size_t j = 6; j < 10; ++j) {
    EXPECT_NEAR(batch[j].params[0], -1.97, 0.3);
    EXPECT_NEAR(batch[j].params[1], 3.95, 0.3);
  }
}

TEST(WarmStart, AWarmStateSurvivesACheckpoint) {
  // Resume restores the checkpoint instead of warm-starting again: everything the warm start set
  // must be in state(), so a restored optimizer asks bit-identically.
  const auto s = box(3, -5, 5);
  const auto ws = clustered({-1.0, 2.0, 0.5});
  auto all = kSearchers;
  all.push_back({"random_search", "type: random_search\npopulation: 4\n"});
  all.push_back({"cmaes x0", "type: cmaes\nrestart_from: x0\nmax_restarts: 3\n"});
  for (const auto& [name, yaml] : all) {
    SCOPED_TRACE(name);
    auto warm = make(yaml, s, 9);
    warm->warm_start(ws);
    auto restored = make(yaml, s, 9);
    restored->restore(l2l::state::decode(l2l::state::encode(warm->state())));
    Driver a(s, rastrigin), b(s, rastrigin);
    for (int g = 0; g < 4; ++g) {
      const auto ba = a.ask(*warm), bb = b.ask(*restored);
      ASSERT_EQ(ba.size(), bb.size());
      for (std::size_t i = 0; i < ba.size(); ++i) ASSERT_EQ(ba[i].params, bb[i].params);
      warm->tell(ba, a.evaluate(ba));
      restored->tell(bb, b.evaluate(bb));
      ++a.generation;
      ++b.generation;
    }
    EXPECT_EQ(warm->estimate(), restored->estimate());
  }
}

TEST(WarmStart, InitFromParsesAnOptionalGeneration) {
  EXPECT_EQ(l2l::InitFrom::parse("runs/a.db").path, "runs/a.db");
  EXPECT_FALSE(l2l::InitFrom::parse("runs/a.db").generation);
  const auto f = l2l::InitFrom::parse("C:/x:y/a.db:17");
  EXPECT_EQ(f.path, "C:/x:y/a.db");
  EXPECT_EQ(f.generation, 17);
  EXPECT_EQ(f.text(), "C:/x:y/a.db:17");
  EXPECT_THROW(l2l::InitFrom::parse(":3"), l2l::UsageError);
}

namespace {

std::string write_experiment(
    const TempDir& dir, const std::string& name, const std::string& optimizer,
    const std::string& extra = "",
    const std::string& optimizee = "  type: function\n  name: rastrigin\n  dims: 4\n") {
  const auto path = dir.file(name + ".yaml");
  std::ofstream(path) << "experiment:\n  name: " << name << "\n  seed: 11\n"
                      << extra << "optimizer:\n"
                      << optimizer << "optimizee:\n"
                      << optimizee << "evaluator:\n  type: serial\n";
  return path;
}

double best_of_generation(const std::string& store, std::int64_t g) {
  auto s = l2l::RunStore::open_reader(store);
  for (const auto& rec : s->generations(1))
    if (rec.generation == g) return rec.best;
  return std::nan("");
}

}  // namespace

TEST(WarmStart, CliSwitchesFromAGeneticAlgorithmToCmaesAndRecordsTheOrigin) {
  TempDir dir;
  const auto ga =
      write_experiment(dir, "ga", "  type: ga\n  population: 30\n", "  max_generations: 15\n");
  const auto cma = write_experiment(dir, "cma", "  type: cmaes\n", "  max_generations: 10\n");
  ASSERT_EQ(run_l2l(dir, {"run", ga, "--out", dir.file("ga.db"), "-q"}).code, 0);
  const auto r = run_l2l(
      dir, {"run", cma, "--out", dir.file("warm.db"), "--init-from", dir.file("ga.db") + ":14"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("warm-started from"), std::string::npos) << r.out;
  {
    auto s = l2l::RunStore::open_reader(dir.file("warm.db"));
    const auto info = s->run(1);
    EXPECT_EQ(info.origin_store, std::filesystem::absolute(dir.file("ga.db")).string());
    EXPECT_EQ(info.origin_run, 1);
    EXPECT_EQ(info.origin_generation, 14);
    // The stored configuration names the origin absolutely, so resume works from anywhere.
    EXPECT_NE(info.config.find("init_from: " + info.origin_store + ":14"), std::string::npos);
  }
  // CMA-ES's first generation starts near the GA's population: far better than a cold start's
  // first generation (same seed), which samples a quarter of the box around its centre.
  ASSERT_EQ(run_l2l(dir, {"run", cma, "--out", dir.file("cold.db"), "-q"}).code, 0);
  EXPECT_GT(best_of_generation(dir.file("warm.db"), 0), best_of_generation(dir.file("cold.db"), 0));
  const auto show = run_l2l(dir, {"show", dir.file("warm.db")});
  ASSERT_EQ(show.code, 0);
  EXPECT_NE(
      show.out.find("warm-started from " + std::filesystem::absolute(dir.file("ga.db")).string() +
                    " run 1 generation 14"),
      std::string::npos)
      << show.out;
}

TEST(WarmStart, CliRefusesMismatchesBeforeAStoreExists) {
  TempDir dir;
  const auto ga =
      write_experiment(dir, "ga", "  type: ga\n  population: 8\n", "  max_generations: 3\n");
  ASSERT_EQ(run_l2l(dir, {"run", ga, "--out", dir.file("ga.db"), "-q"}).code, 0);
  struct Case {
    std::string experiment, init_from, message;
  };
  const std::vector<Case> cases = {
      {write_experiment(dir, "dims", "  type: cmaes\n", "",
                        "  type: function\n  name: rastrigin\n  dims: 5\n"),
       dir.file("ga.db"), "do not match this run's"},
      {write_experiment(dir, "gen", "  type: cmaes\n"), dir.file("ga.db") + ":3",
       "has generations 0 to 2, not 3"},
      {write_experiment(dir, "none", "  type: cmaes\n"), dir.file("nothing.db"), "no run store"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    const auto out = dir.file("new.db");
    const auto r = run_l2l(dir, {"run", c.experiment, "--out", out, "--init-from", c.init_from});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
}

TEST(WarmStart, KilledWarmStartedRunResumesToTheUninterruptedResult) {
  // The warm-started run sleeps per evaluation so that it can be killed mid-run; its origin is a
  // quick run over the same space.
  TempDir dir;
  const std::string slow = "  type: active_wait\n  seconds: 0.004\n  mode: sleep\n  dims: 3\n";
  const auto origin = write_experiment(dir, "origin", "  type: ga\n  population: 10\n",
                                       "  max_generations: 3\n", slow);
  ASSERT_EQ(run_l2l(dir, {"run", origin, "--out", dir.file("origin.db"), "-q"}).code, 0);
  const auto exp =
      write_experiment(dir, "warm", "  type: cmaes\n  population: 10\n",
                       "  max_generations: 40\n  init_from: " + dir.file("origin.db") + "\n", slow);
  const auto full = dir.file("full.db"), killed = dir.file("killed.db");
  l2l::testing::run_full_and_kill_after(dir, exp, full, killed, 8);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto r = run_l2l(dir, {"resume", killed, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(evaluation_rows(killed), evaluation_rows(full));
  EXPECT_EQ(count_generations(killed), 40);
}

TEST(WarmStart, ExamplesSwitchFromAGeneticAlgorithmToGradientDescentAndCmaes) {
  // The examples' own numbers (their headers, docs/warm_start.md): the same seeds, so the same
  // results; asserted with margins, not the exact values.
  TempDir dir;
  const auto example = [](const std::string& name) {
    return std::string(L2L_EXAMPLES_DIR) + "/" + name + ".yaml";
  };
  const auto ga = dir.file("ga.db");
  ASSERT_EQ(run_l2l(dir, {"run", example("warm-start-ga"), "--out", ga, "-q"}).code, 0);
  auto final_best = [](const std::string& store) {
    auto s = l2l::RunStore::open_reader(store);
    double best = -INFINITY;
    for (const auto& g : s->generations(1)) best = std::max(best, g.best);
    return -best;  // the raw Rosenbrock value
  };
  const double ga_best = final_best(ga);
  for (const std::string name : {"warm-start-ga-to-gradient", "warm-start-ga-to-cmaes"}) {
    SCOPED_TRACE(name);
    const auto warm = dir.file(name + "-warm.db"), cold = dir.file(name + "-cold.db");
    ASSERT_EQ(run_l2l(dir, {"run", example(name), "--out", warm, "--init-from", ga, "-q"}).code, 0);
    ASSERT_EQ(
        run_l2l(dir, {"run", example(name), "--out", cold, "--set", "experiment.init_from=", "-q"})
            .code,
        0);
    EXPECT_LT(final_best(warm), ga_best / 2);
    if (name == "warm-start-ga-to-gradient") {
      EXPECT_LT(final_best(warm), final_best(cold) / 10);
    } else {
      EXPECT_LT(final_best(warm), 1e-8);
      EXPECT_LT(count_generations(warm), count_generations(cold));
    }
  }
}

TEST(WarmStart, AStoreOfGenerationsOnlyLendsEachGenerationsBest) {
  // store_level: generations keeps no evaluation rows: the chosen generation's best is the
  // population, the best of all generations up to it is the best.
  TempDir dir;
  const auto ga = write_experiment(dir, "ga", "  type: ga\n  population: 10\n",
                                   "  max_generations: 6\n  store_level: generations\n");
  ASSERT_EQ(run_l2l(dir, {"run", ga, "--out", dir.file("ga.db"), "-q"}).code, 0);
  l2l::ParameterSpace s;
  s.add_array("x", 4, -5.12, 5.12);
  const auto loaded =
      l2l::load_warm_start(l2l::InitFrom::parse(dir.file("ga.db") + ":3"), s,
                           l2l::FitnessWeights({-1.0}), l2l::BoundPolicy::clip, true, false);
  auto store = l2l::RunStore::open_reader(dir.file("ga.db"));
  const auto gens = store->generations(1);
  double best = -INFINITY;
  for (const auto& g : gens)
    if (g.generation <= 3) best = std::max(best, g.best);
  ASSERT_EQ(loaded.start.population.size(), 1u);
  EXPECT_EQ(loaded.start.population[0].weighted, gens[3].best);
  EXPECT_EQ(loaded.start.population[0].params, gens[3].best_params);
  EXPECT_EQ(loaded.start.best.weighted, best);
  EXPECT_EQ(loaded.start.history.size(), 4u);
  EXPECT_EQ(loaded.origin.generation, 3);
}
