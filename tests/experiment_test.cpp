// The experiment driver and run store: recording, termination, failures, resume, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "l2l/experiment/experiment.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_summary.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
using l2l::testing::TempDir;

namespace {

std::string config(const std::string& extra_optimizee = "", const std::string& evaluator = "serial",
                   int generations = 6) {
  return "experiment:\n  name: t\n  seed: 11\n  max_generations: " + std::to_string(generations) +
         "\noptimizer:\n  type: ga\n  population: 12\n  tournament_size: 3\n  "
         "gene_mutation_probability: 0.3\n  mutation_probability: 0.5\n"
         "optimizee:\n  type: test_quadratic\n  dims: 3\n" +
         extra_optimizee + "evaluator:\n  type: " + evaluator + "\n";
}

RunOutcome run_config(const std::string& yaml, const std::string& store,
                      const std::vector<std::string>& sets = {}, int threads = 0) {
  RunOptions o;
  o.out = store;
  o.progress = false;
  o.threads = threads;
  Experiment exp(load_config_text(yaml, "exp.yaml", sets), o);
  return exp.run();
}

// Every column of the evaluations table that must not depend on timing or placement.
std::vector<std::string> evaluation_rows(const std::string& path) {
  return l2l::testing::evaluation_rows(path, l2l::testing::kEvaluationColumnsWithOutcome);
}

std::int64_t count(const std::string& path, const std::string& sql) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare(sql);
  st.step();
  return st.get_int(0);
}

}  // namespace

TEST(Experiment, RecordsEveryEvaluationAndGeneration) {
  TempDir dir;
  const auto path = dir.file("run.db");
  const auto out = run_config(config(), path);
  EXPECT_EQ(out.status, "finished");
  EXPECT_EQ(out.generations, 6);
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations"), out.evaluations);
  EXPECT_EQ(count(path, "SELECT sum(evaluations) FROM generations"), out.evaluations);
  EXPECT_EQ(count(path, "SELECT count(*) FROM generations"), 6);
  EXPECT_EQ(count(path, "SELECT count(*) FROM checkpoints WHERE generation = 5"), 1);
  EXPECT_EQ(count(path, "SELECT count(*) FROM runs WHERE status = 'finished'"), 1);
  // The best of the run is the best row of the evaluations table.
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare("SELECT max(weighted) FROM evaluations");
  st.step();
  EXPECT_DOUBLE_EQ(st.get_double(0), out.best_weighted);
  EXPECT_DOUBLE_EQ(-out.best_fitness[0], out.best_weighted);  // default weight -1
  const auto s = summarize_run(*store, 1);
  EXPECT_EQ(s["evaluations"].get<std::int64_t>(), out.evaluations);
  EXPECT_DOUBLE_EQ(s["best"]["weighted"].get<double>(), out.best_weighted);
  EXPECT_EQ(s["best"]["params"].size(), 3u);
}

TEST(HallOfFame, RanksDistinctIndividualsByTheMeanOfTheirEvaluations) {
  TempDir dir;
  const auto path = dir.file("run.db");
  // reevaluate: survivors are evaluated again, so one individual owns several rows.
  run_config(config(), path, {"optimizer.reevaluate=true"});
  auto store = RunStore::open_reader(path);
  // The expectation, grouped here by the parameter text independently of the store's SQL.
  std::map<std::string, std::pair<double, int>> by_params;
  auto st = store->db().prepare(
      "SELECT params, weighted FROM evaluations WHERE status = 'ok' AND weighted IS NOT NULL");
  while (st.step()) {
    auto& [sum, n] = by_params[st.get_text(0)];
    sum += st.get_double(1);
    ++n;
  }
  std::vector<double> means;
  bool some_repeated = false;
  for (const auto& [_, e] : by_params) {
    means.push_back(e.first / e.second);
    some_repeated |= e.second > 1;
  }
  ASSERT_TRUE(some_repeated);
  std::sort(means.rbegin(), means.rend());
  const auto top = hall_of_fame(*store, 1, 5);
  ASSERT_EQ(top.size(), 5u);
  std::set<std::string> seen;
  for (std::size_t r = 0; r < top.size(); ++r) {
    EXPECT_EQ(top[r]["rank"].get<std::size_t>(), r + 1);
    EXPECT_NEAR(top[r]["mean_weighted"].get<double>(), means[r], 1e-12);
    EXPECT_GE(top[r]["weighted"].get<double>(), top[r]["mean_weighted"].get<double>() - 1e-12);
    ASSERT_EQ(top[r]["params"].size(), 3u);
    EXPECT_TRUE(seen.insert(top[r]["params"].dump()).second);
  }
  // More than the run has: all of them, once each.
  EXPECT_EQ(hall_of_fame(*store, 1, 100000).size(), by_params.size());
}

TEST(HallOfFame, StoresWithoutEvaluationRowsUseTheGenerationsBests) {
  TempDir dir;
  const auto path = dir.file("run.db");
  run_config(config(), path, {"experiment.store_level=generations"});
  auto store = RunStore::open_reader(path);
  const auto gens = store->generations(1);
  double best = -1e300;
  for (const auto& g : gens) best = std::max(best, g.best);
  const auto top = hall_of_fame(*store, 1, 3);
  ASSERT_FALSE(top.empty());
  EXPECT_DOUBLE_EQ(top[0]["mean_weighted"].get<double>(), best);
  for (std::size_t r = 1; r < top.size(); ++r)
    EXPECT_LE(top[r]["mean_weighted"].get<double>(), top[r - 1]["mean_weighted"].get<double>());
}

TEST(Experiment, ResultsDoNotDependOnEvaluatorOrThreadCount) {
  TempDir dir;
  run_config(config(), dir.file("serial.db"));
  run_config(config("", "threads"), dir.file("t1.db"), {}, 1);
  run_config(config("", "threads"), dir.file("t2.db"), {}, 2);
  const auto serial = evaluation_rows(dir.file("serial.db"));
  ASSERT_FALSE(serial.empty());
  EXPECT_EQ(serial, evaluation_rows(dir.file("t1.db")));
  EXPECT_EQ(serial, evaluation_rows(dir.file("t2.db")));
}

TEST(Experiment, ResumeWithLargerBudgetEqualsOneLongRun) {
  TempDir dir;
  const auto full = run_config(config("", "serial", 8), dir.file("full.db"));
  const auto part = run_config(config("", "serial", 3), dir.file("part.db"));
  EXPECT_EQ(part.generations, 3);
  RunOptions o;
  o.progress = false;
  const auto resumed = Experiment::resume(dir.file("part.db"), {"experiment.max_generations=8"}, o);
  EXPECT_EQ(resumed.generations, 8);
  EXPECT_EQ(resumed.evaluations, full.evaluations);
  EXPECT_EQ(resumed.best_params, full.best_params);
  EXPECT_EQ(evaluation_rows(dir.file("part.db")), evaluation_rows(dir.file("full.db")));
  // Only termination settings may change on resume.
  EXPECT_THROW(Experiment::resume(dir.file("part.db"), {"optimizer.population=3"}, o), UsageError);
}

TEST(Experiment, FailuresAreRecordedWithReasonsAndTheRunGoesOn) {
  TempDir dir;
  const auto path = dir.file("f.db");
  const auto out = run_config(config("  throw_rate: 0.3\n  nan_rate: 0.2\n"), path);
  EXPECT_EQ(out.status, "finished");
  EXPECT_GT(out.failed, 0);
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations WHERE status='failed'"), out.failed);
  EXPECT_GT(
      count(path, "SELECT count(*) FROM evaluations WHERE error = 'exception: injected failure'"),
      0);
  EXPECT_GT(count(path, "SELECT count(*) FROM evaluations WHERE error = 'fitness[0] is nan'"), 0);
  EXPECT_EQ(
      count(path,
            "SELECT count(*) FROM evaluations WHERE status='failed' AND weighted IS NOT NULL"),
      0);
}

TEST(Experiment, StopsWhenEveryEvaluationFailsForKGenerations) {
  TempDir dir;
  const auto out = run_config(config("  always_fail: true\n"), dir.file("x.db"),
                              {"experiment.max_failed_generations=2"});
  EXPECT_EQ(out.status, "failed");
  EXPECT_EQ(out.generations, 2);
  EXPECT_NE(out.stop_reason.find("every evaluation failed in the last 2 generations"),
            std::string::npos);
  EXPECT_NE(out.stop_reason.find("model diverged"), std::string::npos);
  EXPECT_EQ(count(dir.file("x.db"), "SELECT count(*) FROM evaluations"), out.evaluations);
}

TEST(Experiment, TerminationByBudgetTargetAndStagnation) {
  TempDir dir;
  auto a =
      run_config(config("", "serial", 1000), dir.file("a.db"), {"experiment.max_evaluations=30"});
  EXPECT_GE(a.evaluations, 30);
  EXPECT_LT(a.evaluations, 30 + 12);
  EXPECT_NE(a.stop_reason.find("max_evaluations"), std::string::npos);

  auto b =
      run_config(config("", "serial", 1000), dir.file("b.db"), {"experiment.target_fitness=0.5"});
  EXPECT_LE(b.best_fitness[0], 0.5);
  EXPECT_NE(b.stop_reason.find("target_fitness"), std::string::npos);

  auto c =
      run_config(config("", "serial", 100000), dir.file("c.db"),
                 {"experiment.stagnation_generations=5", "experiment.stagnation_tolerance=1e9"});
  EXPECT_EQ(c.generations, 6);  // the first generation sets the reference, 5 more do not beat it
  EXPECT_NE(c.stop_reason.find("no improvement"), std::string::npos);
}

TEST(Experiment, GenerationsLevelStoresStatisticsAndBestOnly) {
  TempDir dir;
  const auto path = dir.file("g.db");
  const auto out = run_config(config(), path, {"experiment.store_level=generations"});
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations"), 0);
  EXPECT_EQ(count(path, "SELECT count(*) FROM generations"), 6);
  auto store = RunStore::open_reader(path);
  const auto gens = store->generations(1);
  double best = -INFINITY;
  for (const auto& g : gens) {
    EXPECT_EQ(g.best_params.size(), 3u);
    EXPECT_LE(g.q25, g.median);
    EXPECT_LE(g.median, g.q75);
    best = std::max(best, g.best);
  }
  EXPECT_DOUBLE_EQ(best, out.best_weighted);
}

TEST(Experiment, LargeSpacesStoreTheBestParametersOnlyWhereTheyImprove) {
  // 1,001 parameters are above store_params: auto's limit: evaluations keep fitness and seed but
  // no parameters; a generation keeps its best parameters only where the run's best improved and
  // at the end, and the run's best individual is still complete. store_params: all keeps them.
  TempDir dir;
  const auto path = dir.file("big.db");
  const auto out = run_config(config(), path, {"optimizee.dims=1001"});
  EXPECT_GT(count(path, "SELECT count(*) FROM evaluations"), 12);  // changed individuals only
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations WHERE params IS NOT NULL"), 0);
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations WHERE fitness IS NULL"), 0);
  auto store = RunStore::open_reader(path);
  const auto gens = store->generations(1);
  ASSERT_EQ(gens.size(), 6u);
  double best = -INFINITY;
  int stored = 0;
  for (const auto& g : gens) {
    const bool improved = g.best > best;
    best = std::max(best, g.best);
    if (improved || &g == &gens.back()) {
      EXPECT_EQ(g.best_params.size(), 1001u) << "generation " << g.generation;
    } else {
      EXPECT_TRUE(g.best_params.empty()) << "generation " << g.generation;
    }
    stored += !g.best_params.empty();
  }
  EXPECT_LT(stored, 6);  // a GA with 12 individuals in 1,001 dimensions does not improve always
  const auto summary = summarize_run(*store, 1);
  EXPECT_EQ(summary["best"]["params"].size(), 1001u);
  EXPECT_DOUBLE_EQ(summary["best"]["weighted"].get<double>(), out.best_weighted);

  const auto all = dir.file("all.db");
  run_config(config(), all, {"optimizee.dims=1001", "experiment.store_params=all"});
  EXPECT_EQ(count(all, "SELECT count(*) FROM evaluations WHERE params IS NULL"), 0);
  EXPECT_THROW(run_config(config(), dir.file("bad.db"), {"experiment.store_params=some"}),
               ConfigError);
}

TEST(RunStore, TruncateAfterRemovesLaterGenerationsOfThatRunOnly) {
  // What a resumed run discards before replaying from an older checkpoint.
  auto store = RunStore::in_memory();
  RunInfo info;
  info.name = "a";
  const auto a = store->add_run(info), b = store->add_run(info);
  for (const auto run : {a, b}) {
    for (std::int64_t g = 0; g < 4; ++g) {
      GenerationRecord rec;
      rec.generation = g;
      std::vector<Candidate> batch(2);
      std::vector<Evaluation> evals(2);
      for (std::int64_t i = 0; i < 2; ++i) {
        batch[i].generation = g;
        batch[i].index = i;
        batch[i].params = {1.0};
        evals[i].fitness = {2.0};
        evals[i].artifacts.push_back({"raster", "json", "{}"});
      }
      const std::vector<double> weighted(2, 2.0);
      const std::vector<Artifact> opt_artifacts{{"enkf_stats", "json", "{}"}};
      Checkpoint ckpt;
      ckpt.generation = g;
      ckpt.driver = nlohmann::json::object();
      store->record_generation(run, rec, batch, evals, weighted, ckpt, opt_artifacts,
                               StoreLevel::evaluations, false, true, g % 2 == 0);
    }
  }
  EXPECT_EQ(store->checkpoint(a)->generation, 2);  // written on even generations only
  store->truncate_after(a, 1);
  auto n = [&](const char* table, std::int64_t run) {
    auto st = store->db().prepare(std::string("SELECT count(*) FROM ") + table + " WHERE run=?1");
    st.bind(1, run);
    st.step();
    return st.get_int(0);
  };
  EXPECT_EQ(n("generations", a), 2);
  EXPECT_EQ(n("evaluations", a), 4);
  EXPECT_EQ(n("artifacts", a), 2 * 3);
  EXPECT_EQ(n("generations", b), 4);
  EXPECT_EQ(n("evaluations", b), 8);
  EXPECT_EQ(n("artifacts", b), 4 * 3);
}

TEST(Experiment, OneWriterPerStoreAndNoOverwriteByAccident) {
  TempDir dir;
  const auto path = dir.file("w.db");
  run_config(config(), path);
  EXPECT_THROW(run_config(config(), path), UsageError);  // exists
  auto writer = RunStore::open_writer(path);
  try {
    RunOptions o;
    o.progress = false;
    Experiment::resume(path, {}, o);
    FAIL() << "second writer accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("only one writer"), std::string::npos) << e.what();
  }
  auto reader = RunStore::open_reader(path);  // readers are fine beside a writer
  EXPECT_EQ(reader->runs().size(), 1u);
}

TEST(Experiment, BadConfigCreatesNoStore) {
  TempDir dir;
  const auto path = dir.file("bad.db");
  EXPECT_THROW(run_config(config(), path, {"optimizer.populaton=3"}), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Experiment, ResumingAFinishedRunChangesNothing) {
  TempDir dir;
  const auto path = dir.file("r.db");
  const auto a = run_config(config(), path);
  RunOptions o;
  o.progress = false;
  const auto b = Experiment::resume(path, {}, o);
  EXPECT_EQ(b.evaluations, a.evaluations);
  EXPECT_EQ(b.best_params, a.best_params);
  EXPECT_EQ(count(path, "SELECT count(*) FROM evaluations"), a.evaluations);
}
