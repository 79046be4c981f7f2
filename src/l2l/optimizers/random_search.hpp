#pragma once
// Random search: every generation draws `population` candidates uniformly from the space
// (log-uniform for log-scale parameters). Failure policy: failed evaluations are simply not
// candidates for the best.
#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

class RandomSearch final : public Optimizer {
 public:
  struct Config {
    std::int64_t population = 100;
    static Config read(Options& o);
  };
  RandomSearch(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& s) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;

 private:
  Config cfg_;
  ParameterSpace space_;
  FitnessWeights weights_;
  Rng rng_;
  double best_ = FitnessWeights::failed_value;
  std::vector<double> best_params_;
};

}  // namespace l2l
