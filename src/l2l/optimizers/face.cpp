#include "l2l/optimizers/face.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/state.hpp"

namespace l2l {

Face::Config Face::Config::read(Options& o) {
  Config c;
  c.min_pop_size = o.get<std::int64_t>("min_pop_size", c.min_pop_size,
                                       "smallest (and initial) population", Check::at_least(1));
  c.max_pop_size = o.get<std::int64_t>("max_pop_size", c.max_pop_size,
                                       "largest population; FACE stops when even this many "
                                       "samples bring no improvement",
                                       Check::at_least(1));
  if (!o.describing() && c.max_pop_size < c.min_pop_size)
    o.fail("max_pop_size", fmt::format("must be >= min_pop_size ({})", c.min_pop_size));
  c.n_expand = o.get<std::int64_t>("n_expand", c.n_expand,
                                   "population growth after a generation without improvement",
                                   Check::at_least(1));
  c.n_elite = o.get<std::int64_t>("n_elite", c.n_elite, "number of elite candidates fitted",
                                  Check::at_least(1));
  if (!o.describing() && c.n_elite > c.min_pop_size)
    o.fail("n_elite", fmt::format("must be <= min_pop_size ({})", c.min_pop_size));
  c.refit = CeRefitConfig::read(o, "every distribution update");
  c.distribution = CeDistribution::Config::read(o);
  return c;
}

Face::Face(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx)
    : cfg_(cfg),
      space_(space),
      ctx_(ctx),
      rng_(ctx.seed),
      dist_(cfg.distribution, space.dim(), rng_),
      pop_size_(cfg.min_pop_size),
      temperature_(cfg.refit.temperature) {}

std::vector<Candidate> Face::ask() {
  return ask_generation(dist_, space_, generation_, static_cast<std::size_t>(pop_size_), pending_,
                        rng_);
}

void Face::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("face: tell() without ask()");
  check_tell_sizes("face", pending_.size(), batch.size(), evals.size());
  std::vector<double> f(batch.size());
  for (std::size_t j = 0; j < f.size(); ++j) f[j] = ctx_.weights.weighted(evals[j]);
  const auto n_elite = static_cast<std::size_t>(cfg_.n_elite);
  // Decide before drawing the temperature acceptances, which only an update needs.
  const auto peek = select_elites(f, n_elite, false, 0.0, rng_);
  const double gamma =
      peek.successful >= n_elite ? peek.gamma : -std::numeric_limits<double>::infinity();
  const bool improved = peek.elites > 0 && (peek.best > best_ || gamma > gamma_);

  info_ = nlohmann::json::object();
  info_["pop_size"] = pop_size_;
  info_["failed"] = batch.size() - peek.successful;
  if (peek.elites > 0) info_["best_fitness"] = peek.best;
  if (std::isfinite(gamma)) info_["gamma"] = gamma;
  if (cfg_.refit.anneals()) info_["temperature"] = temperature_;

  if (improved) {
    const auto sel =
        refit_to_elites(dist_, space_, batch, f, n_elite, cfg_.refit, temperature_, rng_);
    best_ = peek.best;
    gamma_ = gamma;
    pop_size_ = std::max(cfg_.min_pop_size, (pop_size_ + cfg_.min_pop_size) / 2);
    if (cfg_.refit.anneals()) {
      info_["accepted_non_elites"] = sel.accepted;
      temperature_ *= cfg_.refit.temp_decay;
    }
    info_["action"] = "update";
  } else if (pop_size_ < cfg_.max_pop_size) {
    pop_size_ = std::min(cfg_.max_pop_size, pop_size_ + cfg_.n_expand);
    info_["action"] = "expand";
  } else {
    stop_ = fmt::format(
        "face: diverged - generation {} did not improve the best fitness ({}) or gamma ({}) of "
        "the last update even with the maximum population of {} (max_pop_size)",
        generation_, best_, gamma_, cfg_.max_pop_size);
    info_["action"] = "stop";
  }
  const auto dinfo = dist_.info();
  for (auto it = dinfo.begin(); it != dinfo.end(); ++it) info_[it.key()] = it.value();
  info_["next_pop_size"] = pop_size_;
  pending_.clear();
  ++generation_;
}

std::optional<std::string> Face::stop_reason() const {
  if (stop_.empty()) return std::nullopt;
  return stop_;
}

nlohmann::json Face::state() const {
  return {{"optimizer", "face"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"pop_size", pop_size_},
          {"temperature", temperature_},
          {"best_gamma", state::pack(std::vector<double>{best_, gamma_})},
          {"stop", stop_},
          {"distribution", dist_.state()},
          {"pending", state::pack_matrix(pending_)},
          {"info", info_}};
}

void Face::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "face") throw std::runtime_error("face: not a face checkpoint");
  dist_.restore(s.at("distribution"));
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  pop_size_ = s.at("pop_size");
  temperature_ = s.at("temperature");
  // Binary, because JSON text has no -inf.
  const auto bg = state::unpack(s.at("best_gamma"));
  best_ = bg.at(0);
  gamma_ = bg.at(1);
  stop_ = s.at("stop");
  pending_ = state::unpack_matrix(s.at("pending"));
  info_ = s.at("info");
}

void Face::warm_start(const WarmStart& from) {
  warm_start_distribution(dist_, space_, from, static_cast<std::size_t>(cfg_.n_elite));
  generation_ = 1;  // generation 0's uniform sample is what the origin replaces
}

std::optional<std::vector<double>> Face::estimate() const {
  return natural_point(space_, dist_.mode_mean(), ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(
    Face, "face",
    "fully adaptive cross-entropy (Rubinstein & Kroese 2004): population "
    "grows and shrinks with improvement, stops when it diverges; docs/optimizers.md");

}  // namespace l2l
