#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

void Optimizee::evaluate_batch(std::span<const Candidate> batch, std::span<Evaluation> out) {
  for (std::size_t i = 0; i < batch.size(); ++i) out[i] = evaluate(batch[i]);
}

OptimizeeRegistry& optimizee_registry() {
  static OptimizeeRegistry registry;
  return registry;
}

std::unique_ptr<Optimizee> make_optimizee(Options& options, const OptimizeeContext& ctx) {
  return optimizee_registry().from_options(options, "optimizee").create(options, ctx);
}

}  // namespace l2l
