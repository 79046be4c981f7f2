// bench_scaling: how l2l's distributed evaluators scale and what they cost per evaluation.
//
//  1. MPI strong-ish scaling: `mpirun --oversubscribe -n R l2l run` with the active_wait
//     optimizee sleeping 100 ms per evaluation, R = 1..32 ranks, `per_rank` evaluations per rank
//     and generation. Sleeps need no cores, so 32 ranks fit on a small machine. Reported from the
//     run store: parallel efficiency (nominal: R ranks should finish R*per_rank evaluations of
//     100 ms in per_rank*100 ms; measured: against the evaluation time the ranks measured
//     themselves) and the dispatch overhead per evaluation (rank time not spent evaluating).
//  2. Per-evaluation overhead of the process evaluator against the thread evaluator, and of MPI
//     dispatch, with evaluations that take no time.
//
// Usage: bench_scaling [--ranks 1,2,4,8,16,32] [--seconds 0.1] [--per-rank 4]
//                      [--generations 5] [--overhead-evals 2000] [--skip-mpi]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/worker.hpp"
#include "l2l/storage/run_store.hpp"

using namespace l2l;
namespace fs = std::filesystem;

namespace {

struct Args {
  std::vector<int> ranks{1, 2, 4, 8, 16, 32};
  double seconds = 0.1;
  int per_rank = 4;
  int generations = 5;
  int overhead_evals = 2000;
  bool skip_mpi = false;
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int run_command(const std::vector<std::string>& args, const std::string& log) {
  std::string cmd;
  for (const auto& a : args) cmd += "'" + a + "' ";
  cmd += "> '" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string experiment(const std::string& dir, const std::string& name, int population,
                       int generations, double seconds) {
  const auto path = dir + "/" + name + ".yaml";
  std::ofstream(path) << fmt::format(
      "experiment:\n  name: {}\n  seed: 1\n  max_generations: {}\n"
      "optimizer:\n  type: random_search\n  population: {}\n"
      "optimizee:\n  type: active_wait\n  seconds: {}\n  mode: sleep\n  dims: 4\n"
      "evaluator:\n  type: mpi\n",
      name, generations, population, seconds);
  return path;
}

struct StoreTimes {
  double generation_seconds = 0;  // sum over generations
  double evaluation_seconds = 0;  // sum over evaluations, as measured where they ran
  std::int64_t evaluations = 0;
  std::int64_t failed = 0;
  int distinct_workers = 0;
  // Per generation: wall time and the summed evaluation time of its evaluations.
  std::vector<std::pair<double, double>> per_generation;
};

StoreTimes read_times(const std::string& db) {
  StoreTimes t;
  auto store = RunStore::open_reader(db);
  auto g = store->db().prepare(
      "SELECT g.seconds, (SELECT sum(e.seconds) FROM evaluations e WHERE e.generation = "
      "g.generation) FROM generations g ORDER BY g.generation");
  while (g.step()) {
    t.per_generation.emplace_back(g.get_double(0), g.get_double(1));
    t.generation_seconds += g.get_double(0);
  }
  auto e = store->db().prepare(
      "SELECT sum(seconds), count(*), sum(status != 'ok'), count(DISTINCT worker) FROM "
      "evaluations");
  e.step();
  t.evaluation_seconds = e.get_double(0);
  t.evaluations = e.get_int(1);
  t.failed = e.get_int(2);
  t.distinct_workers = static_cast<int>(e.get_int(3));
  return t;
}

double load_average() {
  double l = 0;
  std::ifstream("/proc/loadavg") >> l;
  return l;
}

void mpi_scaling(const Args& a, const std::string& dir) {
#ifndef L2L_HAVE_MPI
  (void)a;
  (void)dir;
  std::cout << "MPI scaling: skipped (built without MPI)\n\n";
#else
  std::cout << fmt::format(
      "MPI scaling: active_wait sleeping {} ms, {} evaluations per rank and generation, {} "
      "generations, mpirun --oversubscribe (rank 0 drives and evaluates)\n",
      a.seconds * 1e3, a.per_rank, a.generations);
  std::cout << "ranks  evals  wall/gen[s]  ideal[s]  efficiency nominal  measured  best gen  "
               "dispatch/eval[us] mean  best gen  ranks used  load\n";
  for (int r : a.ranks) {
    const int pop = r * a.per_rank;
    const auto exp = experiment(dir, fmt::format("scaling{}", r), pop, a.generations, a.seconds);
    const auto db = dir + fmt::format("/scaling{}.db", r);
    fs::remove(db);
    const double load = load_average();
    const int rc =
        run_command({L2L_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n", std::to_string(r),
                     L2L_BINARY, "run", exp, "--evaluator", "mpi", "--out", db, "-q"},
                    dir + "/mpirun.log");
    if (rc != 0) {
      std::cout << fmt::format("{:5}  mpirun failed (exit {}), see {}/mpirun.log\n", r, rc, dir);
      continue;
    }
    const auto t = read_times(db);
    const double per_gen = t.generation_seconds / static_cast<double>(t.per_generation.size());
    const double ideal = a.per_rank * a.seconds;
    // Efficiency: useful rank time over available rank time. Nominal counts each evaluation as
    // the configured sleep; measured counts the time the ranks measured (sleeps overshoot on a
    // loaded machine). Dispatch overhead: rank time not spent evaluating, per evaluation.
    const double eff_nominal = ideal / per_gen;
    const double eff_measured = t.evaluation_seconds / (r * t.generation_seconds);
    const double dispatch =
        (r * t.generation_seconds - t.evaluation_seconds) / static_cast<double>(t.evaluations);
    double best_eff = 0, best_dispatch = 1e9;
    for (const auto& [wall, evaluated] : t.per_generation) {
      best_eff = std::max(best_eff, evaluated / (r * wall));
      best_dispatch = std::min(best_dispatch, (r * wall - evaluated) / pop);
    }
    std::cout << fmt::format(
        "{:5}  {:5}  {:11.4f}  {:8.3f}  {:17.1f}%  {:7.1f}%  {:7.1f}%  {:22.0f}  {:8.0f}  {:10}  "
        "{:4.1f}\n",
        r, t.evaluations, per_gen, ideal, 100 * eff_nominal, 100 * eff_measured, 100 * best_eff,
        dispatch * 1e6, best_dispatch * 1e6, t.distinct_workers, load);
    std::cout.flush();
  }
  std::cout << "\n";
#endif
}

std::vector<Candidate> make_batch(int n) {
  Rng rng(3);
  std::vector<Candidate> cs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& c = cs[static_cast<std::size_t>(i)];
    c.index = i;
    c.seed = stream_seed(1, 0, i);
    for (int d = 0; d < 4; ++d) c.params.push_back(rng.uniform(-1, 1));
  }
  return cs;
}

void process_overhead(const Args& a) {
  const std::string yaml =
      "experiment:\n  seed: 1\noptimizer:\n  type: random_search\noptimizee:\n  type: active_wait\n"
      "  seconds: 0\n  dims: 4\n";
  auto optimizee = build_optimizee(yaml, "bench.yaml");
  EvaluatorContext ctx;
  ctx.experiment_yaml = yaml;
  ctx.config_file = "bench.yaml";
  const auto batch = make_batch(a.overhead_evals);
  std::vector<Evaluation> out(batch.size());
  std::cout << fmt::format(
      "Per-evaluation cost with evaluations that take no time ({} evaluations per batch, best of "
      "3 batches)\n",
      a.overhead_evals);
  std::cout << "evaluator                 start[ms]  per evaluation[us]\n";
  auto measure = [&](const std::string& label, const std::string& options) {
    auto o = Options(YAML::Load(options), "evaluator",
                     std::make_shared<ConfigSource>(ConfigSource{"bench.yaml", {}}));
    const double t0 = now();
    auto ev = make_evaluator(o, ctx);
    const double start = now() - t0;
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      const double t1 = now();
      ev->evaluate(*optimizee, batch, out);
      best = std::min(best, now() - t1);
    }
    for (const auto& e : out)
      if (!e.ok()) std::cout << "  failure: " << e.reason << "\n";
    std::cout << fmt::format("{:24}  {:9.1f}  {:18.2f}\n", label, start * 1e3,
                             best / static_cast<double>(batch.size()) * 1e6);
    std::cout.flush();
    return best / static_cast<double>(batch.size());
  };
  const std::string exe = std::string("executable: ") + L2L_BINARY + "\n";
  const double serial = measure("serial", "type: serial\n");
  const double t1 = measure("threads, 1 thread", "type: threads\nthreads: 1\n");
  const double p1 = measure("processes, 1 worker", "type: processes\nworkers: 1\n" + exe);
  const double t2 = measure("threads, 2 threads", "type: threads\nthreads: 2\n");
  const double p2 = measure("processes, 2 workers", "type: processes\nworkers: 2\n" + exe);
  (void)serial;
  std::cout << fmt::format(
      "process evaluator overhead per evaluation vs threads: {:.1f} us (1 worker), {:.1f} us (2 "
      "workers)\n\n",
      (p1 - t1) * 1e6, (p2 - t2) * 1e6);
}

void mpi_dispatch(const std::string& dir) {
#ifdef L2L_HAVE_MPI
  std::cout << "MPI dispatch with evaluations that take no time (round trip per evaluation)\n";
  std::cout << "ranks  evals  wall[s]  per evaluation[us]\n";
  for (int r : {2, 4}) {
    const int pop = 500;
    const auto exp = experiment(dir, fmt::format("dispatch{}", r), pop, 4, 0.0);
    const auto db = dir + fmt::format("/dispatch{}.db", r);
    fs::remove(db);
    const int rc = run_command({L2L_MPIEXEC, "--oversubscribe", "--allow-run-as-root", "-n",
                                std::to_string(r), L2L_BINARY, "run", exp, "--evaluator", "mpi",
                                "--set", "evaluator.root_evaluates=false", "--out", db, "-q"},
                               dir + "/mpirun.log");
    if (rc != 0) {
      std::cout << fmt::format("{:5}  mpirun failed (exit {})\n", r, rc);
      continue;
    }
    const auto t = read_times(db);
    std::cout << fmt::format("{:5}  {:5}  {:7.3f}  {:18.1f}\n", r, t.evaluations,
                             t.generation_seconds,
                             t.generation_seconds / static_cast<double>(t.evaluations) * 1e6);
  }
  std::cout << "(rank 0 only dispatches here; with R-1 evaluating ranks this is the rate at which "
               "rank 0 hands out and collects evaluations)\n\n";
#else
  (void)dir;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MPI scaling and per-evaluation overhead of l2l's distributed evaluators"};
  Args a;
  l2l::bench::add_count_list(app, "--ranks", a.ranks, "MPI rank counts, e.g. 1,4,32");
  app.add_option("--seconds", a.seconds, "sleep of each evaluation in the MPI runs")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--per-rank", a.per_rank, "evaluations per rank and generation")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--generations", a.generations, "generations of each MPI run")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--overhead-evals", a.overhead_evals, "evaluations of the overhead measurements")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_flag("--skip-mpi", a.skip_mpi, "only the process-evaluator overhead");
  CLI11_PARSE(app, argc, argv);
  const auto dir = fs::temp_directory_path() / fmt::format("l2l-bench-scaling-{}", ::getpid());
  fs::create_directories(dir);
  std::cout << fmt::format("bench_scaling: {} cores, load average {:.1f} at start\n\n",
                           std::thread::hardware_concurrency(), load_average());
  if (!a.skip_mpi) mpi_scaling(a, dir.string());
  process_overhead(a);
  if (!a.skip_mpi) mpi_dispatch(dir.string());
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
