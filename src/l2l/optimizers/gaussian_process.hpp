#pragma once
// Gaussian-process regression for Bayesian optimisation (Rasmussen & Williams, "Gaussian
// Processes for Machine Learning", 2006, ch. 2 and 5).
//
// Inputs are points of the unit cube (ParameterSpace::to_unit), so one set of hyperparameter
// bounds fits every space. Targets are standardised (mean 0, standard deviation 1) when the data
// is set; the prior mean is that constant, so the model needs no mean hyperparameter and the
// signal and noise variances live on a known scale. The kernel is Matern-5/2 with automatic
// relevance determination: k(x, x') = s2 (1 + q + q^2 / 3) exp(-q), q = sqrt(5) r,
// r^2 = sum_j (x_j - x'_j)^2 / l_j^2, plus the noise variance n2 on the diagonal. Matern-5/2
// rather than the squared exponential because it assumes twice- rather than infinitely
// differentiable objectives, which is what real optimizees are (Snoek et al. 2012).
//
// Hyperparameters are one vector of logarithms, the coordinates they are fitted in:
// theta = [log l_1 .. log l_d, log s2, log n2].
//
// Cost: conditioning is one Cholesky factorisation, O(n^3 / 3); a prediction O(n d + n^2); the
// gradient of the log marginal likelihood needs the inverse covariance, O(n^3).
#include <cstdint>

#include <Eigen/Dense>

namespace l2l {

class Rng;

// Bounds and weak log-normal priors of the hyperparameters. Length scales are in unit-cube
// coordinates, variances in units of the standardised targets. The priors only keep fits with a
// handful of observations away from degenerate explanations (everything is noise; a length scale
// at a bound); a few dozen observations outweigh them.
struct GpHyperPrior {
  double length_lo = 1e-2, length_hi = 1e1;
  double signal_lo = 5e-2, signal_hi = 2e1;
  double noise_lo = 1e-6, noise_hi = 1.0;
  // Means and standard deviations of the normal priors on the logarithms.
  double log_length_mean = -0.6931471805599453, log_length_sd = 1.5;  // median 0.5
  double log_signal_mean = 0.0, log_signal_sd = 1.5;
  double log_noise_mean = -6.907755278982137, log_noise_sd = 2.5;  // median 1e-3

  Eigen::VectorXd lower(Eigen::Index dim) const;  // bounds of theta
  Eigen::VectorXd upper(Eigen::Index dim) const;
  Eigen::VectorXd initial(Eigen::Index dim) const;  // the prior medians
  // A draw from the prior, clamped into the bounds (random restarts of the fit).
  Eigen::VectorXd sample(Eigen::Index dim, Rng& rng) const;
  // Log density (up to a constant) and, if asked, its gradient with respect to theta.
  double log_density(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient = nullptr) const;
};

class GaussianProcess {
 public:
  // The latent function's posterior at one point, in the units of the targets.
  struct Prediction {
    double mean = 0.0;
    double variance = 0.0;
    Eigen::VectorXd d_mean;      // gradient with respect to the point
    Eigen::VectorXd d_variance;  // idem
  };

  explicit GaussianProcess(Eigen::Index dim);

  Eigen::Index dim() const { return dim_; }
  Eigen::Index size() const { return x_.rows(); }
  double y_mean() const { return y_mean_; }
  double y_scale() const { return y_scale_; }
  // The hyperparameters the model is conditioned on (empty before condition()).
  const Eigen::VectorXd& theta() const { return theta_; }

  // Rows of x are points in [0, 1]^d. Standardises y; the model must be conditioned again.
  void set_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

  // log p(y_std | X, theta) and, if asked, its gradient with respect to theta; -inf where the
  // covariance is not numerically positive definite. Leaves the model conditioned on theta.
  double log_marginal_likelihood(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient = nullptr);

  // Conditions on the data with theta; where the covariance is not numerically positive definite
  // (duplicate points at the noise floor) a growing jitter is added to the diagonal. False only
  // if even the largest jitter fails. Free if the model is already conditioned on theta.
  bool condition(const Eigen::VectorXd& theta);

  // Adds one observation (y in target units) under the current hyperparameters and
  // standardisation by extending the Cholesky factor, O(n^2): the fantasies of batch proposals.
  void add_observation(const Eigen::VectorXd& x, double y);

  // Posterior mean and variance of the latent function (without the noise) at the rows of xs.
  void predict(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;
  // Posterior means at the rows of xs and upper bounds of the variances, O(n d) per point
  // instead of O(n^2): the variance given only the most correlated observation, never smaller
  // than the variance given all of them. Lets the acquisition skip the exact variance of
  // candidates that cannot win.
  void predict_mean(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean,
                    Eigen::VectorXd& variance_bound) const;
  Prediction predict_with_gradient(const Eigen::VectorXd& x) const;
  // Posterior means of the latent function at the observed points.
  Eigen::VectorXd fitted_means() const;

 private:
  // Kernel matrix between the rows of a and b without the noise, for the conditioned theta.
  Eigen::MatrixXd cross_covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const;
  bool factorise(const Eigen::VectorXd& theta, double jitter);
  double signal() const;
  double noise() const;  // noise variance plus jitter

  Eigen::Index dim_;
  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;  // standardised
  double y_mean_ = 0.0, y_scale_ = 1.0;
  Eigen::VectorXd theta_;
  Eigen::VectorXd inv_length_;  // 1 / l_j of theta_
  double jitter_ = 0.0;
  bool conditioned_ = false;
  Eigen::MatrixXd l_;      // lower Cholesky factor of K + (n2 + jitter) I
  Eigen::VectorXd alpha_;  // (K + (n2 + jitter) I)^-1 y
};

// The hyperparameter fit: maximises log marginal likelihood + log prior over the box of
// GpHyperPrior with L-BFGS on the logistic transform of the box, starting at `start` and then at
// up to `restarts` draws from the prior, within `max_iterations` iterations over all starts (one
// iteration: one gradient plus the line search's likelihood evaluations). Leaves gp conditioned
// on the returned theta.
struct GpFit {
  Eigen::VectorXd theta;
  double log_posterior = 0.0;  // -inf if no start had a finite likelihood
  std::int64_t iterations = 0;
  std::int64_t evaluations = 0;  // likelihood evaluations, with or without gradient
};
GpFit fit_hyperparameters(GaussianProcess& gp, const GpHyperPrior& prior,
                          const Eigen::VectorXd& start, std::int64_t max_iterations,
                          std::int64_t restarts, Rng& rng);

}  // namespace l2l
