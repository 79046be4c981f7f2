#include "l2l/optimizers/simulated_annealing.hpp"

#include <cmath>
#include <stdexcept>

#include "l2l/core/state.hpp"

namespace l2l {

double scaled_step(const std::string& scaling, double step, double t, double t_ref) {
  if (scaling == "linear") return step * (t / t_ref);
  if (scaling == "sqrt") return step * std::sqrt(t / t_ref);
  return step;
}

double metropolis_acceptance(double current, double proposed, double t) {
  if (!std::isfinite(proposed)) return 0.0;
  if (proposed >= current) return 1.0;
  if (!(t > 0)) return 0.0;
  return std::exp((proposed - current) / t);
}

SimulatedAnnealing::Config SimulatedAnnealing::Config::read(Options& o) {
  Config c;
  c.n_chains = o.get<std::int64_t>("n_chains", c.n_chains,
                                   "independent annealing chains (candidates per generation)",
                                   Check::at_least(1));
  c.step = o.get<double>("step", c.step,
                         "proposal standard deviation at the start temperature, as a fraction "
                         "of each parameter's range",
                         Check::positive());
  c.step_scaling = o.get<std::string>(
      "step_scaling", c.step_scaling,
      "how the proposal width follows the temperature: linear (step * T/T0), sqrt or none",
      Check::one_of({"linear", "sqrt", "none"}));
  c.cooling = Cooling::read(o, "multiplicative", 0.99);
  c.cooling.t0 = o.get<double>(
      "temperature", 1.0, "start temperature T0, in weighted-fitness units", Check::positive());
  c.cooling.t_end =
      o.get<double>("end_temperature", 0.0, "Tn: end temperature of the additive schedules",
                    Check::at_least(0.0));
  if (!o.describing()) {
    const auto why = Cooling::invalid(c.cooling);
    if (!why.message.empty())
      o.fail(why.field == "t0"      ? "temperature"
             : why.field == "t_end" ? "end_temperature"
                                    : "alpha",
             why.message);
  }
  c.start = StartPoint::read(o);
  return c;
}

SimulatedAnnealing::SimulatedAnnealing(const Config& cfg, const ParameterSpace& space,
                                       const OptimizerContext& ctx)
    : cfg_(cfg),
      cooling_(cfg.cooling),
      space_(space),
      ctx_(ctx),
      rng_(ctx.seed),
      temperature_(cooling_.temperature(0)) {
  const auto n = static_cast<std::size_t>(cfg_.n_chains);
  for (std::size_t c = 0; c < n; ++c) x_.push_back(cfg_.start.unit(space_, rng_));
  f_.assign(n, -std::numeric_limits<double>::infinity());
}

std::vector<Candidate> SimulatedAnnealing::ask() {
  if (pending_.empty()) {
    if (generation_ == 0) {
      pending_ = x_;
    } else {
      const double s =
          scaled_step(cfg_.step_scaling, cfg_.step, temperature_, cooling_.config().t0);
      for (const auto& x : x_) {
        auto p = x;
        for (auto& v : p) v += s * rng_.normal();
        pending_.push_back(std::move(p));
      }
    }
  }
  return unit_candidates(space_, generation_, pending_);
}

void SimulatedAnnealing::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("simulated_annealing: tell() without ask()");
  check_tell_sizes("simulated_annealing", pending_.size(), batch.size(), evals.size());
  std::size_t accepted = 0, failed = 0;
  for (std::size_t c = 0; c < batch.size(); ++c) {
    const double fn = ctx_.weights.weighted(evals[c]);
    if (!std::isfinite(fn)) {
      ++failed;
      continue;
    }
    bool accept = generation_ == 0 || fn >= f_[c];
    if (!accept) accept = rng_.uniform() < metropolis_acceptance(f_[c], fn, temperature_);
    if (accept) {
      x_[c] = unit_params(space_, batch[c]);
      f_[c] = fn;
      ++accepted;
      if (fn > best_f_) best_f_ = fn, best_x_ = x_[c];
    }
  }
  info_ = {{"temperature", temperature_},
           {"step", scaled_step(cfg_.step_scaling, cfg_.step, temperature_, cooling_.config().t0)},
           {"acceptance_rate", static_cast<double>(accepted) / static_cast<double>(batch.size())},
           {"failed", failed}};
  if (std::isfinite(best_f_)) info_["best_fitness"] = best_f_;
  if (generation_ > 0) {
    ++step_k_;
    temperature_ = cooling_.next(temperature_, step_k_);
  }
  pending_.clear();
  ++generation_;
}

nlohmann::json SimulatedAnnealing::state() const {
  return {{"optimizer", "simulated_annealing"},
          {"generation", generation_},
          {"step_k", step_k_},
          {"rng", state::pack_rng(rng_)},
          {"temperature", temperature_},
          {"x", state::pack_matrix(x_)},
          {"f", state::pack(f_)},
          {"best_x", state::pack(best_x_)},
          {"best_f", state::pack(std::vector<double>{best_f_})},
          {"pending", state::pack_matrix(pending_)},
          {"info", info_}};
}

void SimulatedAnnealing::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "simulated_annealing")
    throw std::runtime_error("simulated_annealing: not a simulated_annealing checkpoint");
  auto x = state::unpack_matrix(s.at("x"));
  if (x.size() != x_.size() || (!x.empty() && x[0].size() != space_.dim()))
    throw std::runtime_error("simulated_annealing: checkpoint does not match the configuration");
  generation_ = s.at("generation");
  step_k_ = s.at("step_k");
  state::unpack_rng(s.at("rng"), rng_);
  temperature_ = s.at("temperature");
  x_ = std::move(x);
  f_ = state::unpack(s.at("f"));
  best_x_ = state::unpack(s.at("best_x"));
  best_f_ = state::unpack(s.at("best_f")).at(0);
  pending_ = state::unpack_matrix(s.at("pending"));
  info_ = s.at("info");
}

void SimulatedAnnealing::warm_start(const WarmStart& from) {
  // The stored individuals, best first, seed the chains (unit_coordinates.hpp).
  warm_start_chains(space_, from, x_, f_, best_x_, best_f_);
}

std::optional<std::vector<double>> SimulatedAnnealing::estimate() const {
  if (best_x_.empty()) return std::nullopt;
  return natural_point(space_, best_x_, ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(SimulatedAnnealing, "simulated_annealing",
                       "parallel simulated annealing chains (Kirkpatrick et al. 1983) with "
                       "L2L's cooling schedules, corrected; docs/optimizers.md");

}  // namespace l2l
