#pragma once
// The cross-entropy method for optimization (Rubinstein 1999; de Boer, Kroese, Mannor &
// Rubinstein 2005, "A tutorial on the cross-entropy method"), as L2L's CrossEntropyOptimizer.
//
// Generation 0 samples pop_size points uniformly from the parameter space; later generations
// sample the current distribution (ce_distribution.hpp: gaussian, noisy_gaussian, mixture or
// noisy_mixture, in unit coordinates). After each generation the floor(rho * pop_size) best
// candidates are the elites and gamma, the fitness of the worst elite, is the (1 - rho)
// quantile. With temp_decay > 0 a non-elite candidate is also kept with probability
// exp((f - gamma) / T), a simulated-annealing style acceptance whose temperature T starts at
// `temperature` and is multiplied by temp_decay after every generation. The distribution is
// refitted to the kept candidates (maximum likelihood = minimum cross entropy) and smoothed with
// its previous parameters.
//
// Differences from L2L's Python code: its temperature rule compared the fitness of the unsorted
// population with the sorted candidates, so it kept the wrong individuals.
//
// Failure policy: failed candidates are never elites and never accepted; the elites are the best
// successful candidates (fewer than floor(rho * pop_size) if too many failed). A generation
// without any success leaves the distribution unchanged.
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/ce_distribution.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class CrossEntropy final : public Optimizer {
 public:
  struct Config {
    std::int64_t pop_size = 50;
    double rho = 0.2;
    CeRefitConfig refit;
    CeDistribution::Config distribution;
    static Config read(Options& o);
  };

  CrossEntropy(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

 private:
  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  CeDistribution dist_;
  std::int64_t generation_ = 0;
  double temperature_;
  std::vector<std::vector<double>> pending_;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
