#pragma once
// The inner loop: an optimizee describes its parameter space and evaluates candidates.
//
// evaluate() is called concurrently from several threads (or in worker processes rebuilt from the
// same configuration), so it must not mutate shared state without synchronisation; all randomness
// must come from the candidate's seed. Throwing, or returning non-finite fitness, produces a
// failed evaluation with the reason; it never stops the run.
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/registry.hpp"

namespace l2l {

struct OptimizeeContext {
  std::uint64_t seed = 0;   // run seed: fixes anything that must be equal for all candidates
  std::string config_file;  // the experiment file, for resolving relative paths
  int threads = 1;          // threads this optimizee may use inside one evaluation
};

class Optimizee {
 public:
  virtual ~Optimizee() = default;

  virtual ParameterSpace space() const = 0;
  virtual Evaluation evaluate(const Candidate& candidate) = 0;

  // Vectorised evaluation of several candidates at once (GPU or batched models). The evaluator
  // hands chunks of up to batch_size() candidates. The default loops over evaluate().
  virtual std::size_t batch_size() const { return 1; }
  virtual void evaluate_batch(std::span<const Candidate> batch, std::span<Evaluation> out);

  virtual std::vector<std::string> objective_names() const { return {"fitness"}; }
  // Whether evaluations carry model outputs with observations (what the EnKF fits), where the
  // optimizee knows before evaluating; nullopt when only the evaluations tell (external programs).
  virtual std::optional<bool> returns_outputs() const { return std::nullopt; }
  // The fitness weights used when the experiment does not set any (L2L convention: maximize the
  // weighted sum, negative weights minimize).
  virtual std::vector<double> default_weights() const { return {1.0}; }
  // Static facts worth keeping with the run (dataset sizes, network layout...).
  virtual nlohmann::json describe() const { return nlohmann::json::object(); }
};

using OptimizeeFactory =
    std::function<std::unique_ptr<Optimizee>(Options&, const OptimizeeContext&)>;
using OptimizeeRegistry = Registry<OptimizeeFactory>;
OptimizeeRegistry& optimizee_registry();

std::unique_ptr<Optimizee> make_optimizee(Options& options, const OptimizeeContext& ctx);

template <class T>
struct RegisterOptimizee {
  RegisterOptimizee(const char* name, const char* summary) {
    optimizee_registry().add({name, summary, [](Options& o) { (void)T::Config::read(o); },
                              [](Options& o, const OptimizeeContext& c) {
                                auto cfg = T::Config::read(o);
                                o.finish();
                                return std::unique_ptr<Optimizee>(std::make_unique<T>(cfg, c));
                              }});
  }
};

}  // namespace l2l

#define L2L_REGISTER_OPTIMIZEE(T, name, summary)                        \
  static const ::l2l::RegisterOptimizee<T> l2l_register_optimizee_##T { \
    name, summary                                                       \
  }
