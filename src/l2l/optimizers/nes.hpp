#pragma once
// Separable natural evolution strategies (SNES; Wierstra et al. 2008 and 2014, Schaul, Glasmachers
// & Schmidhuber 2011), as L2L's NaturalEvolutionStrategiesOptimizer: a Gaussian search
// distribution with mean mu and one standard deviation sigma_k per coordinate (unit
// coordinates). Each generation samples s_j ~ N(0, I), z_j = mu + sigma * s_j (and mu - sigma * s_j
// with mirrored sampling), shapes the fitness into utilities u_j and follows the natural
// gradient in natural coordinates:
//     mu    <- mu + eta_mu * sigma * sum_j u_j s_j
//     sigma <- sigma * exp(eta_sigma / 2 * sum_j u_j (s_j^2 - 1))
// Defaults from Wierstra et al. (2014), table 1: population 4 + floor(3 ln d), eta_mu = 1,
// eta_sigma = (3 + ln d) / (5 sqrt d).
//
// Differences from L2L's Python code: it dropped the last sample of every generation from the
// update (it assumed an extra evaluation of the mean that NES never made), and it scaled the
// mean update by the initial instead of the current sigma.
//
// Failure policy: a failed evaluation ranks worst (ties with other failures share their
// utility); with fitness_shaping none it is left out. A generation without any successful
// evaluation leaves the distribution unchanged.
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

// Per-sample weights u_j for the natural-gradient sums of nes and xnes (see ranking.hpp):
// "utility" the NES log utilities, "centered_rank" centered ranks divided by n, "none" the
// fitness minus its generation mean divided by the number of successful samples. All sum to
// zero; failures get the worst utility (rank-based) or zero ("none").
std::vector<double> nes_shape(const std::string& how, const std::vector<double>& fitness);

class Nes final : public Optimizer {
 public:
  struct Config {
    std::int64_t pop_size = 0;  // 0: 4 + floor(3 ln d)
    bool mirrored = false;
    double sigma = 0.2;
    double learning_rate_mu = 1.0;
    double learning_rate_sigma = 0.0;  // 0: (3 + ln d) / (5 sqrt d)
    std::string fitness_shaping = "utility";
    double tol_sigma = 1e-12;
    StartPoint start;
    static Config read(Options& o);
  };

  Nes(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::string> stop_reason() const override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  std::size_t samples_per_generation() const { return pop_ * (cfg_.mirrored ? 2 : 1); }
  double learning_rate_sigma() const { return eta_sigma_; }

 private:
  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::size_t pop_;
  double eta_sigma_;
  std::int64_t generation_ = 0;
  std::vector<double> mu_, sigma_;
  std::vector<std::vector<double>> s_;  // pending standard-normal draws
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
