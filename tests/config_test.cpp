#include <gtest/gtest.h>

#include <filesystem>

#include "l2l/config/config.hpp"
#include "l2l/experiment/experiment.hpp"
#include "support/test_support.hpp"

using namespace l2l;
using l2l::testing::options_from;

namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    Experiment exp(load_config_text(yaml, "exp.yaml", sets), RunOptions{});
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const UsageError& e) {
    return std::string("usage: ") + e.what();
  }
  return "";
}

const char* kGood = R"(experiment:
  name: t
  seed: 3
  max_generations: 4
optimizer:
  type: ga
  population: 8
optimizee:
  type: test_quadratic
  dims: 2
evaluator:
  type: serial
)";

}  // namespace

TEST(Options, TypedGetWithDefaultsAndChecks) {
  auto o = options_from("a: 3\nb: 0.5\nc: hello\nd: [1, 2]\ne: true\n");
  EXPECT_EQ(o.get<int>("a", 1, ""), 3);
  EXPECT_DOUBLE_EQ(o.get<double>("b", 1, "", Check::probability()), 0.5);
  EXPECT_EQ(o.get<std::string>("c", "", "", Check::one_of({"hello", "bye"})), "hello");
  EXPECT_EQ(o.get<std::vector<double>>("d", {}, ""), (std::vector<double>{1, 2}));
  EXPECT_TRUE(o.get<bool>("e", false, ""));
  EXPECT_EQ(o.get<int>("missing", 7, ""), 7);
  EXPECT_NO_THROW(o.finish());
}

TEST(Options, ErrorsNameFileLineAndKeyPath) {
  auto o = options_from("population: 10\nsigma: abc\n");
  try {
    o.get<double>("sigma", 1.0, "");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "test.yaml:2: optimizer.sigma: expected a number, got 'abc'");
  }
  auto p = options_from("population: 1.5\n");
  EXPECT_THROW(p.get<int>("population", 1, ""), ConfigError);
  auto q = options_from("rate: 1.5\n");
  try {
    q.get<double>("rate", 0.1, "", Check::probability());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

TEST(Options, UnknownKeySuggestsTheNearestKnown) {
  auto o = options_from("populaton: 10\n");
  o.get<int>("population", 5, "");
  try {
    o.finish();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "test.yaml:1: optimizer.populaton: unknown key (did you mean 'population'?)");
  }
}

TEST(Options, DescribeModeRecordsEveryOption) {
  Options o = Options::describe("optimizer");
  EXPECT_EQ(o.get<int>("population", 5, "individuals", Check::at_least(2)), 5);
  auto c = o.child("grid", "a section");
  c.get<double>("step", 0.1, "step size");
  ASSERT_EQ(o.docs().size(), 3u);
  EXPECT_EQ(o.docs()[0].key, "optimizer.population");
  EXPECT_EQ(o.docs()[0].default_value, "5");
  EXPECT_EQ(o.docs()[2].key, "optimizer.grid.step");
}

TEST(Config, GoodConfigBuildsAndSetOverrides) {
  EXPECT_EQ(error_of(kGood), "");
  auto cfg = load_config_text(kGood, "exp.yaml", {"experiment.seed=7", "optimizer.population=12"});
  Experiment exp(std::move(cfg), RunOptions{});
  EXPECT_EQ(exp.spec().seed, 7u);
  EXPECT_EQ(lookup(exp.config().root, "optimizer.population").as<int>(), 12);
}

TEST(Config, MisspelledKeyNamesLineAndSuggestion) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("population"), 10, "popsize");
  const auto err = error_of(yaml);
  EXPECT_NE(err.find("exp.yaml:7: optimizer.popsize: unknown key"), std::string::npos) << err;
}

TEST(Config, WrongTypeAndRangeAreRejected) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("population: 8"), 13, "population: many");
  EXPECT_NE(error_of(yaml).find("exp.yaml:7: optimizer.population: expected an integer"),
            std::string::npos)
      << error_of(yaml);
  const auto err = error_of(kGood, {"experiment.max_generations=0"});
  EXPECT_NE(err.find("--set experiment.max_generations: value 0 out of range"), std::string::npos)
      << err;
}

TEST(Config, UnknownTypesAndSectionsAreRejected) {
  std::string yaml = kGood;
  yaml.replace(yaml.find("type: ga"), 8, "type: gaa");
  EXPECT_NE(error_of(yaml).find("exp.yaml:6: optimizer.type: unknown optimizer 'gaa'"),
            std::string::npos)
      << error_of(yaml);
  const auto err = error_of(std::string(kGood) + "optimiser:\n  type: ga\n");
  EXPECT_NE(err.find("optimiser: unknown key (did you mean 'optimizer'?)"), std::string::npos)
      << err;
  EXPECT_NE(error_of("experiment: [1, 2]\n").find("experiment: must be a mapping"),
            std::string::npos);
}

TEST(Config, SyntaxErrorNamesTheLine) {
  const auto err = error_of("experiment:\n  name: [unclosed\noptimizer: {}\n");
  EXPECT_NE(err.find("exp.yaml:"), std::string::npos);
  EXPECT_NE(err.find("YAML syntax error"), std::string::npos) << err;
}

TEST(Config, SetParsesYamlValuesAndCreatesSections) {
  auto cfg = load_config_text(
      kGood, "exp.yaml",
      {"experiment.fitness_weights=[-2]", "evaluator.threads=2", "evaluator.type=threads"});
  EXPECT_EQ(lookup(cfg.root, "experiment.fitness_weights").size(), 1u);
  EXPECT_EQ(lookup(cfg.root, "evaluator.threads").as<int>(), 2);
  EXPECT_THROW(load_config_text(kGood, "exp.yaml", {"novalue"}), ConfigError);
  EXPECT_THROW(load_config_text(kGood, "exp.yaml", {"experiment.seed.deeper=1"}), ConfigError);
}

TEST(Config, WeightsMustMatchObjectives) {
  const auto err = error_of(kGood, {"experiment.fitness_weights=[1, 2]"});
  EXPECT_NE(err.find("2 weights given but the optimizee has 1 objectives"), std::string::npos)
      << err;
}
