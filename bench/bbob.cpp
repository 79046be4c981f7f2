// Stand-alone `l2l bench bbob`: runs an optimizer on the noiseless BBOB testbed and prints ERT
// tables (see src/l2l/bench/bbob_runner.hpp and bench/cmaes.md).
//
//   bench_bbob --optimizer cmaes --set restarts=bipop --dims 2,5,10 --instances 1-15
//              --budget-multiplier 1e4 --csv bbob_ert.csv
#include <iostream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>

#include "l2l/bench/bbob_runner.hpp"
#include "l2l/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Run an l2l optimizer on the 24 noiseless BBOB functions (COCO-style ERT)"};
  l2l::bench::BbobBenchOptions o;
  std::string functions = "1-24", dims = "2,3,5,10,20", instances = "1-15";
  std::vector<std::string> sets;
  app.add_option("--optimizer", o.optimizer, "optimizer name (see l2l list optimizers)");
  app.add_option("--protocol", o.protocol,
                 "coco (unbounded, COCO's x0 and sigma0) or box (clipped to [-5, 5]^D)")
      ->check(CLI::IsMember({"coco", "box"}));
  app.add_option("--set", sets, "optimizer option KEY=VALUE (VALUE is YAML), repeatable");
  app.add_option("--functions", functions, "functions, e.g. 1-24 or 1,8,15");
  app.add_option("--dims", dims, "dimensions, e.g. 2,3,5,10,20");
  app.add_option("--instances", instances, "instances, e.g. 1-15");
  app.add_option("--budget-multiplier", o.budget_multiplier,
                 "evaluations per problem = multiplier * dimension");
  app.add_option("--seed", o.seed, "base seed");
  app.add_option("--csv", o.csv, "write ERT per function, dimension and target");
  app.add_option("--runs-csv", o.runs_csv, "write evaluations per run and target");
  app.add_option("--threads", o.threads, "worker threads (0: all cores)");
  app.add_flag("--progress", o.progress, "print a line per finished problem on stderr");
  CLI11_PARSE(app, argc, argv);
  try {
    o.functions = l2l::bench::parse_int_list(functions);
    o.dims = l2l::bench::parse_int_list(dims);
    o.instances = l2l::bench::parse_int_list(instances);
    o.optimizer_options = YAML::Node(YAML::NodeType::Map);
    for (const auto& s : sets) {
      const auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0)
        throw l2l::UsageError("--set expects KEY=VALUE, got '" + s + "'");
      o.optimizer_options[s.substr(0, eq)] = YAML::Load(s.substr(eq + 1));
    }
    return l2l::bench::run_bbob_bench(o, std::cout);
  } catch (const l2l::UsageError& e) {
    std::cerr << "bench_bbob: " << e.what() << "\n";
    return 2;
  }
}
