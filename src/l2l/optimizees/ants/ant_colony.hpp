#pragma once
// Optimizee `ant_colony`: a colony of 15 foraging ants, each steered by the same small spiking
// network, whose synaptic weights and delays are the parameters (Jimenez-Romero et al. 2024;
// see docs/ants.md). Parameters: arrays `weights` (genome units, [-20, 20], x100 pA) and `delays`
// (integers, [1, 7] ms), both in the published genome layout (720 genes for H = 20). Fitness: the
// colony fitness of one episode, or the mean over `episodes` episodes with different seeds
// (maximized). Metrics: food_returned, pickups, ticks, pheromone_dropped (means over episodes).
// `controller: rule_based` ignores the parameters and runs the hand-written baseline colony;
// `pheromone: false` is the ablation without pheromone. With `analysis: true` evaluations also
// store the ants.correlation and ants.arena artifacts of their first episode.
#include <cstdint>
#include <string>
#include <vector>

#include "l2l/optimizees/ants/colony.hpp"
#include "l2l/optimizees/ants/genome.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class AntColony final : public Optimizee {
 public:
  struct Config {
    std::int64_t hidden = 20;
    std::int64_t ants = 15;
    std::int64_t ticks = 2000;
    std::int64_t episodes = 1;
    bool pheromone = true;
    std::string controller = "spiking";  // spiking | rule_based
    bool analysis = false;
    std::int64_t analysis_every = 1;           // generations
    std::vector<std::int64_t> snapshot_ticks;  // empty: 0, ticks/4 - 1, ticks/2 - 1, last
    std::int64_t trail = 40;
    static Config read(Options& o);
  };

  AntColony(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<double> default_weights() const override { return {1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  nlohmann::json describe() const override;

  // The genome a parameter vector (in space order) stands for.
  ants::Genome genome(std::span<const double> params) const;
  ants::ColonyConfig colony_config() const;
  // Seed of episode k of an evaluation.
  static std::uint64_t episode_seed(std::uint64_t candidate_seed, std::int64_t k);

 private:
  Config cfg_;
};

}  // namespace l2l
