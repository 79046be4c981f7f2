// bench_cmaes: our CMA-ES against pagmo2's cmaes and DEAP's cma.Strategy in one invocation.
//
// Problems: Rosenbrock and the ellipsoid (condition 1e6) in 10 and 100 dimensions. Every
// implementation starts from the same x0 ~ U[-4, 4]^n per seed with sigma0 = 2 (a fifth of the
// box [-5, 5]) and the default population 4 + floor(3 ln n). Reported per implementation: how
// many seeds reached f <= 1e-8, the median number of evaluations to get there, and the optimizer's
// overhead per generation excluding the objective function (CPU time of the optimizer's thread or
// process, so that other load on the machine inflates it less than wall time would).
//
// pagmo is linked when cmake finds it (cmake/extra.cmake); DEAP runs through bench/cmaes_deap.py
// with /usr/bin/python3 (or $L2L_PYTHON). Either one missing is reported and skipped.
//
//   bench_cmaes [--seeds 15] [--dims 10,100] [--functions rosenbrock,ellipsoid] [--threads 2]
//               [--only l2l,pagmo,deap] [--max-evals N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"

#ifdef L2L_HAVE_PAGMO
#include <pagmo/algorithm.hpp>
#include <pagmo/algorithms/cmaes.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#endif

namespace {

using Objective = std::function<double(const double*, std::size_t)>;

double rosenbrock(const double* x, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double a = x[i] * x[i] - x[i + 1];
    const double b = 1.0 - x[i];
    s += 100.0 * a * a + b * b;
  }
  return s;
}

double ellipsoid(const double* x, std::size_t n) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    s += std::pow(1e6, static_cast<double>(i) / (static_cast<double>(n) - 1.0)) * x[i] * x[i];
  return s;
}

Objective objective(const std::string& name) {
  if (name == "rosenbrock") return rosenbrock;
  if (name == "ellipsoid") return ellipsoid;
  throw std::invalid_argument("unknown function " + name);
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Result {
  std::int64_t evals_to_target = -1;
  std::int64_t evals = 0;
  std::int64_t generations = 0;
  double optimizer_seconds = 0.0;
  double eval_seconds = 0.0;
};

struct Job {
  std::string function;
  std::size_t n = 0;
  int seed = 0;
  std::vector<double> x0;
  std::size_t lambda = 0;
  double sigma = 2.0;
  double target = 1e-8;
  std::int64_t max_evals = 0;
};

Result run_l2l(const Job& job) {
  const auto f = objective(job.function);
  l2l::ParameterSpace space;
  space.add_array("x", job.n, -5.0, 5.0);
  YAML::Node node(YAML::NodeType::Map);
  node["type"] = "cmaes";
  node["sigma0"] = job.sigma / 10.0;  // unit coordinates of the box [-5, 5]
  node["population"] = job.lambda;
  for (double v : job.x0) node["x0"].push_back(v);
  l2l::Options options(node, "optimizer", nullptr);
  l2l::OptimizerContext ctx;
  ctx.seed = static_cast<std::uint64_t>(job.seed);
  ctx.weights = l2l::FitnessWeights({-1.0});
  auto opt = l2l::make_optimizer(options, space, ctx);

  Result r;
  while (r.evals < job.max_evals && r.evals_to_target < 0 && !opt->stop_reason()) {
    const double t0 = thread_cpu_seconds();
    auto batch = opt->ask();
    const double t1 = thread_cpu_seconds();
    std::vector<l2l::Evaluation> evals(batch.size());
    for (std::size_t k = 0; k < batch.size(); ++k) {
      space.repair(batch[k].params, l2l::BoundPolicy::clip);
      const double v = f(batch[k].params.data(), job.n);
      ++r.evals;
      if (r.evals_to_target < 0 && v <= job.target) r.evals_to_target = r.evals;
      evals[k].fitness = {v};
    }
    const double t2 = thread_cpu_seconds();
    opt->tell(batch, evals);
    const double t3 = thread_cpu_seconds();
    r.optimizer_seconds += (t1 - t0) + (t3 - t2);
    r.eval_seconds += t2 - t1;
    ++r.generations;
  }
  return r;
}

#ifdef L2L_HAVE_PAGMO
struct TargetReached {};

struct Counter {
  std::int64_t evals = 0;
  std::int64_t hit = -1;
  double eval_seconds = 0.0;
};

// The problem counts and times its evaluations and ends evolve() (by throwing) at the target,
// so that pagmo runs one uninterrupted evolve call.
struct PagmoProblem {
  std::string function;
  std::size_t n = 2;
  double target = 1e-8;
  std::shared_ptr<Counter> counter = std::make_shared<Counter>();

  pagmo::vector_double fitness(const pagmo::vector_double& x) const {
    const double t0 = thread_cpu_seconds();
    const double v = objective(function)(x.data(), n);
    counter->eval_seconds += thread_cpu_seconds() - t0;
    ++counter->evals;
    if (counter->hit < 0 && v <= target) {
      counter->hit = counter->evals;
      throw TargetReached{};
    }
    return {v};
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    return {pagmo::vector_double(n, -5.0), pagmo::vector_double(n, 5.0)};
  }
};

Result run_pagmo(const Job& job) {
  PagmoProblem udp;
  udp.function = job.function;
  udp.n = job.n;
  udp.target = job.target;
  auto counter = udp.counter;
  pagmo::problem prob{udp};
  // All lambda members start at x0, so pagmo's mean (its best member) is x0 like everyone's.
  pagmo::population pop{prob};
  for (std::size_t k = 0; k < job.lambda; ++k) pop.push_back(job.x0);
  const auto initial = counter->evals;
  const double eval0 = counter->eval_seconds;
  // pagmo's sigma0 is relative to the box width; ftol = xtol = 0 disable its own stopping.
  const auto gens = static_cast<unsigned>(job.max_evals / static_cast<std::int64_t>(job.lambda));
  pagmo::algorithm algo{pagmo::cmaes(gens, -1, -1, -1, -1, job.sigma / 10.0, 0.0, 0.0, false, false,
                                     static_cast<unsigned>(job.seed))};
  const double t0 = thread_cpu_seconds();
  try {
    pop = algo.evolve(pop);
  } catch (const TargetReached&) {
  }
  const double t1 = thread_cpu_seconds();
  Result r;
  r.evals = counter->evals - initial;
  r.evals_to_target = counter->hit >= 0 ? counter->hit - initial : -1;
  r.generations =
      (r.evals + static_cast<std::int64_t>(job.lambda) - 1) / static_cast<std::int64_t>(job.lambda);
  r.eval_seconds = counter->eval_seconds - eval0;
  r.optimizer_seconds = (t1 - t0) - r.eval_seconds;
  return r;
}
#endif

std::string python() {
  if (const char* p = std::getenv("L2L_PYTHON")) return p;
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

std::string deap_script() {
  const std::filesystem::path p = std::filesystem::path(L2L_SOURCE_DIR) / "bench" / "cmaes_deap.py";
  return p.string();
}

bool deap_available(std::string& why) {
  if (!std::filesystem::exists(deap_script())) {
    why = "script " + deap_script() + " missing";
    return false;
  }
  const std::string cmd = python() + " -c 'import deap, numpy' > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    why = "not installed (" + python() + " cannot import deap and numpy)";
    return false;
  }
  return true;
}

// Runs the jobs in `workers` python processes; results in job order.
std::vector<Result> run_deap(const std::vector<Job>& jobs, int workers) {
  std::vector<Result> out(jobs.size());
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("l2l_bench_cmaes_{}", static_cast<long>(getpid()));
  std::filesystem::create_directories(dir);
  workers = std::max(1, std::min<int>(workers, static_cast<int>(jobs.size())));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      const auto in = dir / fmt::format("jobs{}.jsonl", w);
      const auto res = dir / fmt::format("results{}.jsonl", w);
      std::vector<std::size_t> mine;
      {
        std::ofstream f(in);
        for (std::size_t k = static_cast<std::size_t>(w); k < jobs.size();
             k += static_cast<std::size_t>(workers)) {
          const auto& j = jobs[k];
          nlohmann::json o = {
              {"function", j.function},   {"n", j.n},           {"x0", j.x0},
              {"sigma", j.sigma},         {"lambda", j.lambda}, {"target", j.target},
              {"max_evals", j.max_evals}, {"seed", j.seed}};
          f << o.dump() << "\n";
          mine.push_back(k);
        }
      }
      const std::string cmd =
          fmt::format("{} {} < {} > {}", python(), deap_script(), in.string(), res.string());
      if (std::system(cmd.c_str()) != 0) return;
      std::ifstream f(res);
      std::string line;
      std::size_t i = 0;
      while (std::getline(f, line) && i < mine.size()) {
        const auto o = nlohmann::json::parse(line);
        Result r;
        r.evals_to_target = o.at("evals_to_target").get<std::int64_t>();
        r.evals = o.at("evals").get<std::int64_t>();
        r.generations = o.at("generations").get<std::int64_t>();
        r.optimizer_seconds = o.at("optimizer_seconds").get<double>();
        r.eval_seconds = o.at("eval_seconds").get<double>();
        out[mine[i++]] = r;
      }
    });
  }
  for (auto& t : threads) t.join();
  std::filesystem::remove_all(dir);
  return out;
}

std::vector<Result> run_parallel(const std::vector<Job>& jobs, int workers,
                                 const std::function<Result(const Job&)>& fn) {
  std::vector<Result> out(jobs.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < std::max(1, workers); ++w) {
    threads.emplace_back([&] {
      for (std::size_t k = next++; k < jobs.size(); k = next++) out[k] = fn(jobs[k]);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CMA-ES: l2l vs pagmo2 vs DEAP on Rosenbrock and the ellipsoid"};
  int seeds = 15, threads = 2;
  std::string dims = "10,100", functions = "rosenbrock,ellipsoid", only = "l2l,pagmo,deap";
  double target = 1e-8;
  std::int64_t max_evals = 0;
  app.add_option("--seeds", seeds, "runs per problem and implementation")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--dims", dims, "dimensions")->capture_default_str();
  app.add_option("--functions", functions, "rosenbrock, ellipsoid")->capture_default_str();
  app.add_option("--target", target, "target f value")->capture_default_str();
  app.add_option("--max-evals", max_evals,
                 "evaluations per run; 0: 1e5 + 60 n^2 (a smaller value measures overhead only)")
      ->check(l2l::bench::non_negative)
      ->capture_default_str();
  app.add_option("--threads", threads, "parallel runs (timings are per-thread CPU time)")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--only", only, "implementations to run: l2l, pagmo, deap")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto which = split(only);
  auto wanted = [&](const char* w) {
    return std::find(which.begin(), which.end(), w) != which.end();
  };

  std::cout << fmt::format(
      "bench_cmaes: {} seeds, target f <= {:g}, x0 ~ U[-4,4]^n, sigma0 = 2 "
      "on [-5,5]^n, lambda = 4 + floor(3 ln n)\n",
      seeds, target);
  std::cout << "load average at start: " << loadavg() << " (" << std::thread::hardware_concurrency()
            << " hardware threads, " << threads << " parallel runs)\n";
  std::cout << std::flush;
  bool have_pagmo = false;
#ifdef L2L_HAVE_PAGMO
  have_pagmo = true;
#endif
  if (wanted("pagmo") && !have_pagmo) std::cout << "pagmo: not installed (libpagmo-dev)\n";
  std::string deap_why;
  const bool have_deap = wanted("deap") && deap_available(deap_why);
  if (wanted("deap") && !have_deap) std::cout << "DEAP: " << deap_why << "\n";

  struct Row {
    std::string function, impl;
    std::size_t n;
    std::vector<Result> results;
  };
  std::vector<Row> rows;
  for (const auto& fname : split(functions)) {
    for (const auto& dstr : split(dims)) {
      const auto n = static_cast<std::size_t>(std::stoul(dstr));
      std::vector<Job> jobs;
      for (int s = 1; s <= seeds; ++s) {
        Job j;
        j.function = fname;
        j.n = n;
        j.seed = s;
        j.lambda = 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(static_cast<double>(n))));
        j.target = target;
        j.max_evals = max_evals > 0 ? max_evals : static_cast<std::int64_t>(100000 + 60 * n * n);
        l2l::Rng rng(l2l::mix_seed(static_cast<std::uint64_t>(s), n));
        for (std::size_t i = 0; i < n; ++i) j.x0.push_back(rng.uniform(-4.0, 4.0));
        jobs.push_back(j);
      }
      if (wanted("l2l"))
        rows.push_back({fname, "l2l cmaes", n, run_parallel(jobs, threads, run_l2l)});
#ifdef L2L_HAVE_PAGMO
      if (wanted("pagmo"))
        rows.push_back({fname, "pagmo cmaes", n, run_parallel(jobs, threads, run_pagmo)});
#endif
      if (have_deap) rows.push_back({fname, "DEAP cma.Strategy", n, run_deap(jobs, threads)});
      std::cerr << fmt::format("done: {} n={}\n", fname, n) << std::flush;
    }
  }

  std::cout << fmt::format("\n{:<11}{:>5}  {:<18}{:>9}{:>14}{:>12}{:>17}\n", "function", "n",
                           "implementation", "reached", "median evals", "median gens",
                           "overhead ms/gen");
  for (const auto& r : rows) {
    std::vector<double> evals, gens, overhead;
    int ok = 0;
    for (const auto& x : r.results) {
      if (x.evals_to_target >= 0) {
        ++ok;
        evals.push_back(static_cast<double>(x.evals_to_target));
      }
      gens.push_back(static_cast<double>(x.generations));
      if (x.generations > 0) overhead.push_back(1e3 * x.optimizer_seconds / x.generations);
    }
    std::cout << fmt::format(
        "{:<11}{:>5}  {:<18}{:>9}{:>14}{:>12}{:>17.4f}\n", r.function, r.n, r.impl,
        fmt::format("{}/{}", ok, r.results.size()),
        evals.empty() ? std::string("-") : fmt::format("{:.0f}", median(evals)),
        fmt::format("{:.0f}", median(gens)), median(overhead));
  }
  std::cout << "\nmedian evals: over the runs that reached the target; overhead: CPU time of "
               "ask/tell (pagmo: evolve minus objective) per generation, median over runs\n";
  std::cout << "load average at end: " << loadavg() << "\n";
  return 0;
}
