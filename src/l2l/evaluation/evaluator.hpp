#pragma once
// Evaluators run the optimizee on a batch of candidates: serially, on threads, in worker
// processes or on MPI ranks. Whatever the evaluator, evaluation i of the batch depends only on
// candidate i (its parameters and seed), so all evaluators give identical results.
#include <memory>
#include <span>
#include <string>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/registry.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

struct EvaluatorContext {
  std::string experiment_yaml;  // the resolved configuration, so workers can rebuild the optimizee
  std::string config_file;
  std::uint64_t seed = 0;
  int threads = 0;      // --threads from the command line; 0 means "use the configuration"
  bool nested = false;  // an evaluator inside another one (each MPI rank's local evaluator)
};

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual void evaluate(Optimizee& optimizee, std::span<const Candidate> batch,
                        std::span<Evaluation> out) = 0;
  virtual std::string name() const = 0;
  virtual int parallelism() const { return 1; }
};

// Evaluates one candidate, turning exceptions and bad numbers into failed evaluations and
// measuring the time. Every evaluator goes through this (or evaluate_chunk_guarded).
Evaluation evaluate_guarded(Optimizee& optimizee, const Candidate& c, std::size_t n_objectives);
void evaluate_chunk_guarded(Optimizee& optimizee, std::span<const Candidate> chunk,
                            std::span<Evaluation> out, std::size_t n_objectives);

using EvaluatorFactory =
    std::function<std::unique_ptr<Evaluator>(Options&, const EvaluatorContext&)>;
using EvaluatorRegistry = Registry<EvaluatorFactory>;
EvaluatorRegistry& evaluator_registry();

std::unique_ptr<Evaluator> make_evaluator(Options& options, const EvaluatorContext& ctx);

// Applies `--evaluator TYPE` to the configuration's evaluator section. Options written for another
// evaluator type do not apply to the new one and are dropped, except that `--evaluator mpi` keeps
// the configured evaluator as the ranks' local evaluator (so `mpirun l2l run exp.yaml --evaluator
// mpi` runs exp.yaml's processes evaluator, timeouts and all, on every rank).
void override_evaluator_type(YAML::Node section, const std::string& type);

template <class T>
struct RegisterEvaluator {
  RegisterEvaluator(const char* name, const char* summary) {
    evaluator_registry().add({name, summary, [](Options& o) { (void)T::Config::read(o); },
                              [](Options& o, const EvaluatorContext& c) {
                                auto cfg = T::Config::read(o);
                                o.finish();
                                return std::unique_ptr<Evaluator>(std::make_unique<T>(cfg, c));
                              }});
  }
};

}  // namespace l2l

#define L2L_REGISTER_EVALUATOR(T, name, summary)                        \
  static const ::l2l::RegisterEvaluator<T> l2l_register_evaluator_##T { \
    name, summary                                                       \
  }
