#pragma once
// Parallel tempering (replica exchange; Swendsen & Wang 1986, Geyer 1991, Earl & Deem 2005):
// n_chains Metropolis chains, one per temperature of a ladder T_1 < ... < T_M (geometric between
// t_min and t_max, or given explicitly), in unit coordinates.
//
// Generation 0 evaluates the start points. Every generation g >= 1 each chain proposes
// x' = x + step_i * N(0, I) and accepts with the Metropolis rule at its temperature
// (simulated_annealing.hpp). After the moves of every generation, neighbouring chains exchange
// their states (position and fitness) with the Metropolis swap criterion for maximization,
//     P(swap i <-> j) = min(1, exp((1/T_i - 1/T_j) (f_j - f_i))),
// which leaves the product of the tempered distributions exp(f / T_i) invariant: a better state
// always moves to the colder chain, a worse one with that probability. The pairs (1,2), (3,4),
// ... are tried first, then (2,3), (4,5), ..., so every neighbouring pair is tried once per
// generation and a state can climb or descend several rungs. generation_info() records the
// attempts, the acceptances and their rate for the generation.
//
// Optional cooling (default constant): every rung follows the cooling schedule from its own
// start temperature (to end_factor times it for the additive schedules). The proposal width of
// rung i is step * (T_i / T_1(0))^p with p = 1/2 (step_scaling sqrt, default), 1 (linear) or 0.
//
// Differences from L2L's Python code: it never swapped (each chain was "compared" with itself),
// its criterion exp(-|(E1 - E2)(1/kT1 - 1/kT2)|) was never >= 1, so better states were not
// always moved down, and it swapped schedules rather than states.
//
// Failure policy: a failed proposal is rejected; a chain that has no successful state yet
// (its start failed) takes part in no swap (counted as a rejected attempt).
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/cooling.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class ParallelTempering final : public Optimizer {
 public:
  struct Config {
    std::int64_t n_chains = 8;
    std::vector<double> temperatures;  // explicit ladder; empty: geometric t_min..t_max
    double t_min = 0.1;
    double t_max = 10.0;
    double step = 0.01;
    std::string step_scaling = "sqrt";
    Cooling::Config cooling;  // t0/t_end unused: per rung
    double end_factor = 0.1;
    StartPoint start;
    static Config read(Options& o);
  };

  ParallelTempering(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  // min(1, exp((1/t_i - 1/t_j) (f_j - f_i))); 0 if either fitness is not finite.
  static double swap_probability(double f_i, double t_i, double f_j, double t_j);
  const std::vector<double>& temperatures() const { return temps_; }
  const std::vector<double>& chain_fitness() const { return f_; }

 private:
  Config cfg_;
  std::vector<Cooling> cooling_;  // one per rung
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::int64_t generation_ = 0;
  std::int64_t step_k_ = 0;
  std::vector<double> temps_;  // current temperature of every rung
  std::vector<std::vector<double>> x_;
  std::vector<double> f_;
  std::vector<double> best_x_;
  double best_f_ = -std::numeric_limits<double>::infinity();
  std::int64_t total_attempts_ = 0, total_accepts_ = 0;
  std::vector<std::vector<double>> pending_;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
