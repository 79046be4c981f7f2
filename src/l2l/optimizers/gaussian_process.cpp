#include "l2l/optimizers/gaussian_process.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

#include "l2l/core/rng.hpp"

namespace l2l {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kSqrt5 = std::sqrt(5.0);

// Matern-5/2 as a function of q = sqrt(5) r: the correlation, and the factor that multiplies
// the squared scaled distance in its derivatives, (5/3)(1 + q) exp(-q).
double matern(double q) {
  return (1.0 + q + q * q / 3.0) * std::exp(-q);
}
double matern_slope(double q) {
  return 5.0 / 3.0 * (1.0 + q) * std::exp(-q);
}

// A small L-BFGS (Nocedal & Wright, "Numerical Optimization", 2006, algorithm 7.4) with an
// Armijo backtracking line search, for the few smooth parameters of the likelihood. No Wolfe
// curvature condition: pairs with s'y <= 0 are skipped instead, which costs fewer gradients, and
// a gradient is what costs (the inverse covariance).
using Objective = std::function<double(const Eigen::VectorXd&, Eigen::VectorXd*)>;

struct Minimum {
  Eigen::VectorXd z;
  double f = kInf;
  std::int64_t iterations = 0;
  std::int64_t evaluations = 0;
};

Minimum minimize_lbfgs(const Objective& objective, const Eigen::VectorXd& start,
                       std::int64_t max_iterations) {
  constexpr std::size_t kMemory = 6;
  constexpr int kBacktracks = 20;
  // In logistic coordinates a step of 4 crosses most of a parameter's box.
  constexpr double kMaxStep = 4.0;
  constexpr double kGradientTolerance = 1e-6;
  constexpr double kDecreaseTolerance = 1e-10;

  Minimum m;
  m.z = start;
  Eigen::VectorXd z = start, g(start.size());
  double f = objective(z, &g);
  ++m.evaluations;
  if (!std::isfinite(f) || !g.allFinite()) return m;
  m.f = f;
  std::vector<Eigen::VectorXd> s_hist, y_hist;
  std::vector<double> rho;
  while (m.iterations < max_iterations && g.lpNorm<Eigen::Infinity>() > kGradientTolerance) {
    Eigen::VectorXd d = -g;
    std::vector<double> a(s_hist.size());
    for (std::size_t i = s_hist.size(); i-- > 0;) {
      a[i] = rho[i] * s_hist[i].dot(d);
      d -= a[i] * y_hist[i];
    }
    if (s_hist.empty())
      d /= std::max(1.0, g.lpNorm<Eigen::Infinity>());
    else
      d *= s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
    for (std::size_t i = 0; i < s_hist.size(); ++i)
      d += (a[i] - rho[i] * y_hist[i].dot(d)) * s_hist[i];
    double slope = g.dot(d);
    if (!(slope < 0.0)) {  // stale curvature pairs: fall back to steepest descent
      s_hist.clear(), y_hist.clear(), rho.clear();
      d = -g / std::max(1.0, g.lpNorm<Eigen::Infinity>());
      slope = g.dot(d);
    }
    const double longest = d.lpNorm<Eigen::Infinity>();
    double step = longest > kMaxStep ? kMaxStep / longest : 1.0;
    ++m.iterations;
    Eigen::VectorXd trial;
    double f_trial = kInf;
    bool accepted = false;
    for (int b = 0; b < kBacktracks && !accepted; ++b, step *= 0.5) {
      trial = z + step * d;
      f_trial = objective(trial, nullptr);
      ++m.evaluations;
      accepted = std::isfinite(f_trial) && f_trial <= f + 1e-4 * step * slope;
    }
    if (!accepted) break;
    m.z = trial;
    m.f = f_trial;
    if (f - f_trial <= kDecreaseTolerance * (1.0 + std::abs(f)) || m.iterations >= max_iterations)
      break;
    // The objective was last evaluated at `trial`, so the model's factorisation is reused.
    Eigen::VectorXd g_trial(start.size());
    objective(trial, &g_trial);
    ++m.evaluations;
    if (!g_trial.allFinite()) break;
    Eigen::VectorXd s = trial - z, y = g_trial - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * s.norm() * y.norm()) {
      if (s_hist.size() == kMemory) {
        s_hist.erase(s_hist.begin()), y_hist.erase(y_hist.begin()), rho.erase(rho.begin());
      }
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(y));
      rho.push_back(1.0 / sy);
    }
    z = trial;
    f = f_trial;
    g = g_trial;
  }
  return m;
}

Eigen::VectorXd logistic(const Eigen::VectorXd& z) {
  Eigen::VectorXd s(z.size());
  for (Eigen::Index i = 0; i < z.size(); ++i)
    s[i] = z[i] >= 0 ? 1.0 / (1.0 + std::exp(-z[i])) : std::exp(z[i]) / (1.0 + std::exp(z[i]));
  return s;
}

// The lower triangle of (L L')^-1 = L^-T L^-1 for a lower triangular L, by blocks: L^-1 row block
// by row block ([A 0; C D]^-1 = [A^-1 0; -D^-1 C A^-1 D^-1]), then L^-T L^-1 as rank updates
// that skip the zeros. About 2/3 n^3 flops instead of the 2 n^3 of a solve against the identity:
// the inverse is most of the cost of a likelihood gradient.
Eigen::MatrixXd inverse_from_cholesky(const Eigen::MatrixXd& l) {
  constexpr Eigen::Index kBlock = 32;
  const Eigen::Index n = l.rows();
  Eigen::MatrixXd l_inv = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index j = 0; j < n; j += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - j);
    Eigen::MatrixXd d = Eigen::MatrixXd::Identity(b, b);
    l.block(j, j, b, b).triangularView<Eigen::Lower>().solveInPlace(d);
    l_inv.block(j, j, b, b) = d;
    if (j > 0)
      l_inv.block(j, 0, b, j).noalias() =
          -d * (l.block(j, 0, b, j) * l_inv.topLeftCorner(j, j).triangularView<Eigen::Lower>());
  }
  Eigen::MatrixXd k_inv = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index j = 0; j < n; j += kBlock) {
    const Eigen::Index b = std::min(kBlock, n - j), w = j + b;
    k_inv.topLeftCorner(w, w).selfadjointView<Eigen::Lower>().rankUpdate(
        l_inv.block(j, 0, b, w).transpose());
  }
  return k_inv;
}

}  // namespace

// --- GpHyperPrior ------------------------------------------------------------------------------

namespace {

// theta = (log length scale for each of `dim` inputs, log signal, log noise).
Eigen::VectorXd hyper_vector(Eigen::Index dim, double log_length, double log_signal,
                             double log_noise) {
  Eigen::VectorXd v(dim + 2);
  v.head(dim).setConstant(log_length);
  v[dim] = log_signal;
  v[dim + 1] = log_noise;
  return v;
}

}  // namespace

Eigen::VectorXd GpHyperPrior::lower(Eigen::Index dim) const {
  return hyper_vector(dim, std::log(length_lo), std::log(signal_lo), std::log(noise_lo));
}

Eigen::VectorXd GpHyperPrior::upper(Eigen::Index dim) const {
  return hyper_vector(dim, std::log(length_hi), std::log(signal_hi), std::log(noise_hi));
}

Eigen::VectorXd GpHyperPrior::initial(Eigen::Index dim) const {
  return hyper_vector(dim, log_length_mean, log_signal_mean, log_noise_mean)
      .cwiseMax(lower(dim))
      .cwiseMin(upper(dim));
}

Eigen::VectorXd GpHyperPrior::sample(Eigen::Index dim, Rng& rng) const {
  Eigen::VectorXd v(dim + 2);
  for (Eigen::Index j = 0; j < dim; ++j) v[j] = rng.normal(log_length_mean, log_length_sd);
  v[dim] = rng.normal(log_signal_mean, log_signal_sd);
  v[dim + 1] = rng.normal(log_noise_mean, log_noise_sd);
  return v.cwiseMax(lower(dim)).cwiseMin(upper(dim));
}

double GpHyperPrior::log_density(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const {
  const Eigen::Index dim = theta.size() - 2;
  double lp = 0.0;
  if (gradient) gradient->resize(theta.size());
  auto term = [&](Eigen::Index i, double mean, double sd) {
    const double t = (theta[i] - mean) / sd;
    lp -= 0.5 * t * t;
    if (gradient) (*gradient)[i] = -t / sd;
  };
  for (Eigen::Index j = 0; j < dim; ++j) term(j, log_length_mean, log_length_sd);
  term(dim, log_signal_mean, log_signal_sd);
  term(dim + 1, log_noise_mean, log_noise_sd);
  return lp;
}

// --- GaussianProcess ---------------------------------------------------------------------------

GaussianProcess::GaussianProcess(Eigen::Index dim) : dim_(dim), x_(0, dim) {}

void GaussianProcess::set_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  x_ = x;
  const double n = static_cast<double>(y.size());
  y_mean_ = y.size() > 0 ? y.mean() : 0.0;
  const double sd = y.size() > 0 ? std::sqrt((y.array() - y_mean_).square().sum() / n) : 0.0;
  // Constant targets carry no scale; 1 keeps the prior on the signal variance meaningful.
  y_scale_ = sd > 1e-12 * std::max(1.0, std::abs(y_mean_)) ? sd : 1.0;
  y_ = (y.array() - y_mean_) / y_scale_;
  conditioned_ = false;
}

double GaussianProcess::signal() const {
  return std::exp(theta_[dim_]);
}

double GaussianProcess::noise() const {
  return std::exp(theta_[dim_ + 1]) + jitter_;
}

Eigen::MatrixXd GaussianProcess::cross_covariance(const Eigen::MatrixXd& a,
                                                  const Eigen::MatrixXd& b) const {
  const Eigen::ArrayXXd as = a.array().rowwise() * inv_length_.transpose().array();
  const Eigen::ArrayXXd bs = b.array().rowwise() * inv_length_.transpose().array();
  const double s2 = signal();
  Eigen::MatrixXd k(a.rows(), b.rows());
  // One column at a time, so that it stays in the first-level cache through all passes.
  for (Eigen::Index c = 0; c < b.rows(); ++c) {
    auto col = k.col(c).array();
    col = (as.col(0) - bs(c, 0)).square();
    for (Eigen::Index j = 1; j < dim_; ++j) col += (as.col(j) - bs(c, j)).square();
    col = (5.0 * col).sqrt();
    col = s2 * (1.0 + col + col.square() / 3.0) * (-col).exp();
  }
  return k;
}

bool GaussianProcess::factorise(const Eigen::VectorXd& theta, double jitter) {
  theta_ = theta;
  inv_length_ = (-theta.head(dim_).array()).exp();
  jitter_ = jitter;
  Eigen::MatrixXd k = cross_covariance(x_, x_);
  k.diagonal().array() += noise();
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  conditioned_ = llt.info() == Eigen::Success;
  if (!conditioned_) return false;
  l_ = llt.matrixL();
  alpha_ = llt.solve(y_);
  return true;
}

double GaussianProcess::log_marginal_likelihood(const Eigen::VectorXd& theta,
                                                Eigen::VectorXd* gradient) {
  const bool cached =
      conditioned_ && jitter_ == 0.0 && theta_.size() == theta.size() && theta_ == theta;
  if (!cached && !factorise(theta, 0.0)) return -kInf;
  const Eigen::Index n = size();
  const double lml = -0.5 * y_.dot(alpha_) - l_.diagonal().array().log().sum() -
                     0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
  if (!gradient) return lml;

  // d lml / d theta_p = 1/2 tr((alpha alpha' - K^-1) dK/dtheta_p) (R&W eq. 5.9), summed over
  // the lower triangle: every dK/dtheta_p is symmetric.
  const Eigen::MatrixXd k_inv = inverse_from_cholesky(l_);
  const Eigen::MatrixXd xt = x_.transpose();  // points as contiguous columns
  const double s2 = signal(), n2 = noise();
  Eigen::VectorXd g = Eigen::VectorXd::Zero(dim_ + 2);
  Eigen::VectorXd d2(dim_);
  for (Eigen::Index k = 0; k < n; ++k) {
    const double diag = alpha_[k] * alpha_[k] - k_inv(k, k);
    g[dim_] += 0.5 * diag * s2;
    g[dim_ + 1] += 0.5 * diag * n2;
    for (Eigen::Index i = k + 1; i < n; ++i) {
      const double a = alpha_[i] * alpha_[k] - k_inv(i, k);
      double r2 = 0.0;
      for (Eigen::Index j = 0; j < dim_; ++j) {
        const double t = (xt(j, i) - xt(j, k)) * inv_length_[j];
        d2[j] = t * t;
        r2 += d2[j];
      }
      const double q = kSqrt5 * std::sqrt(r2);
      g[dim_] += a * s2 * matern(q);
      const double c = a * s2 * matern_slope(q);
      for (Eigen::Index j = 0; j < dim_; ++j) g[j] += c * d2[j];
    }
  }
  *gradient = g;
  return lml;
}

bool GaussianProcess::condition(const Eigen::VectorXd& theta) {
  if (conditioned_ && theta_.size() == theta.size() && theta_ == theta) return true;
  const double s2 = std::exp(theta[dim_]);
  for (double jitter : {0.0, 1e-10, 1e-8, 1e-6, 1e-4})
    if (factorise(theta, jitter * s2)) return true;
  return false;
}

void GaussianProcess::add_observation(const Eigen::VectorXd& x, double y) {
  const Eigen::Index n = size();
  const Eigen::VectorXd k = cross_covariance(x.transpose(), x_).transpose();
  const Eigen::VectorXd v = l_.triangularView<Eigen::Lower>().solve(k);
  // Exactly >= the noise variance; the floor only guards against rounding.
  const double pivot = std::max(signal() + noise() - v.squaredNorm(), 1e-2 * noise());
  l_.conservativeResize(n + 1, n + 1);
  l_.row(n).head(n) = v.transpose();
  l_.col(n).head(n).setZero();
  l_(n, n) = std::sqrt(pivot);
  x_.conservativeResize(n + 1, Eigen::NoChange);
  x_.row(n) = x.transpose();
  y_.conservativeResize(n + 1);
  y_[n] = (y - y_mean_) / y_scale_;
  alpha_ = l_.triangularView<Eigen::Lower>().solve(y_);
  l_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
}

void GaussianProcess::predict(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean,
                              Eigen::VectorXd& variance) const {
  const Eigen::MatrixXd ks = cross_covariance(xs, x_);
  mean = (y_scale_ * (ks * alpha_)).array() + y_mean_;
  const Eigen::MatrixXd v = l_.triangularView<Eigen::Lower>().solve(ks.transpose());
  variance = (y_scale_ * y_scale_) *
             (signal() - v.colwise().squaredNorm().transpose().array()).cwiseMax(0.0);
}

void GaussianProcess::predict_mean(const Eigen::MatrixXd& xs, Eigen::VectorXd& mean,
                                   Eigen::VectorXd& variance_bound) const {
  const Eigen::MatrixXd ks = cross_covariance(xs, x_);
  mean = (y_scale_ * (ks * alpha_)).array() + y_mean_;
  const double s2 = signal();
  const Eigen::ArrayXd k_max = ks.rowwise().maxCoeff().array();
  variance_bound = (y_scale_ * y_scale_) * (s2 - k_max.square() / (s2 + noise())).cwiseMax(0.0);
}

GaussianProcess::Prediction GaussianProcess::predict_with_gradient(const Eigen::VectorXd& x) const {
  const Eigen::Index n = size();
  const double s2 = signal();
  Eigen::VectorXd k(n);
  Eigen::MatrixXd jac(n, dim_);  // d k_i / d x_j
  Eigen::VectorXd delta(dim_);
  for (Eigen::Index i = 0; i < n; ++i) {
    double r2 = 0.0;
    for (Eigen::Index j = 0; j < dim_; ++j) {
      delta[j] = x[j] - x_(i, j);
      const double t = delta[j] * inv_length_[j];
      r2 += t * t;
    }
    const double q = kSqrt5 * std::sqrt(r2);
    k[i] = s2 * matern(q);
    const double c = -s2 * matern_slope(q);
    for (Eigen::Index j = 0; j < dim_; ++j)
      jac(i, j) = c * delta[j] * inv_length_[j] * inv_length_[j];
  }
  Prediction p;
  p.mean = y_mean_ + y_scale_ * k.dot(alpha_);
  p.d_mean = y_scale_ * (jac.transpose() * alpha_);
  const Eigen::VectorXd v = l_.triangularView<Eigen::Lower>().solve(k);
  const Eigen::VectorXd w = l_.triangularView<Eigen::Lower>().transpose().solve(v);
  const double scale2 = y_scale_ * y_scale_;
  p.variance = scale2 * std::max(s2 - v.squaredNorm(), 0.0);
  p.d_variance = -2.0 * scale2 * (jac.transpose() * w);
  return p;
}

Eigen::VectorXd GaussianProcess::fitted_means() const {
  return (y_scale_ * (y_ - noise() * alpha_)).array() + y_mean_;
}

// --- the fit -----------------------------------------------------------------------------------

GpFit fit_hyperparameters(GaussianProcess& gp, const GpHyperPrior& prior,
                          const Eigen::VectorXd& start, std::int64_t max_iterations,
                          std::int64_t restarts, Rng& rng) {
  const Eigen::Index d = gp.dim();
  const Eigen::VectorXd lo = prior.lower(d), width = prior.upper(d) - lo;
  // The box is mapped onto R^(d+2) by a logistic function, so the minimiser needs no bounds.
  auto to_theta = [&](const Eigen::VectorXd& z) -> Eigen::VectorXd {
    return lo + width.cwiseProduct(logistic(z));
  };
  auto to_z = [&](const Eigen::VectorXd& theta) {
    Eigen::VectorXd z(theta.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      const double u = std::clamp((theta[i] - lo[i]) / width[i], 1e-9, 1.0 - 1e-9);
      z[i] = std::log(u / (1.0 - u));
    }
    return z;
  };
  const Objective negative_log_posterior = [&](const Eigen::VectorXd& z, Eigen::VectorXd* grad) {
    const Eigen::VectorXd s = logistic(z);
    const Eigen::VectorXd theta = lo + width.cwiseProduct(s);
    Eigen::VectorXd g_lml, g_prior;
    const double v = gp.log_marginal_likelihood(theta, grad ? &g_lml : nullptr) +
                     prior.log_density(theta, grad ? &g_prior : nullptr);
    if (!std::isfinite(v)) return kInf;
    if (grad) {
      const Eigen::VectorXd ds = width.array() * s.array() * (1.0 - s.array());
      *grad = -(g_lml + g_prior).cwiseProduct(ds);
    }
    return -v;
  };

  GpFit fit;
  Eigen::VectorXd best_z = to_z(start);
  double best_f = kInf;
  const std::int64_t starts = restarts + 1;
  for (std::int64_t s = 0; s < starts && fit.iterations < max_iterations; ++s) {
    const Eigen::VectorXd z0 = s == 0 ? to_z(start) : to_z(prior.sample(d, rng));
    // Each start gets its share of what is left, so later starts still run when the earlier
    // ones converge early.
    const std::int64_t left = max_iterations - fit.iterations;
    const std::int64_t cap = (left + (starts - s) - 1) / (starts - s);
    const Minimum m = minimize_lbfgs(negative_log_posterior, z0, cap);
    fit.iterations += std::max<std::int64_t>(m.iterations, 1);
    fit.evaluations += m.evaluations;
    if (m.f < best_f) best_f = m.f, best_z = m.z;
  }
  fit.theta = to_theta(best_z);
  fit.log_posterior = -best_f;
  gp.condition(fit.theta);
  return fit;
}

}  // namespace l2l
