// Runs an experiment file's optimizer on its optimizee with a minimal ask/evaluate/tell loop and
// prints the learning curve (test accuracy of the optimizer's estimate against wall time and
// presented images, as the papers plot it; the optimizer itself only ever sees the validation
// accuracy, which drives the EnKF's dynamic ensemble). Used for the EnKF learning curves in
// bench/enkf.md; `l2l run` is the real driver (run store, resume, reports).
//
//   bench_enkf_train EXPERIMENT.yaml [--set section.key=value ...] [--minutes M]
//                    [--generations N] [--threads T] [--csv curve.csv]
//
// Reads experiment.{seed, generations, test_every}, optimizer, optimizee and evaluator.threads.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/linalg/blas.hpp"
#include "l2l/optimizees/optimizee.hpp"
#include "l2l/optimizers/optimizer.hpp"

using namespace l2l;
using clk = std::chrono::steady_clock;

namespace {

void set_path(YAML::Node root, const std::string& path, const std::string& value) {
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    root[path] = YAML::Load(value);
    return;
  }
  YAML::Node child = root[path.substr(0, dot)];
  set_path(child, path.substr(dot + 1), value);
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"Learning curve of an experiment's optimizer: test accuracy by time and images"};
  std::string file;
  std::vector<std::string> sets;
  double minutes = 1e9;
  long generations_override = -1;
  int threads = 0;
  std::string csv;
  app.add_option("experiment", file, "experiment YAML file")->required()->check(CLI::ExistingFile);
  app.add_option("--set", sets, "override section.key=value (value is YAML), repeatable")
      ->allow_extra_args(false);
  app.add_option("--minutes", minutes, "stop after this much wall time")
      ->check(l2l::bench::positive);
  app.add_option("--generations", generations_override,
                 "generations (default: experiment.generations)")
      ->check(l2l::bench::positive);
  app.add_option("--threads", threads, "evaluator threads (0: evaluator.threads of the file)")
      ->check(l2l::bench::non_negative)
      ->capture_default_str();
  app.add_option("--csv", csv, "also write the curve to this CSV file");
  CLI11_PARSE(app, argc, argv);
  YAML::Node root = YAML::LoadFile(file);
  auto source = std::make_shared<ConfigSource>();
  source->file = file;
  for (const auto& v : sets) {
    const auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "--set expects section.key=value, got '%s'\n", v.c_str());
      return 2;
    }
    set_path(root, v.substr(0, eq), v.substr(eq + 1));
    source->overridden.insert(v.substr(0, eq));
  }
  Options exp(root["experiment"], "experiment", source);
  const auto seed = static_cast<std::uint64_t>(exp.get<std::int64_t>("seed", 1, "run seed"));
  long generations = exp.get<std::int64_t>("generations", 100, "generations");
  if (generations_override > 0) generations = generations_override;
  const long test_every = exp.get<std::int64_t>("test_every", 10, "test every N generations");
  if (threads == 0)
    threads = root["evaluator"]["threads"] ? root["evaluator"]["threads"].as<int>() : 0;

  OptimizeeContext octx;
  octx.seed = seed;
  octx.config_file = file;
  Options oo(root["optimizee"], "optimizee", source);
  auto optimizee = make_optimizee(oo, octx);
  const ParameterSpace space = optimizee->space();
  OptimizerContext pctx;
  pctx.seed = seed;
  pctx.weights = FitnessWeights(optimizee->default_weights());
  Options po(root["optimizer"], "optimizer", source);
  auto optimizer = make_optimizer(po, space, pctx);
  YAML::Node ev_node;
  ev_node["type"] = "threads";
  ev_node["threads"] = threads;
  Options eo(ev_node, "evaluator", source);
  EvaluatorContext ectx;
  ectx.seed = seed;
  auto evaluator = make_evaluator(eo, ectx);
  const auto batch_images =
      root["optimizee"]["batch_size"] ? root["optimizee"]["batch_size"].as<long>() : 64;

  std::printf("# %s: %zu parameters, BLAS %s, %d evaluator threads\n", file.c_str(), space.dim(),
              blas::backend().c_str(), evaluator->parallelism());
  std::printf("# %s\n", optimizee->describe().dump().c_str());
  std::printf("%8s %6s %9s %8s %8s %9s %9s %10s %6s\n", "seconds", "gen", "images", "val_acc",
              "test_acc", "test_loss", "train_med", "spread", "J");
  std::ofstream out;
  if (!csv.empty()) {
    out.open(csv);
    out << "seconds,generation,images,validation_accuracy,test_accuracy,test_loss,train_median,"
           "param_spread,ensemble\n";
  }
  const auto t0 = clk::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clk::now() - t0).count(); };
  auto test = [&](long g) {
    auto est = optimizer->estimate();
    if (!est) return;
    Candidate c;
    c.generation = g;
    c.index = -1;
    c.phase = Phase::validation;
    c.seed = stream_seed(seed, g, -1);
    c.params = *est;
    space.repair(c.params, pctx.bound_policy);
    const Evaluation v = evaluate_guarded(*optimizee, c, 1);
    optimizer->observe_validation(v);
    const double val = v.metrics.count("accuracy") ? v.metrics.at("accuracy") : NAN;
    c.phase = Phase::test;
    c.seed = stream_seed(seed, g, -2);
    const Evaluation e = evaluate_guarded(*optimizee, c, 1);
    const auto info = optimizer->generation_info();
    const double acc = e.metrics.count("accuracy") ? e.metrics.at("accuracy") : NAN;
    const double loss = e.metrics.count("loss") ? e.metrics.at("loss") : NAN;
    const double med = info.value("fitness_median", NAN);
    const double spread = info.value("param_spread", NAN);
    const long J = info.value("ensemble_size", 0L);
    std::printf("%8.1f %6ld %9ld %8.4f %8.4f %9.4f %9.4f %10.3g %6ld\n", elapsed(), g + 1,
                (g + 1) * batch_images, val, acc, loss, med, spread, J);
    std::fflush(stdout);
    if (out) {
      out << fmt::format("{:.2f},{},{},{},{},{},{},{},{}\n", elapsed(), g + 1,
                         (g + 1) * batch_images, val, acc, loss, med, spread, J);
      out.flush();
    }
  };
  for (long g = 0; g < generations; ++g) {
    auto cs = optimizer->ask();
    for (std::size_t i = 0; i < cs.size(); ++i) {
      cs[i].generation = g;
      cs[i].index = static_cast<std::int64_t>(i);
      cs[i].seed = stream_seed(seed, g, static_cast<std::int64_t>(i));
      space.repair(cs[i].params, pctx.bound_policy);
    }
    std::vector<Evaluation> evals(cs.size());
    evaluator->evaluate(*optimizee, cs, evals);
    optimizer->tell(cs, evals);
    const bool last = g + 1 == generations || elapsed() > minutes * 60.0;
    if ((g + 1) % test_every == 0 || last) test(g);
    if (last) break;
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
