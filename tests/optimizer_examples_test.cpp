// The examples of the optimizer suite (examples/<optimizer>-<function>.yaml) through the real
// experiment driver and run store: each reaches the target stated in docs/optimizers.md, and a
// run stopped halfway and resumed from its store equals the uninterrupted run row for row.
#include <gtest/gtest.h>

#include <filesystem>

#include "l2l/experiment/experiment.hpp"
#include "l2l/storage/run_store.hpp"
#include "test_support.hpp"

using namespace l2l;
using l2l::testing::TempDir;

namespace {

// Best raw value (the benchmark functions are minimized) within the example's budget.
const std::vector<std::pair<std::string, double>> kTargets = {
    {"es-rastrigin", 8.0},
    {"nes-rastrigin", 12.0},
    {"xnes-rosenbrock", 1e-5},
    {"cross_entropy-rastrigin", 5.0},
    {"face-rastrigin", 30.0},
    {"simulated_annealing-rastrigin", 30.0},
    {"parallel_tempering-rastrigin", 35.0},
    {"gradient_descent-sphere", 0.05},
};

std::string example(const std::string& name) {
  return (std::filesystem::path(L2L_EXAMPLES_DIR) / (name + ".yaml")).string();
}

RunOutcome run(const std::string& name, const std::string& store,
               const std::vector<std::string>& sets) {
  RunOptions o;
  o.out = store;
  o.progress = false;
  Experiment exp(load_config_file(example(name), sets), o);
  return exp.run();
}

std::vector<std::string> evaluation_rows(const std::string& path) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare(
      "SELECT generation, idx, params, fitness, weighted, status, seed FROM evaluations "
      "ORDER BY generation, idx");
  std::vector<std::string> rows;
  while (st.step()) {
    std::string row;
    for (int c = 0; c < 7; ++c) row += st.get_text(c) + "|";
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(OptimizerExamples, ReachTheirDocumentedTargets) {
  TempDir dir;
  for (const auto& [name, target] : kTargets) {
    const auto out = run(name, dir.file(name + ".db"), {"experiment.store_level=generations"});
    EXPECT_EQ(out.status, "finished") << name;
    ASSERT_FALSE(out.best_fitness.empty()) << name;
    EXPECT_LE(out.best_fitness[0], target)
        << name << " after " << out.generations << " generations (" << out.stop_reason << ")";
  }
}

TEST(OptimizerExamples, StoppedAndResumedEqualsUninterrupted) {
  TempDir dir;
  for (const auto& [name, target] : kTargets) {
    SCOPED_TRACE(name);
    const auto full = dir.file(name + "-full.db"), part = dir.file(name + "-part.db");
    const auto a = run(name, full, {"experiment.max_generations=40"});
    const auto b = run(name, part, {"experiment.max_generations=17"});
    RunOptions o;
    o.progress = false;
    const auto c = Experiment::resume(part, {"experiment.max_generations=40"}, o);
    EXPECT_EQ(c.generations, a.generations);
    EXPECT_EQ(c.evaluations, a.evaluations);
    EXPECT_EQ(c.best_params, a.best_params);
    EXPECT_EQ(evaluation_rows(part), evaluation_rows(full));
    (void)b;
  }
}
