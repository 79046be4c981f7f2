// The `mpi` evaluator under `mpirun --oversubscribe --allow-run-as-root -n 4`: identical results
// to the thread evaluator, crashing models isolated by a local processes evaluator, errors on a
// rank and Ctrl-C ending the whole job with nothing left running, SIGKILL of the whole job then
// resume with nothing lost or duplicated.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "support/process_support.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
namespace lt = l2l::testing;
using l2l::testing::TempDir;

namespace {

#ifdef L2L_HAVE_MPI
const std::string kMpirun = L2L_MPIEXEC;
#else
const std::string kMpirun;
#endif

class Mpi : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kMpirun.empty()) GTEST_SKIP() << "built without MPI (cmake/mpi.cmake found none)";
#if defined(__SANITIZE_ADDRESS__)
    // OpenMPI's own allocations at exit are not ours to fix.
    ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
#endif
  }

  std::vector<std::string> mpirun(int ranks, std::vector<std::string> args) const {
    std::vector<std::string> v = {kMpirun, "--oversubscribe",     "--allow-run-as-root",
                                  "-n",    std::to_string(ranks), L2L_BINARY};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }

  std::string experiment(const std::string& optimizee, int generations = 3,
                         const std::string& evaluator = "  type: threads\n  threads: 2\n") {
    const auto path = dir.file("exp.yaml");
    std::ofstream(path) << "experiment:\n  name: mpi\n  seed: 21\n  max_generations: "
                        << generations << "\n  max_failed_generations: 100\n"
                        << "optimizer:\n  type: ga\n  population: 12\n  tournament_size: 3\n"
                        << "  mutation_probability: 0.5\n  gene_mutation_probability: 0.5\n"
                        << "  mutation_sigma: 0.2\n"
                        << "optimizee:\n"
                        << optimizee << "evaluator:\n"
                        << evaluator;
    return path;
  }

  lt::ProcessOutcome run(const std::vector<std::string>& args) {
    return lt::run_to_end(args, dir.path().string());
  }

  TempDir dir;
};

const char* kSleepy = "  type: active_wait\n  seconds: 0.003\n  mode: sleep\n  dims: 3\n";

}  // namespace

TEST_F(Mpi, FourRanksGiveTheThreadEvaluatorsResults) {
  const auto exp = experiment(kSleepy);
  const auto mpi_db = dir.file("mpi.db"), threads_db = dir.file("threads.db");
  const auto job = run(mpirun(4, {"run", exp, "--evaluator", "mpi", "--out", mpi_db, "-q"}));
  ASSERT_EQ(job.code, 0) << job.out << job.err;
  const auto r = run({L2L_BINARY, "run", exp, "--out", threads_db, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto rows = lt::evaluation_rows(mpi_db);
  EXPECT_GE(rows.size(), 24u);  // the GA does not re-evaluate unchanged individuals
  EXPECT_EQ(rows, lt::evaluation_rows(threads_db));
  // The work was spread: several ranks evaluated, and only rank 0 wrote a store.
  const auto workers = lt::column(mpi_db, "SELECT DISTINCT worker FROM evaluations");
  EXPECT_GE(workers.size(), 2u);
  for (const auto& w : workers) EXPECT_EQ(w.rfind("rank ", 0), 0u) << w;
  const auto evaluator = lt::column(mpi_db, "SELECT evaluator FROM runs");
  EXPECT_EQ(evaluator.at(0), "mpi");
  // The summary is printed once (by rank 0).
  std::size_t n = 0;
  for (auto pos = job.out.find("run finished"); pos != std::string::npos;
       pos = job.out.find("run finished", pos + 1))
    ++n;
  EXPECT_EQ(n, 1u) << job.out;
}

TEST_F(Mpi, RanksWithAProcessEvaluatorSurviveCrashingModels) {
  // --evaluator mpi keeps the configured processes evaluator as every rank's local evaluator.
  const auto exp = experiment("  type: fault\n  fault: segfault\n  rate: 0.25\n  dims: 3\n", 2,
                              "  type: processes\n  workers: 1\n");
  const auto mpi_db = dir.file("mpi.db"), procs_db = dir.file("procs.db");
  auto r = run(mpirun(3, {"run", exp, "--evaluator", "mpi", "--out", mpi_db, "-q"}));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = run({L2L_BINARY, "run", exp, "--out", procs_db, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lt::evaluation_rows(mpi_db), lt::evaluation_rows(procs_db));
  const auto errors = lt::column(mpi_db, "SELECT error FROM evaluations WHERE status='failed'");
  ASSERT_FALSE(errors.empty());
  for (const auto& e : errors) EXPECT_NE(e.find("SEGV"), std::string::npos) << e;
  const auto workers = lt::column(mpi_db, "SELECT DISTINCT worker FROM evaluations");
  for (const auto& w : workers) EXPECT_NE(w.find(" pid "), std::string::npos) << w;
}

TEST_F(Mpi, AnErrorOnOneRankEndsTheJobWithItsMessage) {
  const auto exp = experiment("  type: fault\n  fault: none\n  at_start: throw\n");
  const auto store = dir.file("never.db");
  const auto r = run(mpirun(3, {"run", exp, "--evaluator", "mpi", "--out", store, "-q"}));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("l2l: error: rank "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("injected failure at start-up"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(store));  // nothing was started
}

TEST_F(Mpi, SeveralRanksUseTheMpiEvaluatorAndRefuseAnyOther) {
  const auto exp = experiment(kSleepy, 1);
  // Without --evaluator the ranks are used, with the configured evaluator on each of them.
  auto r = run(mpirun(2, {"run", exp, "--out", dir.file("auto.db"), "-q"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lt::column(dir.file("auto.db"), "SELECT evaluator FROM runs").at(0), "mpi");
  r = run(mpirun(2, {"run", exp, "--evaluator", "threads", "--out", dir.file("x.db"), "-q"}));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("one of 2 MPI ranks, but --evaluator is 'threads'"), std::string::npos)
      << r.err;
}

TEST_F(Mpi, KilledOrInterruptedJobsLeaveNothingRunningAndResumeExactly) {
  // Long enough (20 generations of about 150 ms on 4 ranks) to be killed in the middle.
  const auto exp = experiment("  type: active_wait\n  seconds: 0.05\n  mode: sleep\n  dims: 3\n",
                              20, "  type: serial\n");
  const auto reference = dir.file("reference.db");
  auto r = run({L2L_BINARY, "run", exp, "--out", reference, "-q", "--evaluator", "threads",
                "--threads", "12"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto expected = lt::evaluation_rows(reference);
  ASSERT_GE(expected.size(), 20u * 6u);

  for (int sig : {SIGKILL, SIGINT}) {
    const auto store = dir.file(fmt::format("job{}.db", sig));
    const pid_t pid =
        lt::start_process(mpirun(4, {"run", exp, "--evaluator", "mpi", "--out", store, "-q"}),
                          dir.file("out.txt"), dir.file("err.txt"));
    ASSERT_GT(pid, 0);
    for (int i = 0; i < 6000 && lt::count_generations(store) < 3; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto job = lt::descendants(pid);
    EXPECT_GE(job.size(), 4u);  // the four ranks (and nothing else, or helpers of mpirun)
    if (sig == SIGKILL) {
      // Like a node failure or `scancel --signal=KILL`: every process of the job at once.
      for (pid_t p : job) ::kill(p, SIGKILL);
      ::kill(pid, SIGKILL);
    } else {
      ::kill(pid, SIGINT);  // Ctrl-C on mpirun
    }
    lt::wait_exit_code(pid);
    EXPECT_TRUE(lt::wait_gone(job).empty()) << "ranks outlived the job";
    const auto partial = lt::count_generations(store);
    EXPECT_GE(partial, 3);
    EXPECT_LT(partial, 20);

    r = run(mpirun(4, {"resume", store, "-q"}));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(lt::evaluation_rows(store), expected) << "signal " << sig;
  }
}
