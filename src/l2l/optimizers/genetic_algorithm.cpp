#include "l2l/optimizers/genetic_algorithm.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "l2l/core/state.hpp"

namespace l2l {

GeneticAlgorithm::Config GeneticAlgorithm::Config::read(Options& o) {
  Config c;
  c.population = o.get<std::int64_t>("population", c.population, "individuals per generation",
                                     Check::at_least(2));
  c.crossover_probability =
      o.get<double>("crossover_probability", c.crossover_probability,
                    "probability that a pair is mated (L2L cx_prob)", Check::probability());
  c.mutation_probability =
      o.get<double>("mutation_probability", c.mutation_probability,
                    "probability that an individual mutates (L2L mut_prob)", Check::probability());
  c.gene_mutation_probability =
      o.get<double>("gene_mutation_probability", c.gene_mutation_probability,
                    "probability that each gene of a mutating individual changes (L2L ind_prob)",
                    Check::probability());
  c.tournament_size =
      o.get<std::int64_t>("tournament_size", c.tournament_size,
                          "aspirants per tournament (L2L tourn_size), drawn with replacement as in "
                          "L2L and DEAP, so it may exceed the population: a larger tournament "
                          "only raises the selection pressure",
                          Check::at_least(1));
  c.blend_alpha = o.get<double>("blend_alpha", c.blend_alpha,
                                "alpha of blend crossover (L2L mate_par)", Check::at_least(0));
  c.mutation_sigma = o.get<double>("mutation_sigma", c.mutation_sigma,
                                   "standard deviation of Gaussian mutation in parameter units "
                                   "(L2L mut_par)",
                                   Check::at_least(0));
  c.mutation_scale = o.get<std::string>(
      "mutation_scale", c.mutation_scale,
      "units of mutation_sigma: parameter (raw units, as L2L) or range (a fraction of each "
      "parameter's range, log-aware: for spaces that mix scales, such as nested runs' "
      "hyperparameters)",
      Check::one_of({"parameter", "range"}));
  c.elitism = o.get<std::int64_t>("elitism", 0,
                                  "best individuals copied unchanged into the next generation",
                                  Check::at_least(0));
  c.reevaluate = o.get<bool>("reevaluate", false,
                             "evaluate unchanged individuals again (for noisy objectives); "
                             "the new value replaces the old");
  c.average_evaluations = o.get<bool>(
      "average_evaluations", c.average_evaluations,
      "noisy objectives: evaluate an unchanged survivor again (with a new seed) until it has "
      "max_evaluations evaluations, and rank it by their mean");
  c.max_evaluations = o.get<std::int64_t>(
      "max_evaluations", c.max_evaluations,
      "with average_evaluations: evaluations after which a survivor's mean is kept as it is",
      Check::at_least(1));
  if (!o.describing() && c.reevaluate && c.average_evaluations)
    o.fail("average_evaluations",
           "reevaluate replaces a survivor's fitness and average_evaluations averages it: choose "
           "one");
  if (!o.describing() && c.elitism >= c.population)
    o.fail("elitism", "must be smaller than the population");
  return c;
}

GeneticAlgorithm::GeneticAlgorithm(const Config& cfg, const ParameterSpace& space,
                                   const OptimizerContext& ctx)
    : cfg_(cfg), space_(space), weights_(ctx.weights), policy_(ctx.bound_policy), rng_(ctx.seed) {}

std::size_t GeneticAlgorithm::tournament(const std::vector<Individual>& pop) {
  std::size_t best = rng_.below(pop.size());
  for (std::int64_t k = 1; k < cfg_.tournament_size; ++k) {
    const std::size_t i = rng_.below(pop.size());
    if (pop[i].fitness > pop[best].fitness) best = i;
  }
  return best;
}

void GeneticAlgorithm::mutate(std::vector<double>& x) {
  if (cfg_.mutation_scale == "range") {
    // Mutate in unit coordinates so that one sigma means the same for an ensemble size in
    // [10, 200] as for a log-scale gamma in [1e-3, 1].
    auto u = space_.to_unit(x);
    for (auto& v : u)
      if (rng_.bernoulli(cfg_.gene_mutation_probability))
        v += rng_.normal(0.0, cfg_.mutation_sigma);
    for (auto& v : u) v = std::clamp(v, 0.0, 1.0);
    x = space_.from_unit(u);
    return;
  }
  for (auto& v : x)
    if (rng_.bernoulli(cfg_.gene_mutation_probability)) v += rng_.normal(0.0, cfg_.mutation_sigma);
}

std::vector<Candidate> GeneticAlgorithm::ask() {
  const auto n = static_cast<std::size_t>(cfg_.population);
  // offspring_ keeps its vectors between generations (copy-assignment reuses their storage).
  offspring_.resize(n);
  duplicates_ = 0;
  reevaluated_ = 0;
  std::size_t elites = 0;
  if (population_.empty()) {
    for (auto& ind : offspring_) {
      ind.x = space_.sample_uniform(rng_);
      ind.valid = false;
      ind.evaluations = 0;
    }
  } else {
    // Elites first, then tournament winners.
    elites = static_cast<std::size_t>(cfg_.elitism);
    if (elites > 0) {
      order_.resize(population_.size());
      std::iota(order_.begin(), order_.end(), 0);
      std::stable_sort(order_.begin(), order_.end(), [&](std::size_t a, std::size_t b) {
        return population_[a].fitness > population_[b].fitness;
      });
      for (std::size_t i = 0; i < elites; ++i) offspring_[i] = population_[order_[i]];
    }
    for (std::size_t i = elites; i < n; ++i) offspring_[i] = population_[tournament(population_)];

    for (std::size_t i = elites; i + 1 < n; i += 2) {
      if (!rng_.bernoulli(cfg_.crossover_probability)) continue;
      auto& a = offspring_[i].x;
      auto& b = offspring_[i + 1].x;
      for (std::size_t k = 0; k < a.size(); ++k) {
        const double gamma = (1.0 + 2.0 * cfg_.blend_alpha) * rng_.uniform() - cfg_.blend_alpha;
        const double x1 = a[k], x2 = b[k];
        a[k] = (1.0 - gamma) * x1 + gamma * x2;
        b[k] = gamma * x1 + (1.0 - gamma) * x2;
      }
      offspring_[i].valid = offspring_[i + 1].valid = false;
      offspring_[i].evaluations = offspring_[i + 1].evaluations = 0;
    }
    for (std::size_t i = elites; i < n; ++i) {
      if (!rng_.bernoulli(cfg_.mutation_probability)) continue;
      mutate(offspring_[i].x);
      offspring_[i].valid = false;
      offspring_[i].evaluations = 0;
    }
  }
  // Bounds are applied here (not only by the driver) so that duplicate detection compares the
  // values that will be evaluated.
  for (std::size_t i = 0; i < n; ++i) space_.repair(offspring_[i].x, policy_);
  remutate_duplicates();
  pending_.clear();
  std::vector<Candidate> batch;
  batch.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!wants_evaluation(offspring_[i])) continue;
    if (offspring_[i].valid) ++reevaluated_;
    pending_.push_back(i);
    batch.push_back(Candidate{.params = offspring_[i].x});
  }
  if (batch.empty()) {
    // Nothing changed this generation; re-evaluate the first offspring so a generation always
    // has at least one evaluation (keeps budgets and progress meaningful).
    pending_.push_back(0);
    batch.push_back(Candidate{.params = offspring_[0].x});
  }
  return batch;
}

bool GeneticAlgorithm::wants_evaluation(const Individual& ind) const {
  if (!ind.valid || cfg_.reevaluate) return true;
  return cfg_.average_evaluations && ind.evaluations < cfg_.max_evaluations;
}

void GeneticAlgorithm::remutate_duplicates() {
  // L2L mutates an offspring again while it equals an earlier one, so the population keeps its
  // diversity. Hashing the genomes makes this O(n) rather than O(n^2); a bounded number of tries
  // keeps tiny integer spaces from looping forever.
  auto hash = [](const std::vector<double>& x) {
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (double v : x) {
      std::uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      h = mix_seed(h, b);
    }
    return h;
  };
  const std::size_t mask = std::bit_ceil(std::max<std::size_t>(16, 2 * offspring_.size())) - 1;
  seen_.assign(mask + 1, {0, 0});
  auto seen_before = [&](std::uint64_t h, std::size_t i) {
    for (std::size_t s = h & mask; seen_[s].second != 0; s = (s + 1) & mask)
      if (seen_[s].first == h && offspring_[seen_[s].second - 1].x == offspring_[i].x) return true;
    return false;
  };
  auto remember = [&](std::uint64_t h, std::size_t i) {
    std::size_t s = h & mask;
    while (seen_[s].second != 0) s = (s + 1) & mask;
    seen_[s] = {h, i + 1};
  };
  for (std::size_t i = 0; i < offspring_.size(); ++i) {
    for (int tries = 0;; ++tries) {
      const auto h = hash(offspring_[i].x);
      if (!seen_before(h, i) || tries == 10) {
        remember(h, i);
        break;
      }
      ++duplicates_;
      if (cfg_.gene_mutation_probability > 0 && cfg_.mutation_sigma > 0) {
        // Guarantee a change: mutate until at least one gene moved.
        const auto before = offspring_[i].x;
        for (int k = 0; k < 100 && offspring_[i].x == before; ++k) mutate(offspring_[i].x);
      }
      space_.repair(offspring_[i].x, policy_);
      offspring_[i].valid = false;
      offspring_[i].evaluations = 0;
    }
  }
}

void GeneticAlgorithm::tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) {
  for (std::size_t k = 0; k < batch.size(); ++k) {
    auto& ind = offspring_[pending_[k]];
    ind.x = batch[k].params;
    const double f = weights_.weighted(evals[k]);
    if (cfg_.average_evaluations && ind.valid && ind.evaluations > 0) {
      // A failed evaluation (-inf) makes the mean -inf: a genome that can fail ranks last.
      const auto n = static_cast<double>(ind.evaluations);
      ind.fitness = (ind.fitness * n + f) / (n + 1);
      ++ind.evaluations;
    } else {
      ind.fitness = f;
      ind.evaluations = 1;
    }
    ind.valid = true;
  }
  std::swap(population_, offspring_);  // both keep their storage for the next generation
  pending_.clear();
}

nlohmann::json GeneticAlgorithm::state() const {
  std::vector<std::vector<double>> xs;
  std::vector<double> fs, ns;
  for (const auto& ind : population_) {
    xs.push_back(ind.x);
    fs.push_back(ind.fitness);
    ns.push_back(static_cast<double>(ind.evaluations));
  }
  return {{"rng", state::pack_rng(rng_)},
          {"population", state::pack_matrix(xs)},
          {"fitness", state::pack(fs)},
          {"evaluations", state::pack(ns)}};
}

void GeneticAlgorithm::restore(const nlohmann::json& s) {
  state::unpack_rng(s.at("rng"), rng_);
  const auto xs = state::unpack_matrix(s.at("population"));
  const auto fs = state::unpack(s.at("fitness"));
  // States written before average_evaluations existed count every fitness as one evaluation.
  const auto ns = s.contains("evaluations") ? state::unpack(s.at("evaluations"))
                                            : std::vector<double>(xs.size(), 1.0);
  population_.clear();
  for (std::size_t i = 0; i < xs.size(); ++i)
    population_.push_back({xs[i], fs[i], true, static_cast<std::int64_t>(ns.at(i))});
}

void GeneticAlgorithm::warm_start(const WarmStart& from) {
  // The origin's last population, best first and cut to `population`, survives with its stored
  // fitness; a smaller one (or the best alone, where only the best was stored) is the parent pool
  // from which the first ask() breeds a whole population.
  population_.clear();
  for (const auto& s : from.individuals()) {
    if (population_.size() == static_cast<std::size_t>(cfg_.population)) break;
    population_.push_back({s.params, s.weighted, true, 1});
  }
}

std::optional<std::vector<double>> GeneticAlgorithm::estimate() const {
  if (population_.empty()) return std::nullopt;
  const auto it =
      std::max_element(population_.begin(), population_.end(),
                       [](const auto& a, const auto& b) { return a.fitness < b.fitness; });
  return it->x;
}

nlohmann::json GeneticAlgorithm::generation_info() const {
  nlohmann::json info = {{"duplicates_remutated", duplicates_}};
  if (cfg_.average_evaluations) {
    double mean_n = 0;
    for (const auto& ind : population_) mean_n += static_cast<double>(ind.evaluations);
    info["survivors_reevaluated"] = reevaluated_;
    info["mean_evaluations"] = population_.empty() ? 0.0 : mean_n / double(population_.size());
  }
  return info;
}

L2L_REGISTER_OPTIMIZER(GeneticAlgorithm, "ga",
                       "genetic algorithm (L2L semantics: tournament, blend crossover, Gaussian "
                       "mutation, duplicate re-mutation) with optional elitism");

}  // namespace l2l
