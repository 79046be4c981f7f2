#pragma once
// The experiment driver: the two-loop engine.
//
//   ask -> repair into the space -> evaluate (evaluator) -> tell -> [validation; final test]
//   -> record
//   (evaluations + statistics + checkpoint in one transaction) -> stop?
//
// Everything is validated when the Experiment is constructed, before any file is created, so a
// bad configuration never leaves a store behind.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "l2l/config/config.hpp"
#include "l2l/config/experiment_spec.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/experiment/progress.hpp"
#include "l2l/experiment/warm_start_loader.hpp"
#include "l2l/optimizees/optimizee.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l {

struct RunOptions {
  std::string out;         // store path; overrides experiment.store
  bool overwrite = false;  // replace an existing store
  int threads = 0;         // evaluator threads/workers; 0: the configuration's
  std::string evaluator;   // evaluator type override (e.g. "mpi")
  bool progress = true;    // progress line / log lines on stderr
};

struct RunOutcome {
  std::string store_path;
  std::int64_t run_id = 0;
  std::string origin;  // a warm-started run's origin: "STORE run R generation G"
  std::string status;  // finished, interrupted, failed
  std::string stop_reason;
  std::int64_t generations = 0;
  std::int64_t evaluations = 0;
  std::int64_t failed = 0;
  double best_weighted = FitnessWeights::failed_value;
  std::vector<double> best_fitness, best_params;
  std::int64_t best_generation = -1, best_index = -1;
  std::vector<std::string> param_names;
  double seconds = 0;
  // Metrics of the estimate on the validation split (the last experiment.test_every), and on the
  // test set once at the end (experiment.final_test), e.g. held-out accuracy.
  std::map<std::string, double> last_validation, final_test;
  std::int64_t last_validation_generation = -1, final_test_generation = -1;
};

class Experiment {
 public:
  Experiment(LoadedConfig config, const RunOptions& options);
  ~Experiment();

  // Starts a new run in a new store.
  RunOutcome run();
  // Continues the run stored at `path` (killed, interrupted, or finished with a larger budget).
  // `sets` may only change termination settings.
  static RunOutcome resume(const std::string& path, const std::vector<std::string>& sets,
                           const RunOptions& options);

  // Runs as an inner run inside an existing store (nested experiments): `link` carries the
  // parent run, generation, index and task. The store is shared, not owned.
  RunOutcome run_in(RunStore& store, const RunInfo& link);
  // Continues run `run_id` of `store` from its checkpoint (or from the start if it has none).
  RunOutcome continue_in(RunStore& store, std::int64_t run_id);

  const ExperimentSpec& spec() const { return spec_; }
  const ParameterSpace& space() const { return space_; }
  const FitnessWeights& weights() const { return weights_; }
  Optimizee& optimizee() { return *optimizee_; }
  Optimizer& optimizer() { return *optimizer_; }
  Evaluator& evaluator() { return *evaluator_; }
  std::string store_path() const;
  const LoadedConfig& config() const { return config_; }

 private:
  struct DriverState;
  // ask -> prepare -> evaluate -> tell -> statistics -> [validate] -> stop? -> [final test] ->
  // record, until a stopping rule holds.
  RunOutcome loop(RunStore& store, std::int64_t run_id, DriverState state);
  // The first stopping rule that holds (budgets, target, stagnation, the optimizer's own), or "".
  std::string stop_rule(const DriverState& st) const;
  // Numbers the candidates of generation `generation`, gives each its evaluation stream and
  // repairs it into the space.
  void prepare(std::vector<Candidate>& batch, std::int64_t generation) const;
  // The optimizer's estimate evaluated in `phase`; the result goes into rec.info under `key`.
  std::optional<Evaluation> evaluate_estimate(Phase phase, const std::string& key,
                                              GenerationRecord& rec);
  void validate(GenerationRecord& rec, RunOutcome& out);
  void final_test(GenerationRecord& rec, RunOutcome& out);
  ProgressSnapshot snapshot(const DriverState& st, const GenerationRecord& rec) const;
  RunInfo run_info() const;
  // Hands the optimizer the stored run of experiment.init_from (read on first use), if any.
  void warm_start();

  LoadedConfig config_;
  RunOptions options_;
  ExperimentSpec spec_;
  std::unique_ptr<Optimizee> optimizee_;
  ParameterSpace space_;
  FitnessWeights weights_;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Evaluator> evaluator_;
  std::optional<InitFrom> init_from_;
  std::unique_ptr<LoadedWarmStart> warm_start_;
};

}  // namespace l2l
