#pragma once
// Evolution strategies in the style of Salimans, Ho, Chen & Sutskever (2017), "Evolution
// Strategies as a Scalable Alternative to Reinforcement Learning" (L2L's
// EvolutionStrategiesOptimizer).
//
// One search point theta (unit coordinates). Each generation draws pop_size directions
// eps_i ~ N(0, I) and evaluates theta + sigma eps_i (and theta - sigma eps_i with mirrored
// sampling). With F_j the shaped fitness of candidate j and s_j = +-1 its sign, the gradient
// estimate of the Gaussian-smoothed fitness is
//     g = 1 / (N sigma) * sum_j F_j s_j eps_j          (N = number of candidates)
// and theta moves by learning_rate * g (sgd) or by an Adam step (Kingma & Ba 2015) built on g.
// sigma and the learning rate may decay geometrically (sigma_decay, learning_rate_decay): Adam's
// steps have about the learning rate's length whatever the gradient, so a fixed rate keeps the
// mean wandering at that scale.
// Fitness shaping: centered ranks in [-0.5, 0.5] (Salimans et al.), NES utilities (Wierstra et
// al. 2014), or none (fitness minus its generation mean).
//
// Failure policy: a failed evaluation ranks worst (tied with the other failures); with
// fitness_shaping none it is left out of the sum and of N. A generation without any successful
// evaluation changes nothing but the random stream.
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class EvolutionStrategies final : public Optimizer {
 public:
  struct Config {
    std::int64_t pop_size = 16;
    bool mirrored = true;
    double sigma = 0.05;
    double sigma_decay = 1.0;
    double sigma_min = 0.0;
    double learning_rate = 0.02;
    double learning_rate_decay = 1.0;
    std::string fitness_shaping = "centered_rank";
    std::string step = "adam";
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    bool evaluate_mean = false;
    StartPoint start;
    static Config read(Options& o);
  };

  EvolutionStrategies(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

 private:
  std::size_t n_samples() const;

  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::int64_t generation_ = 0;
  std::vector<double> theta_;
  double sigma_;
  double learning_rate_;
  std::vector<double> m_, v_;  // Adam moments
  std::int64_t steps_ = 0;
  std::vector<std::vector<double>> eps_;  // pending directions, empty when nothing is asked
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
