#include "l2l/optimizees/ants/replay.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/analysis.hpp"
#include "l2l/optimizees/ants/rule_based.hpp"

namespace l2l::ants {

Summary Summary::of(const std::vector<double>& x) {
  Summary s;
  if (x.empty()) return s;
  double sum = 0;
  for (double v : x) sum += v;
  s.mean = sum / static_cast<double>(x.size());
  double ss = 0;
  for (double v : x) ss += (v - s.mean) * (v - s.mean);
  s.sd = x.size() > 1 ? std::sqrt(ss / static_cast<double>(x.size() - 1)) : 0.0;
  s.min = *std::min_element(x.begin(), x.end());
  s.max = *std::max_element(x.begin(), x.end());
  return s;
}

Genome random_genome_for_seed(int hidden, std::uint64_t seed) {
  Rng rng(mix_seed(seed, 0x6E0E5EEDull));
  return random_genome(hidden, rng);
}

std::uint64_t rule_based_seed(std::uint64_t episode_seed) {
  return mix_seed(episode_seed, 3);
}

ReplayResult replay(const ReplayOptions& o) {
  if (o.seeds.empty()) throw UsageError("replay: no seeds");
  if (o.kind == ReplayKind::genome) o.genome.validate();
  const std::size_t n = o.seeds.size();
  ReplayResult res;
  res.seeds = o.seeds;
  res.episodes.resize(n);
  std::vector<std::unique_ptr<CorrelationRecorder>> corr(n);
  std::optional<nlohmann::json> first_arena;

  auto run_one = [&](std::size_t i) {
    const std::uint64_t seed = o.seeds[i];
    std::unique_ptr<Controller> ctrl;
    switch (o.kind) {
      case ReplayKind::genome:
        ctrl = std::make_unique<SpikingController>(o.genome, o.colony.ants);
        break;
      case ReplayKind::random:
        ctrl = std::make_unique<SpikingController>(random_genome_for_seed(o.hidden, seed),
                                                   o.colony.ants);
        break;
      case ReplayKind::rule_based:
        ctrl = std::make_unique<RuleBasedController>(o.colony.ants, rule_based_seed(seed));
        break;
    }
    const bool snaps = i == 0 && !o.snapshot_ticks.empty();
    if (!o.correlations && !snaps) {
      res.episodes[i] = run_episode(*ctrl, o.colony, seed);
      return;
    }
    auto rec = std::make_unique<CorrelationRecorder>(o.colony.ants);
    SnapshotRecorder sr(o.snapshot_ticks, o.trail, o.colony.ants);
    res.episodes[i] = run_episode(*ctrl, o.colony, seed, [&](const Colony& c, const Controller& x) {
      if (o.correlations) rec->observe(c, x);
      if (snaps) sr.observe(c);
    });
    if (o.correlations) corr[i] = std::move(rec);
    if (snaps) first_arena = sr.to_json();
  };

  {
    std::unique_ptr<tbb::global_control> limit;
    if (o.threads > 0)
      limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<std::size_t>(o.threads));
    tbb::parallel_for(std::size_t{0}, n, run_one);
  }

  std::vector<double> food, fit, pick, ticks, drops;
  for (const auto& e : res.episodes) {
    food.push_back(e.food_returned);
    fit.push_back(e.fitness);
    pick.push_back(e.pickups);
    ticks.push_back(e.ticks);
    drops.push_back(e.pheromone_drops);
  }
  res.food = Summary::of(food);
  res.fitness = Summary::of(fit);
  res.pickups = Summary::of(pick);
  res.ticks = Summary::of(ticks);
  res.drops = Summary::of(drops);
  if (o.correlations) {
    CorrelationRecorder all = *corr[0];
    for (std::size_t i = 1; i < n; ++i) all.merge(*corr[i]);
    res.correlation = all.to_json(n == 1);
  }
  res.arena = std::move(first_arena);
  return res;
}

nlohmann::json ReplayResult::to_json() const {
  auto sj = [](const Summary& s) {
    return nlohmann::json{{"mean", s.mean}, {"sd", s.sd}, {"min", s.min}, {"max", s.max}};
  };
  nlohmann::json eps = nlohmann::json::array();
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    const auto& e = episodes[i];
    eps.push_back({{"seed", seeds[i]},
                   {"food_returned", e.food_returned},
                   {"fitness", e.fitness},
                   {"pickups", e.pickups},
                   {"ticks", e.ticks},
                   {"pheromone_dropped", e.pheromone_drops},
                   {"early_end", e.early_end}});
  }
  return {{"episodes", episodes.size()},
          {"food_returned", sj(food)},
          {"fitness", sj(fitness)},
          {"pickups", sj(pickups)},
          {"ticks", sj(ticks)},
          {"pheromone_dropped", sj(drops)},
          {"per_seed", eps}};
}

std::vector<std::uint64_t> parse_seed_list(const std::string& text) {
  std::vector<std::uint64_t> seeds;
  auto number = [&](std::string_view s) {
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      throw UsageError(fmt::format("bad seed '{}' in '{}' (use e.g. 1-100 or 1,5,7-9)", s, text));
    return v;
  };
  std::string_view all(text);
  while (!all.empty()) {
    const auto comma = all.find(',');
    const auto item = all.substr(0, comma);
    const auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      seeds.push_back(number(item));
    } else {
      const auto lo = number(item.substr(0, dash)), hi = number(item.substr(dash + 1));
      if (hi < lo) throw UsageError(fmt::format("empty seed range '{}'", item));
      if (hi - lo >= 10000000) throw UsageError(fmt::format("seed range '{}' is too long", item));
      for (auto s = lo; s <= hi; ++s) seeds.push_back(s);
    }
    if (comma == std::string_view::npos) break;
    all.remove_prefix(comma + 1);
    if (all.empty()) throw UsageError(fmt::format("trailing comma in '{}'", text));
  }
  if (seeds.empty()) throw UsageError("no seeds given");
  return seeds;
}

}  // namespace l2l::ants
