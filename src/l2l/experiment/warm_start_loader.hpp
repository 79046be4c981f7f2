#pragma once
// Reads a WarmStart out of a stored run (experiment.init_from): the driver's side of the warm
// start, so that optimizers never reach the store.
#include <cstdint>
#include <optional>
#include <string>

#include "l2l/core/fitness.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/warm_start.hpp"

namespace l2l {

// "RUN.db" (the last completed generation) or "RUN.db:GENERATION".
struct InitFrom {
  std::string path;
  std::optional<std::int64_t> generation;
  static InitFrom parse(const std::string& text);
  std::string text() const;
};

// Where a warm-started run came from, as its `runs` row records it.
struct RunOrigin {
  std::string store;  // absolute path
  std::int64_t run = 0;
  std::int64_t generation = 0;
};

struct LoadedWarmStart {
  WarmStart start;
  RunOrigin origin;
};

// The root run of `from.path` at the generation asked for, in terms of a run over `space` with
// `weights`: the parameter spaces must match by name and size, the objectives by number. Every
// mistake is a UsageError that names the store, raised before the new run has a store.
LoadedWarmStart load_warm_start(const InitFrom& from, const ParameterSpace& space,
                                const FitnessWeights& weights, BoundPolicy policy,
                                bool with_history, bool centre_at_mean);

}  // namespace l2l
