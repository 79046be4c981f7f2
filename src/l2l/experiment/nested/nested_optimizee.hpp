#pragma once
// Learning to learn: an optimizee whose evaluation runs whole inner experiments.
//
// The outer candidate's parameters are bound into the inner experiment's configuration
// (`${outer.NAME}` placeholders and `bind:` paths); the inner experiment runs once per task
// (seeds, data subsets, functions - any configuration overrides); each inner learning curve is
// reduced to one number (final value, best, mean of the last N generations, area under the
// curve), the tasks are aggregated (mean, median, worst) and an optional cost (inner seconds,
// inner evaluations) is charged. Inner runs are recorded as child runs in the outer run's store,
// linked to (generation, index, task); on resume, finished inner runs are read back instead of
// re-run and unfinished ones continue from their checkpoints.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "l2l/config/config.hpp"
#include "l2l/experiment/child_runs.hpp"
#include "l2l/experiment/nested/reduction.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class NestedOptimizee final : public Optimizee, public RecordsChildRuns {
 public:
  struct OuterParameter {
    std::string name;
    double lo = 0, hi = 1;
    bool log = false, integer = false;
  };
  struct Config {
    YAML::Node inner;  // a file name (relative to the outer file) or an inline experiment
    std::string inner_where;
    std::vector<OuterParameter> parameters;
    std::vector<std::pair<std::string, std::string>> bind;  // inner path -> value text
    std::vector<std::vector<std::pair<std::string, std::string>>> tasks;
    Reduction reduction;
    Aggregate aggregate = Aggregate::mean;
    std::optional<bool> maximize;
    double cost_per_second = 0, cost_per_evaluation = 0;
    int inner_threads = 1;
    bool seed_per_candidate = false;
    static Config read(Options& o);
  };

  NestedOptimizee(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override { return space_; }
  Evaluation evaluate(const Candidate& c) override;
  std::vector<double> default_weights() const override { return {maximize_ ? 1.0 : -1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  void attach_store(RunStore& store, std::int64_t run_id) override;
  nlohmann::json describe() const override;

  // The inner configuration of one task for given outer values (exposed for tests).
  LoadedConfig inner_config(const std::map<std::string, double>& values, std::size_t task,
                            std::uint64_t candidate_seed) const;

 private:
  double run_task(const Candidate& c, std::size_t task, Evaluation& e);

  Config cfg_;
  ParameterSpace space_;
  YAML::Node inner_root_;  // with bind: applied
  std::shared_ptr<ConfigSource> inner_source_;
  bool maximize_ = false;
  bool inner_higher_is_better_ = false;
  double inner_first_weight_ = -1;
  RunStore* store_ = nullptr;
  std::int64_t run_id_ = 0;
};

}  // namespace l2l
