#pragma once
// Bayesian optimisation with a Gaussian process (Jones, Schonlau & Welch 1998; Snoek, Larochelle
// & Adams 2012): for objectives so expensive that a few milliseconds of modelling per evaluation
// are free. See docs/bayesian.md.
//
// Coordinates: the model lives in the unit cube of the ParameterSpace (to_unit, log-aware), so a
// length scale of 0.1 is a tenth of a parameter's range, in decades for log-scale parameters.
//
// Each ask(): the first ceil(n_initial / population) batches are a Latin hypercube design. Then a
// Gaussian process (gaussian_process.hpp: constant mean, Matern-5/2 ARD kernel, noise) is fitted
// to the told points by maximising the log marginal likelihood plus a weak prior, warm-started
// from the previous hyperparameters, within an iteration budget that shrinks as (n0 / n)^3 so
// that the cost of an ask stays bounded (below 1 iteration per ask, iterations are accumulated:
// the fit runs every k-th ask). Each candidate maximises the expected improvement (computed as
// log EI, which never underflows) over the best posterior mean at an observed point: uniform
// candidates plus perturbations of the best observations, then projected normalised-gradient
// ascent from the best few. Further candidates of a batch are chosen after a fantasy observation
// at each chosen point (constant liar or kriging believer) under fixed hyperparameters.
//
// Integer elements: candidates are rounded to the values the driver will evaluate before their
// EI is computed, and the gradient refinement moves only continuous elements, so EI judges the
// points that are really evaluated; tell() models the repaired points it receives.
//
// Failure policy: a failed evaluation never enters the model as its value. With `failures: worst`
// (default) its point is modelled as an observation of the worst successful value, so the model
// steers away from regions that fail; with `failures: ignore` it is left out. A failed point is
// never the incumbent nor the estimate. Until two evaluations succeeded, asks after the design
// draw uniform points.
//
// estimate(): the successful observation with the best posterior mean (the best observed point
// before the first model fit), which for noisy objectives is more reliable than the best value.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/gaussian_process.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

// The expected improvement E[max(f - best, 0)] of f ~ N(mean, sd^2) (maximisation) and its
// logarithm with the derivatives with respect to mean and sd. The logarithm stays finite and
// accurate where EI underflows (mean many sd below best), so the acquisition can still rank
// such points (Ament et al. 2023, "Unexpected improvements to expected improvement").
double expected_improvement(double mean, double sd, double best);
struct LogExpectedImprovement {
  double value = 0.0;
  double d_mean = 0.0;
  double d_sd = 0.0;
};
LogExpectedImprovement log_expected_improvement(double mean, double sd, double best);

class BayesianOptimization final : public Optimizer {
 public:
  struct Config {
    std::int64_t population = 1;
    std::int64_t n_initial = 0;  // 0: max(5, 2 d)
    std::string initial_design = "lhs";
    std::string batch = "constant_liar";
    std::string liar = "min";
    std::string failures = "worst";
    std::string output_warp = "auto";  // auto | none | log
    double xi = 0.0;
    std::int64_t candidates = 500;
    std::int64_t local_candidates = 100;
    std::int64_t refine_starts = 3;
    std::int64_t refine_steps = 20;
    std::int64_t fit_iterations = 100;
    std::int64_t fit_restarts = 2;
    std::int64_t fit_full_until = 30;
    std::vector<double> length_scale_bounds = {1e-2, 1e1};
    std::vector<double> noise_bounds = {1e-6, 1.0};
    static Config read(Options& o);
  };

  BayesianOptimization(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  bool warm_start_uses_history() const override { return true; }
  nlohmann::json generation_info() const override { return info_; }

 private:
  struct Proposal {
    Eigen::VectorXd u;
    double log_ei = 0.0;
  };

  // The unit point in the optimizee's units, integer elements rounded as the driver will.
  std::vector<double> natural(const Eigen::VectorXd& u) const;
  // The unit point moved onto the integer values of integer elements.
  Eigen::VectorXd snap(const Eigen::VectorXd& u) const;
  Eigen::VectorXd uniform_point();
  std::vector<Eigen::VectorXd> initial_design(std::size_t n);
  // The model's training set (failure policy applied, targets warped if `warped`); false if the
  // model cannot be built yet. log_jacobian: sum of log |dwarp/dy| over the rows (0 unwarped).
  bool training_set(Eigen::MatrixXd& x, Eigen::VectorXd& y, std::vector<Eigen::Index>& ok,
                    bool warped, double* log_jacobian = nullptr) const;
  void propose_with_model();
  // The acquisition's maximiser; centres are the best observations, where local candidates go.
  Proposal maximize_acquisition(const GaussianProcess& gp, double best,
                                const std::vector<Eigen::VectorXd>& centres);
  Proposal refine(const GaussianProcess& gp, double best, Proposal p) const;
  double log_ei_at(const GaussianProcess& gp, double best, const Eigen::VectorXd& u,
                   Eigen::VectorXd* gradient) const;
  void update_estimate();

  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  GpHyperPrior prior_;
  Rng rng_;
  std::vector<char> integer_;  // per element
  bool any_integer_ = false;
  std::int64_t generation_ = 0;
  std::vector<Eigen::VectorXd> design_;  // the initial design, issued in order
  std::size_t design_next_ = 0;
  std::vector<Eigen::VectorXd> x_;  // observed points (unit coordinates)
  std::vector<double> f_;           // their weighted fitness; -inf: failed
  Eigen::VectorXd theta_;           // hyperparameters of the last fit (empty: none yet)
  Eigen::VectorXd theta_warped_;    // the same for the log-warped targets (output_warp auto/log)
  bool warped_ = false;             // whether the last model was the warped one
  double fit_credit_ = 0.0;         // fit iterations earned but not spent
  std::vector<Eigen::VectorXd> pending_;
  Eigen::VectorXd estimate_;  // unit coordinates; empty: none yet
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
