#pragma once
// The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kegl 2011, "Algorithms for
// hyper-parameter optimization"), with the defaults and bandwidth rules of Optuna's TPESampler
// (Watanabe 2023, "Tree-structured Parzen estimator: understanding its algorithm components").
// docs/tpe.md describes the algorithm and every option.
//
// The first n_startup evaluations are uniform in unit coordinates. Afterwards the successful
// observations are split by weighted fitness: the n_below = min(ceil(gamma * n), n_below_max)
// best form the "below" set, the other successes (and the failures, see below) the "above" set.
// Each set is modelled by a Parzen estimator, l(x) for below and g(x) for above: a weighted mixture
// of Gaussians truncated to the unit interval, one per observation, plus a prior component at the
// centre with the width of the whole range. n_candidates points are drawn from l and the one
// maximizing log l(x) - log g(x) (the expected improvement of the TPE) is proposed. Univariate
// (default): one mixture per element, each element chosen on its own, as Optuna's independent
// sampling. Multivariate: one joint mixture whose kernels are products over the elements (Optuna's
// multivariate=True).
//
// Integer elements are modelled as discrete: a kernel gives each integer the mass of its bin
// [k - 1/2, k + 1/2] (in unit coordinates, so log-scale integers work too), candidates are
// scored on the integer they round to, and ask() returns integral values.
//
// Batches (population > 1): with constant_liar, each point of a batch is added to the above set
// while the rest of the batch is chosen, which pushes the batch apart (Optuna's constant_liar).
//
// Warm start (experiment.init_from): the origin's successful evaluations are observations, in
// their order, counted towards n_startup; the origin's best is the best so far.
//
// Failure policy: a failed evaluation is never a number in the model. It is ranked below every
// success, so it is never in the below set, and (failures: bad, the default) it is a kernel of
// the above set g(x): regions that fail become less likely to be proposed. Optuna ignores failed
// trials (failures: ignore), which keeps it proposing points in a region that always fails.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

// Optuna's default_weights: n observations in chronological order (oldest first) get weight 1,
// except that beyond the 25 newest the older ones ramp linearly from 1/n up to 1, so the model
// forgets slowly.
std::vector<double> tpe_weights(std::size_t n);

// The size of the below set for n successful observations: min(ceil(gamma * n), max_below).
std::size_t tpe_n_below(std::size_t n, double gamma, std::size_t max_below);

// What shapes the kernels of l(x) and g(x) (Optuna's parameters of the same names).
struct ParzenSettings {
  double prior_weight = 1.0;
  bool consider_endpoints = false;  // the outermost kernels may span to the domain ends
  bool magic_clip = true;           // bandwidths >= range / min(100, 1 + kernels, prior included)
  // Score candidates with each continuous kernel weighted by its bandwidth (see docs/tpe.md,
  // "Scoring"); false: with the normalized densities.
  bool width_weighted_score = true;
};

// A weighted mixture of Gaussians, each truncated to [lo, hi] and renormalized there.
class TruncatedMixture {
 public:
  TruncatedMixture(double lo, double hi, std::vector<double> mu, std::vector<double> sigma,
                   std::vector<double> weight);

  double log_pdf(double u) const;
  // log sum_k weight_k * sigma_k * (truncated density k)(u): each kernel counts as much at its
  // centre as any other, whatever its width. Not a density; differences between two such
  // mixtures are what Optuna 3.1 to 3.4 compare (docs/tpe.md, "Scoring").
  double log_width_weighted(double u) const;
  // The log probability of the interval [a, b] within [lo, hi] (an integer's bin).
  double log_mass(double a, double b) const;
  double sample(Rng& rng) const;

  double lo() const { return lo_; }
  double hi() const { return hi_; }
  const std::vector<double>& mu() const { return mu_; }
  const std::vector<double>& sigma() const { return sigma_; }
  const std::vector<double>& weight() const { return weight_; }  // normalized

 private:
  // log sum_k weight_k * (truncated density k)(u), times sigma_k unless per_unit_width.
  double log_kernel_sum(double u, bool per_unit_width) const;

  double lo_, hi_;
  std::vector<double> mu_, sigma_, weight_;
  std::vector<double> log_coef_;  // log weight - log (mass of the kernel on [lo, hi])
};

// The univariate Parzen estimator of one element: a kernel at each observation (weights from
// tpe_weights or the caller) plus the prior, on the domain [lo, hi]. Bandwidth: the larger
// distance to the neighbouring observations (or domain ends), clipped to [min, hi - lo].
TruncatedMixture fit_parzen(std::span<const double> mus, std::span<const double> weights, double lo,
                            double hi, const ParzenSettings& settings);

class Tpe final : public Optimizer {
 public:
  struct Config {
    std::int64_t population = 1;
    std::int64_t n_startup = 10;
    std::int64_t n_candidates = 24;
    double gamma = 0.1;
    std::int64_t n_below_max = 25;
    ParzenSettings parzen;
    bool multivariate = false;
    bool constant_liar = true;
    bool failures_are_bad = true;  // failures: bad (kernels of g) | ignore (Optuna)
    static Config read(Options& o);
  };

  // How one element of the space is modelled: fixed (a single value), continuous on the unit
  // interval, or integer with one bin per value.
  struct Element {
    enum class Kind { fixed, continuous, integer } kind = Kind::continuous;
    double lo = 0.0, hi = 1.0;      // the kernels' domain in unit coordinates
    double k_lo = 0.0, k_hi = 0.0;  // integers: the smallest and largest value
    double value = 0.0;             // fixed: the value
    double lower = 0.0, upper = 1.0;
    bool log_scale = false;
    double unit(double x) const;     // as ParameterSpace::to_unit
    double natural(double u) const;  // as from_unit, then clipped or rounded into the space
  };

  Tpe(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::vector<double>> estimate() const override;
  nlohmann::json generation_info() const override { return info_; }
  // The origin's whole history becomes observations, as if evaluated by this run.
  void warm_start(const WarmStart& from) override;
  bool warm_start_uses_history() const override { return true; }

 private:
  struct Split;
  Split split() const;
  std::vector<double> sample_startup();
  std::vector<double> sample_univariate(const Split& sp,
                                        const std::vector<std::vector<double>>& lies,
                                        double& score);
  std::vector<double> sample_multivariate(const Split& sp,
                                          const std::vector<std::vector<double>>& lies,
                                          double& score);
  std::vector<double> to_natural(const std::vector<double>& u) const;
  std::vector<double> observed_unit(const std::vector<double>& x) const;
  bool observe(const std::vector<double>& x, double weighted);  // false: a failure

  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  std::vector<Element> elements_;
  std::vector<std::size_t> modelled_;  // indices of the elements that are not fixed
  std::int64_t generation_ = 0;
  // Every told point in chronological order: the repaired parameters, their unit coordinates
  // (derived, not checkpointed) and the weighted fitness (-inf: failed).
  std::vector<std::vector<double>> obs_x_, obs_u_;
  std::vector<double> obs_f_;
  std::int64_t failed_ = 0;
  std::vector<double> best_x_;
  double best_f_ = FitnessWeights::failed_value;
  std::vector<std::vector<double>> pending_;  // the asked batch, until tell()
  std::vector<double> pending_score_;         // log l - log g of each; NaN in the startup
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
