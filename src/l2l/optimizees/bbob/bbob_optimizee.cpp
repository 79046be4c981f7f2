#include "l2l/optimizees/bbob/bbob_optimizee.hpp"

namespace l2l {

BbobOptimizee::Config BbobOptimizee::Config::read(Options& o) {
  Config c;
  c.function = o.get<int>("function", c.function,
                          "BBOB function number: 1 sphere ... 24 Lunacek bi-Rastrigin "
                          "(Hansen et al. 2009, noiseless testbed)",
                          Check::range(1, bbob::kFunctions));
  c.dims = o.get<std::int64_t>("dims", c.dims, "search space dimension", Check::at_least(2));
  c.instance = o.get<int>("instance", c.instance,
                          "instance number; fixes x_opt, f_opt and the rotations as COCO does",
                          Check::at_least(1));
  return c;
}

BbobOptimizee::BbobOptimizee(const Config& cfg, const OptimizeeContext&)
    : problem_(cfg.function, static_cast<std::size_t>(cfg.dims), cfg.instance) {}

ParameterSpace BbobOptimizee::space() const {
  ParameterSpace s;
  s.add_array("x", problem_.dim(), -5.0, 5.0);
  return s;
}

Evaluation BbobOptimizee::evaluate(const Candidate& candidate) {
  Evaluation e;
  const double f = problem_.evaluate(candidate.params);
  e.fitness = {f};
  e.metrics["delta_f"] = f - problem_.fopt();
  return e;
}

nlohmann::json BbobOptimizee::describe() const {
  return {{"function", problem_.function()}, {"name", bbob::function_name(problem_.function())},
          {"dims", problem_.dim()},          {"instance", problem_.instance()},
          {"fopt", problem_.fopt()},         {"xopt", problem_.xopt()}};
}

L2L_REGISTER_OPTIMIZEE(BbobOptimizee, "bbob",
                       "the 24 noiseless BBOB/COCO benchmark functions with their instances");

}  // namespace l2l
