#pragma once
// The `experiment:` section: identity, termination and storage settings.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/options.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l {

struct Termination {
  std::int64_t max_generations = 100;
  std::int64_t max_evaluations = 0;  // 0: no budget
  std::optional<double> target_fitness;
  double max_seconds = 0;                   // 0: no limit
  std::int64_t stagnation_generations = 0;  // 0: off
  double stagnation_tolerance = 0;
  std::int64_t max_failed_generations = 3;
};

struct ExperimentSpec {
  std::string name;
  std::uint64_t seed = 42;
  Termination termination;
  std::string store;  // empty: runs/<name>-<timestamp>.db
  StoreLevel store_level = StoreLevel::evaluations;
  std::string store_params = "auto";  // all | best | auto (all up to 1,000 parameters)
  bool store_outputs = false;
  std::vector<double> fitness_weights;  // empty: the optimizee's defaults
  BoundPolicy bound_policy = BoundPolicy::clip;
  std::int64_t test_every = 0;  // validation of the estimate every N generations
  bool final_test = false;      // the estimate on the test set once at the end
  std::int64_t artifact_every = 10;
  std::int64_t checkpoint_every = 0;  // 0: auto (every generation while checkpoints are small)
  std::string init_from;              // warm start: RUN.db[:GENERATION], empty for none
  bool init_from_centre_at_mean = false;

  static ExperimentSpec read(Options& o, const std::string& default_name);
};

}  // namespace l2l
