#include "l2l/optimizers/gradient_descent.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <Eigen/Dense>

#include "l2l/core/state.hpp"

namespace l2l {

GradientDescent::Config GradientDescent::Config::read(Options& o) {
  Config c;
  c.variant = o.get<std::string>(
      "variant", c.variant, "update rule: classic, stochastic, rmsprop, adam or adamax",
      Check::one_of({"classic", "stochastic", "rmsprop", "adam", "adamax"}));
  c.learning_rate = o.get<double>("learning_rate", c.learning_rate,
                                  "step size (unit coordinates; for classic and stochastic it "
                                  "multiplies a gradient in fitness units per unit coordinate)",
                                  Check::positive());
  c.exploration_step_size = o.get<double>(
      "exploration_step_size", c.exploration_step_size,
      "standard deviation of the exploration points around the current point, as a fraction of "
      "each parameter's range",
      Check::positive());
  c.n_random_steps = o.get<std::int64_t>(
      "n_random_steps", c.n_random_steps,
      "exploration points per generation (plus the current point); 0: the dimension",
      Check::at_least(0));
  c.stochastic_deviation = o.get<double>("stochastic_deviation", c.stochastic_deviation,
                                         "stochastic: standard deviation of the noise added to "
                                         "the gradient",
                                         Check::at_least(0.0));
  c.stochastic_decay = o.get<double>("stochastic_decay", c.stochastic_decay,
                                     "stochastic: the noise is multiplied by decay^t at update t",
                                     Check::probability());
  c.momentum_decay = o.get<double>("momentum_decay", c.momentum_decay,
                                   "rmsprop: decay rho of the mean squared gradient",
                                   Check::range(0.0, 0.999999999));
  c.beta1 = o.get<double>("beta1", c.beta1, "adam, adamax: decay of the first moment",
                          Check::range(0.0, 0.999999));
  c.beta2 = o.get<double>("beta2", c.beta2,
                          "adam: decay of the second moment; adamax: decay of the infinity norm",
                          Check::range(0.0, 0.999999999));
  c.epsilon = o.get<double>("epsilon", c.epsilon, "rmsprop, adam, adamax: denominator offset",
                            Check::positive());
  c.max_failures = o.get<std::int64_t>(
      "max_failures", c.max_failures,
      "stop after this many consecutive generations without a usable gradient", Check::at_least(1));
  c.start = StartPoint::read(o);
  return c;
}

GradientDescent::GradientDescent(const Config& cfg, const ParameterSpace& space,
                                 const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed) {
  n_steps_ = cfg_.n_random_steps > 0 ? static_cast<std::size_t>(cfg_.n_random_steps)
                                     : std::max<std::size_t>(2 * space_.dim(), 1);
  x_ = cfg_.start.unit(space_, rng_);
  m_.assign(space_.dim(), 0.0);
  v_.assign(space_.dim(), 0.0);
}

std::vector<Candidate> GradientDescent::ask() {
  if (pending_.empty()) {
    for (std::size_t i = 0; i < n_steps_; ++i) {
      auto p = x_;
      for (auto& v : p) v += cfg_.exploration_step_size * rng_.normal();
      pending_.push_back(std::move(p));
    }
    pending_.push_back(x_);
  }
  return unit_candidates(space_, generation_, pending_);
}

void GradientDescent::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("gradient_descent: tell() without ask()");
  check_tell_sizes("gradient_descent", pending_.size(), batch.size(), evals.size());
  const std::size_t d = space_.dim();
  const double f_cur = ctx_.weights.weighted(evals[n_steps_]);
  info_ = nlohmann::json::object();
  std::size_t used = 0, failed = 0;
  for (std::size_t i = 0; i <= n_steps_; ++i) failed += evals[i].ok() ? 0 : 1;
  info_["failed"] = failed;

  if (!std::isfinite(f_cur)) {
    if (!good_x_.empty()) x_ = good_x_;
    ++failures_;
    info_["action"] = good_x_.empty() ? "resample" : "revert";
  } else {
    good_x_ = x_;
    info_["current_fitness"] = f_cur;
    const auto x_eval = unit_params(space_, batch[n_steps_]);
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n_steps_; ++i)
      if (std::isfinite(ctx_.weights.weighted(evals[i]))) rows.push_back(i);
    used = rows.size();
    if (rows.empty()) {
      ++failures_;
      info_["action"] = "resample";
    } else {
      Eigen::MatrixXd dx(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
      Eigen::VectorXd df(static_cast<Eigen::Index>(rows.size()));
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto u = unit_params(space_, batch[rows[r]]);
        for (std::size_t k = 0; k < d; ++k)
          dx(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = u[k] - x_eval[k];
        df[static_cast<Eigen::Index>(r)] = ctx_.weights.weighted(evals[rows[r]]) - f_cur;
      }
      const Eigen::VectorXd g = dx.completeOrthogonalDecomposition().solve(df);
      ++updates_;
      const double t = static_cast<double>(updates_);
      double step_norm = 0.0;
      const double noise_scale = cfg_.stochastic_deviation * std::pow(cfg_.stochastic_decay, t);
      for (std::size_t k = 0; k < d; ++k) {
        double gk = g[static_cast<Eigen::Index>(k)];
        double delta = 0.0;
        if (cfg_.variant == "classic") {
          delta = cfg_.learning_rate * gk;
        } else if (cfg_.variant == "stochastic") {
          gk += noise_scale * rng_.normal();
          delta = cfg_.learning_rate * gk;
        } else if (cfg_.variant == "rmsprop") {
          v_[k] = cfg_.momentum_decay * v_[k] + (1 - cfg_.momentum_decay) * gk * gk;
          delta = cfg_.learning_rate * gk / std::sqrt(v_[k] + cfg_.epsilon);
        } else if (cfg_.variant == "adam") {
          m_[k] = cfg_.beta1 * m_[k] + (1 - cfg_.beta1) * gk;
          v_[k] = cfg_.beta2 * v_[k] + (1 - cfg_.beta2) * gk * gk;
          const double mh = m_[k] / (1 - std::pow(cfg_.beta1, t));
          const double vh = v_[k] / (1 - std::pow(cfg_.beta2, t));
          delta = cfg_.learning_rate * mh / (std::sqrt(vh) + cfg_.epsilon);
        } else {  // adamax
          m_[k] = cfg_.beta1 * m_[k] + (1 - cfg_.beta1) * gk;
          v_[k] = std::max(cfg_.beta2 * v_[k], std::abs(gk));
          delta =
              cfg_.learning_rate / (1 - std::pow(cfg_.beta1, t)) * m_[k] / (v_[k] + cfg_.epsilon);
        }
        x_[k] += delta;
        step_norm += delta * delta;
      }
      clamp_unit(x_);
      failures_ = 0;
      info_["action"] = "update";
      info_["gradient_norm"] = g.norm();
      info_["step_norm"] = std::sqrt(step_norm);
    }
  }
  info_["used_steps"] = used;
  pending_.clear();
  ++generation_;
}

std::optional<std::string> GradientDescent::stop_reason() const {
  if (failures_ >= cfg_.max_failures)
    return fmt::format(
        "gradient_descent: {} consecutive generations without a usable gradient "
        "(the current point or all exploration points failed)",
        failures_);
  return std::nullopt;
}

nlohmann::json GradientDescent::state() const {
  return {{"optimizer", "gradient_descent"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"x", state::pack(x_)},
          {"good_x", state::pack(good_x_)},
          {"m", state::pack(m_)},
          {"v", state::pack(v_)},
          {"updates", updates_},
          {"failures", failures_},
          {"pending", state::pack_matrix(pending_)},
          {"info", info_}};
}

void GradientDescent::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "gradient_descent")
    throw std::runtime_error("gradient_descent: not a gradient_descent checkpoint");
  auto x = state::unpack(s.at("x"));
  if (x.size() != space_.dim())
    throw std::runtime_error("gradient_descent: checkpoint dimension does not match the space");
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  x_ = std::move(x);
  good_x_ = state::unpack(s.at("good_x"));
  m_ = state::unpack(s.at("m"));
  v_ = state::unpack(s.at("v"));
  updates_ = s.at("updates");
  failures_ = s.at("failures");
  pending_ = state::unpack_matrix(s.at("pending"));
  info_ = s.at("info");
}

void GradientDescent::warm_start(const WarmStart& from) {
  // Descends from the origin's best (or the population mean, init_from_centre: mean).
  x_ = space_.to_unit(from.centre(space_));
}

std::optional<std::vector<double>> GradientDescent::estimate() const {
  return natural_point(space_, x_, ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(GradientDescent, "gradient_descent",
                       "finite-difference gradient ascent (L2L): classic, stochastic, "
                       "RMSProp, Adam (Kingma & Ba 2015), AdaMax; docs/optimizers.md");

}  // namespace l2l
