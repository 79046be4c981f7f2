#pragma once
// Optimizee `bbob`: one of the 24 noiseless BBOB functions (see bbob_functions.hpp) over one array
// parameter `x` in [-5, 5]^dims. Fitness is the raw function value f(x) (default weight -1
// minimizes it); the metric `delta_f` is f(x) - f_opt, the precision BBOB targets refer to.
#include "l2l/optimizees/bbob/bbob_functions.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class BbobOptimizee final : public Optimizee {
 public:
  struct Config {
    int function = 1;
    std::int64_t dims = 10;
    int instance = 1;
    static Config read(Options& o);
  };

  BbobOptimizee(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<std::string> objective_names() const override { return {"f"}; }
  std::vector<double> default_weights() const override { return {-1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  nlohmann::json describe() const override;

  const bbob::Problem& problem() const { return problem_; }

 private:
  bbob::Problem problem_;
};

}  // namespace l2l
