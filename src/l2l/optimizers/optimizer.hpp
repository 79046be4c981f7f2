#pragma once
// The outer loop: an optimizer proposes candidates (ask) and learns from their evaluations (tell).
//
// Optimizers never call the optimizee, so any optimizer runs on any evaluator. The driver fills in
// each candidate's generation, index and seed after ask() and repairs its parameters into the
// space (bounds, integers); tell() receives the repaired candidates in ask() order. Evaluations
// that failed arrive with status != ok and must never enter an update as numbers: each optimizer
// documents its failure policy. state()/restore() must capture everything needed to continue
// bit-exactly, including the optimizer's random generator.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/core/fitness.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/registry.hpp"
#include "l2l/core/warm_start.hpp"

namespace l2l {

struct OptimizerContext {
  std::uint64_t seed = 0;  // derive the optimizer's own Rng from this
  FitnessWeights weights;
  BoundPolicy bound_policy = BoundPolicy::clip;
  // What the optimizee returns, known before anything is evaluated, so that a configuration the
  // pair cannot run is refused before a store exists. nullopt: only the evaluations will tell.
  std::optional<bool> optimizee_outputs;  // model outputs with observations (what the EnKF fits)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  virtual std::vector<Candidate> ask() = 0;
  virtual void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) = 0;

  virtual nlohmann::json state() const = 0;
  virtual void restore(const nlohmann::json& state) = 0;

  // The optimizer's own reason to stop (converged, diverged, exhausted grid); nullopt to go on.
  virtual std::optional<std::string> stop_reason() const { return std::nullopt; }
  // The current point estimate (distribution mean, best individual), used for test-phase
  // evaluations; nullopt if the optimizer has none yet.
  virtual std::optional<std::vector<double>> estimate() const { return std::nullopt; }
  // The result of evaluating estimate() on the validation split (experiment.test_every), for
  // optimizers that adapt to it (for example a dynamic EnKF ensemble size). Called after tell().
  // The test set is never shown to an optimizer.
  virtual void observe_validation(const Evaluation& /*validation*/) {}
  // Hyper-state worth plotting per generation (step size, temperature, ensemble size...).
  virtual nlohmann::json generation_info() const { return nlohmann::json::object(); }
  // Large state kept as run-store artifacts every N generations (ensembles, covariances).
  virtual std::vector<Artifact> artifacts() const { return {}; }

  // Begins where a stored run left off (experiment.init_from), before the first ask(); the
  // origin may be any optimizer. Each optimizer documents what it takes. The default refuses,
  // so an optimizer that does not say what a warm start means never silently ignores one.
  virtual void warm_start(const WarmStart& from);
  // Whether warm_start() reads WarmStart::history (model-based optimizers), which the driver
  // then loads: the whole run's parameters can be large.
  virtual bool warm_start_uses_history() const { return false; }
};

using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(Options&, const ParameterSpace&,
                                                                  const OptimizerContext&)>;
using OptimizerRegistry = Registry<OptimizerFactory>;
OptimizerRegistry& optimizer_registry();

std::unique_ptr<Optimizer> make_optimizer(Options& options, const ParameterSpace& space,
                                          const OptimizerContext& ctx);

template <class T>
struct RegisterOptimizer {
  RegisterOptimizer(const char* name, const char* summary) {
    optimizer_registry().add({name, summary, [](Options& o) { (void)T::Config::read(o); },
                              [](Options& o, const ParameterSpace& s, const OptimizerContext& c) {
                                auto cfg = T::Config::read(o);
                                // Checks that need to know the optimizee (Config::check), where
                                // an optimizer has them.
                                if constexpr (requires { cfg.check(o, c); }) cfg.check(o, c);
                                o.finish();
                                return std::unique_ptr<Optimizer>(std::make_unique<T>(cfg, s, c));
                              }});
  }
};

}  // namespace l2l

#define L2L_REGISTER_OPTIMIZER(T, name, summary)                        \
  static const ::l2l::RegisterOptimizer<T> l2l_register_optimizer_##T { \
    name, summary                                                       \
  }
