#pragma once
// Exponential natural evolution strategies (xNES; Glasmachers, Schaul, Sun, Wierstra &
// Schmidhuber 2010, "Exponential natural evolution strategies", GECCO; Wierstra et al. 2014,
// algorithm 5): a Gaussian search distribution N(mu, sigma^2 B B^T) with full covariance, in unit
// coordinates. Each generation samples s_j ~ N(0, I), z_j = mu + sigma B s_j, shapes the
// fitness into utilities u_j and updates in the local natural coordinates:
//     G_delta = sum_j u_j s_j,   G_M = sum_j u_j (s_j s_j^T - I)
//     G_sigma = tr(G_M) / d,     G_B = G_M - G_sigma I
//     mu <- mu + eta_mu sigma B G_delta
//     sigma <- sigma exp(eta_sigma / 2 G_sigma),   B <- B expm(eta_B / 2 G_B)
// Defaults (Wierstra et al. 2014, table 1): population 4 + floor(3 ln d), eta_mu = 1,
// eta_sigma = eta_B = 3 (3 + ln d) / (5 d sqrt d). The matrix exponential of the symmetric G_B
// is taken through its eigendecomposition.
//
// Failure policy: as nes (worst rank; left out with fitness_shaping none; a generation without
// successes changes nothing).
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class Xnes final : public Optimizer {
 public:
  struct Config {
    std::int64_t pop_size = 0;  // 0: 4 + floor(3 ln d)
    bool mirrored = false;
    double sigma = 0.2;
    double learning_rate_mu = 1.0;
    double learning_rate_sigma = 0.0;  // 0: 3 (3 + ln d) / (5 d sqrt d)
    double learning_rate_b = 0.0;      // 0: same as the default eta_sigma
    std::string fitness_shaping = "utility";
    double tol_sigma = 1e-12;
    StartPoint start;
    static Config read(Options& o);
  };

  Xnes(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::string> stop_reason() const override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  std::size_t samples_per_generation() const { return pop_ * (cfg_.mirrored ? 2 : 1); }

 private:
  // Largest standard deviation of a single coordinate: sigma * max_k |row k of B|.
  double max_coordinate_sd() const;

  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::size_t pop_;
  double eta_sigma_, eta_b_;
  std::int64_t generation_ = 0;
  Eigen::VectorXd mu_;
  double sigma_;
  Eigen::MatrixXd b_;
  std::vector<Eigen::VectorXd> s_;  // pending standard-normal draws
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
