#include "l2l/optimizers/bayesian.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Posterior standard deviations are floored at this fraction of the targets' scale: at an
// observed point with noise at its floor the variance is a rounding error, and log EI needs sd > 0.
constexpr double kSdFloor = 1e-6;
// Local candidates perturb this many of the best observations.
constexpr std::size_t kLocalCentres = 5;
// Their perturbations have standard deviations log-uniform in this range (unit coordinates), so
// both fine tuning and hops to the next basin are tried.
constexpr double kLocalSdLo = 1e-3, kLocalSdHi = 0.2;
// Candidates whose exact posterior variance is computed together (one triangular solve).
constexpr std::size_t kChunk = 32;
// Gradient refinement: first step (the largest coordinate change) and its bounds.
constexpr double kStepStart = 0.05, kStepMax = 0.2, kStepMin = 1e-4;

// log h(z) with h(z) = phi(z) + z Phi(z) (so EI = sd h((mean - best) / sd)), and the ratios
// Phi(z) / h(z) and phi(z) / h(z) that give the derivatives of log EI.
struct LogH {
  double value, cdf_ratio, pdf_ratio;
};
LogH log_h(double z) {
  if (z > -5.0) {
    // Down to z = -5 the direct formula loses less than two digits to cancellation.
    const double pdf = std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    const double h = pdf + z * cdf;
    return {std::log(h), cdf / h, pdf / h};
  }
  // With t = -z, Phi(z) = phi(t) m(t) for Mills' ratio m(t) = 1 / (t + c), where c is the tail
  // 1 / (t + 2 / (t + 3 / (t + ...))) of Laplace's continued fraction; then
  // h = phi(t) (1 - t m(t)) = phi(t) c / (t + c) has no cancellation and never underflows in log.
  const double t = -z;
  double c = 0.0;
  for (int k = 60; k >= 2; --k) c = k / (t + c);
  c = 1.0 / (t + c);
  const double log_pdf = -0.5 * t * t - 0.5 * std::log(2.0 * std::numbers::pi);
  return {log_pdf + std::log(c) - std::log(t + c), 1.0 / c, (t + c) / c};
}

std::vector<double> to_std(const Eigen::VectorXd& v) {
  return {v.data(), v.data() + v.size()};
}
Eigen::VectorXd to_eigen(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}
nlohmann::json pack_vec(const Eigen::VectorXd& v) {
  return state::pack(std::span<const double>(v.data(), static_cast<std::size_t>(v.size())));
}
nlohmann::json pack_points(const std::vector<Eigen::VectorXd>& points) {
  auto arr = nlohmann::json::array();
  for (const auto& p : points) arr.push_back(pack_vec(p));
  return arr;
}
std::vector<Eigen::VectorXd> unpack_points(const nlohmann::json& j, std::size_t dim) {
  std::vector<Eigen::VectorXd> points;
  for (const auto& p : j) {
    points.push_back(to_eigen(state::unpack(p)));
    if (static_cast<std::size_t>(points.back().size()) != dim)
      throw std::runtime_error("bayesian: checkpoint does not match the parameter space");
  }
  return points;
}

void check_bounds(Options& o, const std::string& key, const std::vector<double>& b) {
  if (b.size() != 2) o.fail(key, fmt::format("needs two values [lower, upper], got {}", b.size()));
  if (!(b[0] > 0.0 && b[1] > b[0])) o.fail(key, "needs 0 < lower < upper");
}

}  // namespace

double expected_improvement(double mean, double sd, double best) {
  if (!(sd > 0.0)) return std::max(mean - best, 0.0);
  return sd * std::exp(log_h((mean - best) / sd).value);
}

LogExpectedImprovement log_expected_improvement(double mean, double sd, double best) {
  if (!(sd > 0.0)) return {mean > best ? std::log(mean - best) : -kInf, 0.0, 0.0};
  const LogH h = log_h((mean - best) / sd);
  return {std::log(sd) + h.value, h.cdf_ratio / sd, h.pdf_ratio / sd};
}

BayesianOptimization::Config BayesianOptimization::Config::read(Options& o) {
  Config c;
  c.population = o.get<std::int64_t>(
      "population", c.population,
      "candidates per ask; the batch method chooses all but the first of each batch",
      Check::at_least(1));
  c.n_initial = o.get<std::int64_t>(
      "n_initial", c.n_initial,
      "points of the initial design before the model takes over, rounded up to whole batches; "
      "0: max(5, 2 * dimension)",
      Check::at_least(0));
  c.initial_design =
      o.get<std::string>("initial_design", c.initial_design,
                         "the initial design: lhs (Latin hypercube in unit coordinates) or uniform",
                         Check::one_of({"lhs", "uniform"}));
  c.batch = o.get<std::string>(
      "batch", c.batch,
      "how the further candidates of a batch are chosen: constant_liar (each chosen point is "
      "treated as observed with the liar value) or kriging_believer (with the posterior mean)",
      Check::one_of({"constant_liar", "kriging_believer"}));
  c.liar = o.get<std::string>(
      "liar", c.liar,
      "the constant liar's value: min (the worst observed weighted fitness: pessimistic, "
      "spreads a batch), mean or max",
      Check::one_of({"min", "mean", "max"}));
  c.failures = o.get<std::string>(
      "failures", c.failures,
      "failed evaluations: worst (modelled as the worst successful value, so the search avoids "
      "regions that fail) or ignore (left out of the model)",
      Check::one_of({"worst", "ignore"}));
  c.output_warp = o.get<std::string>(
      "output_warp", c.output_warp,
      "targets the GP models: none (the weighted fitness), log (-log(best - f + median gap), "
      "which spreads the region near the best and squeezes the bad tail) or auto (at every ask "
      "the one with the larger marginal likelihood of the observed values)",
      Check::one_of({"auto", "none", "log"}));
  c.xi =
      o.get<double>("xi", c.xi,
                    "EI margin: only improvement beyond best + xi * (standard deviation of the "
                    "modelled targets, log-warped ones when output_warp chose log) counts; larger "
                    "explores more",
                    Check::at_least(0.0));
  c.candidates = o.get<std::int64_t>("candidates", c.candidates,
                                     "uniform random candidates per acquisition (per batch point)",
                                     Check::at_least(1));
  c.local_candidates = o.get<std::int64_t>(
      "local_candidates", c.local_candidates,
      "candidates per acquisition that perturb the best observations", Check::at_least(0));
  c.refine_starts = o.get<std::int64_t>(
      "refine_starts", c.refine_starts,
      "best candidates refined by projected gradient ascent of log EI", Check::at_least(0));
  c.refine_steps = o.get<std::int64_t>("refine_steps", c.refine_steps,
                                       "gradient steps per refined candidate", Check::at_least(0));
  c.fit_iterations = o.get<std::int64_t>(
      "fit_iterations", c.fit_iterations,
      "L-BFGS iterations of the hyperparameter fit per ask, over all starts, up to "
      "fit_full_until observations; with n > fit_full_until, fit_iterations * "
      "(fit_full_until / n)^3, fractions accumulating over asks (the first fit always gets all)",
      Check::at_least(1));
  c.fit_restarts = o.get<std::int64_t>(
      "fit_restarts", c.fit_restarts,
      "random restarts of the fit (draws from the prior) besides the warm start, each while "
      "iterations are left",
      Check::at_least(0));
  c.fit_full_until = o.get<std::int64_t>(
      "fit_full_until", c.fit_full_until,
      "observations up to which every ask gets all fit_iterations", Check::at_least(1));
  c.length_scale_bounds = o.get<std::vector<double>>(
      "length_scale_bounds", c.length_scale_bounds,
      "[lower, upper] of the kernel's length scales in unit coordinates: fractions of each "
      "parameter's range (of its logarithmic range for log-scale parameters)");
  c.noise_bounds = o.get<std::vector<double>>(
      "noise_bounds", c.noise_bounds,
      "[lower, upper] of the noise variance, relative to the variance of the observed values");
  if (!o.describing()) {
    check_bounds(o, "length_scale_bounds", c.length_scale_bounds);
    check_bounds(o, "noise_bounds", c.noise_bounds);
  }
  return c;
}

BayesianOptimization::BayesianOptimization(const Config& cfg, const ParameterSpace& space,
                                           const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed) {
  prior_.length_lo = cfg_.length_scale_bounds[0];
  prior_.length_hi = cfg_.length_scale_bounds[1];
  prior_.noise_lo = cfg_.noise_bounds[0];
  prior_.noise_hi = cfg_.noise_bounds[1];
  integer_.resize(space_.dim());
  for (std::size_t i = 0; i < space_.dim(); ++i) {
    integer_[i] = space_.is_integer(i) ? 1 : 0;
    any_integer_ = any_integer_ || space_.is_integer(i);
  }
  const auto d = static_cast<std::int64_t>(space_.dim());
  const std::int64_t n = cfg_.n_initial > 0 ? cfg_.n_initial : std::max<std::int64_t>(5, 2 * d);
  const std::int64_t batches = (n + cfg_.population - 1) / cfg_.population;
  design_ = initial_design(static_cast<std::size_t>(batches * cfg_.population));
}

std::vector<double> BayesianOptimization::natural(const Eigen::VectorXd& u) const {
  return natural_point(space_, to_std(u), BoundPolicy::clip);
}

Eigen::VectorXd BayesianOptimization::snap(const Eigen::VectorXd& u) const {
  if (!any_integer_) return u;
  return to_eigen(space_.to_unit(natural(u))).cwiseMax(0.0).cwiseMin(1.0);
}

Eigen::VectorXd BayesianOptimization::uniform_point() {
  Eigen::VectorXd u(static_cast<Eigen::Index>(space_.dim()));
  for (auto& v : u) v = rng_.uniform();
  return snap(u);
}

std::vector<Eigen::VectorXd> BayesianOptimization::initial_design(std::size_t n) {
  std::vector<Eigen::VectorXd> points;
  if (cfg_.initial_design == "uniform") {
    for (std::size_t i = 0; i < n; ++i) points.push_back(uniform_point());
    return points;
  }
  // Latin hypercube: each coordinate takes every one of n equal strata exactly once.
  const auto d = static_cast<Eigen::Index>(space_.dim());
  points.assign(n, Eigen::VectorXd(d));
  std::vector<std::size_t> perm(n);
  for (Eigen::Index j = 0; j < d; ++j) {
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng_.below(i)]);
    for (std::size_t i = 0; i < n; ++i)
      points[i][j] = (static_cast<double>(perm[i]) + rng_.uniform()) / static_cast<double>(n);
  }
  for (auto& p : points) p = snap(p);
  return points;
}

bool BayesianOptimization::training_set(Eigen::MatrixXd& x, Eigen::VectorXd& y,
                                        std::vector<Eigen::Index>& ok, bool warped,
                                        double* log_jacobian) const {
  double worst = kInf;
  std::size_t n_ok = 0;
  for (double f : f_)
    if (std::isfinite(f)) worst = std::min(worst, f), ++n_ok;
  if (n_ok < 2) return false;
  const bool impute = cfg_.failures == "worst";
  const std::size_t rows = impute ? f_.size() : n_ok;
  x.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(space_.dim()));
  y.resize(static_cast<Eigen::Index>(rows));
  ok.clear();
  Eigen::Index r = 0;
  for (std::size_t i = 0; i < f_.size(); ++i) {
    const bool success = std::isfinite(f_[i]);
    if (!success && !impute) continue;
    x.row(r) = x_[i].transpose();
    y[r] = success ? f_[i] : worst;
    if (success) ok.push_back(r);
    ++r;
  }
  if (log_jacobian) *log_jacobian = 0.0;
  if (warped) {
    // y -> -log(top - y + delta): the gap to the best on a log scale. delta, the median gap,
    // keeps the best finite and sets where the scale turns from linear (gaps << delta) to
    // logarithmic; a fixed fraction of the data's own spread keeps the warp scale-free.
    const double top = y.maxCoeff();
    std::vector<double> gap;
    for (Eigen::Index i : ok) gap.push_back(top - y[i]);
    std::nth_element(gap.begin(), gap.begin() + static_cast<std::ptrdiff_t>(gap.size() / 2),
                     gap.end());
    const double median = gap[gap.size() / 2];
    const double delta = median > 0.0 ? median : 1.0;
    double jacobian = 0.0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      const double v = top - y[i] + delta;
      y[i] = -std::log(v);
      jacobian -= std::log(v);
    }
    if (log_jacobian) *log_jacobian = jacobian;
  }
  return true;
}

std::vector<Candidate> BayesianOptimization::ask() {
  if (pending_.empty()) {
    const auto q = static_cast<std::size_t>(cfg_.population);
    const auto n_ok = static_cast<std::size_t>(
        std::count_if(f_.begin(), f_.end(), [](double f) { return std::isfinite(f); }));
    if (design_next_ < design_.size()) {
      info_ = nlohmann::json::object();
      while (pending_.size() < q && design_next_ < design_.size())
        pending_.push_back(design_[design_next_++]);
    } else if (n_ok < 2) {
      info_ = nlohmann::json::object();
      while (pending_.size() < q) pending_.push_back(uniform_point());
    } else {
      propose_with_model();
    }
  }
  std::vector<Candidate> batch(pending_.size());
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    batch[i].generation = generation_;
    batch[i].index = static_cast<std::int64_t>(i);
    batch[i].params = natural(pending_[i]);
  }
  return batch;
}

void BayesianOptimization::propose_with_model() {
  const auto d = static_cast<Eigen::Index>(space_.dim());

  // One model per warp considered, each with its own hyperparameters. auto keeps the one under
  // which the observed values are the more probable: the log marginal likelihood of the
  // standardised targets, less n log(scale) for the standardisation and plus the warp's log
  // Jacobian, so that both are densities of the same fitness values (Snelson et al. 2004).
  struct Model {
    bool warped;
    Eigen::MatrixXd x;
    Eigen::VectorXd y;
    std::vector<Eigen::Index> ok;
    double log_jacobian = 0.0;
    GaussianProcess gp;
    GpFit fit;
    double evidence = -kInf;
  };
  std::vector<Model> models;
  for (const bool warped : {false, true}) {
    if (warped ? cfg_.output_warp == "none" : cfg_.output_warp == "log") continue;
    Model m{warped, {}, {}, {}, 0.0, GaussianProcess(d), {}, -kInf};
    training_set(m.x, m.y, m.ok, warped, &m.log_jacobian);
    m.gp.set_data(m.x, m.y);
    models.push_back(std::move(m));
  }
  auto theta_of = [&](const Model& m) -> Eigen::VectorXd& {
    return m.warped ? theta_warped_ : theta_;
  };

  // A gradient of the likelihood costs O(n^3): beyond fit_full_until observations the budget
  // shrinks as n^-3, so an ask costs about the same at any n; the first fit always runs in full.
  std::int64_t iterations = 0;
  if (std::any_of(models.begin(), models.end(),
                  [&](const Model& m) { return theta_of(m).size() != 0; })) {
    const double ratio =
        static_cast<double>(cfg_.fit_full_until) / static_cast<double>(models.front().x.rows());
    fit_credit_ += static_cast<double>(cfg_.fit_iterations) * std::min(1.0, ratio * ratio * ratio);
    iterations = static_cast<std::int64_t>(std::floor(fit_credit_));
    fit_credit_ -= static_cast<double>(iterations);
  }
  for (Model& m : models) {
    Eigen::VectorXd& theta = theta_of(m);
    // A model fitted for the first time gets the full budget (as the first fit of a run).
    const std::int64_t budget = theta.size() == 0 ? cfg_.fit_iterations : iterations;
    if (theta.size() == 0) theta = prior_.initial(d);
    if (budget > 0) {
      m.fit = fit_hyperparameters(m.gp, prior_, theta, budget, cfg_.fit_restarts, rng_);
      theta = m.fit.theta;
    }
    if (models.size() == 1) break;
    const double lml = m.gp.log_marginal_likelihood(theta);
    const double evidence =
        lml - static_cast<double>(m.y.size()) * std::log(m.gp.y_scale()) + m.log_jacobian;
    // A model whose likelihood could not be computed is never chosen over one that could.
    m.evidence = std::isfinite(evidence) ? evidence : -kInf;
  }
  std::size_t pick = 0;
  for (std::size_t i = 1; i < models.size(); ++i)
    if (models[i].evidence > models[pick].evidence) pick = i;
  Model& chosen = models[pick];
  warped_ = chosen.warped;
  const Eigen::VectorXd& theta_model = theta_of(chosen);
  const Eigen::MatrixXd& x = chosen.x;
  const Eigen::VectorXd& y = chosen.y;
  const std::vector<Eigen::Index>& ok = chosen.ok;
  GaussianProcess& gp = chosen.gp;
  const GpFit& fit = chosen.fit;

  const auto q = static_cast<std::size_t>(cfg_.population);
  info_ = nlohmann::json::object();
  if (!gp.condition(theta_model)) {
    // Not even the largest jitter made the covariance positive definite: explore instead.
    while (pending_.size() < q) pending_.push_back(uniform_point());
    info_["model_failed"] = 1;
    return;
  }

  // The incumbent is the best posterior mean at a successful observation, which for noisy
  // objectives is not fooled by one lucky evaluation (for noiseless ones it is the best value).
  const Eigen::VectorXd fitted = gp.fitted_means();
  double incumbent = -kInf;
  for (Eigen::Index r : ok) incumbent = std::max(incumbent, fitted[r]);
  double liar = 0.0;
  if (cfg_.liar == "min") liar = kInf;
  if (cfg_.liar == "max") liar = -kInf;
  for (Eigen::Index r : ok) {
    if (cfg_.liar == "min") liar = std::min(liar, y[r]);
    if (cfg_.liar == "max") liar = std::max(liar, y[r]);
    if (cfg_.liar == "mean") liar += y[r] / static_cast<double>(ok.size());
  }
  std::vector<Eigen::Index> by_value = ok;
  std::stable_sort(by_value.begin(), by_value.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return y[a] > y[b]; });
  std::vector<Eigen::VectorXd> centres;
  for (std::size_t i = 0; i < std::min(kLocalCentres, by_value.size()); ++i)
    centres.push_back(x.row(by_value[i]).transpose());

  const double margin = cfg_.xi * gp.y_scale();
  double first_log_ei = -kInf;
  for (std::size_t j = 0; j < q; ++j) {
    const Proposal p = maximize_acquisition(gp, incumbent + margin, centres);
    pending_.push_back(p.u);
    if (j == 0) first_log_ei = p.log_ei;
    if (j + 1 == q) break;
    // The fantasy keeps the hyperparameters and only extends the Cholesky factor.
    double fantasy = liar;
    if (cfg_.batch == "kriging_believer") {
      Eigen::VectorXd m, v;
      gp.predict(p.u.transpose(), m, v);
      fantasy = m[0];
    }
    gp.add_observation(p.u, fantasy);
    incumbent = std::max(incumbent, fantasy);
  }

  const Eigen::VectorXd length = theta_model.head(d).array().exp();
  info_ = {{"length_scale_min", length.minCoeff()},
           {"length_scale_max", length.maxCoeff()},
           {"signal_sd", gp.y_scale() * std::exp(0.5 * theta_model[d])},
           {"noise_sd", gp.y_scale() * std::exp(0.5 * theta_model[d + 1])},
           {"expected_improvement", std::exp(first_log_ei)},
           {"fit_iterations", fit.iterations},
           {"output_warp", warped_ ? "log" : "none"}};
  if (models.size() == 2 && std::isfinite(models[0].evidence) && std::isfinite(models[1].evidence))
    info_["log_evidence_gap"] = models[1].evidence - models[0].evidence;
}

double BayesianOptimization::log_ei_at(const GaussianProcess& gp, double best,
                                       const Eigen::VectorXd& u, Eigen::VectorXd* gradient) const {
  const auto p = gp.predict_with_gradient(u);
  const double floor = kSdFloor * gp.y_scale();
  const bool floored = p.variance < floor * floor;
  const double sd = floored ? floor : std::sqrt(p.variance);
  const auto ei = log_expected_improvement(p.mean, sd, best);
  if (gradient) {
    *gradient = ei.d_mean * p.d_mean;
    if (!floored) *gradient += (ei.d_sd / (2.0 * sd)) * p.d_variance;
    for (Eigen::Index j = 0; j < gradient->size(); ++j)
      if (integer_[static_cast<std::size_t>(j)]) (*gradient)[j] = 0.0;
  }
  return ei.value;
}

BayesianOptimization::Proposal BayesianOptimization::maximize_acquisition(
    const GaussianProcess& gp, double best, const std::vector<Eigen::VectorXd>& centres) {
  const auto d = static_cast<Eigen::Index>(space_.dim());
  const auto n_uniform = static_cast<Eigen::Index>(cfg_.candidates);
  const auto n_local = centres.empty() ? 0 : static_cast<Eigen::Index>(cfg_.local_candidates);
  Eigen::MatrixXd c(n_uniform + n_local, d);
  for (Eigen::Index i = 0; i < n_uniform; ++i) c.row(i) = uniform_point().transpose();
  for (Eigen::Index i = 0; i < n_local; ++i) {
    const auto& centre = centres[static_cast<std::size_t>(i) % centres.size()];
    const double sd = std::exp(rng_.uniform(std::log(kLocalSdLo), std::log(kLocalSdHi)));
    Eigen::VectorXd u(d);
    for (Eigen::Index j = 0; j < d; ++j)
      u[j] = std::clamp(centre[j] + sd * rng_.normal(), 0.0, 1.0);
    c.row(n_uniform + i) = snap(u).transpose();
  }
  // Exact log EI needs the posterior variance, O(n^2) per candidate; an upper bound from the
  // most correlated observation costs O(n). Candidates are evaluated exactly in the order of
  // their bounds until no bound left can enter the top k, which finds the same top k.
  Eigen::VectorXd mean, bound;
  gp.predict_mean(c, mean, bound);
  const double floor = kSdFloor * gp.y_scale();
  auto log_ei = [&](double m, double variance) {
    return log_expected_improvement(m, std::max(std::sqrt(variance), floor), best).value;
  };
  const auto m = static_cast<std::size_t>(c.rows());
  std::vector<double> upper(m);
  for (std::size_t i = 0; i < m; ++i)
    upper[i] = log_ei(mean[static_cast<Eigen::Index>(i)], bound[static_cast<Eigen::Index>(i)]);
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return upper[a] > upper[b]; });
  const std::size_t k = std::min<std::size_t>(
      static_cast<std::size_t>(std::max<std::int64_t>(cfg_.refine_starts, 1)), m);
  std::vector<std::pair<double, std::size_t>> top;  // (exact log EI, row), best first
  for (std::size_t first = 0; first < m; first += kChunk) {
    if (top.size() >= k && upper[order[first]] <= top[k - 1].first) break;
    const std::size_t last = std::min(first + kChunk, m);
    Eigen::MatrixXd chunk(static_cast<Eigen::Index>(last - first), d);
    for (std::size_t r = first; r < last; ++r)
      chunk.row(static_cast<Eigen::Index>(r - first)) = c.row(static_cast<Eigen::Index>(order[r]));
    Eigen::VectorXd chunk_mean, chunk_variance;
    gp.predict(chunk, chunk_mean, chunk_variance);
    for (std::size_t r = first; r < last; ++r) {
      const auto i = static_cast<Eigen::Index>(r - first);
      top.emplace_back(log_ei(chunk_mean[i], chunk_variance[i]), order[r]);
    }
    std::stable_sort(top.begin(), top.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    if (top.size() > k) top.resize(k);
  }
  auto row = [&](std::size_t i) -> Eigen::VectorXd {
    return c.row(static_cast<Eigen::Index>(i)).transpose();
  };
  Proposal result{row(top[0].second), top[0].first};
  for (std::size_t j = 0; j < top.size() && cfg_.refine_starts > 0; ++j) {
    const Proposal r = refine(gp, best, {row(top[j].second), top[j].first});
    if (r.log_ei > result.log_ei) result = r;
  }
  return result;
}

BayesianOptimization::Proposal BayesianOptimization::refine(const GaussianProcess& gp, double best,
                                                            Proposal p) const {
  if (std::all_of(integer_.begin(), integer_.end(), [](char i) { return i != 0; })) return p;
  Eigen::VectorXd g;
  double value = log_ei_at(gp, best, p.u, &g);
  if (!std::isfinite(value)) return p;
  p.log_ei = value;
  // Normalised-gradient ascent: the step is the change of the most sensitive coordinate, grown
  // after a success and halved after a failure, so it needs no line search and adapts to the
  // length scales by itself.
  double step = kStepStart;
  for (std::int64_t s = 0; s < cfg_.refine_steps; ++s) {
    for (Eigen::Index j = 0; j < g.size(); ++j)
      if ((p.u[j] <= 0.0 && g[j] < 0.0) || (p.u[j] >= 1.0 && g[j] > 0.0)) g[j] = 0.0;
    const double largest = g.lpNorm<Eigen::Infinity>();
    if (!(largest > 0.0) || !std::isfinite(largest)) break;
    const Eigen::VectorXd trial = (p.u + (step / largest) * g).cwiseMax(0.0).cwiseMin(1.0);
    Eigen::VectorXd g_trial;
    const double v = log_ei_at(gp, best, trial, &g_trial);
    if (v > p.log_ei) {
      p.u = trial;
      p.log_ei = v;
      g = g_trial;
      step = std::min(2.0 * step, kStepMax);
    } else if ((step *= 0.5) < kStepMin) {
      break;
    }
  }
  return p;
}

void BayesianOptimization::tell(std::span<const Candidate> batch,
                                std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("bayesian: tell() without ask()");
  check_tell_sizes("bayesian", pending_.size(), batch.size(), evals.size());
  std::int64_t failed = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto u = unit_params(space_, batch[i]);
    clamp_unit(u);
    x_.push_back(to_eigen(u));
    const double f = ctx_.weights.weighted(evals[i]);
    f_.push_back(std::isfinite(f) ? f : -kInf);
    if (!std::isfinite(f)) ++failed;
  }
  pending_.clear();
  ++generation_;
  update_estimate();
  const auto failed_total =
      std::count_if(f_.begin(), f_.end(), [](double f) { return !std::isfinite(f); });
  info_["observations"] = x_.size();
  info_["failed"] = failed;
  info_["failed_total"] = failed_total;
  const auto best = std::max_element(f_.begin(), f_.end());
  if (best != f_.end() && std::isfinite(*best)) info_["best_fitness"] = *best;
}

void BayesianOptimization::update_estimate() {
  estimate_.resize(0);
  double best = -kInf;
  for (std::size_t i = 0; i < f_.size(); ++i)
    if (f_[i] > best) best = f_[i], estimate_ = x_[i];
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  std::vector<Eigen::Index> ok;
  const Eigen::VectorXd& theta = warped_ ? theta_warped_ : theta_;
  if (theta.size() == 0 || !training_set(x, y, ok, warped_)) return;
  GaussianProcess gp(static_cast<Eigen::Index>(space_.dim()));
  gp.set_data(x, y);
  if (!gp.condition(theta)) return;
  const Eigen::VectorXd fitted = gp.fitted_means();
  Eigen::Index arg = ok.front();
  for (Eigen::Index r : ok)
    if (fitted[r] > fitted[arg]) arg = r;
  estimate_ = x.row(arg).transpose();
}

nlohmann::json BayesianOptimization::state() const {
  return {{"optimizer", "bayesian"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"design", pack_points(design_)},
          {"design_next", design_next_},
          {"x", pack_points(x_)},
          {"f", state::pack(f_)},
          {"theta", pack_vec(theta_)},
          {"theta_warped", pack_vec(theta_warped_)},
          {"warped", warped_},
          {"fit_credit", state::pack(std::vector<double>{fit_credit_})},
          {"pending", pack_points(pending_)},
          {"estimate", pack_vec(estimate_)},
          {"info", info_}};
}

void BayesianOptimization::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "bayesian")
    throw std::runtime_error("bayesian: not a bayesian checkpoint");
  const std::size_t d = space_.dim();
  auto design = unpack_points(s.at("design"), d);
  auto x = unpack_points(s.at("x"), d);
  auto f = state::unpack(s.at("f"));
  auto theta = to_eigen(state::unpack(s.at("theta")));
  // Checkpoints from before output_warp have neither: the unwarped model only.
  auto theta_warped = s.contains("theta_warped") ? to_eigen(state::unpack(s.at("theta_warped")))
                                                 : Eigen::VectorXd();
  const auto fits = [&](const Eigen::VectorXd& t) {
    return t.size() == 0 || t.size() == static_cast<Eigen::Index>(d + 2);
  };
  if (f.size() != x.size() || !fits(theta) || !fits(theta_warped))
    throw std::runtime_error("bayesian: checkpoint does not match the configuration");
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  design_ = std::move(design);
  design_next_ = s.at("design_next");
  x_ = std::move(x);
  f_ = std::move(f);
  theta_ = std::move(theta);
  theta_warped_ = std::move(theta_warped);
  warped_ = s.contains("warped") && s.at("warped").get<bool>();
  fit_credit_ = state::unpack(s.at("fit_credit")).at(0);
  pending_ = unpack_points(s.at("pending"), d);
  estimate_ = to_eigen(state::unpack(s.at("estimate")));
  info_ = s.at("info");
}

void BayesianOptimization::warm_start(const WarmStart& from) {
  // The stored run's evaluations are observations like any other (its fitness counts as
  // evaluated); with two or more the model takes over at once and the initial design is skipped.
  const auto seen =
      from.history.empty() ? from.individuals() : std::span<const StoredIndividual>(from.history);
  for (const auto& s : seen) {
    const auto u = space_.to_unit(s.params);
    x_.push_back(Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size())));
    f_.push_back(s.weighted);
  }
  if (x_.size() >= 2) design_next_ = design_.size();
  update_estimate();
}

std::optional<std::vector<double>> BayesianOptimization::estimate() const {
  if (estimate_.size() == 0) return std::nullopt;
  return natural_point(space_, to_std(estimate_), ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(BayesianOptimization, "bayesian",
                       "Gaussian-process Bayesian optimisation (Matern-5/2, expected "
                       "improvement): for very expensive evaluations; docs/bayesian.md");

}  // namespace l2l
