// The examples of the optimizer suite (examples/<optimizer>-<function>.yaml) through the real
// experiment driver and run store: each reaches the target stated in docs/optimizers.md, and a
// run stopped halfway and resumed from its store equals the uninterrupted run row for row.
#include <gtest/gtest.h>

#include <filesystem>

#include "l2l/experiment/experiment.hpp"
#include "support/example_targets.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
using l2l::testing::evaluation_rows;
using l2l::testing::kExampleTargets;
using l2l::testing::TempDir;

namespace {

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

}  // namespace

TEST(OptimizerExamples, ReachTheirDocumentedTargets) {
  TempDir dir;
  for (const auto& [name, target] : kExampleTargets) {
    const auto out = run(name, dir.file(name + ".db"), {"experiment.store_level=generations"});
    EXPECT_EQ(out.status, "finished") << name;
    ASSERT_FALSE(out.best_fitness.empty()) << name;
    EXPECT_LE(out.best_fitness[0], target)
        << name << " after " << out.generations << " generations (" << out.stop_reason << ")";
  }
}

TEST(OptimizerExamples, StoppedAndResumedEqualsUninterrupted) {
  TempDir dir;
  for (const auto& [name, target] : kExampleTargets) {
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
