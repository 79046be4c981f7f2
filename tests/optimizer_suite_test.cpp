// The optimizer suite as a whole: every optimizer is registered and documents its options for
// `l2l list optimizers`, and each example configuration reaches the target stated in
// docs/optimizers.md. The examples run here through the test driver with local copies of the
// benchmark functions (same definitions and bounds as the `function` optimizee), on the
// example's seed and the next two, so the target does not hinge on one lucky seed.
#include <filesystem>
#include <map>

#include "support/example_targets.hpp"
#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {
const std::vector<std::string> kNames = {"es",
                                         "nes",
                                         "xnes",
                                         "cross_entropy",
                                         "face",
                                         "simulated_annealing",
                                         "parallel_tempering",
                                         "gradient_descent",
                                         "tpe",
                                         "bayesian"};
}

TEST(OptimizerSuite, EveryOptimizerIsRegisteredAndDocumented) {
  for (const auto& name : kNames) {
    ASSERT_TRUE(l2l::optimizer_registry().contains(name)) << name;
    const auto docs = l2l::optimizer_registry().docs(name);
    EXPECT_GE(docs.size(), 4u) << name;
    for (const auto& d : docs) {
      EXPECT_FALSE(d.help.empty()) << name << "." << d.key;
      EXPECT_FALSE(d.type.empty()) << name << "." << d.key;
    }
    // Defaults alone make a working optimizer.
    auto s = box(3, -5, 5);
    auto opt = make("type: " + name + "\n", s, 1);
    Driver d(s, sphere);
    d.run(*opt, 3);
    EXPECT_EQ(d.generation, 3) << name;
    EXPECT_TRUE(opt->estimate().has_value()) << name;
    EXPECT_FALSE(opt->generation_info().empty()) << name;
  }
}

TEST(OptimizerSuite, ExamplesReachTheirDocumentedTargets) {
  // Iterated in name order, as before the table moved to support/.
  const std::map<std::string, double> targets(l2l::testing::kExampleTargets.begin(),
                                              l2l::testing::kExampleTargets.end());
  const std::map<std::string, std::pair<Objective, double>> functions = {
      {"rastrigin", {rastrigin, 5.0}},
      {"sphere", {sphere, 5.0}},
      {"rosenbrock", {rosenbrock, 2.0}}};
  for (const auto& [example, target] : targets) {
    SCOPED_TRACE(example);
    const auto path = std::filesystem::path(L2L_EXAMPLES_DIR) / (example + ".yaml");
    ASSERT_TRUE(std::filesystem::exists(path)) << path;
    const YAML::Node cfg = YAML::LoadFile(path.string());
    const auto& fn = functions.at(cfg["optimizee"]["name"].as<std::string>());
    const auto s = box(cfg["optimizee"]["dims"].as<std::size_t>(), -fn.second, fn.second);
    const int gens = cfg["experiment"]["max_generations"].as<int>();
    const auto seed = cfg["experiment"]["seed"].as<std::uint64_t>();
    for (std::uint64_t k = 0; k < 3; ++k) {
      l2l::Options o(cfg["optimizer"], "optimizer",
                     std::make_shared<l2l::ConfigSource>(l2l::ConfigSource{path.string(), {}}));
      auto opt = l2l::make_optimizer(o, s, context(seed + k));
      Driver d(s, fn.first);
      d.run(*opt, gens);
      EXPECT_LE(d.best, target) << "seed " << seed + k << " after " << d.generation
                                << " generations";
    }
  }
}
