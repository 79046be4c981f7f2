#include "l2l/optimizers/xnes.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/nes.hpp"
#include "l2l/optimizers/ranking.hpp"

namespace l2l {

Xnes::Config Xnes::Config::read(Options& o) {
  Config c;
  c.pop_size = o.get<std::int64_t>(
      "pop_size", c.pop_size,
      "samples per generation (doubled by mirrored sampling); 0: 4 + floor(3 ln d)",
      Check::at_least(0));
  c.mirrored =
      o.get<bool>("mirrored", c.mirrored, "mirrored sampling: evaluate mu - sigma B s too");
  c.sigma = o.get<double>("sigma", c.sigma,
                          "initial step size (B starts as the identity), as a fraction of each "
                          "parameter's range",
                          Check::positive());
  c.learning_rate_mu = o.get<double>("learning_rate_mu", c.learning_rate_mu,
                                     "eta_mu: learning rate of the mean", Check::positive());
  c.learning_rate_sigma =
      o.get<double>("learning_rate_sigma", c.learning_rate_sigma,
                    "eta_sigma: learning rate of the step size; 0: 3 (3 + ln d) / (5 d sqrt d)",
                    Check::at_least(0.0));
  c.learning_rate_b =
      o.get<double>("learning_rate_b", c.learning_rate_b,
                    "eta_B: learning rate of the shape matrix B; 0: 3 (3 + ln d) / (5 d sqrt d)",
                    Check::at_least(0.0));
  c.fitness_shaping = o.get<std::string>(
      "fitness_shaping", c.fitness_shaping,
      "utility (NES log utilities), centered_rank, or none (fitness minus its mean, averaged)",
      Check::one_of({"utility", "centered_rank", "none"}));
  c.tol_sigma =
      o.get<double>("tol_sigma", c.tol_sigma,
                    "stop when the largest coordinate standard deviation is below this; 0: never",
                    Check::at_least(0.0));
  c.start = StartPoint::read(o);
  return c;
}

Xnes::Xnes(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed), sigma_(cfg.sigma) {
  const double d = static_cast<double>(std::max<std::size_t>(space_.dim(), 1));
  pop_ = cfg_.pop_size > 0 ? static_cast<std::size_t>(cfg_.pop_size)
                           : 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(d)));
  const double eta_default = 3.0 * (3.0 + std::log(d)) / (5.0 * d * std::sqrt(d));
  eta_sigma_ = cfg_.learning_rate_sigma > 0 ? cfg_.learning_rate_sigma : eta_default;
  eta_b_ = cfg_.learning_rate_b > 0 ? cfg_.learning_rate_b : eta_default;
  const auto start = cfg_.start.unit(space_, rng_);
  mu_ = Eigen::Map<const Eigen::VectorXd>(start.data(), static_cast<Eigen::Index>(start.size()));
  const auto n = static_cast<Eigen::Index>(space_.dim());
  b_ = Eigen::MatrixXd::Identity(n, n);
}

std::vector<Candidate> Xnes::ask() {
  const auto d = static_cast<Eigen::Index>(space_.dim());
  if (s_.empty()) {
    s_.assign(pop_, Eigen::VectorXd(d));
    for (auto& s : s_)
      for (Eigen::Index k = 0; k < d; ++k) s[k] = rng_.normal();
  }
  std::vector<std::vector<double>> points;
  for (const auto& s : s_) {
    const Eigen::VectorXd step = sigma_ * (b_ * s);
    for (int sign : {1, -1}) {
      if (sign < 0 && !cfg_.mirrored) break;
      const Eigen::VectorXd z = mu_ + sign * step;
      points.emplace_back(z.data(), z.data() + d);
    }
  }
  return unit_candidates(space_, generation_, points);
}

void Xnes::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (s_.empty()) throw std::logic_error("xnes: tell() without ask()");
  const std::size_t n = samples_per_generation();
  check_tell_sizes("xnes", n, batch.size(), evals.size());
  std::vector<double> f(n);
  for (std::size_t j = 0; j < n; ++j) f[j] = ctx_.weights.weighted(evals[j]);
  const std::size_t ok = ranking::count_finite(f);
  const auto d = static_cast<Eigen::Index>(space_.dim());
  if (ok > 0 && d > 0) {
    const auto u = nes_shape(cfg_.fitness_shaping, f);
    const std::size_t per = cfg_.mirrored ? 2 : 1;
    Eigen::VectorXd g_delta = Eigen::VectorXd::Zero(d);
    Eigen::MatrixXd g_m = Eigen::MatrixXd::Zero(d, d);
    double u_sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double sign = (j % per == 1) ? -1.0 : 1.0;
      const auto& s = s_[j / per];
      g_delta += (u[j] * sign) * s;
      g_m.noalias() += u[j] * (s * s.transpose());
      u_sum += u[j];
    }
    g_m.diagonal().array() -= u_sum;  // sum_j u_j I
    const double g_sigma = g_m.trace() / static_cast<double>(d);
    Eigen::MatrixXd g_b = g_m;
    g_b.diagonal().array() -= g_sigma;
    mu_ += cfg_.learning_rate_mu * sigma_ * (b_ * g_delta);
    sigma_ *= std::exp(eta_sigma_ / 2.0 * g_sigma);
    // expm of a symmetric matrix: V exp(Lambda) V^T.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig((eta_b_ / 2.0) * g_b);
    const Eigen::MatrixXd expm = eig.eigenvectors() *
                                 eig.eigenvalues().array().exp().matrix().asDiagonal() *
                                 eig.eigenvectors().transpose();
    b_ = b_ * expm;
    mu_ = mu_.cwiseMax(0.0).cwiseMin(1.0);
  }
  double best = FitnessWeights::failed_value;
  for (double v : f) best = std::max(best, v);
  info_ = {{"sigma", sigma_}, {"max_coordinate_sd", max_coordinate_sd()}, {"failed", n - ok}};
  if (ok > 0) info_["best_fitness"] = best;
  s_.clear();
  ++generation_;
}

double Xnes::max_coordinate_sd() const {
  if (b_.rows() == 0) return 0.0;
  return sigma_ * b_.rowwise().norm().maxCoeff();
}

std::optional<std::string> Xnes::stop_reason() const {
  const double sd = max_coordinate_sd();
  if (!std::isfinite(sd) || !b_.allFinite())
    return std::string("xnes: the search distribution is no longer finite");
  if (cfg_.tol_sigma > 0 && sd < cfg_.tol_sigma)
    return fmt::format(
        "xnes: converged, the largest coordinate standard deviation {} is below "
        "tol_sigma = {}",
        sd, cfg_.tol_sigma);
  return std::nullopt;
}

nlohmann::json Xnes::state() const {
  std::vector<std::vector<double>> s;
  for (const auto& v : s_) s.emplace_back(v.data(), v.data() + v.size());
  return {{"optimizer", "xnes"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"mu", state::pack(std::span<const double>(mu_.data(), mu_.size()))},
          {"sigma", sigma_},
          {"b", state::pack(std::span<const double>(b_.data(), b_.size()))},
          {"s", state::pack_matrix(s)},
          {"info", info_}};
}

void Xnes::restore(const nlohmann::json& j) {
  if (j.at("optimizer") != "xnes") throw std::runtime_error("xnes: not an xnes checkpoint");
  const auto d = static_cast<Eigen::Index>(space_.dim());
  const auto mu = state::unpack(j.at("mu"));
  const auto b = state::unpack(j.at("b"));
  if (static_cast<Eigen::Index>(mu.size()) != d || static_cast<Eigen::Index>(b.size()) != d * d)
    throw std::runtime_error("xnes: checkpoint dimension does not match the parameter space");
  generation_ = j.at("generation");
  state::unpack_rng(j.at("rng"), rng_);
  mu_ = Eigen::Map<const Eigen::VectorXd>(mu.data(), d);
  sigma_ = j.at("sigma");
  b_ = Eigen::Map<const Eigen::MatrixXd>(b.data(), d, d);
  s_.clear();
  for (const auto& v : state::unpack_matrix(j.at("s")))
    s_.push_back(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size())));
  info_ = j.at("info");
}

void Xnes::warm_start(const WarmStart& from) {
  // The mean at the origin's centre, sigma from the population's mean spread, B the identity.
  const auto u = space_.to_unit(from.centre(space_));
  mu_ = Eigen::Map<const Eigen::VectorXd>(u.data(), static_cast<Eigen::Index>(u.size()));
  sigma_ = from.mean_unit_spread(space_, cfg_.sigma);
}

std::optional<std::vector<double>> Xnes::estimate() const {
  return natural_point(space_, std::vector<double>(mu_.data(), mu_.data() + mu_.size()),
                       ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(Xnes, "xnes",
                       "exponential natural evolution strategies with full covariance "
                       "(Glasmachers et al. 2010); docs/optimizers.md");

}  // namespace l2l
