#include "l2l/optimizers/parallel_tempering.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"
#include "l2l/optimizers/simulated_annealing.hpp"

namespace l2l {

ParallelTempering::Config ParallelTempering::Config::read(Options& o) {
  Config c;
  c.n_chains = o.get<std::int64_t>("n_chains", c.n_chains,
                                   "chains, one per temperature (ignored if temperatures is set)",
                                   Check::at_least(2));
  c.temperatures = o.get<std::vector<double>>(
      "temperatures", c.temperatures,
      "explicit increasing temperature ladder (weighted-fitness units); overrides n_chains, "
      "t_min and t_max",
      Check::positive());
  if (!o.describing() && !c.temperatures.empty()) {
    if (c.temperatures.size() < 2) o.fail("temperatures", "needs at least two temperatures");
    for (std::size_t i = 1; i < c.temperatures.size(); ++i)
      if (!(c.temperatures[i] > c.temperatures[i - 1]))
        o.fail("temperatures", "must be strictly increasing");
    c.n_chains = static_cast<std::int64_t>(c.temperatures.size());
  }
  c.t_min = o.get<double>("t_min", c.t_min, "coldest temperature of the geometric ladder",
                          Check::positive());
  c.t_max = o.get<double>("t_max", c.t_max, "hottest temperature of the geometric ladder",
                          Check::positive());
  if (!o.describing() && c.temperatures.empty() && !(c.t_max > c.t_min))
    o.fail("t_max", fmt::format("must be > t_min ({})", c.t_min));
  c.step = o.get<double>("step", c.step,
                         "proposal standard deviation of the coldest chain, as a fraction of "
                         "each parameter's range",
                         Check::positive());
  c.step_scaling = o.get<std::string>(
      "step_scaling", c.step_scaling,
      "proposal width of a chain at temperature T: step * (T / T_coldest)^p with p = 1/2 (sqrt), "
      "1 (linear) or 0 (none)",
      Check::one_of({"sqrt", "linear", "none"}));
  c.cooling = Cooling::read(o, "constant", 0.99);
  c.end_factor = o.get<double>("end_factor", c.end_factor,
                               "additive schedules: each rung cools to end_factor times its "
                               "start temperature",
                               Check::range(0.0, 0.999999));
  if (!o.describing()) {
    std::vector<double> ladder = c.temperatures;
    if (ladder.empty()) ladder = {c.t_min, c.t_max};
    for (double t : ladder) {
      auto rung = c.cooling;
      rung.t0 = t;
      rung.t_end = c.end_factor * t;
      const auto why = Cooling::invalid(rung);
      if (!why.message.empty())
        o.fail(why.field == "alpha"   ? "alpha"
               : why.field == "t_end" ? "end_factor"
                                      : "schedule",
               fmt::format("rung at T = {}: {}", t, why.message));
    }
  }
  c.start = StartPoint::read(o);
  return c;
}

double ParallelTempering::swap_probability(double f_i, double t_i, double f_j, double t_j) {
  if (!std::isfinite(f_i) || !std::isfinite(f_j)) return 0.0;
  const double a = (1.0 / t_i - 1.0 / t_j) * (f_j - f_i);
  return a >= 0 ? 1.0 : std::exp(a);
}

ParallelTempering::ParallelTempering(const Config& cfg, const ParameterSpace& space,
                                     const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), ctx_(ctx), rng_(ctx.seed) {
  std::vector<double> ladder = cfg_.temperatures;
  if (ladder.empty()) {
    const auto m = static_cast<std::size_t>(cfg_.n_chains);
    for (std::size_t i = 0; i < m; ++i)
      ladder.push_back(cfg_.t_min * std::pow(cfg_.t_max / cfg_.t_min,
                                             static_cast<double>(i) / static_cast<double>(m - 1)));
  }
  for (double t : ladder) {
    auto c = cfg_.cooling;
    c.t0 = t;
    c.t_end = cfg_.end_factor * t;
    cooling_.emplace_back(c);
  }
  temps_ = ladder;
  for (std::size_t i = 0; i < ladder.size(); ++i) x_.push_back(cfg_.start.unit(space_, rng_));
  f_.assign(ladder.size(), -std::numeric_limits<double>::infinity());
}

std::vector<Candidate> ParallelTempering::ask() {
  if (pending_.empty()) {
    if (generation_ == 0) {
      pending_ = x_;
    } else {
      const double t_ref = cooling_[0].config().t0;
      for (std::size_t i = 0; i < x_.size(); ++i) {
        const double s = scaled_step(cfg_.step_scaling, cfg_.step, temps_[i], t_ref);
        auto p = x_[i];
        for (auto& v : p) v += s * rng_.normal();
        pending_.push_back(std::move(p));
      }
    }
  }
  return unit_candidates(space_, generation_, pending_);
}

void ParallelTempering::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("parallel_tempering: tell() without ask()");
  check_tell_sizes("parallel_tempering", pending_.size(), batch.size(), evals.size());
  const std::size_t m = x_.size();
  std::size_t accepted = 0, failed = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const double fn = ctx_.weights.weighted(evals[i]);
    if (!std::isfinite(fn)) {
      ++failed;
      continue;
    }
    bool accept = generation_ == 0 || fn >= f_[i];
    if (!accept) accept = rng_.uniform() < metropolis_acceptance(f_[i], fn, temps_[i]);
    if (accept) {
      x_[i] = unit_params(space_, batch[i]);
      f_[i] = fn;
      ++accepted;
      if (fn > best_f_) best_f_ = fn, best_x_ = x_[i];
    }
  }
  // Replica exchange: even pairs, then odd pairs.
  std::int64_t attempts = 0, swaps = 0;
  for (std::size_t first : {std::size_t{0}, std::size_t{1}}) {
    for (std::size_t i = first; i + 1 < m; i += 2) {
      ++attempts;
      const double p = swap_probability(f_[i], temps_[i], f_[i + 1], temps_[i + 1]);
      if (p <= 0) continue;
      if (p >= 1 || rng_.uniform() < p) {
        std::swap(x_[i], x_[i + 1]);
        std::swap(f_[i], f_[i + 1]);
        ++swaps;
      }
    }
  }
  total_attempts_ += attempts;
  total_accepts_ += swaps;
  auto f_json = nlohmann::json::array();
  for (double v : f_) f_json.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
  info_ = {{"temperatures", temps_},
           {"chain_fitness", f_json},
           {"acceptance_rate", static_cast<double>(accepted) / static_cast<double>(m)},
           {"swap_attempts", attempts},
           {"swap_accepts", swaps},
           {"swap_rate", static_cast<double>(swaps) / static_cast<double>(attempts)},
           {"swap_rate_total",
            static_cast<double>(total_accepts_) / static_cast<double>(total_attempts_)},
           {"failed", failed}};
  if (std::isfinite(best_f_)) info_["best_fitness"] = best_f_;
  if (generation_ > 0) {
    ++step_k_;
    for (std::size_t i = 0; i < m; ++i) temps_[i] = cooling_[i].next(temps_[i], step_k_);
  }
  pending_.clear();
  ++generation_;
}

nlohmann::json ParallelTempering::state() const {
  return {{"optimizer", "parallel_tempering"},
          {"generation", generation_},
          {"step_k", step_k_},
          {"rng", state::pack_rng(rng_)},
          {"temperatures", state::pack(temps_)},
          {"x", state::pack_matrix(x_)},
          {"f", state::pack(f_)},
          {"best_x", state::pack(best_x_)},
          {"best_f", state::pack(std::vector<double>{best_f_})},
          {"total_attempts", total_attempts_},
          {"total_accepts", total_accepts_},
          {"pending", state::pack_matrix(pending_)},
          {"info", info_}};
}

void ParallelTempering::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "parallel_tempering")
    throw std::runtime_error("parallel_tempering: not a parallel_tempering checkpoint");
  auto x = state::unpack_matrix(s.at("x"));
  if (x.size() != x_.size() || (!x.empty() && x[0].size() != space_.dim()))
    throw std::runtime_error("parallel_tempering: checkpoint does not match the configuration");
  generation_ = s.at("generation");
  step_k_ = s.at("step_k");
  state::unpack_rng(s.at("rng"), rng_);
  temps_ = state::unpack(s.at("temperatures"));
  x_ = std::move(x);
  f_ = state::unpack(s.at("f"));
  best_x_ = state::unpack(s.at("best_x"));
  best_f_ = state::unpack(s.at("best_f")).at(0);
  total_attempts_ = s.at("total_attempts");
  total_accepts_ = s.at("total_accepts");
  pending_ = state::unpack_matrix(s.at("pending"));
  info_ = s.at("info");
}

void ParallelTempering::warm_start(const WarmStart& from) {
  // The stored individuals, best first, seed the chains (unit_coordinates.hpp). The coldest rung
  // (0) gets the best.
  warm_start_chains(space_, from, x_, f_, best_x_, best_f_);
}

std::optional<std::vector<double>> ParallelTempering::estimate() const {
  if (best_x_.empty()) return std::nullopt;
  return natural_point(space_, best_x_, ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(ParallelTempering, "parallel_tempering",
                       "replica exchange (Swendsen & Wang 1986, Earl & Deem 2005): chains on "
                       "a temperature ladder that swap states; docs/optimizers.md");

}  // namespace l2l
