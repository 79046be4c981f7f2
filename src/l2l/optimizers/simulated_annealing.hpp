#pragma once
// Simulated annealing with parallel independent chains (Kirkpatrick, Gelatt & Vecchi 1983;
// L2L's SimulatedAnnealingOptimizer), in unit coordinates.
//
// Generation 0 evaluates every chain's start point. In generation g >= 1 each chain proposes
// x' = x + step_k * N(0, I) and accepts it with the Metropolis rule for maximization:
// always if f(x') >= f(x), otherwise with probability exp((f(x') - f(x)) / T_k), where
// k = g - 1 is the annealing step and T_k follows the cooling schedule (cooling.hpp, with the
// formulas of every schedule). The proposal width shrinks with the temperature:
// step_k = step * (T_k / T_0) (step_scaling linear, L2L's behaviour), step * sqrt(T_k / T_0)
// (sqrt) or step (none).
//
// Failure policy: a failed proposal is rejected (the chain stays where it is). A chain whose
// start failed accepts its first successful proposal.
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/cooling.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

// step * scale(T / T_ref) for step_scaling linear | sqrt | none.
double scaled_step(const std::string& scaling, double step, double t, double t_ref);

// The Metropolis acceptance probability of moving from fitness `current` to `proposed` at
// temperature t (maximization): 1 if proposed >= current, exp((proposed - current) / t) else,
// 0 for a failed (non-finite) proposal.
double metropolis_acceptance(double current, double proposed, double t);

class SimulatedAnnealing final : public Optimizer {
 public:
  struct Config {
    std::int64_t n_chains = 16;
    double step = 0.05;
    std::string step_scaling = "linear";
    Cooling::Config cooling;
    StartPoint start;
    static Config read(Options& o);
  };

  SimulatedAnnealing(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  double temperature() const { return temperature_; }

 private:
  Config cfg_;
  Cooling cooling_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::int64_t generation_ = 0;
  std::int64_t step_k_ = 0;  // annealing steps done
  double temperature_;
  std::vector<std::vector<double>> x_;  // chain states (unit coordinates)
  std::vector<double> f_;               // their weighted fitness (-inf: none yet)
  std::vector<double> best_x_;
  double best_f_ = -std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> pending_;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
