#include "l2l/optimizees/ants/ant_colony.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/analysis.hpp"
#include "l2l/optimizees/ants/replay.hpp"
#include "l2l/optimizees/ants/rule_based.hpp"

namespace l2l {

AntColony::Config AntColony::Config::read(Options& o) {
  Config c;
  c.hidden = o.get<std::int64_t>("hidden", c.hidden, "hidden iaf_psc_alpha neurons per ant (H)",
                                 Check::range(1, 200));
  c.ants = o.get<std::int64_t>("ants", c.ants, "ants in the colony (all share the genome)",
                               Check::range(1, 1000));
  c.ticks = o.get<std::int64_t>("ticks", c.ticks, "ticks per episode (20 ms of network each)",
                                Check::range(1, 1000000));
  c.episodes = o.get<std::int64_t>("episodes", c.episodes,
                                   "episodes (seeds) per evaluation; fitness and metrics are means",
                                   Check::range(1, 10000));
  c.pheromone = o.get<bool>("pheromone", c.pheromone,
                            "false: pheromone drops leave nothing behind (ablation)");
  c.controller = o.get<std::string>(
      "controller", c.controller,
      "spiking: the genome's networks; rule_based: the hand-written baseline (ignores the genome)",
      Check::one_of({"spiking", "rule_based"}));
  c.analysis = o.get<bool>("analysis", c.analysis,
                           "store ants.correlation and ants.arena artifacts of the first episode");
  c.analysis_every = o.get<std::int64_t>(
      "analysis_every", c.analysis_every,
      "with analysis: only in generations that are multiples of this", Check::at_least(1));
  c.snapshot_ticks = o.get<std::vector<std::int64_t>>(
      "snapshot_ticks", c.snapshot_ticks,
      "with analysis: ticks (0-based) whose arena is stored; -1: the last tick (default: 0, "
      "ticks/4 - 1, ticks/2 - 1 and the last)");
  c.trail =
      o.get<std::int64_t>("trail", c.trail, "with analysis: positions per ant kept as its trail",
                          Check::range(0, 100000));
  for (auto t : c.snapshot_ticks)
    if (!o.describing() && (t < -1 || t >= c.ticks))
      o.fail("snapshot_ticks", fmt::format("tick {} is outside [-1, {})", t, c.ticks));
  if (c.snapshot_ticks.empty())
    c.snapshot_ticks = {0, std::max<std::int64_t>(0, c.ticks / 4 - 1),
                        std::max<std::int64_t>(0, c.ticks / 2 - 1), c.ticks - 1};
  return c;
}

AntColony::AntColony(const Config& cfg, const OptimizeeContext&) : cfg_(cfg) {}

ParameterSpace AntColony::space() const {
  const auto n = ants::GenomeLayout{static_cast<int>(cfg_.hidden)}.size();
  ParameterSpace s;
  s.add_array("weights", n, -ants::kWeightLimit, ants::kWeightLimit);
  s.add_array("delays", n, ants::kMinDelay, ants::kMaxDelay, false, true);
  return s;
}

ants::Genome AntColony::genome(std::span<const double> params) const {
  const auto n = ants::GenomeLayout{static_cast<int>(cfg_.hidden)}.size();
  if (params.size() != 2 * n)
    throw std::invalid_argument(
        fmt::format("ant_colony: expected {} parameters, got {}", 2 * n, params.size()));
  ants::Genome g;
  g.hidden = static_cast<int>(cfg_.hidden);
  g.weights.assign(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(n));
  g.delays.assign(params.begin() + static_cast<std::ptrdiff_t>(n), params.end());
  return g;
}

ants::ColonyConfig AntColony::colony_config() const {
  ants::ColonyConfig c;
  c.ants = static_cast<int>(cfg_.ants);
  c.ticks = static_cast<int>(cfg_.ticks);
  c.pheromone = cfg_.pheromone;
  return c;
}

std::uint64_t AntColony::episode_seed(std::uint64_t candidate_seed, std::int64_t k) {
  return mix_seed(candidate_seed, static_cast<std::uint64_t>(k));
}

Evaluation AntColony::evaluate(const Candidate& candidate) {
  const auto g = genome(candidate.params);
  const auto cc = colony_config();
  const bool analyse = cfg_.analysis && candidate.generation % cfg_.analysis_every == 0;

  Evaluation e;
  double fit = 0, fit2 = 0, food = 0, food2 = 0, pickups = 0, ticks = 0, drops = 0;
  for (std::int64_t k = 0; k < cfg_.episodes; ++k) {
    const auto seed = episode_seed(candidate.seed, k);
    std::unique_ptr<ants::Controller> ctrl;
    if (cfg_.controller == "rule_based")
      ctrl = std::make_unique<ants::RuleBasedController>(cc.ants, ants::rule_based_seed(seed));
    else
      ctrl = std::make_unique<ants::SpikingController>(g, cc.ants);

    ants::EpisodeResult r;
    if (analyse && k == 0) {
      ants::CorrelationRecorder corr(cc.ants);
      std::set<int> ticks_set;
      for (auto t : cfg_.snapshot_ticks) ticks_set.insert(static_cast<int>(t));
      ants::SnapshotRecorder snaps(ticks_set, static_cast<int>(cfg_.trail), cc.ants);
      r = ants::run_episode(*ctrl, cc, seed, [&](const ants::Colony& c, const ants::Controller& x) {
        corr.observe(c, x);
        snaps.observe(c);
      });
      auto cj = corr.to_json();
      cj["controller"] = cfg_.controller;
      cj["pheromone"] = cfg_.pheromone;
      cj["food_returned"] = r.food_returned;
      e.artifacts.push_back({"ants.correlation", "json", cj.dump()});
      if (snaps.size() > 0) e.artifacts.push_back({"ants.arena", "json", snaps.to_json().dump()});
    } else {
      r = ants::run_episode(*ctrl, cc, seed);
    }
    fit += r.fitness, fit2 += r.fitness * r.fitness;
    food += r.food_returned, food2 += double(r.food_returned) * r.food_returned;
    pickups += r.pickups, ticks += r.ticks, drops += r.pheromone_drops;
  }
  const double n = static_cast<double>(cfg_.episodes);
  e.fitness = {fit / n};
  e.metrics["food_returned"] = food / n;
  e.metrics["pickups"] = pickups / n;
  e.metrics["ticks"] = ticks / n;
  e.metrics["pheromone_dropped"] = drops / n;
  if (cfg_.episodes > 1) {
    auto sd = [n](double s, double s2) {
      return std::sqrt(std::max(0.0, (s2 - s * s / n) / (n - 1)));
    };
    e.metrics["fitness_sd"] = sd(fit, fit2);
    e.metrics["food_returned_sd"] = sd(food, food2);
  }
  return e;
}

nlohmann::json AntColony::describe() const {
  const ants::GenomeLayout L{static_cast<int>(cfg_.hidden)};
  return {{"hidden", cfg_.hidden},       {"ants", cfg_.ants},
          {"ticks", cfg_.ticks},         {"episodes", cfg_.episodes},
          {"pheromone", cfg_.pheromone}, {"controller", cfg_.controller},
          {"genes", L.size()},           {"genes_used", L.used()}};
}

L2L_REGISTER_OPTIMIZEE(AntColony, "ant_colony",
                       "foraging ant colony steered by evolved spiking networks (weights and "
                       "delays), or a rule-based baseline");

}  // namespace l2l
