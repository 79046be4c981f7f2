#pragma once
// Replaying a colony over many seeds: a stored genome, the rule-based baseline or random genomes,
// episodes in parallel (oneTBB), results independent of the thread count. Used by
// `l2l ants replay`, the benchmark and the tests.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/optimizees/ants/colony.hpp"
#include "l2l/optimizees/ants/genome.hpp"

namespace l2l::ants {

enum class ReplayKind { genome, rule_based, random };

struct ReplayOptions {
  ReplayKind kind = ReplayKind::genome;
  Genome genome;    // for ReplayKind::genome
  int hidden = 20;  // for ReplayKind::random
  std::vector<std::uint64_t> seeds;
  ColonyConfig colony;
  int threads = 0;  // 0: all cores
  // Analysis of the episodes: correlations over all of them, arena snapshots of the first.
  bool correlations = false;
  std::set<int> snapshot_ticks;
  int trail = 40;
};

struct Summary {
  double mean = 0, sd = 0, min = 0, max = 0;
  static Summary of(const std::vector<double>& x);
};

struct ReplayResult {
  std::vector<std::uint64_t> seeds;
  std::vector<EpisodeResult> episodes;  // one per seed, in seed order
  Summary food, fitness, pickups, ticks, drops;
  std::optional<nlohmann::json> correlation;  // ants.correlation over all seeds
  std::optional<nlohmann::json> arena;        // ants.arena of the first seed
  nlohmann::json to_json() const;
};

ReplayResult replay(const ReplayOptions& options);

// The genome that `--random` uses for a seed.
Genome random_genome_for_seed(int hidden, std::uint64_t seed);
// The seed of the rule-based controller's own random stream in an episode.
std::uint64_t rule_based_seed(std::uint64_t episode_seed);

// "1-100", "3,5,7-9", "42": the listed seeds in order; throws UsageError on bad input.
std::vector<std::uint64_t> parse_seed_list(const std::string& text);

}  // namespace l2l::ants
