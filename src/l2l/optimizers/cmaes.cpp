#include "l2l/optimizers/cmaes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/core/state.hpp"

namespace l2l {

namespace {

// Width of the quadratic zone at each bound of the unit interval in the bound transformation.
constexpr double kMargin = 0.05;
// Restart means are drawn uniformly from the box without this fraction at each end.
constexpr double kRestartInset = 0.1;
// Above this dimension `separable: auto` uses the diagonal covariance.
constexpr Eigen::Index kSeparableAbove = 1000;
constexpr double kInf = std::numeric_limits<double>::infinity();

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  const double hi = *mid;
  const double lo = *std::max_element(v.begin(), mid);
  return 0.5 * (lo + hi);
}

// Percentile with linear interpolation between order statistics.
double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0.0;
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const std::size_t j = std::min(i + 1, v.size() - 1);
  return v[i] + (pos - static_cast<double>(i)) * (v[j] - v[i]);
}

nlohmann::json pack_scalar(double x) {
  return state::pack(std::span<const double>(&x, 1));
}
double unpack_scalar(const nlohmann::json& j) {
  return state::unpack(j).at(0);
}

nlohmann::json pack_vec(const Eigen::VectorXd& v) {
  return state::pack(std::span<const double>(v.data(), static_cast<std::size_t>(v.size())));
}
Eigen::VectorXd unpack_vec(const nlohmann::json& j) {
  const auto v = state::unpack(j);
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}
nlohmann::json pack_mat(const Eigen::MatrixXd& m) {
  return {
      {"rows", m.rows()},
      {"cols", m.cols()},
      {"data", state::pack(std::span<const double>(m.data(), static_cast<std::size_t>(m.size())))}};
}
Eigen::MatrixXd unpack_mat(const nlohmann::json& j) {
  const auto rows = j.at("rows").get<Eigen::Index>();
  const auto cols = j.at("cols").get<Eigen::Index>();
  const auto v = state::unpack(j.at("data"));
  if (static_cast<Eigen::Index>(v.size()) != rows * cols)
    throw std::runtime_error("cmaes checkpoint: matrix size mismatch");
  return Eigen::Map<const Eigen::MatrixXd>(v.data(), rows, cols);
}

const char* regime_name(int r) {
  switch (r) {
    case 1:
      return "large";
    case 2:
      return "small";
    default:
      return "first";
  }
}

}  // namespace

CmaEs::Config CmaEs::Config::read(Options& o) {
  Config c;
  c.population = o.get<std::int64_t>(
      "population", c.population,
      "lambda, candidates per generation; 0: 4 + floor(3 ln n) (Hansen 2016, Table 1). IPOP and "
      "BIPOP restarts grow it from this value",
      Check::at_least(0));
  c.parents = o.get<std::int64_t>(
      "parents", c.parents, "mu, candidates recombined into the new mean; 0: floor(lambda / 2)",
      Check::at_least(0));
  c.sigma0 = o.get<double>("sigma0", c.sigma0,
                           "initial step size in normalized coordinates, where every parameter "
                           "range is [0, 1] (log-aware); about a quarter of the range",
                           Check::positive());
  c.x0 = o.get<std::vector<double>>("x0", c.x0,
                                    "initial mean in parameter units, one value per element; "
                                    "empty: see `initial`");
  c.initial = o.get<std::string>(
      "initial", c.initial,
      "initial mean when x0 is empty: center of the box, or random (uniform in the box without "
      "10% at each end)",
      Check::one_of({"center", "random"}));
  c.active = o.get<bool>("active", c.active,
                         "active CMA: the worst lambda - mu candidates get negative weights in the "
                         "rank-mu update (Jastrebski & Arnold 2006; Hansen 2016, eq. 53)");
  c.separable = o.get<std::string>(
      "separable", c.separable,
      "diagonal covariance (sep-CMA-ES, Ros & Hansen 2008; learning rates times (n + 2) / 3, "
      "O(n) per sample and memory); auto: only above 1000 dimensions",
      Check::one_of({"auto", "true", "false"}));
  c.bounds = o.get<std::string>(
      "bounds", c.bounds,
      "bound handling: transform (smooth periodic map onto the box, identity inside it) or "
      "penalty (evaluate the nearest point in the box, rank with an adaptive quadratic penalty, "
      "Hansen et al. 2009) or none (search the unbounded space, as the BBOB/COCO protocol does; "
      "the box only scales the coordinates and places random starts, and in a run the "
      "experiment's bound policy repairs what falls outside)",
      Check::one_of({"transform", "penalty", "none"}));
  c.restarts = o.get<std::string>(
      "restarts", c.restarts,
      "after a stopping criterion: none (stop), ipop (restart with population times incpopsize, "
      "Auger & Hansen 2005) or bipop (interlaced large- and small-population regimes, Hansen 2009)",
      Check::one_of({"none", "ipop", "bipop"}));
  c.max_restarts =
      o.get<std::int64_t>("max_restarts", c.max_restarts,
                          "restarts allowed before the optimizer stops", Check::at_least(0));
  c.incpopsize = o.get<double>("incpopsize", c.incpopsize,
                               "population factor per IPOP restart and per BIPOP large restart",
                               Check::at_least(1.0));
  c.restart_from = o.get<std::string>(
      "restart_from", c.restart_from,
      "mean of a restarted run: random (uniform in the box without 10% at each end) or x0 (the "
      "initial mean again)",
      Check::one_of({"random", "x0"}));
  c.cc = o.get<double>("cc", c.cc,
                       "learning rate of the rank-one evolution path; 0: (4 + mueff/n) / (n + 4 + "
                       "2 mueff/n)",
                       Check::range(0.0, 1.0));
  c.cs = o.get<double>("cs", c.cs,
                       "learning rate of the step-size path; 0: (mueff + 2) / (n + mueff + 5)",
                       Check::range(0.0, 1.0));
  c.c1 = o.get<double>("c1", c.c1, "rank-one learning rate; 0: 2 / ((n + 1.3)^2 + mueff)",
                       Check::range(0.0, 1.0));
  c.cmu = o.get<double>("cmu", c.cmu,
                        "rank-mu learning rate; 0: min(1 - c1, 2 (1/4 + mueff + 1/mueff - 2) / "
                        "((n + 2)^2 + mueff))",
                        Check::range(0.0, 1.0));
  c.damps = o.get<double>("damps", c.damps,
                          "step-size damping; 0: 1 + 2 max(0, sqrt((mueff - 1)/(n + 1)) - 1) + cs",
                          Check::at_least(0.0));
  c.eigen_gap = o.get<double>(
      "eigen_gap", c.eigen_gap,
      "the eigendecomposition of C is postponed for eigen_gap / (n (c1 + cmu)) generations "
      "(pycma's lazy update; Hansen 2016 suggests 0.1)",
      Check::at_least(0.0));
  c.tolfun = o.get<double>("tolfun", c.tolfun,
                           "stop (or restart) when the best costs of the last 10 + 30n/lambda "
                           "generations and all of the current one lie within tolfun",
                           Check::at_least(0.0));
  c.tolfunhist = o.get<double>("tolfunhist", c.tolfunhist,
                               "stop when the best costs of the last 10 + 30n/lambda generations "
                               "lie within tolfunhist",
                               Check::at_least(0.0));
  c.tolx = o.get<double>("tolx", c.tolx,
                         "stop when sigma * max(|pc_i|, sqrt(C_ii)) < tolx * sigma0 in every "
                         "coordinate",
                         Check::at_least(0.0));
  c.tolxup = o.get<double>("tolxup", c.tolxup,
                           "stop when sigma * max(D) grew beyond tolxup * sigma0 (sigma0 far too "
                           "small)",
                           Check::positive());
  c.tolconditioncov =
      o.get<double>("tolconditioncov", c.tolconditioncov,
                    "stop when the condition number of C exceeds this", Check::at_least(1.0));
  c.stagnation = o.get<bool>(
      "stagnation", c.stagnation,
      "stop when the medians of the recent 30% of the best and of the median costs are not better "
      "than those of the oldest 30%, over the last 20% of generations (at least 120 + 30n/lambda, "
      "at most 20000)");
  c.noeffectaxis = o.get<bool>("noeffectaxis", c.noeffectaxis,
                               "stop when adding 0.1 sigma along a principal axis does not change "
                               "the mean");
  c.noeffectcoord = o.get<bool>("noeffectcoord", c.noeffectcoord,
                                "stop when adding 0.2 sigma sqrt(C_ii) to a coordinate does not "
                                "change the mean");
  c.tolflatfitness = o.get<std::int64_t>(
      "tolflatfitness", c.tolflatfitness,
      "stop after this many consecutive generations whose best and 70%-quantile costs are equal "
      "(sigma is enlarged each time); 0: never",
      Check::at_least(0));
  c.maxiter_run = o.get<std::int64_t>(
      "maxiter_run", c.maxiter_run,
      "generations per run before a restart; 0: 100 + 150 (n + 3)^2 / sqrt(lambda) (pycma)",
      Check::at_least(0));
  c.max_failed_rounds = o.get<std::int64_t>(
      "max_failed_rounds", c.max_failed_rounds,
      "stop when this many consecutive ask/tell rounds brought only failed evaluations",
      Check::at_least(1));
  return c;
}

CmaEs::CmaEs(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), weights_(ctx.weights), rng_(ctx.seed) {
  n_ = static_cast<Eigen::Index>(space.dim());
  if (n_ == 0) throw UsageError("cmaes: the parameter space is empty");
  separable_ = cfg.separable == "true" || (cfg.separable == "auto" && n_ > kSeparableAbove);
  penalty_ = cfg.bounds == "penalty";
  unbounded_ = cfg.bounds == "none";
  if (cfg.parents > 0 && cfg.population > 0 && cfg.parents > cfg.population)
    throw UsageError("cmaes: parents must not exceed population");

  initial_mean_.resize(n_);
  if (!cfg.x0.empty()) {
    if (static_cast<Eigen::Index>(cfg.x0.size()) != n_)
      throw UsageError(
          fmt::format("cmaes: x0 has {} values, the parameter space has {}", cfg.x0.size(), n_));
    if (!space.contains(cfg.x0)) throw UsageError("cmaes: x0 lies outside the parameter bounds");
    const auto u = space.to_unit(cfg.x0);
    for (Eigen::Index i = 0; i < n_; ++i)
      initial_mean_[i] = from_box(u[static_cast<std::size_t>(i)]);
  } else if (cfg.initial == "random") {
    for (Eigen::Index i = 0; i < n_; ++i)
      initial_mean_[i] = from_box(rng_.uniform(kRestartInset, 1.0 - kRestartInset));
  } else {
    initial_mean_.setConstant(0.5);
  }
  const auto dn = static_cast<double>(n_);
  lambda_default_ = cfg.population > 0
                        ? cfg.population
                        : 4 + static_cast<std::int64_t>(std::floor(3.0 * std::log(dn)));
  lambda_default_ = std::max<std::int64_t>(lambda_default_, 2);
  gamma_ = Eigen::VectorXd::Zero(n_);
  best_cost_ = kInf;
  start_run(true);
}

void CmaEs::setup_parameters(std::int64_t lambda) {
  const double n = static_cast<double>(n_);
  lambda_ = lambda;
  // A configured mu keeps its ratio to lambda when restarts change the population.
  mu_ = cfg_.parents > 0 ? static_cast<std::int64_t>(std::llround(
                               static_cast<double>(cfg_.parents) * static_cast<double>(lambda) /
                               static_cast<double>(lambda_default_)))
                         : lambda / 2;
  mu_ = std::clamp<std::int64_t>(mu_, 1, lambda);

  // Raw weights ln((lambda + 1) / 2) - ln i (Hansen 2016, eq. 49); with a configured mu the
  // first mu of them must be the positive ones.
  const double pivot =
      cfg_.parents > 0 ? static_cast<double>(mu_) + 0.5 : (static_cast<double>(lambda) + 1.0) / 2.0;
  Eigen::VectorXd raw(lambda);
  for (std::int64_t i = 0; i < lambda; ++i)
    raw[i] = std::log(pivot) - std::log(static_cast<double>(i + 1));
  const double sum_pos = raw.head(mu_).sum();
  mueff_ = sum_pos * sum_pos / raw.head(mu_).squaredNorm();

  const double alpha_cov = 2.0;
  c1_ = cfg_.c1 > 0 ? cfg_.c1 : alpha_cov / ((n + 1.3) * (n + 1.3) + mueff_);
  cmu_ = cfg_.cmu > 0 ? cfg_.cmu
                      : std::min(1.0 - c1_, alpha_cov * (0.25 + mueff_ + 1.0 / mueff_ - 2.0) /
                                                ((n + 2.0) * (n + 2.0) + alpha_cov * mueff_ / 2.0));
  if (separable_) {
    // sep-CMA-ES: a diagonal model learns (n + 2) / 3 times faster (Ros & Hansen 2008).
    if (cfg_.c1 <= 0) c1_ = std::min(1.0, c1_ * (n + 2.0) / 3.0);
    if (cfg_.cmu <= 0) cmu_ = std::min(1.0 - c1_, cmu_ * (n + 2.0) / 3.0);
  }
  cs_ = cfg_.cs > 0 ? cfg_.cs : (mueff_ + 2.0) / (n + mueff_ + 5.0);
  damps_ = cfg_.damps > 0
               ? cfg_.damps
               : 1.0 + 2.0 * std::max(0.0, std::sqrt((mueff_ - 1.0) / (n + 1.0)) - 1.0) + cs_;
  cc_ = cfg_.cc > 0 ? cfg_.cc : (4.0 + mueff_ / n) / (n + 4.0 + 2.0 * mueff_ / n);
  chin_ = std::sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));

  w_.resize(lambda);
  for (std::int64_t i = 0; i < mu_; ++i) w_[i] = raw[i] / sum_pos;
  const std::int64_t neg = lambda - mu_;
  if (cfg_.active && neg > 0 && cmu_ > 0) {
    // Negative weights scaled as in Hansen 2016, eq. 53: the smallest of the three bounds.
    double sum_neg = 0.0, sq_neg = 0.0;
    for (std::int64_t i = mu_; i < lambda; ++i) {
      sum_neg += std::fabs(raw[i]);
      sq_neg += raw[i] * raw[i];
    }
    const double mueff_neg = sq_neg > 0 ? sum_neg * sum_neg / sq_neg : 0.0;
    const double a_mu = 1.0 + c1_ / cmu_;
    const double a_mueff = 1.0 + 2.0 * mueff_neg / (mueff_ + 2.0);
    const double a_posdef = (1.0 - c1_ - cmu_) / (n * cmu_);
    const double scale = std::min({a_mu, a_mueff, a_posdef}) / sum_neg;
    for (std::int64_t i = mu_; i < lambda; ++i) w_[i] = scale * std::min(0.0, raw[i]);
  } else {
    for (std::int64_t i = mu_; i < lambda; ++i) w_[i] = 0.0;
  }

  const double gap = cfg_.eigen_gap / (n * (c1_ + cmu_));
  eigen_gap_gens_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(gap)));
  maxiter_run_ = cfg_.maxiter_run > 0
                     ? cfg_.maxiter_run
                     : 100 + static_cast<std::int64_t>(150.0 * (n + 3.0) * (n + 3.0) /
                                                       std::sqrt(static_cast<double>(lambda)));
  fun_hist_len_ = 10 + static_cast<std::int64_t>(std::ceil(30.0 * n / static_cast<double>(lambda)));
  stag_min_ = 120 + static_cast<std::int64_t>(std::ceil(30.0 * n / static_cast<double>(lambda)));
}

void CmaEs::start_run(bool first) {
  std::int64_t lambda = lambda_default_;
  sigma0_run_ = first && warm_sigma0_ > 0 ? warm_sigma0_ : cfg_.sigma0;
  run_max_evals_ = 0;
  if (first) {
    regime_ = Regime::first;
    mean_ = initial_mean_;
  } else {
    ++restarts_;
    if (cfg_.restarts == "ipop") {
      regime_ = Regime::large;
      lambda =
          static_cast<std::int64_t>(std::llround(static_cast<double>(lambda_) * cfg_.incpopsize));
    } else {  // bipop: the regime that has spent fewer evaluations goes next
      if (evals_small_ < evals_large_) {
        regime_ = Regime::small;
        const double u1 = rng_.uniform(), u2 = rng_.uniform();
        const double large = static_cast<double>(lambda_default_) *
                             std::pow(cfg_.incpopsize, static_cast<double>(large_index_));
        lambda = static_cast<std::int64_t>(
            std::floor(static_cast<double>(lambda_default_) *
                       std::pow(0.5 * large / static_cast<double>(lambda_default_), u1 * u1)));
        lambda = std::max<std::int64_t>(lambda, 4);
        sigma0_run_ = cfg_.sigma0 * std::pow(10.0, -2.0 * u2);
        run_max_evals_ = std::max<std::int64_t>(1, last_large_evals_ / 2);
      } else {
        regime_ = Regime::large;
        ++large_index_;
        lambda = static_cast<std::int64_t>(
            std::llround(static_cast<double>(lambda_default_) *
                         std::pow(cfg_.incpopsize, static_cast<double>(large_index_))));
      }
    }
    if (cfg_.restart_from == "x0") {
      mean_ = initial_mean_;
    } else {
      mean_.resize(n_);
      for (Eigen::Index i = 0; i < n_; ++i)
        mean_[i] = from_box(rng_.uniform(kRestartInset, 1.0 - kRestartInset));
    }
  }
  setup_parameters(lambda);
  sigma_ = sigma0_run_;
  if (separable_) {
    cdiag_ = Eigen::VectorXd::Ones(n_);
    c_.resize(0, 0);
    b_.resize(0, 0);
  } else {
    c_ = Eigen::MatrixXd::Identity(n_, n_);
    b_ = Eigen::MatrixXd::Identity(n_, n_);
    cdiag_.resize(0);
  }
  d_ = Eigen::VectorXd::Ones(n_);
  pc_ = Eigen::VectorXd::Zero(n_);
  ps_ = Eigen::VectorXd::Zero(n_);
  gen_ = 0;
  last_eigen_gen_ = 0;
  run_evals_ = 0;
  flat_count_ = 0;
  fun_hist_.clear();
  stag_best_.clear();
  stag_median_.clear();
  numerical_problem_ = false;
  gamma_ = Eigen::VectorXd::Zero(n_);
  penalty_initial_phase_ = true;
  iqr_hist_.clear();
  in_progress_ = false;
  outstanding_.clear();
}

void CmaEs::warm_start(const WarmStart& from) {
  // The first run starts at the origin's centre with its population's spread as step size (a
  // converged GA hands over a small one); restarts keep the configured sigma0.
  const auto u = space_.to_unit(from.centre(space_));
  for (Eigen::Index i = 0; i < n_; ++i) initial_mean_[i] = from_box(u[static_cast<std::size_t>(i)]);
  warm_sigma0_ = from.mean_unit_spread(space_, cfg_.sigma0);
  start_run(true);
}

double CmaEs::to_box(double y) const {
  if (unbounded_) return y;
  if (penalty_) return std::clamp(y, 0.0, 1.0);
  // Fold into [-a, 1 + a] by mirroring (period 2 (1 + 2a)), then bend the outer zones
  // quadratically so that the map is continuously differentiable and onto [0, 1].
  const double a = kMargin;
  const double w = 1.0 + 2.0 * a;
  double t = std::fmod(y + a, 2.0 * w);
  if (t < 0.0) t += 2.0 * w;
  if (t > w) t = 2.0 * w - t;
  const double x = t - a;
  if (x < a) return (x + a) * (x + a) / (4.0 * a);
  if (x > 1.0 - a) return 1.0 - (1.0 + a - x) * (1.0 + a - x) / (4.0 * a);
  return x;
}

double CmaEs::from_box(double u) const {
  if (penalty_ || unbounded_) return u;
  const double a = kMargin;
  u = std::clamp(u, 0.0, 1.0);
  if (u < a) return -a + std::sqrt(4.0 * a * u);
  if (u > 1.0 - a) return 1.0 + a - std::sqrt(4.0 * a * (1.0 - u));
  return u;
}

std::vector<double> CmaEs::to_params(const Eigen::VectorXd& y) const {
  std::vector<double> u(static_cast<std::size_t>(n_));
  for (Eigen::Index i = 0; i < n_; ++i) u[static_cast<std::size_t>(i)] = to_box(y[i]);
  return space_.from_unit(u);
}

double CmaEs::bound_penalty(const Eigen::VectorXd& y) const {
  // Weights relative to the variances, biased towards one (Hansen et al. 2009).
  const Eigen::VectorXd var = separable_ ? cdiag_ : Eigen::VectorXd(c_.diagonal());
  const double mean_log = var.array().log().mean();
  double p = 0.0;
  for (Eigen::Index i = 0; i < n_; ++i) {
    const double d = y[i] - std::clamp(y[i], 0.0, 1.0);
    if (d == 0.0) continue;
    const double xi = std::exp(0.9 * (std::log(var[i]) - mean_log));
    p += gamma_[i] / xi * d * d;
  }
  return p;
}

void CmaEs::sample_slot(Eigen::Index k) {
  for (Eigen::Index i = 0; i < n_; ++i) z_(i, k) = rng_.normal();
  if (separable_) {
    y_.col(k) = d_.cwiseProduct(z_.col(k));
  } else {
    y_.col(k).noalias() = b_ * d_.cwiseProduct(z_.col(k));
  }
}

void CmaEs::begin_generation() {
  const Eigen::Index lam = lambda_;
  z_.resize(n_, lam);
  for (Eigen::Index k = 0; k < lam; ++k)
    for (Eigen::Index i = 0; i < n_; ++i) z_(i, k) = rng_.normal();
  if (separable_) {
    y_ = d_.asDiagonal() * z_;
  } else {
    y_.noalias() = b_ * (d_.asDiagonal() * z_);
  }
  cost_.assign(static_cast<std::size_t>(lam), std::numeric_limits<double>::quiet_NaN());
  outstanding_.resize(static_cast<std::size_t>(lam));
  std::iota(outstanding_.begin(), outstanding_.end(), Eigen::Index{0});
  in_progress_ = true;
}

std::vector<Candidate> CmaEs::ask() {
  if (stop_) return {};
  if (!in_progress_) begin_generation();
  std::vector<Candidate> batch;
  batch.reserve(outstanding_.size());
  for (std::size_t k = 0; k < outstanding_.size(); ++k) {
    Candidate c;
    c.index = static_cast<std::int64_t>(k);
    c.params = to_params(mean_ + sigma_ * y_.col(outstanding_[k]));
    batch.push_back(std::move(c));
  }
  return batch;
}

void CmaEs::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (batch.empty() && evals.empty() && outstanding_.empty()) return;  // nothing was asked
  if (!in_progress_ || batch.size() != outstanding_.size() || evals.size() != batch.size())
    throw std::logic_error(
        fmt::format("cmaes: tell() got {} candidates and {} evaluations for the {} asked",
                    batch.size(), evals.size(), in_progress_ ? outstanding_.size() : 0));
  std::vector<Eigen::Index> failed;
  for (std::size_t k = 0; k < batch.size(); ++k) {
    const double v = weights_.weighted(evals[k]);
    const auto slot = outstanding_[k];
    if (std::isfinite(v)) {
      cost_[static_cast<std::size_t>(slot)] = -v;
      ++run_evals_;
      ++total_evals_;
    } else {
      failed.push_back(slot);
      ++failed_evals_;
    }
  }
  failed_rounds_ = failed.size() == batch.size() ? failed_rounds_ + 1 : 0;
  if (failed_rounds_ >= cfg_.max_failed_rounds) {
    stop_ = fmt::format(
        "cmaes: every evaluation failed in {} consecutive rounds ({} failed "
        "evaluations in total)",
        failed_rounds_, failed_evals_);
    in_progress_ = false;
    outstanding_.clear();
    return;
  }
  // Failed members are replaced by fresh samples of the same distribution; the generation is
  // complete once every slot holds a valid evaluation.
  for (auto slot : failed) sample_slot(slot);
  outstanding_ = std::move(failed);
  if (outstanding_.empty()) end_generation();
}

void CmaEs::update_penalty_weights(const Eigen::VectorXd& raw_cost) {
  std::vector<double> v(raw_cost.data(), raw_cost.data() + raw_cost.size());
  const Eigen::VectorXd var = separable_ ? cdiag_ : Eigen::VectorXd(c_.diagonal());
  const double iqr = (percentile(v, 75.0) - percentile(v, 25.0)) / (sigma_ * sigma_ * var.mean());
  const auto hist_cap = static_cast<std::size_t>(20 + (3 * n_) / lambda_);
  if (std::isfinite(iqr) && iqr > 0.0) {
    iqr_hist_.push_back(iqr);
    if (iqr_hist_.size() > hist_cap) iqr_hist_.erase(iqr_hist_.begin());
  }
  bool outside = false;
  for (Eigen::Index i = 0; i < n_; ++i) outside |= mean_[i] < 0.0 || mean_[i] > 1.0;
  if (penalty_initial_phase_) {
    // The first time the mean leaves the box, weights start at twice the typical spread of costs
    // per unit of variance.
    if (outside && !iqr_hist_.empty()) {
      gamma_.setConstant(2.0002 * median(iqr_hist_));
      penalty_initial_phase_ = false;
    }
    return;
  }
  // Increase the weight of coordinates whose mean is far outside.
  const double limit = 3.0 * std::max(1.0, std::sqrt(static_cast<double>(n_)) / mueff_);
  const double factor = std::pow(1.1, std::max(1.0, mueff_ / (10.0 * static_cast<double>(n_))));
  for (Eigen::Index i = 0; i < n_; ++i) {
    const double d = std::fabs(mean_[i] - std::clamp(mean_[i], 0.0, 1.0));
    if (d > 0.0 && d / (sigma_ * std::sqrt(var[i])) > limit) gamma_[i] *= factor;
  }
}

void CmaEs::decompose() {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(c_);
  const Eigen::VectorXd ev = es.eigenvalues();
  if (es.info() != Eigen::Success || !(ev.minCoeff() > 0.0) || !ev.allFinite()) {
    numerical_problem_ = true;
    return;
  }
  b_ = es.eigenvectors();
  d_ = ev.cwiseSqrt();
  last_eigen_gen_ = gen_;
}

double CmaEs::condition() const {
  const double r = d_.maxCoeff() / d_.minCoeff();
  return r * r;
}

void CmaEs::end_generation() {
  in_progress_ = false;
  const Eigen::Index lam = lambda_;
  const double dn = static_cast<double>(n_);
  Eigen::VectorXd raw(lam), sel(lam);
  for (Eigen::Index k = 0; k < lam; ++k) raw[k] = cost_[static_cast<std::size_t>(k)];
  sel = raw;
  if (penalty_) {
    update_penalty_weights(raw);
    for (Eigen::Index k = 0; k < lam; ++k) sel[k] += bound_penalty(mean_ + sigma_ * y_.col(k));
  }
  std::vector<Eigen::Index> order(static_cast<std::size_t>(lam));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return sel[a] < sel[b]; });
  best_cost_ = std::min(best_cost_, raw.minCoeff());

  // Recombination and evolution paths.
  Eigen::VectorXd yw = Eigen::VectorXd::Zero(n_), zw = Eigen::VectorXd::Zero(n_);
  for (std::int64_t i = 0; i < mu_; ++i) {
    yw.noalias() += w_[i] * y_.col(order[static_cast<std::size_t>(i)]);
    zw.noalias() += w_[i] * z_.col(order[static_cast<std::size_t>(i)]);
  }
  mean_.noalias() += sigma_ * yw;
  const double csn = std::sqrt(cs_ * (2.0 - cs_) * mueff_);
  if (separable_) {
    ps_ = (1.0 - cs_) * ps_ + csn * zw;
  } else {
    ps_ = (1.0 - cs_) * ps_ + csn * (b_ * zw);
  }
  const double ps_norm = ps_.norm();
  const double hsig_denominator =
      std::sqrt(1.0 - std::pow(1.0 - cs_, 2.0 * static_cast<double>(gen_ + 1)));
  const bool hsig = ps_norm / hsig_denominator < (1.4 + 2.0 / (dn + 1.0)) * chin_;
  pc_ = (1.0 - cc_) * pc_;
  if (hsig) pc_.noalias() += std::sqrt(cc_ * (2.0 - cc_) * mueff_) * yw;

  // Covariance: rank-one and (active) rank-mu updates, Hansen 2016 eq. (47)-(48).
  std::vector<Eigen::Index> used;
  std::vector<double> wc;
  for (std::int64_t i = 0; i < lam; ++i) {
    if (w_[i] == 0.0) continue;
    const auto k = order[static_cast<std::size_t>(i)];
    double w = w_[i];
    if (w < 0.0) {
      const double zz = z_.col(k).squaredNorm();
      if (!(zz > 0.0)) continue;
      w *= dn / zz;
    }
    used.push_back(k);
    wc.push_back(w);
  }
  const double delta_h = hsig ? 0.0 : cc_ * (2.0 - cc_);
  const double decay = 1.0 + c1_ * delta_h - c1_ - cmu_ * w_.sum();
  if (separable_) {
    cdiag_ *= decay;
    cdiag_.array() += c1_ * pc_.array().square();
    for (std::size_t j = 0; j < used.size(); ++j)
      cdiag_.array() += cmu_ * wc[j] * y_.col(used[j]).array().square();
    if (!(cdiag_.minCoeff() > 0.0) || !cdiag_.allFinite()) {
      numerical_problem_ = true;
    } else {
      d_ = cdiag_.cwiseSqrt();
    }
  } else {
    c_ *= decay;
    c_.selfadjointView<Eigen::Lower>().rankUpdate(pc_, c1_);
    Eigen::MatrixXd pos(n_, 0), neg(n_, 0);
    std::size_t np = 0, nn = 0;
    for (double w : wc) (w > 0 ? np : nn) += 1;
    pos.resize(n_, static_cast<Eigen::Index>(np));
    neg.resize(n_, static_cast<Eigen::Index>(nn));
    np = nn = 0;
    for (std::size_t j = 0; j < used.size(); ++j) {
      if (wc[j] > 0) {
        pos.col(static_cast<Eigen::Index>(np++)) = std::sqrt(wc[j]) * y_.col(used[j]);
      } else {
        neg.col(static_cast<Eigen::Index>(nn++)) = std::sqrt(-wc[j]) * y_.col(used[j]);
      }
    }
    if (pos.cols() > 0) c_.selfadjointView<Eigen::Lower>().rankUpdate(pos, cmu_);
    if (neg.cols() > 0) c_.selfadjointView<Eigen::Lower>().rankUpdate(neg, -cmu_);
    c_.triangularView<Eigen::StrictlyUpper>() = c_.transpose();
  }

  // Cumulative step-size adaptation (the exponent is capped at 1 as in pycma).
  sigma_ *= std::exp(std::min(1.0, cs_ / damps_ * (ps_norm / chin_ - 1.0)));

  // Flat fitness: enlarge sigma to escape plateaus.
  const auto q = static_cast<std::size_t>(std::ceil(0.7 * static_cast<double>(lam))) - 1;
  if (sel[order[0]] == sel[order[std::min(q, order.size() - 1)]]) {
    sigma_ *= std::exp(0.2 + cs_ / damps_);
    ++flat_count_;
  } else {
    flat_count_ = 0;
  }

  ++gen_;
  ++total_gens_;
  if (!separable_ && gen_ - last_eigen_gen_ >= eigen_gap_gens_) decompose();

  // Only sigma^2 C matters. On ridges sigma grows while C shrinks, both exponentially; moving the
  // scale of C into sigma keeps the numbers in range without changing the distribution or any
  // later update (each is homogeneous in the scale of C, pc and y).
  const double dmax = d_.maxCoeff();
  if (std::isfinite(dmax) && dmax > 0.0 && (dmax > 1e8 || dmax < 1e-8)) {
    sigma_ *= dmax;
    d_ /= dmax;
    pc_ /= dmax;
    if (separable_) {
      cdiag_ /= dmax * dmax;
    } else {
      c_ /= dmax * dmax;
    }
  }

  // Translating the mean by a full period of the bound transformation changes nothing but keeps
  // it from drifting away.
  if (!penalty_ && !unbounded_) {
    const double period = 2.0 * (1.0 + 2.0 * kMargin);
    for (Eigen::Index i = 0; i < n_; ++i) {
      const double k = std::floor((mean_[i] - 0.5) / period + 0.5);
      if (k != 0.0) mean_[i] -= k * period;
    }
  }

  const auto reasons = check_stop(order, raw);
  if (!reasons.empty()) {
    std::string why;
    for (const auto& r : reasons) why += (why.empty() ? "" : ", ") + r;
    finish_run(why);
  }
}

std::vector<std::string> CmaEs::check_stop(const std::vector<Eigen::Index>& order,
                                           const Eigen::VectorXd& raw) {
  std::vector<std::string> why;
  const double best = raw[order[0]];
  fun_hist_.push_back(best);
  if (static_cast<std::int64_t>(fun_hist_.size()) > fun_hist_len_)
    fun_hist_.erase(fun_hist_.begin());
  std::vector<double> sorted(raw.data(), raw.data() + raw.size());
  stag_best_.push_back(best);
  stag_median_.push_back(median(sorted));
  constexpr std::size_t kStagMax = 20000;
  if (stag_best_.size() > kStagMax) {
    stag_best_.erase(stag_best_.begin());
    stag_median_.erase(stag_median_.begin());
  }

  if (numerical_problem_) why.emplace_back("numerical problem in the covariance matrix");
  if (!std::isfinite(sigma_) || sigma_ <= 0.0) why.emplace_back("sigma is not a positive number");
  if (!why.empty()) return why;

  const bool hist_full = static_cast<std::int64_t>(fun_hist_.size()) >= fun_hist_len_;
  if (hist_full) {
    const auto [lo, hi] = std::minmax_element(fun_hist_.begin(), fun_hist_.end());
    const double range_hist = *hi - *lo;
    const double range_all = std::max(*hi, raw.maxCoeff()) - std::min(*lo, raw.minCoeff());
    if (range_all < cfg_.tolfun) why.emplace_back(fmt::format("tolfun ({:g})", cfg_.tolfun));
    if (range_hist < cfg_.tolfunhist)
      why.emplace_back(fmt::format("tolfunhist ({:g})", cfg_.tolfunhist));
  }

  const Eigen::VectorXd var = separable_ ? cdiag_ : Eigen::VectorXd(c_.diagonal());
  bool tolx = true;
  for (Eigen::Index i = 0; i < n_ && tolx; ++i)
    tolx = sigma_ * std::max(std::fabs(pc_[i]), std::sqrt(var[i])) < cfg_.tolx * sigma0_run_;
  if (tolx) why.emplace_back(fmt::format("tolx ({:g} sigma0)", cfg_.tolx));
  if (sigma_ * d_.maxCoeff() > cfg_.tolxup * sigma0_run_)
    why.emplace_back(fmt::format("tolxup ({:g} sigma0)", cfg_.tolxup));
  if (condition() > cfg_.tolconditioncov)
    why.emplace_back(fmt::format("tolconditioncov ({:g})", cfg_.tolconditioncov));

  if (cfg_.noeffectaxis) {
    const Eigen::Index i = gen_ % n_;
    bool same = true;
    for (Eigen::Index j = 0; j < n_ && same; ++j) {
      const double axis = separable_ ? (j == i ? d_[i] : 0.0) : d_[i] * b_(j, i);
      same = mean_[j] == mean_[j] + 0.1 * sigma_ * axis;
    }
    if (same) why.emplace_back("noeffectaxis");
  }
  if (cfg_.noeffectcoord) {
    for (Eigen::Index i = 0; i < n_; ++i) {
      if (mean_[i] == mean_[i] + 0.2 * sigma_ * std::sqrt(var[i])) {
        why.emplace_back("noeffectcoord");
        break;
      }
    }
  }
  if (cfg_.stagnation && gen_ >= stag_min_) {
    const auto len = std::min<std::size_t>(
        stag_best_.size(),
        std::max<std::size_t>(static_cast<std::size_t>(stag_min_),
                              static_cast<std::size_t>(0.2 * static_cast<double>(gen_))));
    const auto part = static_cast<std::size_t>(std::ceil(0.3 * static_cast<double>(len)));
    auto med = [&](const std::vector<double>& h, bool recent) {
      const auto first = h.end() - static_cast<std::ptrdiff_t>(recent ? part : len);
      return median(std::vector<double>(first, first + static_cast<std::ptrdiff_t>(part)));
    };
    if (med(stag_best_, true) >= med(stag_best_, false) &&
        med(stag_median_, true) >= med(stag_median_, false))
      why.emplace_back("stagnation");
  }
  if (cfg_.tolflatfitness > 0 && flat_count_ >= cfg_.tolflatfitness)
    why.emplace_back(fmt::format("tolflatfitness ({} flat generations)", flat_count_));
  if (gen_ >= maxiter_run_) why.emplace_back(fmt::format("maxiter_run ({})", maxiter_run_));
  if (run_max_evals_ > 0 && run_evals_ >= run_max_evals_)
    why.emplace_back(fmt::format("small-regime budget ({} evaluations)", run_max_evals_));
  return why;
}

void CmaEs::finish_run(const std::string& why) {
  last_run_stop_ = why;
  if (regime_ == Regime::small) {
    evals_small_ += run_evals_;
  } else {
    evals_large_ += run_evals_;
    last_large_evals_ = run_evals_;
  }
  if (cfg_.restarts == "none") {
    stop_ = fmt::format("cmaes: {} after {} generations", why, gen_);
    return;
  }
  if (restarts_ >= cfg_.max_restarts) {
    stop_ = fmt::format(
        "cmaes: {} in the last run; {} budget of {} restarts spent ({} "
        "evaluations in all)",
        why, cfg_.restarts == "ipop" ? "IPOP" : "BIPOP", cfg_.max_restarts, total_evals_);
    return;
  }
  start_run(false);
}

std::optional<std::vector<double>> CmaEs::estimate() const {
  return to_params(mean_);
}

nlohmann::json CmaEs::generation_info() const {
  return {{"sigma", sigma_},
          {"condition", condition()},
          {"restarts", restarts_},
          {"population", lambda_},
          {"regime", regime_name(static_cast<int>(regime_))},
          {"run_generation", gen_},
          {"evaluations", total_evals_},
          {"failed_evaluations", failed_evals_}};
}

nlohmann::json CmaEs::state() const {
  nlohmann::json j;
  j["version"] = 1;
  j["n"] = n_;
  j["separable"] = separable_;
  j["rng"] = state::pack_rng(rng_);
  j["lambda"] = lambda_;
  j["regime"] = static_cast<int>(regime_);
  j["mean"] = pack_vec(mean_);
  j["sigma"] = pack_scalar(sigma_);
  j["sigma0_run"] = pack_scalar(sigma0_run_);
  j["initial_mean"] = pack_vec(initial_mean_);  // a warm start moves it; restart_from: x0 uses it
  if (separable_) {
    j["cdiag"] = pack_vec(cdiag_);
  } else {
    j["C"] = pack_mat(c_);
    j["B"] = pack_mat(b_);
  }
  j["D"] = pack_vec(d_);
  j["pc"] = pack_vec(pc_);
  j["ps"] = pack_vec(ps_);
  j["gen"] = gen_;
  j["last_eigen_gen"] = last_eigen_gen_;
  j["run_evals"] = run_evals_;
  j["run_max_evals"] = run_max_evals_;
  j["flat_count"] = flat_count_;
  j["fun_hist"] = state::pack(fun_hist_);
  j["stag_best"] = state::pack(stag_best_);
  j["stag_median"] = state::pack(stag_median_);
  j["numerical_problem"] = numerical_problem_;
  j["gamma"] = pack_vec(gamma_);
  j["penalty_initial_phase"] = penalty_initial_phase_;
  j["iqr_hist"] = state::pack(iqr_hist_);
  j["restarts"] = restarts_;
  j["large_index"] = large_index_;
  j["evals_large"] = evals_large_;
  j["evals_small"] = evals_small_;
  j["last_large_evals"] = last_large_evals_;
  j["in_progress"] = in_progress_;
  if (in_progress_) {
    j["Z"] = pack_mat(z_);
    j["Y"] = pack_mat(y_);
    j["cost"] = state::pack(cost_);
    j["outstanding"] = outstanding_;
  }
  j["failed_rounds"] = failed_rounds_;
  j["total_evals"] = total_evals_;
  j["total_gens"] = total_gens_;
  j["failed_evals"] = failed_evals_;
  j["best_cost"] = pack_scalar(best_cost_);
  j["stop"] = stop_ ? nlohmann::json(*stop_) : nlohmann::json(nullptr);
  j["last_run_stop"] = last_run_stop_;
  return j;
}

void CmaEs::restore(const nlohmann::json& j) {
  if (j.at("version").get<int>() != 1)
    throw std::runtime_error("cmaes checkpoint: unknown version");
  if (j.at("n").get<Eigen::Index>() != n_)
    throw std::runtime_error("cmaes checkpoint: dimension differs from the parameter space");
  if (j.at("separable").get<bool>() != separable_)
    throw std::runtime_error("cmaes checkpoint: separable mode differs from the configuration");
  state::unpack_rng(j.at("rng"), rng_);
  setup_parameters(j.at("lambda").get<std::int64_t>());
  regime_ = static_cast<Regime>(j.at("regime").get<int>());
  mean_ = unpack_vec(j.at("mean"));
  sigma_ = unpack_scalar(j.at("sigma"));
  sigma0_run_ = unpack_scalar(j.at("sigma0_run"));
  if (j.contains("initial_mean")) initial_mean_ = unpack_vec(j.at("initial_mean"));
  if (separable_) {
    cdiag_ = unpack_vec(j.at("cdiag"));
  } else {
    c_ = unpack_mat(j.at("C"));
    b_ = unpack_mat(j.at("B"));
  }
  d_ = unpack_vec(j.at("D"));
  pc_ = unpack_vec(j.at("pc"));
  ps_ = unpack_vec(j.at("ps"));
  gen_ = j.at("gen").get<std::int64_t>();
  last_eigen_gen_ = j.at("last_eigen_gen").get<std::int64_t>();
  run_evals_ = j.at("run_evals").get<std::int64_t>();
  run_max_evals_ = j.at("run_max_evals").get<std::int64_t>();
  flat_count_ = j.at("flat_count").get<std::int64_t>();
  fun_hist_ = state::unpack(j.at("fun_hist"));
  stag_best_ = state::unpack(j.at("stag_best"));
  stag_median_ = state::unpack(j.at("stag_median"));
  numerical_problem_ = j.at("numerical_problem").get<bool>();
  gamma_ = unpack_vec(j.at("gamma"));
  penalty_initial_phase_ = j.at("penalty_initial_phase").get<bool>();
  iqr_hist_ = state::unpack(j.at("iqr_hist"));
  restarts_ = j.at("restarts").get<std::int64_t>();
  large_index_ = j.at("large_index").get<std::int64_t>();
  evals_large_ = j.at("evals_large").get<std::int64_t>();
  evals_small_ = j.at("evals_small").get<std::int64_t>();
  last_large_evals_ = j.at("last_large_evals").get<std::int64_t>();
  in_progress_ = j.at("in_progress").get<bool>();
  if (in_progress_) {
    z_ = unpack_mat(j.at("Z"));
    y_ = unpack_mat(j.at("Y"));
    cost_ = state::unpack(j.at("cost"));
    outstanding_ = j.at("outstanding").get<std::vector<Eigen::Index>>();
  } else {
    outstanding_.clear();
  }
  failed_rounds_ = j.at("failed_rounds").get<std::int64_t>();
  total_evals_ = j.at("total_evals").get<std::int64_t>();
  total_gens_ = j.at("total_gens").get<std::int64_t>();
  failed_evals_ = j.at("failed_evals").get<std::int64_t>();
  best_cost_ = unpack_scalar(j.at("best_cost"));
  stop_ = j.at("stop").is_null() ? std::nullopt
                                 : std::optional<std::string>(j.at("stop").get<std::string>());
  last_run_stop_ = j.at("last_run_stop").get<std::string>();
}

L2L_REGISTER_OPTIMIZER(CmaEs, "cmaes",
                       "CMA-ES with active and separable variants, IPOP/BIPOP restarts and bound "
                       "handling (Hansen 2016)");

}  // namespace l2l
