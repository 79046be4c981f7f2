// The `processes` evaluator and the `fault` testing optimizee: identical results to in-process
// evaluation, crashes/aborts/exits/hangs/leaks/garbage cost one evaluation with a clear reason,
// timeouts, retries, restarts, start-up failures, and no worker outliving its driver.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "l2l/core/rng.hpp"
#include "l2l/core/subprocess.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/wire.hpp"
#include "l2l/evaluation/worker.hpp"
#include "l2l/optimizees/fault.hpp"
#include "support/process_support.hpp"
#include "support/store_rows.hpp"
#include "support/test_support.hpp"

using namespace l2l;
namespace lt = l2l::testing;
using l2l::testing::options_from;
using l2l::testing::TempDir;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

std::string experiment_yaml(const std::string& optimizee) {
  return "experiment:\n  seed: 7\noptimizer:\n  type: random_search\noptimizee:\n" + optimizee;
}

struct Setup {
  std::unique_ptr<Optimizee> optimizee;
  std::unique_ptr<Evaluator> evaluator;
};

Setup make(const std::string& optimizee_yaml, const std::string& evaluator_yaml) {
  Setup s;
  const auto yaml = experiment_yaml(optimizee_yaml);
  s.optimizee = build_optimizee(yaml, "test.yaml");
  EvaluatorContext ctx;
  ctx.experiment_yaml = yaml;
  ctx.config_file = "test.yaml";
  ctx.seed = 7;
  const bool own_executable = evaluator_yaml.find("executable:") != std::string::npos;
  auto o = options_from(
      "type: processes\n" +
          (own_executable ? "" : "executable: " + std::string(L2L_BINARY) + "\n") + evaluator_yaml,
      "evaluator");
  s.evaluator = make_evaluator(o, ctx);
  return s;
}

std::vector<Candidate> candidates(std::size_t n, std::size_t dims, std::int64_t generation = 0) {
  Rng rng(11);
  std::vector<Candidate> cs(n);
  for (std::size_t i = 0; i < n; ++i) {
    cs[i].generation = generation;
    cs[i].index = static_cast<std::int64_t>(i);
    cs[i].seed = stream_seed(7, generation, cs[i].index);
    for (std::size_t d = 0; d < dims; ++d) cs[i].params.push_back(rng.uniform(-1, 1));
  }
  return cs;
}

double sphere(const Candidate& c) {
  double v = 0;
  for (double x : c.params) v += x * x;
  return v;
}

std::vector<Evaluation> run(Setup& s, const std::vector<Candidate>& cs) {
  std::vector<Evaluation> out(cs.size());
  s.evaluator->evaluate(*s.optimizee, cs, out);
  return out;
}

}  // namespace

TEST(Wire, RoundTripsCandidatesAndEvaluationsBitForBit) {
  std::vector<Candidate> cs = candidates(3, 4);
  cs[1].phase = Phase::test;
  cs[1].batch = 5;
  std::vector<Evaluation> es(2);
  es[0].fitness = {0.1, -1e-300};
  es[0].outputs = {1, 2, 3};
  es[0].observations = {4, 5, 6};
  es[0].metrics = {{"a", 1.5}, {"b", -2}};
  es[0].artifacts.push_back({"raster", "f64", std::string("\0\1\2", 3)});
  es[0].seconds = 0.25;
  es[0].worker = "pid 1";
  es[1] = Evaluation::failure("boom", Status::timeout);
  wire::Writer w;
  wire::write(w, std::span<const Candidate>(cs));
  wire::write(w, std::span<const Evaluation>(es));
  wire::Reader r(w.bytes());
  const auto cs2 = wire::read_candidates(r);
  const auto es2 = wire::read_evaluations(r);
  r.expect_end();
  ASSERT_EQ(cs2.size(), cs.size());
  for (std::size_t i = 0; i < cs.size(); ++i) {
    EXPECT_EQ(cs2[i].params, cs[i].params);
    EXPECT_EQ(cs2[i].seed, cs[i].seed);
    EXPECT_EQ(cs2[i].phase, cs[i].phase);
    EXPECT_EQ(cs2[i].batch, cs[i].batch);
  }
  EXPECT_EQ(es2[0].fitness, es[0].fitness);
  EXPECT_EQ(es2[0].outputs, es[0].outputs);
  EXPECT_EQ(es2[0].observations, es[0].observations);
  EXPECT_EQ(es2[0].metrics, es[0].metrics);
  EXPECT_EQ(es2[0].artifacts[0].data, es[0].artifacts[0].data);
  EXPECT_EQ(es2[1].status, Status::timeout);
  EXPECT_EQ(es2[1].reason, "boom");

  // Truncated messages and garbage headers are refused, not read out of bounds.
  const std::string bytes = w.bytes();
  wire::Reader cut(std::string_view(bytes).substr(0, bytes.size() / 2));
  EXPECT_THROW(
      {
        (void)wire::read_candidates(cut);
        (void)wire::read_evaluations(cut);
      },
      wire::ProtocolError);
  wire::FrameReader fr;
  const std::string junk = "\xff\xff\xff\xff garbage";
  fr.feed(junk.data(), junk.size());
  EXPECT_THROW(fr.next(), wire::ProtocolError);
}

TEST(Subprocess, ReportsExitSignalTimeoutAndMissingPrograms) {
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 4"};
  auto r = run_process(spec, "", 0, 1 << 20, 100);
  EXPECT_EQ(describe_wait_status(r.status), "exit status 4");
  EXPECT_EQ(r.output, "out\n");
  EXPECT_EQ(r.error_tail, "err");

  spec.argv = {"/bin/sh", "-c", "kill -SEGV $$"};
  r = run_process(spec, "", 0, 1 << 20, 100);
  EXPECT_NE(describe_wait_status(r.status).find("SIGSEGV"), std::string::npos);

  // The timeout kills the whole process group, including the grandchild holding the pipe.
  spec.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30"};
  r = run_process(spec, "", 0.2, 1 << 20, 100);
  EXPECT_TRUE(r.timed_out);

  spec.argv = {"no-such-program-l2l"};
  EXPECT_THROW(spawn_process(spec), SpawnError);
  spec.argv = {"/bin/true"};
  spec.cwd = "/no/such/dir";
  EXPECT_THROW(spawn_process(spec), SpawnError);
}

TEST(ProcessEvaluator, GivesTheSameResultsAsInProcessEvaluation) {
  auto s = make("  type: active_wait\n  seconds: 0\n  dims: 3\n", "workers: 2\n");
  EXPECT_EQ(s.evaluator->name(), "processes");
  EXPECT_EQ(s.evaluator->parallelism(), 2);
  const auto cs = candidates(25, 3);
  const auto out = run(s, cs);
  std::set<std::string> workers;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const auto ref = evaluate_guarded(*s.optimizee, cs[i], 1);
    ASSERT_TRUE(out[i].ok()) << out[i].reason;
    EXPECT_EQ(out[i].fitness, ref.fitness);  // bit for bit
    EXPECT_EQ(out[i].worker.rfind("pid ", 0), 0u);
    workers.insert(out[i].worker);
  }
  EXPECT_LE(workers.size(), 2u);
  // A second generation reuses the same workers.
  const auto out2 = run(s, candidates(4, 3, 1));
  for (const auto& e : out2) EXPECT_TRUE(workers.count(e.worker)) << e.worker;
}

struct FaultCase {
  const char* fault;
  const char* expect_in_reason;  // empty: the evaluation succeeds
  const char* expect_in_reason_asan;
};

class ProcessEvaluatorFaults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(ProcessEvaluatorFaults, CostOneEvaluationWithAClearReason) {
  const auto& p = GetParam();
  auto s = make(fmt::format("  type: fault\n  fault: {}\n  rate: 0.3\n  dims: 2\n  output_bytes: "
                            "2000000\n",
                            p.fault),
                "workers: 2\n");
  const auto cs = candidates(12, 2);
  const auto out = run(s, cs);
  auto& fault = dynamic_cast<FaultOptimizee&>(*s.optimizee);
  int n_faults = 0;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const bool faulty = fault.faults(cs[i]);
    n_faults += faulty;
    if (!faulty || std::string(p.expect_in_reason).empty()) {
      ASSERT_TRUE(out[i].ok()) << i << ": " << out[i].reason;
      EXPECT_EQ(out[i].fitness[0], sphere(cs[i]));
      continue;
    }
    EXPECT_EQ(out[i].status, Status::failed);
    const std::string want = kAsan ? p.expect_in_reason_asan : p.expect_in_reason;
    EXPECT_NE(out[i].reason.find(want), std::string::npos) << out[i].reason;
  }
  EXPECT_GT(n_faults, 0);               // the seed gives some faults...
  EXPECT_LT(n_faults, int(cs.size()));  // ...and some good evaluations
}

INSTANTIATE_TEST_SUITE_P(
    Faults, ProcessEvaluatorFaults,
    ::testing::Values(FaultCase{"segfault", "signal SIGSEGV", "SEGV"},
                      FaultCase{"abort", "signal SIGABRT", "SIGABRT"},
                      FaultCase{"exit", "died: exit status 3", "died: exit status 3"},
                      FaultCase{"throw", "injected exception", "injected exception"},
                      FaultCase{"nan", "fitness[0] is nan", "fitness[0] is nan"},
                      FaultCase{"garbage", "", ""}, FaultCase{"huge_output", "", ""}),
    [](const auto& info) { return std::string(info.param.fault); });

TEST(ProcessEvaluator, CrashReasonCarriesTheTailOfTheWorkersOutput) {
  auto s = make("  type: fault\n  fault: exit\n  indices: [1]\n", "workers: 1\nstderr_tail: 300\n");
  const auto out = run(s, candidates(3, 2));
  EXPECT_TRUE(out[0].ok());
  ASSERT_FALSE(out[1].ok());
  EXPECT_NE(out[1].reason.find("injecting 'exit' (generation 0, index 1)"), std::string::npos)
      << out[1].reason;
  EXPECT_TRUE(out[2].ok());
}

TEST(ProcessEvaluator, TimeoutKillsHangingAndBlockedWorkers) {
  for (const char* fault : {"hang", "sleep"}) {
    auto s = make(fmt::format("  type: fault\n  fault: {}\n  indices: [1, 3]\n", fault),
                  "workers: 2\ntimeout: 0.3\n");
    const auto cs = candidates(5, 2);
    const auto out = run(s, cs);
    for (std::size_t i = 0; i < cs.size(); ++i) {
      if (i == 1 || i == 3) {
        EXPECT_EQ(out[i].status, Status::timeout) << fault << " " << out[i].reason;
        EXPECT_NE(out[i].reason.find("timed out (timeout = 0.3 s)"), std::string::npos);
      } else {
        ASSERT_TRUE(out[i].ok()) << out[i].reason;
        EXPECT_EQ(out[i].fitness[0], sphere(cs[i]));
      }
    }
  }
}

TEST(ProcessEvaluator, RetriesWorkerFailuresOnFreshWorkers) {
  auto s = make("  type: fault\n  fault: exit\n  indices: [0]\n", "workers: 1\nretries: 2\n");
  const auto out = run(s, candidates(2, 2));
  ASSERT_FALSE(out[0].ok());
  EXPECT_NE(out[0].reason.find("after 3 attempts"), std::string::npos) << out[0].reason;
  EXPECT_TRUE(out[1].ok());
  // Failures the optimizee reports itself are deterministic and not retried.
  auto t = make("  type: fault\n  fault: throw\n  indices: [0]\n", "workers: 1\nretries: 2\n");
  const auto out2 = run(t, candidates(1, 2));
  EXPECT_EQ(out2[0].reason.find("attempts"), std::string::npos) << out2[0].reason;
}

TEST(ProcessEvaluator, RestartEveryReplacesWorkers) {
  auto s = make("  type: active_wait\n  seconds: 0\n", "workers: 1\nrestart_every: 1\n");
  const auto out = run(s, candidates(4, 2));
  std::set<std::string> pids;
  for (const auto& e : out) {
    ASSERT_TRUE(e.ok());
    pids.insert(e.worker);
  }
  EXPECT_EQ(pids.size(), 4u);
}

TEST(ProcessEvaluator, MemoryLimitTurnsALeakIntoAFailedEvaluation) {
  if (kAsan) GTEST_SKIP() << "AddressSanitizer reserves more address space than RLIMIT_AS allows";
  auto s = make("  type: fault\n  fault: leak\n  leak_mb: 2048\n  indices: [0]\n",
                "workers: 1\nmemory_limit_mb: 512\n");
  const auto out = run(s, candidates(2, 2));
  ASSERT_FALSE(out[0].ok());
  EXPECT_NE(out[0].reason.find("bad_alloc"), std::string::npos) << out[0].reason;
  EXPECT_TRUE(out[1].ok());
}

TEST(ProcessEvaluator, AWorkerThatDiesAtStartUpIsReportedClearly) {
  try {
    make("  type: fault\n  at_start: exit\n", "workers: 2\n");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("died at start-up: exit status 3"), std::string::npos) << what;
    EXPECT_NE(what.find("misbehaving at start-up"), std::string::npos) << what;
  }
  try {
    make("  type: fault\n  at_start: throw\n", "workers: 1\n");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot build the optimizee: fault optimizee: injected "
                                         "failure at start-up"),
              std::string::npos)
        << e.what();
  }
  try {
    make("  type: active_wait\n", "workers: 1\nstartup_timeout: 5\nexecutable: /bin/false\n");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("exit status 1"), std::string::npos) << e.what();
  }
}

TEST(FaultOptimizee, RefusesToCrashTheDriverProcess) {
  // This test process is a driver: a segfault here would end the test run.
  auto o = build_optimizee(experiment_yaml("  type: fault\n  fault: segfault\n  rate: 1\n"),
                           "test.yaml");
  const auto e = evaluate_guarded(*o, candidates(1, 2)[0], 1);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.reason.find("only injected in worker processes"), std::string::npos) << e.reason;
}

namespace {

std::string write_experiment(const TempDir& dir, const std::string& optimizee,
                             const std::string& evaluator, int generations = 4) {
  const auto path = dir.file("exp.yaml");
  std::ofstream(path) << "experiment:\n  name: proc\n  seed: 3\n  max_generations: " << generations
                      << "\n  max_failed_generations: 100\n"
                      << "optimizer:\n  type: ga\n  population: 8\n  tournament_size: 3\n"
                      << "  mutation_probability: 0.5\n  gene_mutation_probability: 0.5\n"
                      << "  mutation_sigma: 0.2\n"
                      << "optimizee:\n"
                      << optimizee << "evaluator:\n"
                      << evaluator;
  return path;
}

}  // namespace

TEST(ProcessEvaluatorCli, RunMatchesTheThreadEvaluatorAndRecordsCrashes) {
  TempDir dir;
  const auto exp =
      write_experiment(dir, "  type: fault\n  fault: segfault\n  rate: 0.2\n  dims: 3\n",
                       "  type: processes\n  workers: 2\n");
  const auto procs = dir.file("procs.db"), threads = dir.file("threads.db");
  auto r = lt::run_to_end({L2L_BINARY, "run", exp, "--out", procs, "-q"}, dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  // The thread evaluator sees the same faults as ordinary failures (in the driver process the
  // fault optimizee does not crash): the numbers and statuses must agree.
  r = lt::run_to_end({L2L_BINARY, "run", exp, "--out", threads, "--evaluator", "threads", "-q"},
                     dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lt::evaluation_rows(procs), lt::evaluation_rows(threads));
  const auto errors = lt::column(procs, "SELECT error FROM evaluations WHERE status='failed'");
  ASSERT_FALSE(errors.empty());
  for (const auto& e : errors) EXPECT_NE(e.find("SEGV"), std::string::npos) << e;
}

TEST(ProcessEvaluatorCli, WorkersDieWithTheDriverOnKillAndOnCtrlC) {
  TempDir dir;
  const auto exp = write_experiment(dir, "  type: active_wait\n  seconds: 0.02\n  mode: sleep\n",
                                    "  type: processes\n  workers: 3\n", 1000);
  for (int sig : {SIGKILL, SIGINT}) {
    const auto store = dir.file(fmt::format("run{}.db", sig));
    const pid_t pid = lt::start_process({L2L_BINARY, "run", exp, "--out", store, "-q"},
                                        dir.file("out.txt"), dir.file("err.txt"));
    ASSERT_GT(pid, 0);
    for (int i = 0; i < 3000 && lt::count_generations(store) < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto workers = lt::descendants(pid);
    EXPECT_EQ(workers.size(), 3u);
    ::kill(pid, sig);
    const int code = lt::wait_exit_code(pid);
    EXPECT_EQ(code, sig == SIGKILL ? 128 + SIGKILL : 130) << lt::slurp_file(dir.file("err.txt"));
    EXPECT_TRUE(lt::wait_gone(workers).empty()) << "workers outlived the driver";
    if (sig == SIGINT) {
      const auto status = lt::column(store, "SELECT status FROM runs");
      ASSERT_EQ(status.size(), 1u);
      EXPECT_EQ(status[0], "interrupted");
    }
  }
}
