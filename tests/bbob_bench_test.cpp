// `l2l bench bbob`: the compiled-in best-2009 reference table, the ratios computed from it, the
// COCO protocol's optimizer defaults and a small end-to-end run.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <yaml-cpp/yaml.h>

#include "l2l/bench/bbob_reference.hpp"
#include "l2l/bench/bbob_runner.hpp"
#include "l2l/core/error.hpp"

namespace {

using l2l::bench::bbob_reference;

TEST(BbobReference, HoldsEveryCellOfTheCocoTable) {
  // 24 functions x 6 dimensions (2, 3, 5, 10, 20, 40) x 8 targets, one line each in
  // data/bbob/best2009_ert.csv.
  EXPECT_EQ(l2l::bench::bbob_best2009().size(), 24u * 6u * 8u);
  const auto f1 = bbob_reference(1, 2, 1e1);
  ASSERT_TRUE(f1);
  EXPECT_EQ(f1->ert, 2.0);
  EXPECT_EQ(f1->algorithm, "MCS_huyer");
  EXPECT_EQ(f1->successes, 15);
  EXPECT_EQ(f1->trials, 15);
  const auto f17 = bbob_reference(17, 10, 1e-8);
  ASSERT_TRUE(f17);
  EXPECT_EQ(f17->ert, 27229.0);
  EXPECT_TRUE(f17->is_bipop_cmaes());
  // Targets and dimensions outside the table have no cell.
  EXPECT_FALSE(bbob_reference(1, 10, 1e-4));
  EXPECT_FALSE(bbob_reference(1, 7, 1e-8));
}

TEST(BbobReference, BipopIsTheReferenceExactlyWhereTheDataReadmeSaysSo) {
  // data/bbob/README.md lists the (function, dim) cells at 1e-8 whose best-2009 entry is
  // BIPOP-CMA-ES itself: the goal of bench/cmaes.md is checked on these.
  const std::set<std::pair<int, int>> listed = {
      {7, 3},   {7, 5},   {11, 20}, {11, 40}, {15, 20}, {15, 40}, {16, 10}, {16, 20},
      {16, 40}, {17, 2},  {17, 10}, {18, 2},  {18, 40}, {19, 5},  {19, 10}, {19, 20},
      {19, 40}, {20, 10}, {20, 20}, {24, 5},  {24, 10}, {24, 20}, {24, 40}};
  std::set<std::pair<int, int>> found;
  for (const auto& [key, ref] : l2l::bench::bbob_best2009())
    if (std::get<2>(key) == -8 && ref.is_bipop_cmaes())
      found.insert({std::get<0>(key), std::get<1>(key)});
  EXPECT_EQ(found, listed);
}

TEST(BbobReference, MalformedRowsNameTheirLine) {
  const std::string good =
      "function,dim,target,ert,best_algorithm,successes,trials\n"
      "3,5,1e-08,inf,,0,15\n";
  const auto t = l2l::bench::parse_bbob_reference(good);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(std::isinf(t.at({3, 5, -8}).ert));
  for (const char* bad :
       {"3,5,1e-08,12x,A,1,15", "3,5,1e-08,12,A,1", "3,5,0,12,A,1,15", "3,5,1e-08,12,,1,15"}) {
    try {
      l2l::bench::parse_bbob_reference(good + bad + "\n");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    }
  }
}

l2l::bench::BbobRun synthetic_run(int function, int dim, std::int64_t spent,
                                  std::int64_t hit_last) {
  l2l::bench::BbobRun r;
  r.function = function;
  r.dim = dim;
  r.evaluations = spent;
  r.hit.fill(-1);
  r.hit.back() = hit_last;
  return r;
}

TEST(BbobBench, ErtRatioIsToTheReferenceCell) {
  // Two runs of f17 in 10-D reach 1e-8 after 20,000 and 40,000 evaluations, a third spends
  // 60,000 without: ERT = 120,000 / 2, the reference 27,229.
  const std::vector<l2l::bench::BbobRun> runs = {synthetic_run(17, 10, 20000, 20000),
                                                 synthetic_run(17, 10, 40000, 40000),
                                                 synthetic_run(17, 10, 60000, -1)};
  const auto erts = l2l::bench::bbob_ert(runs);
  ASSERT_EQ(erts.size(), l2l::bench::kBbobTargets);
  const auto& last = erts.back();
  EXPECT_EQ(last.successes, 2);
  EXPECT_DOUBLE_EQ(last.ert, 60000.0);
  EXPECT_DOUBLE_EQ(last.ratio, 60000.0 / 27229.0);
  // The target 1e-4 has no reference cell, and a target nobody reached has an infinite ratio.
  EXPECT_TRUE(std::isnan(erts[5].ratio));
  EXPECT_TRUE(std::isinf(erts[0].ratio));
}

TEST(BbobBench, CocoProtocolSetsBbob2009DefaultsThatSetOptionsOverride) {
  l2l::bench::BbobBenchOptions o;
  auto coco = l2l::bench::bbob_optimizer_options(o);
  EXPECT_EQ(coco["bounds"].as<std::string>(), "none");
  EXPECT_EQ(coco["initial"].as<std::string>(), "random");
  EXPECT_EQ(coco["restart_from"].as<std::string>(), "random");
  EXPECT_DOUBLE_EQ(coco["sigma0"].as<double>(), 0.2);  // 2 in x units on [-5, 5]
  EXPECT_GE(coco["max_restarts"].as<long>(), 1000000);

  o.optimizer_options = YAML::Load("{sigma0: 0.3, bounds: penalty}");
  auto user = l2l::bench::bbob_optimizer_options(o);
  EXPECT_DOUBLE_EQ(user["sigma0"].as<double>(), 0.3);
  EXPECT_EQ(user["bounds"].as<std::string>(), "penalty");
  EXPECT_EQ(user["initial"].as<std::string>(), "random");

  o.protocol = "box";
  EXPECT_EQ(l2l::bench::bbob_optimizer_options(o).size(), 2u);  // only what the user gave
  o.protocol = "coco";
  o.optimizer = "random_search";
  o.optimizer_options = YAML::Node();
  EXPECT_EQ(l2l::bench::bbob_optimizer_options(o).size(), 0u);  // CMA-ES's options only
  o.protocol = "bounded";
  EXPECT_THROW(l2l::bench::run_bbob_problems(o), l2l::UsageError);
}

TEST(BbobBench, CocoRunPrintsRatiosAndGoals) {
  // Sphere and Rastrigin in 2-D: CMA-ES reaches 1e-8 on the sphere in every instance, and the
  // table shows each ERT with its ratio to the reference.
  l2l::bench::BbobBenchOptions o;
  o.functions = {1, 17};
  o.dims = {2};
  o.instances = {1, 2, 3};
  o.budget_multiplier = 2000;
  o.threads = 2;
  o.optimizer_options = YAML::Load("{restarts: bipop}");
  const auto runs = l2l::bench::run_bbob_problems(o);
  ASSERT_EQ(runs.size(), 6u);
  for (const auto& r : runs)
    if (r.function == 1) {
      EXPECT_GE(r.hit.back(), 0) << "instance " << r.instance;
    }
  std::ostringstream out;
  l2l::bench::run_bbob_bench(o, out);
  const auto text = out.str();
  EXPECT_NE(text.find("protocol coco (unbounded search)"), std::string::npos) << text;
  EXPECT_NE(text.find("bounds: none"), std::string::npos) << text;
  // f17 in 2-D is a BIPOP-CMA-ES cell, f1 a unimodal one: both goal lines are there.
  EXPECT_NE(text.find("cells where it is the reference): "), std::string::npos) << text;
  EXPECT_NE(text.find("unimodal f1, f2, f5-f14: "), std::string::npos) << text;
  EXPECT_NE(text.find(" f1 "), std::string::npos) << text;
}

}  // namespace
