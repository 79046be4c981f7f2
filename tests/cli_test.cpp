// End-to-end tests of the `l2l` command: kill -9 and resume, Ctrl-C, bad configs, show, export.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "l2l/storage/run_store.hpp"
#include "support/kill_and_resume.hpp"
#include "support/process_support.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
using l2l::testing::count_generations;
using l2l::testing::evaluation_rows;
using l2l::testing::run_full_and_kill_after;
using l2l::testing::run_l2l;
using l2l::testing::slurp_file;
using l2l::testing::start_l2l;
using l2l::testing::TempDir;
using l2l::testing::wait_exit_code;
using l2l::testing::wait_for_generations;

namespace {

// A GA over an optimizee that sleeps 4 ms per evaluation: long enough to kill it mid-run.
std::string write_slow_experiment(const TempDir& dir, const std::string& experiment_extra = "") {
  const auto path = dir.file("slow.yaml");
  std::ofstream(path)
      << "experiment:\n  name: slow\n  seed: 5\n  max_generations: 40\n"
      << experiment_extra
      << "optimizer:\n  type: ga\n  population: 10\n  tournament_size: 3\n"
         "  mutation_probability: 0.5\n  gene_mutation_probability: 0.5\n"
         "  mutation_sigma: 0.2\n  reevaluate: true\n"
         "optimizee:\n  type: active_wait\n  seconds: 0.004\n  mode: sleep\n  dims: 3\n"
         "evaluator:\n  type: threads\n  threads: 2\n";
  return path;
}

}  // namespace

TEST(Cli, KillDashNineThenResumeEqualsUninterruptedRun) {
  TempDir dir;
  const auto exp = write_slow_experiment(dir);
  const auto full = dir.file("full.db"), killed = dir.file("killed.db");
  const auto before = run_full_and_kill_after(dir, exp, full, killed, 8);
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_GE(before, 8);

  const auto r = run_l2l(dir, {"resume", killed, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("run finished"), std::string::npos);
  EXPECT_EQ(evaluation_rows(killed), evaluation_rows(full));
  EXPECT_EQ(count_generations(killed), 40);
}

TEST(Cli, KilledBetweenSparseCheckpointsReplaysAndStoresNothingTwice) {
  // Checkpoints only every 5 generations: the killed run has stored generations beyond its last
  // checkpoint (typically killed at 7 or 8, checkpoint at 5); the resumed run discards them,
  // replays from the checkpoint and ends identical to the uninterrupted run, without duplicate
  // rows (the deletion itself: RunStore.TruncateAfterRemovesLaterGenerationsOfThatRunOnly).
  TempDir dir;
  const auto exp = write_slow_experiment(dir, "  checkpoint_every: 5\n  artifact_every: 1000\n");
  const auto full = dir.file("full.db"), killed = dir.file("killed.db");
  const auto before = run_full_and_kill_after(dir, exp, full, killed, 7);
  ASSERT_FALSE(::testing::Test::HasFailure());
  {
    auto s = RunStore::open_reader(killed);
    const auto ckpt = s->checkpoint(1);
    ASSERT_TRUE(ckpt.has_value());
    EXPECT_EQ((ckpt->generation + 1) % 5, 0);
    // The latest multiple of 5 at or below what was stored: usually 1-4 generations are beyond
    // it and get replayed (exactly none only if the kill landed right after a checkpoint).
    EXPECT_LE(ckpt->generation + 1, before);
    EXPECT_LT(before - (ckpt->generation + 1), 5);
  }
  const auto r = run_l2l(dir, {"resume", killed, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(evaluation_rows(killed), evaluation_rows(full));
  EXPECT_EQ(count_generations(killed), 40);
}

TEST(Cli, InterruptCheckpointsAndSaysHowToResume) {
  TempDir dir;
  const auto exp = write_slow_experiment(dir);
  const auto full = dir.file("full.db"), store = dir.file("int.db");
  ASSERT_EQ(run_l2l(dir, {"run", exp, "--out", full, "-q"}).code, 0);
  const pid_t pid = start_l2l({"run", exp, "--out", store, "-q"}, dir.file("o"), dir.file("e"));
  wait_for_generations(store, 5);
  kill(pid, SIGINT);
  EXPECT_EQ(wait_exit_code(pid), 130);
  EXPECT_NE(slurp_file(dir.file("o")).find("l2l resume " + store), std::string::npos);
  {
    auto s = RunStore::open_reader(store);
    EXPECT_EQ(s->run(1).status, "interrupted");
  }
  ASSERT_EQ(run_l2l(dir, {"resume", store, "-q"}).code, 0);
  EXPECT_EQ(evaluation_rows(store), evaluation_rows(full));
}

TEST(Cli, MisspelledKeyExitsWithCode2NamesKeyAndLineAndCreatesNoStore) {
  TempDir dir;
  const auto exp = dir.file("bad.yaml");
  std::ofstream(exp) << "experiment:\n  seed: 1\noptimizer:\n  type: ga\n  populaton: 10\n"
                        "optimizee:\n  type: function\n  preset: Rastrigin2d\n";
  const auto r = run_l2l(dir, {"run", exp, "--out", dir.file("x.db")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(exp + ":5: optimizer.populaton: unknown key (did you mean 'population'?)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x.db")));
}

TEST(Cli, RunShowExportOnTheExample) {
  TempDir dir;
  const auto db = dir.file("x.db");
  const auto r = run_l2l(dir, {"run", std::string(L2L_EXAMPLES_DIR) + "/rastrigin-ga.yaml", "--out",
                               db, "--set", "experiment.max_generations=20", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("results: " + db), std::string::npos);
  const auto show = run_l2l(dir, {"show", db, "--json"});
  ASSERT_EQ(show.code, 0);
  const auto j = nlohmann::json::parse(show.out);
  EXPECT_EQ(j["generations"].get<int>(), 20);
  const double best = j["best"]["fitness"][0].get<double>();
  EXPECT_GE(best, 0.0);
  EXPECT_LT(best, 80.0);  // far below a random point's ~ 10 * (25/3 + 10)
  const auto ex = run_l2l(dir, {"export", db, "--csv", dir.file("csv")});
  ASSERT_EQ(ex.code, 0) << ex.err;
  const auto evals = slurp_file(dir.file("csv/evaluations.csv"));
  const auto lines = std::count(evals.begin(), evals.end(), '\n');
  EXPECT_EQ(lines, j["evaluations"].get<int>() + 1);  // header + one row per evaluation
  EXPECT_EQ(evals.substr(0, 30), "run,generation,idx,batch,param");
  EXPECT_EQ(run_l2l(dir, {"export", db, "--json", dir.file("json")}).code, 0);
  const auto gens = nlohmann::json::parse(slurp_file(dir.file("json/generations.json")));
  EXPECT_EQ(gens.size(), 20u);
}

// `l2l ants replay RUN.db` replays the last population of a GA run on the run's own colony
// set-up: --candidates K keeps the one of the K best with the most food on the given seeds, and
// --save writes exactly the genome it replayed.
TEST(Cli, AntsReplayChoosesFromTheLastPopulationOfARunStore) {
  TempDir dir;
  const auto exp = dir.file("ants.yaml"), db = dir.file("ants.db");
  std::ofstream(exp) << "experiment:\n  name: ants\n  seed: 3\n  max_generations: 3\n"
                        "  store_params: best\n"
                        "optimizer:\n  type: ga\n  population: 6\n  tournament_size: 2\n"
                        "  average_evaluations: true\n"
                        "optimizee:\n  type: ant_colony\n  hidden: 3\n  ants: 4\n"
                        "  ticks: 300\n"
                        "evaluator:\n  type: threads\n  threads: 2\n";
  ASSERT_EQ(run_l2l(dir, {"run", exp, "--out", db, "-q"}).code, 0);

  const auto chosen = run_l2l(dir, {"ants", "replay", db, "--candidates", "6", "--seeds", "1-4",
                                    "--save", dir.file("chosen.csv")});
  ASSERT_EQ(chosen.code, 0) << chosen.err;
  EXPECT_NE(chosen.out.find("4 ants, 300 ticks"), std::string::npos) << chosen.out;
  EXPECT_NE(chosen.out.find("population rank"), std::string::npos) << chosen.out;
  // Six candidate lines; the chosen one has the most food of them.
  double most = -1;
  int lines = 0;
  for (std::size_t at = chosen.out.find("candidate"); at != std::string::npos;
       at = chosen.out.find("candidate", at + 1)) {
    const auto f = chosen.out.find("food ", at);
    most = std::max(most, std::stod(chosen.out.substr(f + 5)));
    ++lines;
  }
  EXPECT_EQ(lines, 6);
  auto food_of = [&](const std::vector<std::string>& args) {
    const auto r = run_l2l(dir, args);
    EXPECT_EQ(r.code, 0) << r.err;
    return nlohmann::json::parse(r.out)["food_returned"]["mean"].get<double>();
  };
  const double saved = food_of({"ants", "replay", dir.file("chosen.csv"), "--hidden", "3", "--ants",
                                "4", "--ticks", "300", "--seeds", "1-4", "--json"});
  EXPECT_EQ(saved, most);
  // Without --candidates the population's best by fitness is replayed.
  const double first =
      food_of({"ants", "replay", db, "--seeds", "1-4", "--json", "--save", dir.file("first.csv")});
  EXPECT_EQ(first, food_of({"ants", "replay", dir.file("first.csv"), "--hidden", "3", "--ants", "4",
                            "--ticks", "300", "--seeds", "1-4", "--json"}));
  EXPECT_LE(first, most);
  // Generation bests the store kept join the candidates, named by their generation.
  const auto bests = run_l2l(
      dir, {"ants", "replay", db, "--candidates", "2", "--stored-bests", "2", "--seeds", "1-2"});
  ASSERT_EQ(bests.code, 0) << bests.err;
  int named = 0;
  for (auto at = bests.out.find("best of generation"); at != std::string::npos;
       at = bests.out.find("best of generation", at + 1))
    ++named;
  EXPECT_GE(named, 2) << bests.out;  // two candidate lines (and the chosen one's, if it is one)
  EXPECT_NE(bests.out.find("candidate  4"), std::string::npos) << bests.out;

  // A store of another optimizee is refused with exit 2 and a reason.
  const auto other = dir.file("rastrigin.db");
  ASSERT_EQ(run_l2l(dir, {"run", std::string(L2L_EXAMPLES_DIR) + "/rastrigin-ga.yaml", "--out",
                          other, "--set", "experiment.max_generations=2", "-q"})
                .code,
            0);
  const auto bad = run_l2l(dir, {"ants", "replay", other});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("parameters"), std::string::npos) << bad.err;
  EXPECT_EQ(run_l2l(dir, {"ants", "replay", dir.file("first.csv"), "--candidates", "3"}).code, 2);
}

TEST(Cli, ListAndUsageErrors) {
  TempDir dir;
  const auto r = run_l2l(dir, {"list", "optimizers"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("tournament_size"), std::string::npos);
  EXPECT_EQ(run_l2l(dir, {"list", "everything"}).code, 2);
  EXPECT_EQ(run_l2l(dir, {"show", dir.file("missing.db")}).code, 2);
  EXPECT_EQ(run_l2l(dir, {"frobnicate"}).code, 2);
}

// A run with held-out numbers (experiment.test_every: validation; the final test once at the end)
// is judged by them: `l2l run`, `l2l show` and the report lead with the final test, then the
// validation, and call the best fitness a training fitness. With only the best parameters stored,
// the report says why it shows no population.
TEST(Cli, HeldOutMetricsLeadTheSummaryShowAndReport) {
  TempDir dir;
  const auto exp = dir.file("held_out.yaml"), db = dir.file("h.db");
  std::ofstream(exp) << "experiment:\n  seed: 3\n  max_generations: 6\n  test_every: 3\n"
                        "  store_params: best\n"
                        "optimizer:\n  type: cmaes\n  population: 8\n"
                        "optimizee:\n  type: bbob\n  function: 1\n  dims: 4\n";
  const auto r = run_l2l(dir, {"run", exp, "--out", db, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto held =
      r.out.find("final test of the optimizer's estimate (test set, generation 5): delta_f");
  const auto val = r.out.find("validation of the optimizer's estimate (generation 5): delta_f");
  const auto best = r.out.find("best training fitness");
  ASSERT_NE(held, std::string::npos) << r.out;
  ASSERT_NE(val, std::string::npos) << r.out;
  ASSERT_NE(best, std::string::npos) << r.out;
  EXPECT_LT(held, val);
  EXPECT_LT(val, r.out.find("generations 6")) << r.out;
  EXPECT_LT(held, best);

  const auto show = run_l2l(dir, {"show", db});
  ASSERT_EQ(show.code, 0) << show.err;
  const auto s_held =
      show.out.find("final test of the optimizer's estimate (test set) (generation 5):");
  const auto s_val = show.out.find("validation of the optimizer's estimate (generation 5):");
  ASSERT_NE(s_held, std::string::npos) << show.out;
  ASSERT_NE(s_val, std::string::npos) << show.out;
  EXPECT_LT(s_held, s_val);
  EXPECT_LT(s_val, show.out.find("generations 6")) << show.out;
  EXPECT_LT(s_held, show.out.find("best training fitness")) << show.out;
  // The final test is one evaluation, at the end: only the last generation has it.
  {
    auto store = RunStore::open_reader(db);
    auto st = store->db().prepare(
        "SELECT generation FROM generations WHERE json_extract(info, '$.final_test') IS NOT NULL");
    std::vector<std::int64_t> at;
    while (st.step()) at.push_back(st.get_int(0));
    EXPECT_EQ(at, (std::vector<std::int64_t>{5}));
  }

  const auto html = dir.file("h.html");
  const auto rep = run_l2l(dir, {"report", db, "-o", html});
  if (rep.code == 2 && rep.err.find("Vega") != std::string::npos)
    GTEST_SKIP() << "Vega libraries not installed (bash scripts/install-js.sh)";
  ASSERT_EQ(rep.code, 0) << rep.err;
  const auto page = slurp_file(html);
  const auto header = page.substr(0, page.find("</header>"));
  EXPECT_NE(header.find("final test delta_f "), std::string::npos) << header;
  EXPECT_LT(header.find("final test delta_f "), header.find("validation delta_f ")) << header;
  EXPECT_LT(header.find("validation delta_f "), header.find(" generations")) << header;
  EXPECT_NE(page.find("best training fitness"), std::string::npos);
  EXPECT_NE(page.find("stores the parameters of the best individual of each generation only"),
            std::string::npos);
  EXPECT_EQ(page.find("Points: 0 sampled individuals"), std::string::npos);
}
