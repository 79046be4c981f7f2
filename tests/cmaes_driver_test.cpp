// CMA-ES through the experiment driver: the example runs, and a run killed part-way and resumed
// records exactly what an uninterrupted run records.
#include <gtest/gtest.h>

#include <filesystem>

#include "l2l/experiment/experiment.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

namespace {

using l2l::testing::evaluation_rows;
using l2l::testing::TempDir;

l2l::RunOutcome run(const std::string& store, const std::vector<std::string>& sets) {
  l2l::RunOptions o;
  o.out = store;
  o.progress = false;
  l2l::Experiment exp(
      l2l::load_config_file(std::string(L2L_EXAMPLES_DIR) + "/cmaes-rosenbrock.yaml", sets), o);
  return exp.run();
}

TEST(CmaEsDriver, ExampleReachesItsTarget) {
  TempDir dir;
  const auto out = run(dir.file("run.db"), {});
  EXPECT_EQ(out.status, "finished");
  EXPECT_NE(out.stop_reason.find("target_fitness"), std::string::npos) << out.stop_reason;
  EXPECT_LE(out.best_fitness.at(0), 1e-8);
  EXPECT_LT(out.evaluations, 12000);
}

TEST(CmaEsDriver, KilledAndResumedEqualsUninterrupted) {
  TempDir dir;
  const std::vector<std::string> common = {"experiment.target_fitness=1e-30"};
  auto sets = common;
  sets.push_back("experiment.max_generations=120");
  const auto full = run(dir.file("full.db"), sets);
  auto part_sets = common;
  part_sets.push_back("experiment.max_generations=37");
  run(dir.file("part.db"), part_sets);
  l2l::RunOptions o;
  o.progress = false;
  const auto resumed =
      l2l::Experiment::resume(dir.file("part.db"), {"experiment.max_generations=120"}, o);
  EXPECT_EQ(resumed.generations, full.generations);
  EXPECT_EQ(resumed.best_params, full.best_params);
  const auto a = evaluation_rows(dir.file("full.db"));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, evaluation_rows(dir.file("part.db")));
}

// Failed evaluations (a third throw or return NaN) are resampled across the kill as well.
TEST(CmaEsDriver, ResumeWithFailuresEqualsUninterrupted) {
  TempDir dir;
  auto config = [](int generations) {
    return "experiment:\n  name: f\n  seed: 5\n  max_generations: " + std::to_string(generations) +
           "\noptimizer:\n  type: cmaes\n  restarts: ipop\n  tolfun: 1e-4\n"
           "optimizee:\n  type: test_quadratic\n  dims: 4\n  throw_rate: 0.2\n  nan_rate: 0.1\n"
           "evaluator:\n  type: serial\n";
  };
  l2l::RunOptions o;
  o.progress = false;
  o.out = dir.file("full.db");
  const auto full = l2l::Experiment(l2l::load_config_text(config(90), "f.yaml"), o).run();
  o.out = dir.file("part.db");
  l2l::Experiment(l2l::load_config_text(config(23), "f.yaml"), o).run();
  o.out.clear();
  const auto resumed =
      l2l::Experiment::resume(dir.file("part.db"), {"experiment.max_generations=90"}, o);
  EXPECT_GT(full.failed, 0);
  EXPECT_EQ(resumed.evaluations, full.evaluations);
  EXPECT_EQ(evaluation_rows(dir.file("full.db")), evaluation_rows(dir.file("part.db")));
}

}  // namespace
