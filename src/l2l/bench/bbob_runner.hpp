#pragma once
// `l2l bench bbob`: runs an optimizer on the noiseless BBOB functions the way COCO experiments do,
// and reports, per function and dimension, the evaluations needed to reach each target
// f_opt + 1e1 ... f_opt + 1e-8 and the expected running time (ERT).
//
// The protocol is COCO's by default (`coco`): the search is unbounded (points are evaluated where
// the optimizer puts them; the box [-5, 5]^D only scales coordinates), and CMA-ES starts from x0
// uniform in [-4, 4]^D with sigma0 = 2, as the BBOB-2009 entries did (Hansen 2009), and restarts
// until the budget is spent. `box` keeps the search in [-5, 5]^D with the optimizer's own bound
// handling and defaults (candidates are clipped before evaluation). Options given with --set win
// over the protocol's.
//
// Each problem (function, dimension, instance) gets a budget of budget_multiplier * dim
// evaluations. Within it the optimizer is restarted independently (fresh object, new seed)
// whenever it reports a stop reason, until the final target 1e-8 is reached or the budget is
// spent. The optimizer is driven through ask/tell directly, without a run store. Problems run in
// parallel; every problem's seed depends only on (seed, function, dimension, instance), so results
// do not depend on the thread count.
//
// ERT for a target = (evaluations of all runs until they reached the target, or until they ended
// if they never did) / (number of runs that reached it) (Hansen et al. 2009, COCO). Each ERT is
// printed beside its ratio to the best-2009 reference (bbob_reference.hpp), with the goals of
// bench/cmaes.md checked at target 1e-8.
#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace l2l::bench {

constexpr std::size_t kBbobTargets = 10;
// Target precisions 1e1, 1e0, ..., 1e-8.
std::array<double, kBbobTargets> bbob_targets();

struct BbobBenchOptions {
  std::string optimizer = "cmaes";
  std::string protocol = "coco";  // coco | box
  YAML::Node optimizer_options;   // the optimizer's section without `type`; null for defaults
  std::vector<int> functions;     // empty: 1..24
  std::vector<int> dims = {2, 3, 5, 10, 20};
  std::vector<int> instances;  // empty: 1..15
  double budget_multiplier = 1e4;
  std::uint64_t seed = 1;
  std::string csv;        // ERT per (function, dim, target); empty: no file
  std::string runs_csv;   // evaluations per (function, dim, instance, target); empty: no file
  int threads = 0;        // 0: all hardware threads
  bool progress = false;  // a line per finished problem on stderr
};

struct BbobRun {
  int function = 0;
  int dim = 0;
  int instance = 0;
  std::int64_t evaluations = 0;                  // spent on this problem
  std::int64_t restarts = 0;                     // independent restarts (new optimizer objects)
  double best_delta = 0.0;                       // best f - f_opt found
  std::array<std::int64_t, kBbobTargets> hit{};  // evaluations to reach each target, -1 if never
  double seconds = 0.0;
};

struct BbobErt {
  int function = 0;
  int dim = 0;
  double target = 0.0;
  int runs = 0;
  int successes = 0;
  double ert = 0.0;  // infinity without successes
  // ert / the best-2009 reference ERT; NaN where the table has no cell or the reference never
  // reached the target.
  double ratio = 0.0;
};

// "1-5,7,10-12" -> {1,2,3,4,5,7,10,11,12}; throws UsageError on malformed input.
std::vector<int> parse_int_list(const std::string& text);

// The optimizer section the protocol runs: the user's options over the protocol's defaults.
YAML::Node bbob_optimizer_options(const BbobBenchOptions& options);

std::vector<BbobRun> run_bbob_problems(const BbobBenchOptions& options);
std::vector<BbobErt> bbob_ert(const std::vector<BbobRun>& runs);

// Runs everything, writes the CSV files and prints a summary table to `out`. Returns 0.
int run_bbob_bench(const BbobBenchOptions& options, std::ostream& out);

}  // namespace l2l::bench
