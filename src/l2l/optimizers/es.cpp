#include "l2l/optimizers/es.hpp"

#include <cmath>
#include <stdexcept>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/ranking.hpp"

namespace l2l {

EvolutionStrategies::Config EvolutionStrategies::Config::read(Options& o) {
  Config c;
  c.pop_size = o.get<std::int64_t>(
      "pop_size", c.pop_size,
      "perturbation directions per generation (each evaluated twice with mirrored sampling)",
      Check::at_least(1));
  c.mirrored = o.get<bool>("mirrored", c.mirrored,
                           "mirrored (antithetic) sampling: evaluate theta - sigma eps too");
  c.sigma = o.get<double>("sigma", c.sigma,
                          "perturbation standard deviation, as a fraction of each parameter's "
                          "range",
                          Check::positive());
  c.sigma_decay =
      o.get<double>("sigma_decay", c.sigma_decay, "factor applied to sigma after every generation",
                    Check::range(1e-12, 1.0));
  c.sigma_min = o.get<double>("sigma_min", c.sigma_min, "lower limit of the decayed sigma",
                              Check::at_least(0.0));
  c.learning_rate = o.get<double>("learning_rate", c.learning_rate,
                                  "step size alpha of the sgd or Adam update (unit coordinates)",
                                  Check::positive());
  c.learning_rate_decay = o.get<double>("learning_rate_decay", c.learning_rate_decay,
                                        "factor applied to the learning rate after every "
                                        "generation",
                                        Check::range(1e-12, 1.0));
  c.fitness_shaping = o.get<std::string>(
      "fitness_shaping", c.fitness_shaping,
      "centered_rank (Salimans et al. 2017), utility (NES log utilities) or none",
      Check::one_of({"centered_rank", "utility", "none"}));
  c.step = o.get<std::string>("step", c.step, "update rule: adam or sgd (plain gradient step)",
                              Check::one_of({"adam", "sgd"}));
  c.beta1 = o.get<double>("beta1", c.beta1, "Adam: decay of the first moment",
                          Check::range(0.0, 0.999999));
  c.beta2 = o.get<double>("beta2", c.beta2, "Adam: decay of the second moment",
                          Check::range(0.0, 0.999999999));
  c.epsilon = o.get<double>("epsilon", c.epsilon, "Adam: denominator offset", Check::positive());
  c.evaluate_mean = o.get<bool>("evaluate_mean", c.evaluate_mean,
                                "also evaluate theta itself each generation (last candidate; "
                                "reported as mean_fitness, not used by the update)");
  c.start = StartPoint::read(o);
  return c;
}

EvolutionStrategies::EvolutionStrategies(const Config& cfg, const ParameterSpace& space,
                                         const OptimizerContext& ctx)
    : cfg_(cfg),
      space_(space),
      ctx_(ctx),
      rng_(ctx.seed),
      sigma_(cfg.sigma),
      learning_rate_(cfg.learning_rate) {
  theta_ = cfg_.start.unit(space_, rng_);
  m_.assign(space_.dim(), 0.0);
  v_.assign(space_.dim(), 0.0);
}

std::size_t EvolutionStrategies::n_samples() const {
  return static_cast<std::size_t>(cfg_.pop_size) * (cfg_.mirrored ? 2 : 1);
}

std::vector<Candidate> EvolutionStrategies::ask() {
  const std::size_t d = space_.dim();
  if (eps_.empty()) {
    eps_.assign(static_cast<std::size_t>(cfg_.pop_size), std::vector<double>(d));
    for (auto& e : eps_)
      for (auto& v : e) v = rng_.normal();
  }
  std::vector<std::vector<double>> points;
  for (const auto& e : eps_) {
    for (int sign : {1, -1}) {
      if (sign < 0 && !cfg_.mirrored) break;
      std::vector<double> u(d);
      for (std::size_t k = 0; k < d; ++k) u[k] = theta_[k] + sign * sigma_ * e[k];
      points.push_back(std::move(u));
    }
  }
  if (cfg_.evaluate_mean) points.push_back(theta_);
  return unit_candidates(space_, generation_, points);
}

void EvolutionStrategies::tell(std::span<const Candidate> batch,
                               std::span<const Evaluation> evals) {
  if (eps_.empty()) throw std::logic_error("es: tell() without ask()");
  const std::size_t n = n_samples();
  check_tell_sizes("es", n + (cfg_.evaluate_mean ? 1 : 0), batch.size(), evals.size());
  std::vector<double> f(n);
  for (std::size_t j = 0; j < n; ++j) f[j] = ctx_.weights.weighted(evals[j]);
  const std::size_t ok = ranking::count_finite(f);

  std::vector<double> shaped;
  double denom = static_cast<double>(n);
  if (cfg_.fitness_shaping == "centered_rank") {
    shaped = ranking::centered_ranks(f);
  } else if (cfg_.fitness_shaping == "utility") {
    shaped = ranking::nes_utilities(f);
  } else {
    shaped = ranking::centered_fitness(f);
    denom = static_cast<double>(ok);
  }

  const std::size_t d = space_.dim();
  std::vector<double> grad(d, 0.0);
  double grad_norm = 0.0, step_norm = 0.0;
  if (ok > 0) {
    const std::size_t per = cfg_.mirrored ? 2 : 1;
    for (std::size_t j = 0; j < n; ++j) {
      const double w = shaped[j] * ((j % per == 1) ? -1.0 : 1.0);
      const auto& e = eps_[j / per];
      for (std::size_t k = 0; k < d; ++k) grad[k] += w * e[k];
    }
    for (auto& g : grad) {
      g /= denom * sigma_;
      grad_norm += g * g;
    }
    ++steps_;
    for (std::size_t k = 0; k < d; ++k) {
      double delta;
      if (cfg_.step == "adam") {
        m_[k] = cfg_.beta1 * m_[k] + (1 - cfg_.beta1) * grad[k];
        v_[k] = cfg_.beta2 * v_[k] + (1 - cfg_.beta2) * grad[k] * grad[k];
        const double mh = m_[k] / (1 - std::pow(cfg_.beta1, static_cast<double>(steps_)));
        const double vh = v_[k] / (1 - std::pow(cfg_.beta2, static_cast<double>(steps_)));
        delta = learning_rate_ * mh / (std::sqrt(vh) + cfg_.epsilon);
      } else {
        delta = learning_rate_ * grad[k];
      }
      theta_[k] += delta;
      step_norm += delta * delta;
    }
    clamp_unit(theta_);
  }

  double best = FitnessWeights::failed_value;
  for (double v : f) best = std::max(best, v);
  info_ = {{"sigma", sigma_},
           {"learning_rate", learning_rate_},
           {"gradient_norm", std::sqrt(grad_norm)},
           {"step_norm", std::sqrt(step_norm)},
           {"failed", n - ok}};
  if (ok > 0) info_["best_fitness"] = best;
  if (cfg_.evaluate_mean && evals[n].ok()) info_["mean_fitness"] = ctx_.weights.weighted(evals[n]);

  sigma_ = std::max(cfg_.sigma_min, sigma_ * cfg_.sigma_decay);
  learning_rate_ *= cfg_.learning_rate_decay;
  eps_.clear();
  ++generation_;
}

nlohmann::json EvolutionStrategies::state() const {
  return {{"optimizer", "es"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"theta", state::pack(theta_)},
          {"sigma", sigma_},
          {"learning_rate", learning_rate_},
          {"m", state::pack(m_)},
          {"v", state::pack(v_)},
          {"steps", steps_},
          {"eps", state::pack_matrix(eps_)},
          {"info", info_}};
}

void EvolutionStrategies::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "es") throw std::runtime_error("es: not an es checkpoint");
  auto theta = state::unpack(s.at("theta"));
  if (theta.size() != space_.dim())
    throw std::runtime_error("es: checkpoint dimension does not match the parameter space");
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  theta_ = std::move(theta);
  sigma_ = s.at("sigma");
  learning_rate_ = s.at("learning_rate");
  m_ = state::unpack(s.at("m"));
  v_ = state::unpack(s.at("v"));
  steps_ = s.at("steps");
  eps_ = state::unpack_matrix(s.at("eps"));
  info_ = s.at("info");
}

void EvolutionStrategies::warm_start(const WarmStart& from) {
  // theta at the origin's centre; the perturbation size from its population's spread.
  theta_ = space_.to_unit(from.centre(space_));
  sigma_ = from.mean_unit_spread(space_, cfg_.sigma);
}

std::optional<std::vector<double>> EvolutionStrategies::estimate() const {
  return natural_point(space_, theta_, ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(EvolutionStrategies, "es",
                       "OpenAI-style evolution strategies (Salimans et al. 2017): mirrored "
                       "sampling, rank shaping, sgd or Adam step; docs/optimizers.md");

}  // namespace l2l
