#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

OptimizerRegistry& optimizer_registry() {
  static OptimizerRegistry registry;
  return registry;
}

std::unique_ptr<Optimizer> make_optimizer(Options& options, const ParameterSpace& space,
                                          const OptimizerContext& ctx) {
  return optimizer_registry().from_options(options, "optimizer").create(options, space, ctx);
}

}  // namespace l2l
