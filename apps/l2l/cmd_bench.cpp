// `l2l bench bbob`: COCO-style runs of an optimizer on the 24 noiseless BBOB functions, with
// evaluations-to-target and ERT as CSV plus a summary table (src/l2l/bench/bbob_runner.hpp).
#include <iostream>

#include <yaml-cpp/yaml.h>

#include "command.hpp"
#include "l2l/bench/bbob_runner.hpp"
#include "l2l/core/error.hpp"

namespace l2l::cli {
namespace {

const RegisterCommand bench_cmd(70, [](CLI::App& app) {
  struct Args {
    bench::BbobBenchOptions o;
    std::string functions = "1-24", dims = "2,3,5,10,20", instances = "1-15";
    std::vector<std::string> sets;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("bench", "built-in benchmarks");
  sub->require_subcommand(1);
  auto* bbob = sub->add_subcommand(
      "bbob",
      "run an optimizer on the 24 noiseless BBOB functions (independent restarts within a budget "
      "of M * D evaluations per problem) and report evaluations to each target f_opt + 1e1 ... "
      "1e-8 and the ERT");
  bbob->add_option("--optimizer", a->o.optimizer, "optimizer name (see l2l list optimizers)")
      ->capture_default_str();
  bbob->add_option("--protocol", a->o.protocol,
                   "coco: unbounded search, CMA-ES from x0 uniform in [-4, 4]^D with sigma0 = 2 "
                   "and restarts until the budget is spent (BBOB-2009); box: search clipped to "
                   "[-5, 5]^D with the optimizer's own defaults")
      ->check(CLI::IsMember({"coco", "box"}))
      ->capture_default_str();
  bbob->add_option("--set", a->sets,
                   "optimizer option KEY=VALUE (VALUE is YAML), repeatable, e.g. "
                   "--set restarts=bipop");
  bbob->add_option("--functions", a->functions, "functions, e.g. 1-24 or 1,8,15")
      ->capture_default_str();
  bbob->add_option("--dims", a->dims, "dimensions, e.g. 2,3,5,10,20")->capture_default_str();
  bbob->add_option("--instances", a->instances, "instances, e.g. 1-15")->capture_default_str();
  bbob->add_option("--budget-multiplier", a->o.budget_multiplier,
                   "evaluations per problem = M * dimension")
      ->capture_default_str();
  bbob->add_option("--seed", a->o.seed, "base seed")->capture_default_str();
  bbob->add_option("--csv", a->o.csv, "write ERT per function, dimension and target");
  bbob->add_option("--runs-csv", a->o.runs_csv, "write evaluations per run and target");
  bbob->add_option("--threads", a->o.threads, "worker threads (0: all cores)")
      ->capture_default_str();
  bbob->add_flag("--progress", a->o.progress, "print a line per finished problem on stderr");
  return [a, bbob]() {
    if (!bbob->parsed()) return kExitUsage;
    a->o.functions = bench::parse_int_list(a->functions);
    a->o.dims = bench::parse_int_list(a->dims);
    a->o.instances = bench::parse_int_list(a->instances);
    a->o.optimizer_options = YAML::Node(YAML::NodeType::Map);
    for (const auto& s : a->sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--set expects KEY=VALUE, got '" + s + "'");
      a->o.optimizer_options[s.substr(0, eq)] = YAML::Load(s.substr(eq + 1));
    }
    return bench::run_bbob_bench(a->o, std::cout);
  };
});

}  // namespace
}  // namespace l2l::cli
