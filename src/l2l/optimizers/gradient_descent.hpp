#pragma once
// Gradient ascent on the weighted fitness with a finite-difference gradient (L2L's
// GradientDescentOptimizer), in unit coordinates.
//
// Every generation evaluates n_random_steps exploration points x + N(0, h^2 I)
// (h = exploration_step_size) and the current point x itself (the last candidate). The gradient
// is the least-squares (minimum-norm) solution g of  dX g = df, where row i of dX is the offset
// of exploration point i from x and df_i the difference of their fitness: the pseudo-inverse
// estimate of L2L. Both use the points as evaluated (after the driver's repair). Then x moves by
//   classic     x += lr g
//   stochastic  x += lr (g + N(0, deviation^2 I) * decay^t)          (t = update count)
//   rmsprop     v = rho v + (1 - rho) g^2;  x += lr g / sqrt(v + eps)        (Tieleman & Hinton
//   2012) adam        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//               x += lr m^ / (sqrt(v^) + eps) with bias-corrected m^, v^     (Kingma & Ba 2015)
//   adamax      m as adam;  u = max(b2 u, |g|);  x += lr / (1 - b1^t) m / (u + eps)
//                                                       (Kingma & Ba 2015, section 7.1)
// and is kept inside the unit box.
//
// Failure policy: failed exploration points are left out of the least-squares system. If the
// current point failed, the step that led there is undone (x returns to the last point whose
// evaluation succeeded) and new exploration points are drawn; no update is made. After
// max_failures consecutive generations without a usable gradient the optimizer stops
// (stop_reason()).
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class GradientDescent final : public Optimizer {
 public:
  struct Config {
    std::string variant = "adam";
    double learning_rate = 0.01;
    double exploration_step_size = 0.01;
    std::int64_t n_random_steps = 0;  // 0: the dimension of the space
    double stochastic_deviation = 1.0;
    double stochastic_decay = 0.99;
    double momentum_decay = 0.9;
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
    std::int64_t max_failures = 10;
    StartPoint start;
    static Config read(Options& o);
  };

  GradientDescent(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::string> stop_reason() const override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  std::size_t random_steps() const { return n_steps_; }

 private:
  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::size_t n_steps_;
  std::int64_t generation_ = 0;
  std::vector<double> x_;       // current point (unit coordinates, unrounded)
  std::vector<double> good_x_;  // last point whose evaluation succeeded
  std::vector<double> m_, v_;   // moments (v is u for adamax)
  std::int64_t updates_ = 0;
  std::int64_t failures_ = 0;  // consecutive generations without an update
  std::vector<std::vector<double>> pending_;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
