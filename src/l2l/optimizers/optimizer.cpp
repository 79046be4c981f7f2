#include "l2l/optimizers/optimizer.hpp"

#include "l2l/core/error.hpp"

namespace l2l {

void Optimizer::warm_start(const WarmStart& from) {
  throw UsageError("this optimizer cannot start from a stored run (" + from.origin + ")");
}

OptimizerRegistry& optimizer_registry() {
  static OptimizerRegistry registry;
  return registry;
}

std::unique_ptr<Optimizer> make_optimizer(Options& options, const ParameterSpace& space,
                                          const OptimizerContext& ctx) {
  return optimizer_registry().from_options(options, "optimizer").create(options, space, ctx);
}

}  // namespace l2l
