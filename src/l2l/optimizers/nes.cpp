#include "l2l/optimizers/nes.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/ranking.hpp"

namespace l2l {

std::vector<double> nes_shape(const std::string& how, const std::vector<double>& fitness) {
  if (how == "utility") return ranking::nes_utilities(fitness);
  if (how == "centered_rank") {
    // Centered ranks sum to zero like the utilities; scale them to an average magnitude
    // comparable to a sum-normalized utility.
    auto r = ranking::centered_ranks(fitness);
    for (auto& v : r) v /= static_cast<double>(fitness.size());
    return r;
  }
  auto c = ranking::centered_fitness(fitness);
  const auto ok = ranking::count_finite(fitness);
  if (ok > 0)
    for (auto& v : c) v /= static_cast<double>(ok);
  return c;
}

Nes::Config Nes::Config::read(Options& o) {
  Config c;
  c.pop_size = o.get<std::int64_t>(
      "pop_size", c.pop_size,
      "samples per generation (doubled by mirrored sampling); 0: 4 + floor(3 ln d)",
      Check::at_least(0));
  c.mirrored = o.get<bool>("mirrored", c.mirrored, "mirrored sampling: evaluate mu - sigma s too");
  c.sigma = o.get<double>("sigma", c.sigma,
                          "initial standard deviation of every coordinate, as a fraction of the "
                          "parameter's range",
                          Check::positive());
  c.learning_rate_mu = o.get<double>("learning_rate_mu", c.learning_rate_mu,
                                     "eta_mu: learning rate of the mean", Check::positive());
  c.learning_rate_sigma = o.get<double>(
      "learning_rate_sigma", c.learning_rate_sigma,
      "eta_sigma: learning rate of the standard deviations; 0: (3 + ln d) / (5 sqrt d)",
      Check::at_least(0.0));
  c.fitness_shaping = o.get<std::string>(
      "fitness_shaping", c.fitness_shaping,
      "utility (NES log utilities), centered_rank, or none (fitness minus its mean, averaged)",
      Check::one_of({"utility", "centered_rank", "none"}));
  c.tol_sigma = o.get<double>("tol_sigma", c.tol_sigma,
                              "stop when every sigma is below this (unit coordinates); 0: never",
                              Check::at_least(0.0));
  c.start = StartPoint::read(o);
  return c;
}

Nes::Nes(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed) {
  const double d = static_cast<double>(std::max<std::size_t>(space_.dim(), 1));
  pop_ = cfg_.pop_size > 0 ? static_cast<std::size_t>(cfg_.pop_size)
                           : 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(d)));
  eta_sigma_ = cfg_.learning_rate_sigma > 0 ? cfg_.learning_rate_sigma
                                            : (3.0 + std::log(d)) / (5.0 * std::sqrt(d));
  mu_ = cfg_.start.unit(space_, rng_);
  sigma_.assign(space_.dim(), cfg_.sigma);
}

std::vector<Candidate> Nes::ask() {
  const std::size_t d = space_.dim();
  if (s_.empty()) {
    s_.assign(pop_, std::vector<double>(d));
    for (auto& s : s_)
      for (auto& v : s) v = rng_.normal();
  }
  std::vector<std::vector<double>> points;
  for (const auto& s : s_) {
    for (int sign : {1, -1}) {
      if (sign < 0 && !cfg_.mirrored) break;
      std::vector<double> z(d);
      for (std::size_t k = 0; k < d; ++k) z[k] = mu_[k] + sign * sigma_[k] * s[k];
      points.push_back(std::move(z));
    }
  }
  return unit_candidates(space_, generation_, points);
}

void Nes::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (s_.empty()) throw std::logic_error("nes: tell() without ask()");
  const std::size_t n = samples_per_generation();
  check_tell_sizes("nes", n, batch.size(), evals.size());
  std::vector<double> f(n);
  for (std::size_t j = 0; j < n; ++j) f[j] = ctx_.weights.weighted(evals[j]);
  const std::size_t ok = ranking::count_finite(f);
  const std::size_t d = space_.dim();
  if (ok > 0) {
    const auto u = nes_shape(cfg_.fitness_shaping, f);
    const std::size_t per = cfg_.mirrored ? 2 : 1;
    std::vector<double> g_mu(d, 0.0), g_sigma(d, 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      const double sign = (j % per == 1) ? -1.0 : 1.0;
      const auto& s = s_[j / per];
      for (std::size_t k = 0; k < d; ++k) {
        g_mu[k] += u[j] * sign * s[k];
        g_sigma[k] += u[j] * (s[k] * s[k] - 1.0);
      }
    }
    for (std::size_t k = 0; k < d; ++k) {
      mu_[k] += cfg_.learning_rate_mu * sigma_[k] * g_mu[k];
      sigma_[k] *= std::exp(eta_sigma_ / 2.0 * g_sigma[k]);
    }
    clamp_unit(mu_);
  }
  double best = FitnessWeights::failed_value, smin = sigma_.empty() ? 0 : sigma_[0], smax = smin,
         smean = 0;
  for (double v : f) best = std::max(best, v);
  for (double s : sigma_) smin = std::min(smin, s), smax = std::max(smax, s), smean += s;
  if (!sigma_.empty()) smean /= static_cast<double>(sigma_.size());
  info_ = {{"sigma_mean", smean}, {"sigma_min", smin}, {"sigma_max", smax}, {"failed", n - ok}};
  if (ok > 0) info_["best_fitness"] = best;
  s_.clear();
  ++generation_;
}

std::optional<std::string> Nes::stop_reason() const {
  for (double s : sigma_)
    if (!std::isfinite(s)) return std::string("nes: a standard deviation is no longer finite");
  if (cfg_.tol_sigma > 0 &&
      std::all_of(sigma_.begin(), sigma_.end(), [&](double s) { return s < cfg_.tol_sigma; }))
    return fmt::format("nes: converged, every sigma is below tol_sigma = {}", cfg_.tol_sigma);
  return std::nullopt;
}

nlohmann::json Nes::state() const {
  return {{"optimizer", "nes"},     {"generation", generation_},    {"rng", state::pack_rng(rng_)},
          {"mu", state::pack(mu_)}, {"sigma", state::pack(sigma_)}, {"s", state::pack_matrix(s_)},
          {"info", info_}};
}

void Nes::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "nes") throw std::runtime_error("nes: not a nes checkpoint");
  auto mu = state::unpack(s.at("mu"));
  auto sigma = state::unpack(s.at("sigma"));
  if (mu.size() != space_.dim() || sigma.size() != space_.dim())
    throw std::runtime_error("nes: checkpoint dimension does not match the parameter space");
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  mu_ = std::move(mu);
  sigma_ = std::move(sigma);
  s_ = state::unpack_matrix(s.at("s"));
  info_ = s.at("info");
}

void Nes::warm_start(const WarmStart& from) {
  // The mean at the origin's centre; each coordinate's sigma from the population's spread along it.
  mu_ = space_.to_unit(from.centre(space_));
  const auto sd = from.unit_spread(space_);
  for (std::size_t i = 0; i < sd.size(); ++i)
    if (sd[i] > 1e-12) sigma_[i] = sd[i];
}

std::optional<std::vector<double>> Nes::estimate() const {
  return natural_point(space_, mu_, ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(Nes, "nes",
                       "separable natural evolution strategies, mean and per-coordinate "
                       "sigma (Wierstra et al. 2014); docs/optimizers.md");

}  // namespace l2l
