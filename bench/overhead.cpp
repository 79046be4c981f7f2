// bench/overhead: evaluations per second of the whole engine (driver + optimizer + evaluator +
// SQLite store) on objectives so cheap that only overhead is measured, side by side with pagmo2
// and DEAP when they are installed (scripts/install-deps.sh --bench).
//   (a) random search on sphere-10, population 10,000, 10 generations
//   (b) GA on Rastrigin-10, population 100, 200 generations, tournament 3, blend 0.5 with p 0.5,
//       Gaussian sigma 1 with per-gene p 0.1 and p 0.2 (every offspring evaluated: reevaluate)
// One core: the serial evaluator, as pagmo and DEAP run. Each figure is the best of 3 repeats.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "l2l/experiment/experiment.hpp"

#ifdef L2L_HAVE_PAGMO
#include <pagmo/algorithms/sga.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/problems/rastrigin.hpp>
#endif

namespace {

using clock_type = std::chrono::steady_clock;

struct Measure {
  double evals = 0, seconds = 0;
  double rate() const { return seconds > 0 ? evals / seconds : 0; }
};

Measure best_of(int repeats, const std::function<Measure()>& f) {
  Measure best;
  for (int i = 0; i < repeats; ++i) {
    const auto m = f();
    if (best.seconds == 0 || m.rate() > best.rate()) best = m;
  }
  return best;
}

const char* kWorkloadA = R"(experiment: {name: a, seed: 1, max_generations: 10}
optimizer: {type: random_search, population: 10000}
optimizee: {type: function, name: sphere, dims: 10}
evaluator: {type: serial}
)";

const char* kWorkloadB = R"(experiment: {name: b, seed: 1, max_generations: 200}
optimizer: {type: ga, population: 100, tournament_size: 3, crossover_probability: 0.5,
            blend_alpha: 0.5, mutation_probability: 0.2, gene_mutation_probability: 0.1,
            mutation_sigma: 1.0, reevaluate: true}
optimizee: {type: function, preset: Rastrigin10d}
evaluator: {type: serial}
)";

Measure run_l2l(const char* yaml, const std::string& level) {
  const auto path = (std::filesystem::temp_directory_path() / "l2l-bench-overhead.db").string();
  l2l::RunOptions o;
  o.out = path;
  o.overwrite = true;
  o.progress = false;
  const auto t0 = clock_type::now();
  l2l::Experiment exp(l2l::load_config_text(yaml, "bench", {"experiment.store_level=" + level}), o);
  const auto out = exp.run();
  const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
  return {static_cast<double>(out.evaluations), s};
}

#ifdef L2L_HAVE_PAGMO
Measure pagmo_a() {
  struct Sphere {
    pagmo::vector_double fitness(const pagmo::vector_double& x) const {
      double f = 0;
      for (double v : x) f += v * v;
      return {f};
    }
    std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
      return {pagmo::vector_double(10, -5.0), pagmo::vector_double(10, 5.0)};
    }
  };
  pagmo::problem prob{Sphere{}};
  const auto t0 = clock_type::now();
  for (unsigned g = 0; g < 10; ++g) pagmo::population pop(prob, 10000, g + 1);
  return {1e5, std::chrono::duration<double>(clock_type::now() - t0).count()};
}

Measure pagmo_b() {
  pagmo::problem prob{pagmo::rastrigin(10)};
  pagmo::population pop(prob, 100, 1);
  const auto before = prob.get_fevals();
  // pagmo has no blend crossover; binomial crossover with cr 0.5, Gaussian mutation with sigma
  // 1/10 of the box width (= 1) and per-gene probability 0.1, tournament of 3.
  pagmo::algorithm algo{
      pagmo::sga(200, 0.5, 1.0, 0.1, 0.1, 3, "binomial", "gaussian", "tournament", 1)};
  const auto t0 = clock_type::now();
  pop = algo.evolve(pop);
  const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
  return {static_cast<double>(pop.get_problem().get_fevals() - before), s};
}
#endif

std::optional<nlohmann::json> run_deap() {
  const std::string cmd =
      std::string("/usr/bin/python3 ") + L2L_BENCH_DIR + "/overhead_deap.py 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  if (pclose(p) != 0 || out.empty()) return std::nullopt;
  return nlohmann::json::parse(out, nullptr, false);
}

void row(const std::string& workload, const std::string& system, const Measure& m) {
  fmt::print("{:<34} {:<26} {:>9.0f} {:>9.3f} {:>12.0f} {:>9.2f}\n", workload, system, m.evals,
             m.seconds, m.rate(), m.evals > 0 ? 1e6 * m.seconds / m.evals : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Engine overhead per evaluation on trivial objectives, against pagmo2 and DEAP"};
  CLI11_PARSE(app, argc, argv);
  fmt::print("{:<34} {:<26} {:>9} {:>9} {:>12} {:>9}\n", "workload", "system", "evals", "seconds",
             "evals/s", "us/eval");
  struct W {
    const char* name;
    const char* yaml;
    const char* key;
  };
  const W workloads[] = {{"(a) random search, sphere-10", kWorkloadA, "a"},
                         {"(b) GA, Rastrigin-10", kWorkloadB, "b"}};
  const auto deap = run_deap();
  for (const auto& w : workloads) {
    const auto gen = best_of(3, [&] { return run_l2l(w.yaml, "generations"); });
    const auto all = best_of(3, [&] { return run_l2l(w.yaml, "evaluations"); });
    row(w.name, "l2l store=generations", gen);
    row(w.name, "l2l store=evaluations", all);
    std::optional<Measure> pagmo;
#ifdef L2L_HAVE_PAGMO
    pagmo = best_of(3, std::string(w.key) == "a" ? pagmo_a : pagmo_b);
    row(w.name, "pagmo2", *pagmo);
#else
    fmt::print("{:<34} {:<26} not installed (libpagmo-dev)\n", w.name, "pagmo2");
#endif
    std::optional<Measure> d;
    if (deap && deap->is_object()) {
      d = Measure{(*deap)[w.key]["evals"].get<double>(), (*deap)[w.key]["seconds"].get<double>()};
      row(w.name, "DEAP", *d);
    } else {
      fmt::print("{:<34} {:<26} not installed (python3-deap)\n", w.name, "DEAP");
    }
    if (pagmo)
      fmt::print("    ratio vs pagmo2: store=generations {:.2f}x, store=evaluations {:.2f}x\n",
                 gen.rate() / pagmo->rate(), all.rate() / pagmo->rate());
    if (d)
      fmt::print("    ratio vs DEAP:   store=generations {:.1f}x, store=evaluations {:.1f}x\n",
                 gen.rate() / d->rate(), all.rate() / d->rate());
  }
  return 0;
}
