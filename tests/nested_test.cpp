// Nested learning to learn: binding, reduction rules, run tree, resume across both loops.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <thread>

#include "l2l/experiment/experiment.hpp"
#include "l2l/experiment/nested/binding.hpp"
#include "l2l/experiment/nested/nested_optimizee.hpp"
#include "l2l/experiment/nested/reduction.hpp"
#include "l2l/storage/vector_codec.hpp"
#include "support/test_support.hpp"

using namespace l2l;
using l2l::testing::TempDir;

namespace {

// An outer GA tunes the inner GA's mutation sigma and population on shifted quadratics.
std::string nested_config(int outer_generations, const std::string& extra = "",
                          const std::string& evaluator = "serial") {
  return "experiment: {name: outer, seed: 3, max_generations: " +
         std::to_string(outer_generations) +
         "}\n"
         "optimizer: {type: ga, population: 4, tournament_size: 2, mutation_probability: 0.5,"
         " gene_mutation_probability: 0.5, mutation_sigma: 0.3}\n"
         "optimizee:\n"
         "  type: nested\n"
         "  parameters:\n"
         "    sigma: {lo: 0.01, hi: 2, log: true}\n"
         "    population: {lo: 4, hi: 12, integer: true}\n"
         "  inner:\n"
         "    experiment: {name: inner, seed: 9, max_generations: 5}\n"
         "    optimizer: {type: ga, population: '${outer.population}', tournament_size: 2,"
         " mutation_sigma: '${outer.sigma}', gene_mutation_probability: 0.5}\n"
         "    optimizee: {type: test_quadratic, dims: 2}\n" +
         extra + "evaluator: {type: " + evaluator + "}\n";
}

std::string error_of(const std::string& yaml) {
  try {
    Experiment e(load_config_text(yaml, "outer.yaml"), RunOptions{});
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

RunOutcome run(const std::string& yaml, const std::string& store, int threads = 0) {
  RunOptions o;
  o.out = store;
  o.progress = false;
  o.threads = threads;
  return Experiment(load_config_text(yaml, "outer.yaml"), o).run();
}

std::int64_t scalar(RunStore& s, const std::string& sql) {
  auto st = s.db().prepare(sql);
  st.step();
  return st.get_int(0);
}

}  // namespace

TEST(Binding, FindsAndSubstitutesPlaceholders) {
  const auto root = YAML::Load("a: ${outer.x}\nb: {c: [1, 'n=${outer.n}']}\nd: plain\n");
  const auto ph = find_placeholders(root);
  ASSERT_EQ(ph.size(), 2u);
  EXPECT_EQ(ph[0].inner_path, "a");
  EXPECT_EQ(ph[0].name, "x");
  EXPECT_EQ(ph[1].inner_path, "b.c.1");
  const auto s = substitute(root, {{"x", 0.25}, {"n", 7}});
  EXPECT_DOUBLE_EQ(s["a"].as<double>(), 0.25);
  EXPECT_EQ(s["b"]["c"][1].as<std::string>(), "n=7");
  EXPECT_EQ(s["d"].as<std::string>(), "plain");
  EXPECT_EQ(root["a"].as<std::string>(), "${outer.x}");  // the template is untouched
  EXPECT_EQ(format_value(3.0, true), "3");
  EXPECT_EQ(format_value(0.1, false), "0.1");
}

TEST(Nested, BindingErrorsNameTheKeyPath) {
  EXPECT_EQ(error_of(nested_config(1)), "");
  // A placeholder naming no parameter.
  auto bad = nested_config(1);
  bad.replace(bad.find("${outer.sigma}"), 14, "${outer.sigma2}");
  auto err = error_of(bad);
  EXPECT_NE(err.find("inner optimizer.mutation_sigma: ${outer.sigma2} names no outer parameter"),
            std::string::npos)
      << err;
  // A parameter bound nowhere.
  err = error_of(nested_config(1, "  bind: {}\n")
                     .replace(nested_config(1).find("'${outer.sigma}'"), 16, "0.5"));
  EXPECT_NE(err.find("outer parameter 'sigma' is bound nowhere"), std::string::npos) << err;
  // A misspelled inner key reached through bind: is an inner configuration error with its path.
  err = error_of(nested_config(1, "  bind: {optimizer.mutaton_sigma: 0.3}\n"));
  EXPECT_NE(err.find("optimizer.mutaton_sigma: unknown key"), std::string::npos) << err;
  // Bad outer parameter declarations.
  auto lo = nested_config(1);
  lo.replace(lo.find("lo: 0.01"), 8, "lo: 0.00");
  EXPECT_NE(error_of(lo).find("log-scale parameter needs lo > 0"), std::string::npos)
      << error_of(lo);
}

TEST(Reduction, RulesAndAggregates) {
  const std::vector<double> s{5, 3, 4, 1, 2};
  Reduction r;
  r.rule = ReduceRule::final_value;
  EXPECT_DOUBLE_EQ(reduce(s, r, false), 2);
  r.rule = ReduceRule::best;
  EXPECT_DOUBLE_EQ(reduce(s, r, false), 1);
  EXPECT_DOUBLE_EQ(reduce(s, r, true), 5);
  r.rule = ReduceRule::mean_last;
  r.last = 2;
  EXPECT_DOUBLE_EQ(reduce(s, r, false), 1.5);
  r.rule = ReduceRule::auc;  // trapezoids: (4 + 3.5 + 2.5 + 1.5) / 4
  EXPECT_DOUBLE_EQ(reduce(s, r, false), 11.5 / 4);
  EXPECT_DOUBLE_EQ(aggregate({1, 5, 3}, Aggregate::mean, true), 3);
  EXPECT_DOUBLE_EQ(aggregate({1, 5, 3, 4}, Aggregate::median, true), 3.5);
  EXPECT_DOUBLE_EQ(aggregate({1, 5, 3}, Aggregate::worst, true), 1);
  EXPECT_DOUBLE_EQ(aggregate({1, 5, 3}, Aggregate::worst, false), 5);
  GenerationRecord g1, g2;
  g1.best = -4;
  g2.best = -2;
  g2.info["test_accuracy"] = 0.9;
  EXPECT_EQ(metric_series({g1, g2}, "best", -1), (std::vector<double>{4, 2}));
  EXPECT_EQ(metric_series({g1, g2}, "test_accuracy", -1), (std::vector<double>{0.9}));
}

TEST(Nested, InnerRunsAreStoredAsARunTreeAndDefineTheOuterFitness) {
  TempDir dir;
  const auto path = dir.file("n.db");
  const auto out = run(nested_config(2,
                                     "  tasks: [{experiment.seed: 1}, {experiment.seed: 2}]\n"
                                     "  reduce: {rule: best}\n  aggregate: worst\n"),
                       path);
  ASSERT_EQ(out.status, "finished");
  auto store = RunStore::open_reader(path);
  // One inner run per outer evaluation and task, each linked to its outer individual.
  EXPECT_EQ(scalar(*store, "SELECT count(*) FROM runs WHERE parent_run = 1"), 2 * out.evaluations);
  EXPECT_EQ(scalar(*store,
                   "SELECT count(*) FROM (SELECT DISTINCT parent_generation, parent_index, "
                   "task FROM runs WHERE parent_run = 1)"),
            2 * out.evaluations);
  EXPECT_EQ(
      scalar(*store, "SELECT count(*) FROM runs WHERE parent_run = 1 AND status != 'finished'"), 0);
  // The outer fitness of an individual is the worst over tasks of each inner run's best value.
  auto st = store->db().prepare("SELECT generation, idx, fitness FROM evaluations WHERE run = 1");
  int checked = 0;
  while (st.step()) {
    const auto g = st.get_int(0), i = st.get_int(1);
    const double outer = l2l::column_doubles(st, 2).at(0);
    double worst = -INFINITY;
    for (int t = 0; t < 2; ++t) {
      const auto child = store->find_child(1, g, i, t);
      ASSERT_TRUE(child);
      double best = INFINITY;
      for (const auto& gen : store->generations(*child)) best = std::min(best, -gen.best);
      worst = std::max(worst, best);
    }
    EXPECT_DOUBLE_EQ(outer, worst);
    ++checked;
  }
  EXPECT_EQ(checked, out.evaluations);
}

TEST(Nested, OuterThreadsGiveTheSameResultAsSerial) {
  TempDir dir;
  const auto a = run(nested_config(2), dir.file("a.db"));
  const auto b = run(nested_config(2, "", "threads"), dir.file("b.db"), 2);
  EXPECT_EQ(a.best_params, b.best_params);
  EXPECT_DOUBLE_EQ(a.best_weighted, b.best_weighted);
}

TEST(Nested, WithoutAStoreInnerRunsUseAPrivateMemoryStore) {
  auto cfg = load_config_text(nested_config(1), "outer.yaml");
  Options root = cfg.options();
  auto o = root.child("optimizee", "");
  OptimizeeContext ctx;
  auto opt = make_optimizee(o, ctx);
  Candidate c;
  c.params = {0.5, 6};
  const auto e1 = opt->evaluate(c);
  const auto e2 = opt->evaluate(c);
  ASSERT_TRUE(e1.ok()) << e1.reason;
  EXPECT_EQ(e1.fitness, e2.fitness);  // fixed inner seed: common random numbers
  EXPECT_GT(e1.metrics.at("inner_evaluations"), 0);
}

TEST(Nested, KilledNestedRunResumesWithoutRedoingFinishedInnerRuns) {
  TempDir dir;
  // Inner evaluations sleep so that the outer run can be killed in its middle.
  auto slow = nested_config(6);
  slow.replace(slow.find("optimizee: {type: test_quadratic, dims: 2}"),
               std::string("optimizee: {type: test_quadratic, dims: 2}").size(),
               "optimizee: {type: active_wait, seconds: 0.002, mode: sleep, dims: 2}");
  const auto exp = dir.file("outer.yaml");
  std::ofstream(exp) << slow;
  const auto full = dir.file("full.db"), killed = dir.file("killed.db");
  ASSERT_EQ(run(slow, full).status, "finished");

  const pid_t pid = fork();
  if (pid == 0) {
    execl(L2L_BINARY, L2L_BINARY, "run", exp.c_str(), "--out", killed.c_str(), "-q", nullptr);
    _exit(127);
  }
  // Kill once an inner run of a generation the outer loop has not committed yet has finished.
  const std::string finished_pending =
      "SELECT count(*) FROM runs WHERE parent_run = 1 AND parent_generation >= 1 AND status = "
      "'finished' AND parent_generation NOT IN (SELECT generation FROM generations WHERE run = 1)";
  for (int i = 0; i < 4000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    try {
      auto s = RunStore::open_reader(killed);
      if (scalar(*s, finished_pending) > 0) break;
    } catch (...) {
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::int64_t inner_before = 0;
  {
    auto s = RunStore::open_reader(killed);
    inner_before = scalar(*s, finished_pending);
    ASSERT_LT(scalar(*s, "SELECT count(*) FROM generations WHERE run = 1"), 6)
        << "finished before the kill; the test proves nothing";
  }
  RunOptions o;
  o.progress = false;
  const auto resumed = Experiment::resume(killed, {}, o);
  EXPECT_EQ(resumed.status, "finished");
  auto a = RunStore::open_reader(full), b = RunStore::open_reader(killed);
  auto rows = [](RunStore& s) {
    auto st = s.db().prepare(
        "SELECT generation, idx, params, fitness FROM evaluations WHERE run = 1 "
        "ORDER BY generation, idx");
    std::vector<std::string> r;
    while (st.step())
      r.push_back(st.get_text(0) + st.get_text(1) + st.get_text(2) + st.get_text(3));
    return r;
  };
  EXPECT_EQ(rows(*a), rows(*b));
  // No inner run was duplicated, and the ones finished before the kill were reused.
  EXPECT_EQ(scalar(*b, "SELECT count(*) FROM runs WHERE parent_run = 1"),
            scalar(*a, "SELECT count(*) FROM runs WHERE parent_run = 1"));
  EXPECT_GT(inner_before, 0);
  EXPECT_GT(scalar(*b,
                   "SELECT count(*) FROM evaluations WHERE run = 1 AND metrics LIKE "
                   "'%inner_runs_reused%'"),
            0);
}
