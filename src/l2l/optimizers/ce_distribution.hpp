#pragma once
// The sampling distributions, the elite selection and the ask/refit steps shared by
// cross_entropy and face, in unit coordinates.
//
// Families (L2L's Gaussian, NoisyGaussian, BayesianGaussianMixture, NoisyBayesianGaussianMixture):
//   gaussian        one Gaussian, maximum-likelihood mean and covariance of the selected points
//   noisy_gaussian  the same plus `noise` * I added to the covariance after every fit; the added
//                   variance decays by `noise_decay` per fit (Kroese, Porotsky & Rubinstein 2006)
//   mixture         K Gaussians fitted by expectation-maximization (Dempster, Laird & Rubin 1977),
//                   warm-started from the current mixture so components keep their identity
//   noisy_mixture   the mixture plus the decaying added variance
// Covariances are full or diagonal. Every fit is smoothed with the previous parameters,
//   new = smoothing * old + (1 - smoothing) * fitted,
// for weights, means and covariances (component by component for a mixture), and
// `min_variance` * I keeps covariances positive definite. Sampling uses an eigendecomposition,
// so a singular covariance (fewer elites than dimensions) still samples correctly.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "l2l/core/candidate.hpp"
#include "l2l/core/options.hpp"
#include "l2l/core/parameter_space.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/core/warm_start.hpp"

namespace l2l {

class CeDistribution {
 public:
  struct Config {
    std::string family = "noisy_gaussian";
    bool diagonal = false;
    std::int64_t components = 3;
    std::int64_t em_iterations = 100;
    double em_tolerance = 1e-8;
    double min_variance = 1e-12;
    double noise = 0.01;
    double noise_decay = 0.9;
    static Config read(Options& o);
    bool noisy() const { return family == "noisy_gaussian" || family == "noisy_mixture"; }
    bool mixture() const { return family == "mixture" || family == "noisy_mixture"; }
  };

  // The initial distribution: the moments of the unit box (mean 0.5, variance 1/12); a mixture's
  // component means are drawn uniformly from the box.
  CeDistribution(const Config& cfg, std::size_t dim, Rng& rng);

  // Fits the selected points (at least one) and smooths with the current parameters.
  void fit(const std::vector<Eigen::VectorXd>& points, double smoothing);
  std::vector<double> sample(Rng& rng) const;
  // The mean of the heaviest component (the mean for one Gaussian).
  std::vector<double> mode_mean() const;

  nlohmann::json state() const;
  void restore(const nlohmann::json& j);
  nlohmann::json info() const;  // average standard deviation, added noise, mixture weights

 private:
  struct Component {
    double weight = 1.0;
    Eigen::VectorXd mean;
    Eigen::MatrixXd cov;  // full covariance (d x d), or a d x 1 column of variances if diagonal
    // Derived, not saved: eigenvectors and clamped eigenvalues of cov.
    Eigen::MatrixXd vecs;
    Eigen::VectorXd vals;
  };
  void factorize(Component& c) const;
  double log_density(const Component& c, const Eigen::VectorXd& x) const;
  void fit_em(const std::vector<Eigen::VectorXd>& points, std::vector<Component>& comps) const;

  Config cfg_;
  std::size_t dim_;
  std::vector<Component> comps_;
  double noise_;
};

// Elite selection of the cross-entropy method. `fitness` is the weighted fitness of a generation
// (failures -inf). The elites are the n_elite best successful candidates and gamma is the fitness
// of the worst of them. With use_temperature, every other successful candidate is also kept with
// probability exp((f - gamma) / temperature) (one uniform draw each, best first). Failed
// candidates are never selected.
struct EliteSelection {
  std::vector<std::size_t> selected;  // elites first, best first
  std::size_t elites = 0;
  std::size_t accepted = 0;  // non-elites kept by the temperature rule
  double gamma = -std::numeric_limits<double>::infinity();
  double best = -std::numeric_limits<double>::infinity();
  std::size_t successful = 0;
};
EliteSelection select_elites(const std::vector<double>& fitness, std::size_t n_elite,
                             bool use_temperature, double temperature, Rng& rng);

// ask() of both methods. The generation's points are drawn once into `pending` (kept in the
// optimizer's checkpoint), so a repeated ask() or a resumed run returns the same candidates.
// Generation 0 is uniform in the unit box: no fit has told the distribution anything yet.
std::vector<Candidate> ask_generation(const CeDistribution& dist, const ParameterSpace& space,
                                      std::int64_t generation, std::size_t pop_size,
                                      std::vector<std::vector<double>>& pending, Rng& rng);

// The refit options of both methods: smoothing of every fit and the temperature acceptance of
// non-elites, exp((f - gamma) / T), with T multiplied by temp_decay after each `decays_after`
// (cross_entropy: every generation; face: every distribution update).
struct CeRefitConfig {
  double smoothing = 0.2;
  double temperature = 1.0;
  double temp_decay = 0.0;  // 0: no acceptance of non-elites
  bool anneals() const { return temp_decay > 0; }
  static CeRefitConfig read(Options& o, const char* decays_after);
};

// A warm start (experiment.init_from): fits `dist` without smoothing to the `n_elite` best of the
// stored population (at least two), in unit coordinates. Fewer than two stored members cannot
// make a distribution: a UsageError says so.
void warm_start_distribution(CeDistribution& dist, const ParameterSpace& space,
                             const WarmStart& from, std::size_t n_elite);

// Selects as select_elites does (with the temperature acceptance if refit.anneals()) and refits
// `dist` to the selected candidates (their repaired parameters in unit coordinates); without a
// selection the distribution stays as it is.
EliteSelection refit_to_elites(CeDistribution& dist, const ParameterSpace& space,
                               std::span<const Candidate> batch, const std::vector<double>& fitness,
                               std::size_t n_elite, const CeRefitConfig& refit, double temperature,
                               Rng& rng);

}  // namespace l2l
