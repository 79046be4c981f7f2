#pragma once
// CMA-ES: the covariance matrix adaptation evolution strategy, as specified in N. Hansen, "The CMA
// Evolution Strategy: A Tutorial" (arXiv:1604.00772, 2016): weighted recombination, cumulative
// step-size adaptation, rank-one and rank-mu covariance updates, optionally active (negative
// weights for the worst candidates) and separable (diagonal covariance, Ros & Hansen 2008), with
// IPOP (Auger & Hansen 2005) or BIPOP (Hansen 2009) restarts and the tutorial's termination
// criteria as named options. See docs/cmaes.md.
//
// Coordinates: the strategy lives in the normalized unit cube of the ParameterSpace (to_unit /
// from_unit, log-aware), so sigma0 = 0.25 means a quarter of every range. Bounds are handled by a
// smooth periodic transformation of an unconstrained search space onto [0, 1] (default; identity
// in the interior, quadratic near the bounds, mirrored outside) or by an adaptive quadratic penalty
// on the distance to the box (Hansen et al. 2009, IEEE TEC 13(1)), or not at all (`none`: the
// BBOB/COCO protocol, where the box only scales coordinates and places random starts).
//
// Failure policy: a failed evaluation is neither counted nor ranked; tell() draws a fresh sample
// for that slot, and the next ask() returns only those replacements. The generation's update
// happens when every slot holds a valid evaluation, so a generation may span several ask/tell
// rounds.
//
// Cost of a generation: O(n^2) per sample (y = B (D z)); the eigendecomposition of C is postponed
// for 0.5 / (n (c1 + cmu)) generations as pycma does, which amortizes its O(n^3).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

class CmaEs final : public Optimizer {
 public:
  struct Config {
    std::int64_t population = 0;  // lambda; 0: 4 + floor(3 ln n)
    std::int64_t parents = 0;     // mu; 0: floor(lambda / 2)
    double sigma0 = 0.25;         // in unit coordinates
    std::vector<double> x0;       // in parameter units; empty: `initial`
    std::string initial = "center";
    bool active = true;
    std::string separable = "auto";
    std::string bounds = "transform";
    std::string restarts = "none";
    std::int64_t max_restarts = 9;
    double incpopsize = 2.0;
    std::string restart_from = "random";
    double cc = 0.0, cs = 0.0, c1 = 0.0, cmu = 0.0, damps = 0.0;  // 0: tutorial defaults
    double eigen_gap = 0.5;
    double tolfun = 1e-12;
    double tolfunhist = 1e-12;
    double tolx = 1e-12;
    double tolxup = 1e4;
    double tolconditioncov = 1e14;
    bool stagnation = true;
    bool noeffectaxis = true;
    bool noeffectcoord = true;
    std::int64_t tolflatfitness = 10;
    std::int64_t maxiter_run = 0;  // 0: 100 + 150 (n + 3)^2 / sqrt(lambda), as pycma
    std::int64_t max_failed_rounds = 20;
    static Config read(Options& o);
  };

  CmaEs(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::string> stop_reason() const override { return stop_; }
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override;

  // Introspection for tests and benchmarks.
  double sigma() const { return sigma_; }
  std::size_t population() const { return static_cast<std::size_t>(lambda_); }
  std::int64_t restarts() const { return restarts_; }
  std::int64_t evaluations() const { return total_evals_; }
  bool separable() const { return separable_; }
  double condition() const;
  const std::string& last_run_stop() const { return last_run_stop_; }

 private:
  enum class Regime { first, large, small };

  void setup_parameters(std::int64_t lambda);
  void start_run(bool first);
  void begin_generation();
  void sample_slot(Eigen::Index k);
  void end_generation();
  void update_penalty_weights(const Eigen::VectorXd& raw_cost);
  std::vector<std::string> check_stop(const std::vector<Eigen::Index>& order,
                                      const Eigen::VectorXd& raw);
  void finish_run(const std::string& why);
  void decompose();

  // Unit coordinates of an unconstrained point, and back (an exact inverse inside the box).
  double to_box(double y) const;
  double from_box(double u) const;
  std::vector<double> to_params(const Eigen::VectorXd& y) const;
  double bound_penalty(const Eigen::VectorXd& y) const;

  Config cfg_;
  ParameterSpace space_;
  FitnessWeights weights_;
  Rng rng_;
  Eigen::Index n_ = 0;
  bool separable_ = false;
  bool penalty_ = false;
  bool unbounded_ = false;
  Eigen::VectorXd initial_mean_;  // unconstrained coordinates
  double warm_sigma0_ = 0;        // the first run's step size after a warm start (0: sigma0)

  // Strategy parameters of the current run (functions of lambda and the configuration).
  std::int64_t lambda_ = 0, mu_ = 0, lambda_default_ = 0;
  Eigen::VectorXd w_;  // recombination weights, positive for the mu best, negative (active) after
  double mueff_ = 1.0, cc_ = 0.0, cs_ = 0.0, c1_ = 0.0, cmu_ = 0.0, damps_ = 1.0, chin_ = 1.0;
  std::int64_t eigen_gap_gens_ = 1, maxiter_run_ = 0, fun_hist_len_ = 0, stag_min_ = 0;

  // State of the current run.
  Eigen::VectorXd mean_;
  double sigma_ = 0.0, sigma0_run_ = 0.0;
  Eigen::MatrixXd c_, b_;  // full covariance and its eigenvectors (empty when separable)
  Eigen::VectorXd cdiag_;  // separable covariance
  Eigen::VectorXd d_;      // square roots of the eigenvalues (or of cdiag_)
  Eigen::VectorXd pc_, ps_;
  std::int64_t gen_ = 0, last_eigen_gen_ = 0, run_evals_ = 0, run_max_evals_ = 0;
  std::int64_t flat_count_ = 0;
  std::vector<double> fun_hist_;                 // best cost of the recent generations
  std::vector<double> stag_best_, stag_median_;  // for the stagnation criterion
  bool numerical_problem_ = false;

  // Penalty bound handling.
  Eigen::VectorXd gamma_;
  bool penalty_initial_phase_ = true;
  std::vector<double> iqr_hist_;

  // Restarts.
  Regime regime_ = Regime::first;
  std::int64_t restarts_ = 0, large_index_ = 0;
  std::int64_t evals_large_ = 0, evals_small_ = 0, last_large_evals_ = 0;

  // The generation being evaluated.
  bool in_progress_ = false;
  Eigen::MatrixXd z_, y_;     // n x lambda: standard normal draws and y = B D z
  std::vector<double> cost_;  // minimized cost (-weighted fitness), NaN until evaluated
  std::vector<Eigen::Index> outstanding_;  // slots returned by the last ask()
  std::int64_t failed_rounds_ = 0;

  std::int64_t total_evals_ = 0, total_gens_ = 0, failed_evals_ = 0;
  double best_cost_ = 0.0;
  std::optional<std::string> stop_;
  std::string last_run_stop_;
};

}  // namespace l2l
