// `l2l run` and `l2l resume`.
#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/core/duration.hpp"
#include "l2l/core/error.hpp"
#include "l2l/core/interrupt.hpp"
#include "l2l/evaluation/mpi_job.hpp"
#include "l2l/experiment/experiment.hpp"

namespace l2l::cli {
namespace {

struct RunArgs {
  std::string file;
  std::vector<std::string> sets;
  std::string out;
  bool overwrite = false;
  int threads = 0;
  std::string evaluator;
  bool quiet = false;
  std::string init_from;
};

void add_common(CLI::App* sub, RunArgs& a) {
  sub->add_option("--set", a.sets, "override a configuration value: path.to.key=value (repeatable)")
      ->type_name("KEY=VALUE");
  sub->add_option("--threads", a.threads, "evaluator threads or workers (default: configuration)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--evaluator", a.evaluator, "evaluator type (serial, threads, ...)");
  sub->add_flag("-q,--quiet", a.quiet, "no progress output");
}

int report(const RunOutcome& o) {
  const double rate = o.seconds > 0 ? static_cast<double>(o.evaluations) / o.seconds : 0.0;
  std::cout << fmt::format("run {}: {}\n", o.status, o.stop_reason);
  if (!o.origin.empty()) std::cout << fmt::format("  warm-started from {}\n", o.origin);
  // Held-out numbers are what a run is judged by, the test set's first: the best fitness is one
  // individual on its own training data (for the EnKF, one member's mini-batch accuracy).
  auto metrics = [](const std::map<std::string, double>& m) {
    std::string t;
    for (const auto& [k, v] : m) t += fmt::format("{}{} {:.6g}", t.empty() ? "" : ", ", k, v);
    return t;
  };
  if (!o.final_test.empty())
    std::cout << fmt::format(
        "  final test of the optimizer's estimate (test set, generation {}): {}\n",
        o.final_test_generation, metrics(o.final_test));
  if (!o.last_validation.empty())
    std::cout << fmt::format("  validation of the optimizer's estimate (generation {}): {}\n",
                             o.last_validation_generation, metrics(o.last_validation));
  const bool held_out = !o.final_test.empty() || !o.last_validation.empty();
  std::cout << fmt::format(
      "  generations {}, evaluations {} ({} failed), {} ({:.0f} evaluations/s)\n", o.generations,
      o.evaluations, o.failed, format_duration(o.seconds), rate);
  if (std::isfinite(o.best_weighted)) {
    std::string fit;
    for (std::size_t i = 0; i < o.best_fitness.size(); ++i)
      fit += fmt::format("{}{:.10g}", i ? ", " : "", o.best_fitness[i]);
    std::cout << fmt::format("  best {}fitness {} (generation {}, individual {})\n",
                             held_out ? "training " : "", fit, o.best_generation, o.best_index);
    std::string params;
    const std::size_t shown = std::min<std::size_t>(o.best_params.size(), 8);
    for (std::size_t i = 0; i < shown; ++i)
      params += fmt::format("{}{} = {:.6g}", i ? ", " : "", o.param_names[i], o.best_params[i]);
    if (o.best_params.size() > shown)
      params += fmt::format(", ... ({} in all)", o.best_params.size());
    std::cout << "  best parameters: " << params << "\n";
  } else {
    std::cout << "  no successful evaluation\n";
  }
  std::cout << fmt::format("  results: {}  (l2l show {} | l2l export {} --csv DIR)\n", o.store_path,
                           o.store_path, o.store_path);
  if (o.status == "interrupted") {
    std::cout << fmt::format("  interrupted: continue with `l2l resume {}`\n", o.store_path);
    return kExitInterrupted;
  }
  return o.status == "failed" ? kExitFailure : kExitOk;
}

RunOptions options_of(const RunArgs& a) {
  RunOptions o;
  o.out = a.out;
  o.overwrite = a.overwrite;
  o.threads = a.threads;
  o.evaluator = a.evaluator;
  // Started on several MPI ranks, the run uses them: the configured evaluator becomes each rank's
  // local evaluator (any other choice would have every rank run the whole experiment).
  if (mpi::job_size() > 1) {
    if (a.evaluator.empty()) o.evaluator = "mpi";
    if (o.evaluator != "mpi")
      throw UsageError(fmt::format(
          "this l2l is one of {} MPI ranks, but --evaluator is '{}': use --evaluator mpi (it "
          "runs the configured evaluator on every rank), or start l2l without mpirun/srun",
          mpi::job_size(), o.evaluator));
  }
  o.progress = !a.quiet;
  return o;
}

const RegisterCommand run_cmd(10, [](CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "run an experiment from a YAML file");
  sub->add_option("experiment", a->file, "experiment YAML file")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--out", a->out,
                  "run store to create (default: experiment.store or runs/NAME-DATE.db)");
  sub->add_flag("--overwrite", a->overwrite, "replace an existing run store");
  sub->add_option("--init-from", a->init_from,
                  "begin where a stored run left off (experiment.init_from): its last generation, "
                  "or the one after the colon; the optimizers may differ, the parameters must "
                  "match by name")
      ->type_name("RUN.db[:GEN]");
  add_common(sub, *a);
  return [a]() {
    install_interrupt_handlers();
    // Under mpirun/srun every rank runs this command; ranks other than 0 only evaluate for rank 0
    // and never touch the store.
    mpi::Session mpi;
    if (mpi.serves()) return mpi.serve();
    auto cfg = load_config_file(a->file, a->sets);
    // Set as a string, not parsed as YAML like --set: a path is never a number or a list.
    if (!a->init_from.empty()) cfg.root["experiment"]["init_from"] = a->init_from;
    Experiment exp(std::move(cfg), options_of(*a));
    return report(exp.run());
  };
});

const RegisterCommand resume_cmd(20, [](CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "resume",
      "continue a run from its store (after a crash, kill or Ctrl-C) with identical results");
  sub->add_option("store", a->file, "run store (.db)")->required();
  add_common(sub, *a);
  return [a]() {
    install_interrupt_handlers();
    mpi::Session mpi;
    if (mpi.serves()) return mpi.serve();
    return report(Experiment::resume(a->file, a->sets, options_of(*a)));
  };
});

}  // namespace
}  // namespace l2l::cli
