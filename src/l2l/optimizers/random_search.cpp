#include "l2l/optimizers/random_search.hpp"

#include "l2l/core/state.hpp"

namespace l2l {

RandomSearch::Config RandomSearch::Config::read(Options& o) {
  Config c;
  c.population =
      o.get<std::int64_t>("population", 100, "candidates per generation", Check::at_least(1));
  return c;
}

RandomSearch::RandomSearch(const Config& cfg, const ParameterSpace& space,
                           const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), weights_(ctx.weights), rng_(ctx.seed) {}

std::vector<Candidate> RandomSearch::ask() {
  std::vector<Candidate> batch(static_cast<std::size_t>(cfg_.population));
  for (auto& c : batch) c.params = space_.sample_uniform(rng_);
  return batch;
}

void RandomSearch::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const double f = weights_.weighted(evals[i]);
    if (f > best_) {
      best_ = f;
      best_params_ = batch[i].params;
    }
  }
}

nlohmann::json RandomSearch::state() const {
  return {{"rng", state::pack_rng(rng_)},
          {"best", std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json()},
          {"best_params", state::pack(best_params_)}};
}

void RandomSearch::restore(const nlohmann::json& s) {
  state::unpack_rng(s.at("rng"), rng_);
  best_ = s.at("best").is_null() ? FitnessWeights::failed_value : s.at("best").get<double>();
  best_params_ = state::unpack(s.at("best_params"));
}

void RandomSearch::warm_start(const WarmStart& from) {
  // Sampling does not depend on the past; the origin's best is the best so far.
  best_ = from.best.weighted;
  best_params_ = from.best.params;
}

std::optional<std::vector<double>> RandomSearch::estimate() const {
  if (best_params_.empty()) return std::nullopt;
  return best_params_;
}

L2L_REGISTER_OPTIMIZER(RandomSearch, "random_search",
                       "uniform random sampling of the space (log-uniform on log scales)");

}  // namespace l2l
