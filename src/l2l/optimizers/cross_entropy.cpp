#include "l2l/optimizers/cross_entropy.hpp"

#include <cmath>
#include <stdexcept>

#include "l2l/core/state.hpp"

namespace l2l {

CrossEntropy::Config CrossEntropy::Config::read(Options& o) {
  Config c;
  c.pop_size =
      o.get<std::int64_t>("pop_size", c.pop_size, "candidates per generation", Check::at_least(1));
  c.rho = o.get<double>("rho", c.rho,
                        "elite fraction: the floor(rho * pop_size) best candidates are fitted",
                        Check::range(1e-12, 1.0));
  if (!o.describing() && std::floor(c.rho * static_cast<double>(c.pop_size)) < 1)
    o.fail("rho", "rho * pop_size must be at least 1 (no elite otherwise)");
  c.refit = CeRefitConfig::read(o, "every generation");
  c.distribution = CeDistribution::Config::read(o);
  return c;
}

CrossEntropy::CrossEntropy(const Config& cfg, const ParameterSpace& space,
                           const OptimizerContext& ctx)
    : cfg_(cfg),
      space_(space),
      ctx_(ctx),
      rng_(ctx.seed),
      dist_(cfg.distribution, space.dim(), rng_),
      temperature_(cfg.refit.temperature) {}

std::vector<Candidate> CrossEntropy::ask() {
  return ask_generation(dist_, space_, generation_, static_cast<std::size_t>(cfg_.pop_size),
                        pending_, rng_);
}

void CrossEntropy::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  if (pending_.empty()) throw std::logic_error("cross_entropy: tell() without ask()");
  check_tell_sizes("cross_entropy", pending_.size(), batch.size(), evals.size());
  std::vector<double> f(batch.size());
  for (std::size_t j = 0; j < f.size(); ++j) f[j] = ctx_.weights.weighted(evals[j]);
  const auto n_elite =
      static_cast<std::size_t>(std::floor(cfg_.rho * static_cast<double>(cfg_.pop_size)));
  const auto sel =
      refit_to_elites(dist_, space_, batch, f, n_elite, cfg_.refit, temperature_, rng_);
  info_ = dist_.info();
  info_["elites"] = sel.elites;
  info_["failed"] = batch.size() - sel.successful;
  if (cfg_.refit.anneals()) {
    info_["temperature"] = temperature_;
    info_["accepted_non_elites"] = sel.accepted;
  }
  if (sel.elites > 0) {
    info_["gamma"] = sel.gamma;
    info_["best_fitness"] = sel.best;
  }
  if (cfg_.refit.anneals()) temperature_ *= cfg_.refit.temp_decay;
  pending_.clear();
  ++generation_;
}

nlohmann::json CrossEntropy::state() const {
  return {{"optimizer", "cross_entropy"},
          {"generation", generation_},
          {"rng", state::pack_rng(rng_)},
          {"temperature", temperature_},
          {"distribution", dist_.state()},
          {"pending", state::pack_matrix(pending_)},
          {"info", info_}};
}

void CrossEntropy::restore(const nlohmann::json& s) {
  if (s.at("optimizer") != "cross_entropy")
    throw std::runtime_error("cross_entropy: not a cross_entropy checkpoint");
  dist_.restore(s.at("distribution"));
  generation_ = s.at("generation");
  state::unpack_rng(s.at("rng"), rng_);
  temperature_ = s.at("temperature");
  pending_ = state::unpack_matrix(s.at("pending"));
  info_ = s.at("info");
}

void CrossEntropy::warm_start(const WarmStart& from) {
  warm_start_distribution(dist_, space_, from,
                          static_cast<std::size_t>(std::floor(cfg_.rho * double(cfg_.pop_size))));
  generation_ = 1;  // generation 0's uniform sample is what the origin replaces
}

std::optional<std::vector<double>> CrossEntropy::estimate() const {
  return natural_point(space_, dist_.mode_mean(), ctx_.bound_policy);
}

L2L_REGISTER_OPTIMIZER(
    CrossEntropy, "cross_entropy",
    "cross-entropy method (de Boer et al. 2005): Gaussian, noisy "
    "Gaussian or EM mixture, elites, smoothing, temperature; docs/optimizers.md");

}  // namespace l2l
