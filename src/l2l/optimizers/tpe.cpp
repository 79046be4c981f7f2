#include "l2l/optimizers/tpe.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <string>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Optuna's lower bound on bandwidths without magic_clip.
constexpr double kEps = 1e-12;
const double kLogSqrt2Pi = 0.5 * std::log(2.0 * std::numbers::pi);
// Optuna's default_weights: how many of the newest observations keep the full weight.
constexpr std::size_t kFullWeight = 25;

// The log probability of [a, b] under N(mu, sigma^2), accurate in both tails (erfc of the tail
// nearer zero) and for intervals far narrower than sigma, such as the bins of a large integer
// range, where the difference of the two CDF values would cancel.
double log_normal_mass(double a, double b, double mu, double sigma) {
  if (!(b > a)) return -kInf;
  const double za = (a - mu) / sigma, zb = (b - mu) / sigma;
  // The width from b - a, not zb - za: subtracting mu first would cost the narrow bin its digits.
  const double w = (b - a) / sigma;
  if (w < 1e-3) {
    // Midpoint rule with its second-order correction: relative error O(w^4).
    const double m = za + 0.5 * w;
    return -0.5 * m * m - kLogSqrt2Pi + std::log(w) + std::log1p(w * w * (m * m - 1.0) / 24.0);
  }
  const double r = 1.0 / std::numbers::sqrt2;
  double mass;
  if (za >= 0.0) {
    mass = 0.5 * (std::erfc(za * r) - std::erfc(zb * r));
  } else if (zb <= 0.0) {
    mass = 0.5 * (std::erfc(-zb * r) - std::erfc(-za * r));
  } else {
    mass = 1.0 - 0.5 * (std::erfc(zb * r) + std::erfc(-za * r));
  }
  return mass > 0.0 ? std::log(mass) : -kInf;
}

double log_sum_exp(std::span<const double> v) {
  double m = -kInf;
  for (double x : v) m = std::max(m, x);
  if (!std::isfinite(m)) return m;
  double s = 0.0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

std::vector<double> normalized(std::vector<double> w) {
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  for (auto& v : w) v /= total;
  return w;
}

std::size_t pick(Rng& rng, std::span<const double> weight) {
  double u = rng.uniform();
  for (std::size_t k = 0; k + 1 < weight.size(); ++k) {
    u -= weight[k];
    if (u < 0.0) return k;
  }
  return weight.size() - 1;
}

// Rejection from the untruncated normal. Every kernel is centred inside [lo, hi] and at most
// hi - lo wide, so at least Phi(1) - Phi(0) = 34% of the draws are accepted; the cap only
// guards against a corrupt state.
double sample_truncated(Rng& rng, double mu, double sigma, double lo, double hi) {
  for (int i = 0; i < 1000; ++i) {
    const double x = rng.normal(mu, sigma);
    if (x >= lo && x <= hi) return x;
  }
  return std::clamp(mu, lo, hi);
}

double minimum_sigma(const ParzenSettings& s, double range, std::size_t n_observations) {
  if (!s.magic_clip) return kEps;
  return range / std::min(100.0, 2.0 + static_cast<double>(n_observations));
}

// The joint (multivariate) Parzen estimator over the modelled elements: kernel k is the product
// over dimensions j of a Gaussian at mu[k][j] with the common bandwidth sigma[j] (Optuna's
// multivariate rule, Scott-like: 0.2 * n^(-1/(d+4)) of the range), truncated to [lo_j, hi_j];
// the last kernel is the prior.
class JointParzen {
 public:
  JointParzen(const std::vector<const std::vector<double>*>& rows, std::span<const double> weights,
              const std::vector<Tpe::Element>& elems, const std::vector<std::size_t>& dims,
              const ParzenSettings& s)
      : d_(dims.size()), n_(rows.size() + 1) {
    const double n_obs = static_cast<double>(std::max<std::size_t>(rows.size(), 1));
    const double scale = 0.2 * std::pow(n_obs, -1.0 / (static_cast<double>(d_) + 4.0));
    mu_.resize(n_ * d_);
    sigma_.resize(n_ * d_);
    log_z_.resize(n_ * d_);
    for (std::size_t j = 0; j < d_; ++j) {
      const auto& e = elems[dims[j]];
      const double range = e.hi - e.lo;
      const double sigma = std::clamp(scale * range, minimum_sigma(s, range, rows.size()), range);
      for (std::size_t k = 0; k < n_; ++k) {
        const bool prior = k + 1 == n_;
        const double mu = prior ? 0.5 * (e.lo + e.hi) : (*rows[k])[dims[j]];
        const double sd = prior ? range : sigma;
        mu_[k * d_ + j] = mu;
        sigma_[k * d_ + j] = sd;
        log_z_[k * d_ + j] = log_normal_mass(e.lo, e.hi, mu, sd);
      }
    }
    std::vector<double> w(weights.begin(), weights.end());
    w.push_back(s.prior_weight);
    weight_ = normalized(std::move(w));
    log_w_.resize(n_);
    for (std::size_t k = 0; k < n_; ++k) log_w_[k] = std::log(weight_[k]);
  }

  // Draws a point (one value per modelled element) from kernel `pick`ed by weight.
  void sample(Rng& rng, const std::vector<Tpe::Element>& elems,
              const std::vector<std::size_t>& dims, std::vector<double>& out) const {
    const std::size_t k = pick(rng, weight_);
    for (std::size_t j = 0; j < d_; ++j) {
      const auto& e = elems[dims[j]];
      out[j] = sample_truncated(rng, mu_[k * d_ + j], sigma_[k * d_ + j], e.lo, e.hi);
    }
  }

  // The log density of a point; discrete dimensions (a < b) count the mass of [a, b], the others
  // the density at a. Always the density, whatever `score` says: weighting a product kernel by
  // its widths would favour the prior over an observation by (range / bandwidth)^d, so that g(x)
  // is nearly the prior and failures are hardly avoided (measured with the failure test: 20 to
  // 26 late failures in 100 instead of 6 to 13).
  double log_density(std::span<const double> a, std::span<const double> b,
                     std::vector<double>& scratch) const {
    scratch.resize(n_);
    for (std::size_t k = 0; k < n_; ++k) {
      double s = log_w_[k];
      for (std::size_t j = 0; j < d_; ++j) {
        const double mu = mu_[k * d_ + j], sd = sigma_[k * d_ + j];
        if (b[j] > a[j]) {
          s += log_normal_mass(a[j], b[j], mu, sd);
        } else {
          const double z = (a[j] - mu) / sd;
          s += -0.5 * z * z - std::log(sd) - kLogSqrt2Pi;
        }
        s -= log_z_[k * d_ + j];
      }
      scratch[k] = s;
    }
    return log_sum_exp(scratch);
  }

 private:
  std::size_t d_, n_;
  std::vector<double> mu_, sigma_, log_z_;  // n_ x d_, row-major
  std::vector<double> weight_, log_w_;
};

}  // namespace

std::vector<double> tpe_weights(std::size_t n) {
  std::vector<double> w(n, 1.0);
  if (n <= kFullWeight) return w;
  // numpy.linspace(1 / n, 1, n - 25): the oldest observation weighs 1/n.
  const std::size_t ramp = n - kFullWeight;
  const double first = 1.0 / static_cast<double>(n);
  for (std::size_t i = 0; i < ramp; ++i)
    w[i] = ramp == 1
               ? first
               : first + (1.0 - first) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  return w;
}

std::size_t tpe_n_below(std::size_t n, double gamma, std::size_t max_below) {
  const auto k = static_cast<std::size_t>(std::ceil(gamma * static_cast<double>(n)));
  return std::min({k, max_below, n});
}

TruncatedMixture::TruncatedMixture(double lo, double hi, std::vector<double> mu,
                                   std::vector<double> sigma, std::vector<double> weight)
    : lo_(lo), hi_(hi), mu_(std::move(mu)), sigma_(std::move(sigma)) {
  if (mu_.empty() || mu_.size() != sigma_.size() || mu_.size() != weight.size())
    throw std::invalid_argument("TruncatedMixture: needs as many weights and widths as centres");
  weight_ = normalized(std::move(weight));
  log_coef_.resize(mu_.size());
  for (std::size_t k = 0; k < mu_.size(); ++k)
    log_coef_[k] = std::log(weight_[k]) - log_normal_mass(lo_, hi_, mu_[k], sigma_[k]);
}

double TruncatedMixture::log_pdf(double u) const {
  return log_kernel_sum(u, true);
}

double TruncatedMixture::log_width_weighted(double u) const {
  return log_kernel_sum(u, false);
}

double TruncatedMixture::log_kernel_sum(double u, bool per_unit_width) const {
  if (!(u >= lo_ && u <= hi_)) return -kInf;
  std::vector<double> terms(mu_.size());
  for (std::size_t k = 0; k < mu_.size(); ++k) {
    const double z = (u - mu_[k]) / sigma_[k];
    terms[k] =
        log_coef_[k] - 0.5 * z * z - (per_unit_width ? std::log(sigma_[k]) : 0.0) - kLogSqrt2Pi;
  }
  return log_sum_exp(terms);
}

double TruncatedMixture::log_mass(double a, double b) const {
  a = std::max(a, lo_);
  b = std::min(b, hi_);
  std::vector<double> terms(mu_.size());
  for (std::size_t k = 0; k < mu_.size(); ++k)
    terms[k] = log_coef_[k] + log_normal_mass(a, b, mu_[k], sigma_[k]);
  return log_sum_exp(terms);
}

double TruncatedMixture::sample(Rng& rng) const {
  const std::size_t k = pick(rng, weight_);
  return sample_truncated(rng, mu_[k], sigma_[k], lo_, hi_);
}

TruncatedMixture fit_parzen(std::span<const double> mus, std::span<const double> weights, double lo,
                            double hi, const ParzenSettings& settings) {
  if (mus.size() != weights.size())
    throw std::invalid_argument("fit_parzen: one weight per observation");
  const std::size_t n = mus.size();
  const double range = hi - lo;
  // The prior (the centre, as wide as the range) is one of the sorted points whose gaps set the
  // widths, as in Optuna 3.1: without it an isolated observation's kernel reaches to the far end
  // of the range, and the model is much vaguer than Optuna's (measured on BBOB f8 with
  // bench/hpo.py: Optuna with the prior left out scored as this did).
  std::vector<double> all(mus.begin(), mus.end());
  all.push_back(0.5 * (lo + hi));
  const std::size_t m = all.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return all[a] < all[b]; });
  // The sorted points between the domain ends: each kernel is as wide as the larger gap to its
  // neighbours, so isolated observations get wide kernels and clusters narrow ones.
  std::vector<double> e(m + 2);
  e[0] = lo;
  for (std::size_t i = 0; i < m; ++i) e[i + 1] = all[order[i]];
  e[m + 1] = hi;
  std::vector<double> sorted(m);
  for (std::size_t i = 0; i < m; ++i) sorted[i] = std::max(e[i + 1] - e[i], e[i + 2] - e[i + 1]);
  if (!settings.consider_endpoints && m >= 2) {
    // The outermost kernels look only inwards, so a point near a bound is not widened by it.
    sorted[0] = e[2] - e[1];
    sorted[m - 1] = e[m] - e[m - 1];
  }
  std::vector<double> sigma(n);
  for (std::size_t i = 0; i < m; ++i)
    if (order[i] < n) sigma[order[i]] = sorted[i];
  const double min_sigma = minimum_sigma(settings, range, n);
  for (auto& s : sigma) s = std::clamp(s, min_sigma, range);
  std::vector<double> mu(mus.begin(), mus.end());
  std::vector<double> w(weights.begin(), weights.end());
  mu.push_back(0.5 * (lo + hi));
  sigma.push_back(range);
  w.push_back(settings.prior_weight);
  return TruncatedMixture(lo, hi, std::move(mu), std::move(sigma), std::move(w));
}

double Tpe::Element::unit(double x) const {
  return log_scale ? std::log(x / lower) / std::log(upper / lower) : (x - lower) / (upper - lower);
}

double Tpe::Element::natural(double u) const {
  switch (kind) {
    case Kind::fixed:
      return value;
    case Kind::continuous:
    case Kind::integer: {
      const double x = log_scale ? lower * std::pow(upper / lower, u) : lower + u * (upper - lower);
      if (kind == Kind::continuous) return std::clamp(x, lower, upper);
      return std::clamp(std::round(x), k_lo, k_hi);
    }
  }
  return value;
}

Tpe::Config Tpe::Config::read(Options& o) {
  Config c;
  c.population = o.get<std::int64_t>(
      "population", c.population,
      "candidates per generation; a batch is kept apart by constant_liar", Check::at_least(1));
  c.n_startup = o.get<std::int64_t>(
      "n_startup", c.n_startup,
      "evaluations (failed ones included) drawn uniformly before the model is used",
      Check::at_least(0));
  c.n_candidates = o.get<std::int64_t>(
      "n_candidates", c.n_candidates,
      "points drawn from l(x) per proposal; the one maximizing l(x)/g(x) is proposed (per "
      "element when univariate)",
      Check::at_least(1));
  Check fraction;
  fraction.gt = 0.0;
  fraction.max = 1.0;
  c.gamma = o.get<double>(
      "gamma", c.gamma,
      "fraction, in (0, 1], of the successful evaluations in the good set l(x): n_below = "
      "min(ceil(gamma * n), n_below_max)",
      fraction);
  c.n_below_max = o.get<std::int64_t>("n_below_max", c.n_below_max,
                                      "most evaluations in the good set l(x)", Check::at_least(1));
  c.parzen.prior_weight = o.get<double>(
      "prior_weight", c.parzen.prior_weight,
      "weight of the prior kernel (centre of the range, width of the range) relative to an "
      "observation's",
      Check::positive());
  c.parzen.consider_endpoints = o.get<bool>(
      "consider_endpoints", c.parzen.consider_endpoints,
      "univariate bandwidths: let the outermost observations' kernels span to the bounds");
  c.parzen.magic_clip = o.get<bool>(
      "magic_clip", c.parzen.magic_clip,
      "bandwidths at least range / min(100, kernels + 1) (Bergstra's magic clip); off: 1e-12");
  c.parzen.width_weighted_score =
      o.get<std::string>(
          "score", "width_weighted",
          "univariate: how candidates are scored: width_weighted (each continuous kernel of l and "
          "g counts with its bandwidth, as in Optuna 3.1 to 3.4; converges faster, docs/tpe.md) "
          "or density (log l(x) - log g(x) of the normalized mixtures, as Optuna >= 3.5); "
          "multivariate always scores densities",
          Check::one_of({"width_weighted", "density"})) == "width_weighted";
  c.multivariate = o.get<bool>(
      "multivariate", c.multivariate,
      "one joint Parzen estimator over all elements (captures interactions) instead of one "
      "per element");
  c.constant_liar = o.get<bool>(
      "constant_liar", c.constant_liar,
      "with population > 1, count each chosen point of a batch as a bad observation while the "
      "rest is chosen, which spreads the batch; off: the batch's points are drawn independently");
  c.failures_are_bad =
      o.get<std::string>(
          "failures", "bad",
          "failed evaluations: bad (kernels of g(x), so failing regions are avoided; counted in "
          "n_startup) or ignore (left out entirely, as Optuna)",
          Check::one_of({"bad", "ignore"})) == "bad";
  return c;
}

Tpe::Tpe(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed) {
  for (std::size_t i = 0; i < space_.dim(); ++i) {
    Element e;
    e.lower = space_.lower(i);
    e.upper = space_.upper(i);
    e.log_scale = space_.is_log(i);
    e.value = e.lower;
    if (e.upper == e.lower) {
      e.kind = Element::Kind::fixed;
    } else if (space_.is_integer(i)) {
      e.k_lo = std::ceil(e.lower);
      e.k_hi = std::floor(e.upper);
      if (e.k_lo == e.k_hi) {
        e.kind = Element::Kind::fixed;
        e.value = e.k_lo;
      } else if (e.k_lo < e.k_hi) {
        // Each integer owns the unit-coordinate interval that rounds to it, end bins included
        // in full, so that a uniform draw on [lo, hi] is uniform over the integers.
        e.kind = Element::Kind::integer;
        e.lo = e.unit(e.k_lo - 0.5);
        e.hi = e.unit(e.k_hi + 0.5);
      }
      // No integer inside the bounds: left continuous, the space's repair decides.
    }
    elements_.push_back(e);
    if (e.kind != Element::Kind::fixed) modelled_.push_back(i);
  }
}

std::vector<double> Tpe::observed_unit(const std::vector<double>& x) const {
  if (x.size() != space_.dim())
    throw std::invalid_argument("tpe: candidate has " + std::to_string(x.size()) +
                                " parameters, the space has " + std::to_string(space_.dim()));
  auto u = space_.to_unit(x);
  for (std::size_t i = 0; i < u.size(); ++i) {
    const auto& e = elements_[i];
    u[i] = std::isfinite(u[i]) ? std::clamp(u[i], e.lo, e.hi) : 0.5 * (e.lo + e.hi);
  }
  return u;
}

std::vector<double> Tpe::to_natural(const std::vector<double>& u) const {
  std::vector<double> x(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) x[i] = elements_[i].natural(u[i]);
  return x;
}

std::vector<double> Tpe::sample_startup() {
  std::vector<double> u(space_.dim(), 0.5);
  for (std::size_t i : modelled_) u[i] = rng_.uniform(elements_[i].lo, elements_[i].hi);
  return u;
}

struct Tpe::Split {
  std::vector<std::size_t> below, above;  // observation indices, chronological
};

Tpe::Split Tpe::split() const {
  std::vector<std::size_t> ok;
  for (std::size_t k = 0; k < obs_f_.size(); ++k)
    if (std::isfinite(obs_f_[k])) ok.push_back(k);
  std::stable_sort(ok.begin(), ok.end(),
                   [&](std::size_t a, std::size_t b) { return obs_f_[a] > obs_f_[b]; });
  const std::size_t n_below =
      tpe_n_below(ok.size(), cfg_.gamma, static_cast<std::size_t>(cfg_.n_below_max));
  std::vector<char> is_below(obs_f_.size(), 0);
  for (std::size_t r = 0; r < n_below; ++r) is_below[ok[r]] = 1;
  Split sp;
  for (std::size_t k = 0; k < obs_f_.size(); ++k) {
    if (is_below[k]) {
      sp.below.push_back(k);
    } else if (cfg_.failures_are_bad || std::isfinite(obs_f_[k])) {
      sp.above.push_back(k);
    }
  }
  return sp;
}

std::vector<double> Tpe::sample_univariate(const Split& sp,
                                           const std::vector<std::vector<double>>& lies,
                                           double& score) {
  std::vector<double> u(space_.dim(), 0.5);
  score = 0.0;
  const auto w_below = tpe_weights(sp.below.size());
  const auto w_above = tpe_weights(sp.above.size() + lies.size());
  std::vector<double> mu_below(sp.below.size()), mu_above(sp.above.size() + lies.size());
  for (std::size_t i : modelled_) {
    const auto& e = elements_[i];
    for (std::size_t r = 0; r < sp.below.size(); ++r) mu_below[r] = obs_u_[sp.below[r]][i];
    for (std::size_t r = 0; r < sp.above.size(); ++r) mu_above[r] = obs_u_[sp.above[r]][i];
    for (std::size_t r = 0; r < lies.size(); ++r) mu_above[sp.above.size() + r] = lies[r][i];
    const auto l = fit_parzen(mu_below, w_below, e.lo, e.hi, cfg_.parzen);
    const auto g = fit_parzen(mu_above, w_above, e.lo, e.hi, cfg_.parzen);
    double best = -kInf, best_u = 0.5 * (e.lo + e.hi);
    for (std::int64_t c = 0; c < cfg_.n_candidates; ++c) {
      const double v = l.sample(rng_);
      double s;
      if (e.kind == Element::Kind::integer) {
        // Scored on the integer it becomes: every draw of the same bin scores alike.
        const double k = e.natural(v);
        const double a = std::max(e.lo, e.unit(k - 0.5)), b = std::min(e.hi, e.unit(k + 0.5));
        s = l.log_mass(a, b) - g.log_mass(a, b);
      } else if (cfg_.parzen.width_weighted_score) {
        s = l.log_width_weighted(v) - g.log_width_weighted(v);
      } else {
        s = l.log_pdf(v) - g.log_pdf(v);
      }
      if (c == 0) best_u = v;  // the fallback should every score be NaN
      if (s > best) best = s, best_u = v;
    }
    u[i] = best_u;
    score += best;
  }
  return u;
}

std::vector<double> Tpe::sample_multivariate(const Split& sp,
                                             const std::vector<std::vector<double>>& lies,
                                             double& score) {
  std::vector<double> u(space_.dim(), 0.5);
  score = 0.0;
  if (modelled_.empty()) return u;
  std::vector<const std::vector<double>*> below, above;
  for (std::size_t k : sp.below) below.push_back(&obs_u_[k]);
  for (std::size_t k : sp.above) above.push_back(&obs_u_[k]);
  for (const auto& x : lies) above.push_back(&x);
  const JointParzen l(below, tpe_weights(below.size()), elements_, modelled_, cfg_.parzen);
  const JointParzen g(above, tpe_weights(above.size()), elements_, modelled_, cfg_.parzen);
  const std::size_t d = modelled_.size();
  std::vector<double> v(d), a(d), b(d), best_v(d), scratch;
  double best = -kInf;
  for (std::int64_t c = 0; c < cfg_.n_candidates; ++c) {
    l.sample(rng_, elements_, modelled_, v);
    for (std::size_t j = 0; j < d; ++j) {
      const auto& e = elements_[modelled_[j]];
      if (e.kind == Element::Kind::integer) {
        const double k = e.natural(v[j]);
        a[j] = std::max(e.lo, e.unit(k - 0.5));
        b[j] = std::min(e.hi, e.unit(k + 0.5));
      } else {
        a[j] = b[j] = v[j];
      }
    }
    const double s = l.log_density(a, b, scratch) - g.log_density(a, b, scratch);
    if (c == 0) best_v = v;
    if (s > best) best = s, best_v = v;
  }
  for (std::size_t j = 0; j < d; ++j) u[modelled_[j]] = best_v[j];
  score = best;
  return u;
}

std::vector<Candidate> Tpe::ask() {
  if (pending_.empty()) {
    const auto n = static_cast<std::size_t>(cfg_.population);
    const std::size_t seen =
        obs_f_.size() - (cfg_.failures_are_bad ? 0 : static_cast<std::size_t>(failed_));
    if (seen < static_cast<std::size_t>(cfg_.n_startup)) {
      for (std::size_t j = 0; j < n; ++j) {
        pending_.push_back(to_natural(sample_startup()));
        pending_score_.push_back(kNaN);
      }
    } else {
      const Split sp = split();
      std::vector<std::vector<double>> lies;
      for (std::size_t j = 0; j < n; ++j) {
        double score = 0.0;
        const auto u = cfg_.multivariate ? sample_multivariate(sp, lies, score)
                                         : sample_univariate(sp, lies, score);
        pending_.push_back(to_natural(u));
        pending_score_.push_back(score);
        // The lie is where the point lands after rounding, as a told point would be modelled.
        if (cfg_.constant_liar && j + 1 < n) lies.push_back(observed_unit(pending_.back()));
      }
    }
  }
  std::vector<Candidate> batch(pending_.size());
  for (std::size_t j = 0; j < batch.size(); ++j) {
    batch[j].generation = generation_;
    batch[j].index = static_cast<std::int64_t>(j);
    batch[j].params = pending_[j];
  }
  return batch;
}

bool Tpe::observe(const std::vector<double>& x, double weighted) {
  auto u = observed_unit(x);
  const bool ok = std::isfinite(weighted);
  obs_x_.push_back(x);
  obs_u_.push_back(std::move(u));
  obs_f_.push_back(ok ? weighted : FitnessWeights::failed_value);
  if (!ok) ++failed_;
  if (ok && weighted > best_f_) best_f_ = weighted, best_x_ = x;
  return ok;
}

void Tpe::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("tpe: tell() without ask()");
  check_tell_sizes("tpe", pending_.size(), batch.size(), evals.size());
  for (const auto& c : batch) (void)observed_unit(c.params);  // throws before anything changes
  std::size_t batch_failed = 0;
  double batch_best = -kInf;
  for (std::size_t j = 0; j < batch.size(); ++j) {
    if (!observe(batch[j].params, ctx_.weights.weighted(evals[j]))) ++batch_failed;
    batch_best = std::max(batch_best, obs_f_.back());
  }
  const auto n_ok = obs_f_.size() - static_cast<std::size_t>(failed_);
  const bool startup = std::isnan(pending_score_.front());
  info_ = {{"observations", obs_f_.size()},
           {"failed", failed_},
           {"batch_failed", batch_failed},
           {"startup", startup},
           {"n_below", tpe_n_below(n_ok, cfg_.gamma, static_cast<std::size_t>(cfg_.n_below_max))}};
  if (std::isfinite(best_f_)) info_["best_fitness"] = best_f_;
  if (std::isfinite(batch_best)) info_["batch_best_fitness"] = batch_best;
  if (!startup) {
    // How strongly the model preferred its proposals: large while it still learns, near 0 when
    // l and g agree.
    double top = -kInf;
    for (double s : pending_score_) top = std::max(top, s);
    if (std::isfinite(top)) info_["log_ratio"] = top;
  }
  pending_.clear();
  pending_score_.clear();
  ++generation_;
}

nlohmann::json Tpe::state() const {
  return {{"optimizer", "tpe"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"x", state::pack_matrix(obs_x_)},
          {"f", state::pack(obs_f_)},
          {"failed", failed_},
          {"best_x", state::pack(best_x_)},
          {"best_f", state::pack(std::vector<double>{best_f_})},
          {"pending", state::pack_matrix(pending_)},
          {"pending_score", state::pack(pending_score_)},
          {"info", info_}};
}

void Tpe::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "tpe") throw std::runtime_error("tpe: not a tpe checkpoint");
  auto x = state::unpack_matrix(s.at("x"));
  auto f = state::unpack(s.at("f"));
  auto pending = state::unpack_matrix(s.at("pending"));
  auto pending_score = state::unpack(s.at("pending_score"));
  bool fits = x.size() == f.size() && pending.size() == pending_score.size();
  for (const auto& row : x) fits = fits && row.size() == space_.dim();
  for (const auto& row : pending) fits = fits && row.size() == space_.dim();
  if (!fits) throw std::runtime_error("tpe: checkpoint does not match the parameter space");
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  obs_u_.clear();
  for (const auto& row : x) obs_u_.push_back(observed_unit(row));
  obs_x_ = std::move(x);
  obs_f_ = std::move(f);
  failed_ = s.at("failed");
  best_x_ = state::unpack(s.at("best_x"));
  best_f_ = state::unpack(s.at("best_f")).at(0);
  pending_ = std::move(pending);
  pending_score_ = std::move(pending_score);
  info_ = s.at("info");
}

void Tpe::warm_start(const WarmStart& from) {
  if (!from.history.empty()) {
    for (const auto& ind : from.history) observe(ind.params, ind.weighted);
  } else {
    // Without a history, the last generation (best first: reversed, so that the best counts as
    // the newest should the old ones be down-weighted).
    for (auto it = from.population.rbegin(); it != from.population.rend(); ++it)
      observe(it->params, it->weighted);
  }
  if (!from.best.params.empty() && from.best.weighted > best_f_)
    best_f_ = from.best.weighted, best_x_ = from.best.params;
}

std::optional<std::vector<double>> Tpe::estimate() const {
  if (best_x_.empty()) return std::nullopt;
  return best_x_;
}

L2L_REGISTER_OPTIMIZER(Tpe, "tpe",
                       "tree-structured Parzen estimator (Bergstra et al. 2011, as Optuna's "
                       "TPESampler): sample-efficient for expensive evaluations; docs/tpe.md");

}  // namespace l2l
