#include "l2l/optimizers/ce_distribution.hpp"

#include "l2l/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/ranking.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

CeDistribution::Config CeDistribution::Config::read(Options& o) {
  Config c;
  c.family = o.get<std::string>(
      "distribution", c.family,
      "sampling distribution: gaussian, noisy_gaussian, mixture (Gaussian mixture fitted by EM) "
      "or noisy_mixture",
      Check::one_of({"gaussian", "noisy_gaussian", "mixture", "noisy_mixture"}));
  c.diagonal = o.get<bool>("diagonal", c.diagonal,
                           "diagonal instead of full covariance matrices (for many parameters)");
  c.components = o.get<std::int64_t>("components", c.components,
                                     "mixture: number of Gaussian components", Check::at_least(1));
  c.em_iterations =
      o.get<std::int64_t>("em_iterations", c.em_iterations,
                          "mixture: maximum EM iterations per fit", Check::at_least(1));
  c.em_tolerance = o.get<double>("em_tolerance", c.em_tolerance,
                                 "mixture: stop EM when the log-likelihood gains less than this "
                                 "(relative)",
                                 Check::at_least(0.0));
  c.min_variance = o.get<double>("min_variance", c.min_variance,
                                 "variance added to every covariance diagonal after a fit (unit "
                                 "coordinates squared)",
                                 Check::at_least(0.0));
  c.noise = o.get<double>("noise", c.noise,
                          "noisy_*: variance added to the covariance at the first fit (unit "
                          "coordinates squared); it decays by noise_decay per fit",
                          Check::at_least(0.0));
  c.noise_decay = o.get<double>("noise_decay", c.noise_decay,
                                "noisy_*: factor applied to the added variance after each fit",
                                Check::probability());
  return c;
}

CeDistribution::CeDistribution(const Config& cfg, std::size_t dim, Rng& rng)
    : cfg_(cfg), dim_(dim), noise_(cfg.noise) {
  const auto d = static_cast<Eigen::Index>(dim);
  const std::size_t k = cfg_.mixture() ? static_cast<std::size_t>(cfg_.components) : 1;
  comps_.resize(k);
  for (auto& c : comps_) {
    c.weight = 1.0 / static_cast<double>(k);
    c.mean = Eigen::VectorXd::Constant(d, 0.5);
    if (k > 1)
      for (Eigen::Index i = 0; i < d; ++i) c.mean[i] = rng.uniform();
    if (cfg_.diagonal) {
      c.cov = Eigen::MatrixXd::Constant(d, 1, 1.0 / 12.0);
    } else {
      c.cov = Eigen::MatrixXd::Identity(d, d) / 12.0;
    }
    factorize(c);
  }
}

void CeDistribution::factorize(Component& c) const {
  if (cfg_.diagonal) {
    c.vals = c.cov.col(0).cwiseMax(0.0);
    c.vecs.resize(0, 0);
    return;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(c.cov);
  c.vecs = eig.eigenvectors();
  c.vals = eig.eigenvalues().cwiseMax(0.0);
}

double CeDistribution::log_density(const Component& c, const Eigen::VectorXd& x) const {
  // Eigenvalues are floored at a tiny positive value so that a degenerate component still has a
  // finite (very peaked) density.
  const double floor = std::max(cfg_.min_variance, 1e-300);
  const Eigen::VectorXd diff = x - c.mean;
  const Eigen::VectorXd vals = c.vals.cwiseMax(floor);
  Eigen::VectorXd proj = cfg_.diagonal ? diff : Eigen::VectorXd(c.vecs.transpose() * diff);
  const double maha = (proj.array().square() / vals.array()).sum();
  const double logdet = vals.array().log().sum();
  return -0.5 * (maha + logdet + static_cast<double>(dim_) * std::log(2.0 * std::numbers::pi));
}

void CeDistribution::fit_em(const std::vector<Eigen::VectorXd>& x,
                            std::vector<Component>& comps) const {
  const std::size_t n = x.size(), k = comps.size();
  const auto d = static_cast<Eigen::Index>(dim_);
  Eigen::MatrixXd resp(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k));
  double previous = -std::numeric_limits<double>::infinity();
  for (std::int64_t it = 0; it < cfg_.em_iterations; ++it) {
    // E-step with the log-sum-exp trick.
    double ll = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double mx = -std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < k; ++c) {
        const double v = comps[c].weight > 0
                             ? std::log(comps[c].weight) + log_density(comps[c], x[i])
                             : -std::numeric_limits<double>::infinity();
        resp(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = v;
        mx = std::max(mx, v);
      }
      double sum = 0.0;
      for (std::size_t c = 0; c < k; ++c) {
        auto& r = resp(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c));
        r = std::exp(r - mx);
        sum += r;
      }
      resp.row(static_cast<Eigen::Index>(i)) /= sum;
      ll += mx + std::log(sum);
    }
    // M-step. A component without responsibility keeps its parameters and gets weight 0.
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = resp.col(static_cast<Eigen::Index>(c));
      const double nk = col.sum();
      auto& comp = comps[c];
      comp.weight = nk / static_cast<double>(n);
      if (nk < 1e-10) continue;
      Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
      for (std::size_t i = 0; i < n; ++i) mean += col[static_cast<Eigen::Index>(i)] * x[i];
      mean /= nk;
      if (cfg_.diagonal) {
        Eigen::VectorXd var = Eigen::VectorXd::Zero(d);
        for (std::size_t i = 0; i < n; ++i)
          var += col[static_cast<Eigen::Index>(i)] * (x[i] - mean).array().square().matrix();
        comp.cov.col(0) = var / nk;
        comp.cov.col(0).array() += cfg_.min_variance;
      } else {
        Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
        for (std::size_t i = 0; i < n; ++i) {
          const Eigen::VectorXd diff = x[i] - mean;
          cov.noalias() += col[static_cast<Eigen::Index>(i)] * (diff * diff.transpose());
        }
        comp.cov = cov / nk;
        comp.cov.diagonal().array() += cfg_.min_variance;
      }
      comp.mean = mean;
      factorize(comp);
    }
    if (std::abs(ll - previous) <= cfg_.em_tolerance * std::max(1.0, std::abs(ll))) break;
    previous = ll;
  }
}

void CeDistribution::fit(const std::vector<Eigen::VectorXd>& points, double smoothing) {
  if (points.empty()) throw std::logic_error("cross-entropy: fit() needs at least one point");
  auto fitted = comps_;
  if (comps_.size() == 1) {
    auto& c = fitted[0];
    const auto d = static_cast<Eigen::Index>(dim_);
    const double n = static_cast<double>(points.size());
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
    for (const auto& p : points) mean += p;
    mean /= n;
    if (cfg_.diagonal) {
      Eigen::VectorXd var = Eigen::VectorXd::Zero(d);
      for (const auto& p : points) var += (p - mean).array().square().matrix();
      c.cov.col(0) = var / n;
    } else {
      Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
      for (const auto& p : points) {
        const Eigen::VectorXd diff = p - mean;
        cov.noalias() += diff * diff.transpose();
      }
      c.cov = cov / n;
    }
    c.mean = mean;
    c.weight = 1.0;
  } else {
    fit_em(points, fitted);
  }
  double wsum = 0.0;
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    auto& old = comps_[c];
    const auto& nw = fitted[c];
    old.weight = smoothing * old.weight + (1 - smoothing) * nw.weight;
    old.mean = smoothing * old.mean + (1 - smoothing) * nw.mean;
    old.cov = smoothing * old.cov + (1 - smoothing) * nw.cov;
    const double added = cfg_.min_variance + (cfg_.noisy() ? noise_ : 0.0);
    if (cfg_.diagonal) {
      old.cov.col(0).array() += added;
    } else {
      old.cov.diagonal().array() += added;
    }
    wsum += old.weight;
  }
  for (auto& c : comps_) {
    c.weight /= wsum;
    factorize(c);
  }
  if (cfg_.noisy()) noise_ *= cfg_.noise_decay;
}

std::vector<double> CeDistribution::sample(Rng& rng) const {
  std::size_t k = 0;
  if (comps_.size() > 1) {
    const double u = rng.uniform();
    double acc = 0.0;
    k = comps_.size() - 1;
    for (std::size_t c = 0; c < comps_.size(); ++c) {
      acc += comps_[c].weight;
      if (u < acc) {
        k = c;
        break;
      }
    }
  }
  const auto& c = comps_[k];
  const auto d = static_cast<Eigen::Index>(dim_);
  Eigen::VectorXd z(d);
  for (Eigen::Index i = 0; i < d; ++i) z[i] = rng.normal() * std::sqrt(c.vals[i]);
  const Eigen::VectorXd x =
      cfg_.diagonal ? Eigen::VectorXd(c.mean + z) : Eigen::VectorXd(c.mean + c.vecs * z);
  return std::vector<double>(x.data(), x.data() + d);
}

std::vector<double> CeDistribution::mode_mean() const {
  std::size_t best = 0;
  for (std::size_t c = 1; c < comps_.size(); ++c)
    if (comps_[c].weight > comps_[best].weight) best = c;
  const auto& m = comps_[best].mean;
  return std::vector<double>(m.data(), m.data() + m.size());
}

nlohmann::json CeDistribution::state() const {
  auto comps = nlohmann::json::array();
  for (const auto& c : comps_)
    comps.push_back({{"weight", c.weight},
                     {"mean", state::pack(std::span<const double>(c.mean.data(), c.mean.size()))},
                     {"cov", state::pack(std::span<const double>(c.cov.data(), c.cov.size()))}});
  return {{"components", comps}, {"noise", noise_}};
}

void CeDistribution::restore(const nlohmann::json& j) {
  const auto& comps = j.at("components");
  if (comps.size() != comps_.size())
    throw std::runtime_error("cross-entropy: checkpoint has a different number of components");
  const auto d = static_cast<Eigen::Index>(dim_);
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    auto& comp = comps_[c];
    const auto mean = state::unpack(comps[c].at("mean"));
    const auto cov = state::unpack(comps[c].at("cov"));
    const Eigen::Index cols = cfg_.diagonal ? 1 : d;
    if (static_cast<Eigen::Index>(mean.size()) != d ||
        static_cast<Eigen::Index>(cov.size()) != d * cols)
      throw std::runtime_error("cross-entropy: checkpoint dimension does not match");
    comp.weight = comps[c].at("weight");
    comp.mean = Eigen::Map<const Eigen::VectorXd>(mean.data(), d);
    comp.cov = Eigen::Map<const Eigen::MatrixXd>(cov.data(), d, cols);
    factorize(comp);
  }
  noise_ = j.at("noise");
}

nlohmann::json CeDistribution::info() const {
  double sd = 0.0, wsum = 0.0;
  auto weights = nlohmann::json::array();
  for (const auto& c : comps_) {
    const Eigen::VectorXd var =
        cfg_.diagonal ? Eigen::VectorXd(c.cov.col(0)) : Eigen::VectorXd(c.cov.diagonal());
    sd += c.weight * var.cwiseMax(0.0).cwiseSqrt().mean();
    wsum += c.weight;
    weights.push_back(c.weight);
  }
  nlohmann::json j = {{"sd_mean", wsum > 0 ? sd / wsum : 0.0}};
  if (cfg_.noisy()) j["noise"] = noise_;
  if (comps_.size() > 1) j["weights"] = weights;
  return j;
}

EliteSelection select_elites(const std::vector<double>& fitness, std::size_t n_elite,
                             bool use_temperature, double temperature, Rng& rng) {
  EliteSelection s;
  const auto order = ranking::order_best_first(fitness);
  s.successful = ranking::count_finite(fitness);
  s.elites = std::min(n_elite, s.successful);
  if (s.elites == 0) return s;
  s.best = fitness[order[0]];
  s.gamma = fitness[order[s.elites - 1]];
  s.selected.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(s.elites));
  if (use_temperature && temperature > 0) {
    for (std::size_t p = s.elites; p < s.successful; ++p) {
      const double prob = std::min(1.0, std::exp((fitness[order[p]] - s.gamma) / temperature));
      if (rng.uniform() < prob) {
        s.selected.push_back(order[p]);
        ++s.accepted;
      }
    }
  }
  return s;
}

std::vector<Candidate> ask_generation(const CeDistribution& dist, const ParameterSpace& space,
                                      std::int64_t generation, std::size_t pop_size,
                                      std::vector<std::vector<double>>& pending, Rng& rng) {
  if (pending.empty()) {
    pending.resize(pop_size);
    for (auto& p : pending) {
      if (generation == 0) {
        p.resize(space.dim());
        for (auto& v : p) v = rng.uniform();
      } else {
        p = dist.sample(rng);
      }
    }
  }
  return unit_candidates(space, generation, pending);
}

CeRefitConfig CeRefitConfig::read(Options& o, const char* decays_after) {
  CeRefitConfig c;
  c.smoothing = o.get<double>("smoothing", c.smoothing,
                              "weight of the previous distribution parameters in each update",
                              Check::range(0.0, 0.999999));
  c.temperature = o.get<double>("temperature", c.temperature,
                                "initial temperature T of the non-elite acceptance "
                                "exp((f - gamma) / T), in weighted-fitness units",
                                Check::positive());
  c.temp_decay = o.get<double>(
      "temp_decay", c.temp_decay,
      fmt::format("factor applied to T after {}; 0 turns the acceptance of non-elites off",
                  decays_after),
      Check::probability());
  return c;
}

void warm_start_distribution(CeDistribution& dist, const ParameterSpace& space,
                             const WarmStart& from, std::size_t n_elite) {
  if (from.population.size() < 2)
    throw UsageError(
        "a distribution needs at least two stored individuals of the origin generation (runs with "
        "more than 1,000 parameters store only the best unless experiment.store_params: all)");
  const std::size_t n = std::clamp<std::size_t>(n_elite, 2, from.population.size());
  std::vector<Eigen::VectorXd> points;
  for (std::size_t j = 0; j < n; ++j) {
    const auto u = space.to_unit(from.population[j].params);
    points.emplace_back(
        Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size())));
  }
  dist.fit(points, 0.0);
}

EliteSelection refit_to_elites(CeDistribution& dist, const ParameterSpace& space,
                               std::span<const Candidate> batch, const std::vector<double>& fitness,
                               std::size_t n_elite, const CeRefitConfig& refit, double temperature,
                               Rng& rng) {
  auto sel = select_elites(fitness, n_elite, refit.anneals(), temperature, rng);
  if (sel.selected.empty()) return sel;
  std::vector<Eigen::VectorXd> points;
  points.reserve(sel.selected.size());
  for (auto j : sel.selected) {
    const auto u = unit_params(space, batch[j]);
    points.emplace_back(
        Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size())));
  }
  dist.fit(points, refit.smoothing);
  return sel;
}

}  // namespace l2l
