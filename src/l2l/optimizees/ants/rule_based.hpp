#pragma once
// A hand-written colony controller: the baseline the evolved networks are compared with. It sees
// exactly the 11 inputs a network sees and answers with output "spike counts" (0 or 1):
//   - it remembers that it carries food from the reward input until the on-nest input;
//   - carrying: heads home along the nest scent (turns towards the side the nest sensor reports),
//     moves, and drops pheromone every tick;
//   - searching: walks straight at visible food, otherwise turns towards the stronger pheromone
//     side when the pheromone sensor reports one, otherwise wanders (random turns, biased away
//     from the nest so that searchers leave it);
//   - a wall ahead makes it turn (keeping one direction until the wall is out of sight).
// Randomness comes from the seed it is built with.
#include <cstdint>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/colony.hpp"

namespace l2l::ants {

class RuleBasedController final : public Controller {
 public:
  struct Params {
    double wander_turn = 0.8;       // probability of a random turn per tick while searching
    double follow_pheromone = 0.9;  // probability of following a pheromone side report
    double away_from_nest = 0.25;   // probability of turning away from the nest while wandering
    double homing_jitter = 0.5;     // probability of a random turn when the nest seems ahead
  };
  RuleBasedController(int ants, std::uint64_t seed) : RuleBasedController(ants, seed, Params{}) {}
  RuleBasedController(int ants, std::uint64_t seed, const Params& p);
  void tick(std::span<const InputMask> inputs, std::span<OutputCounts> outputs) override;

 private:
  Params p_;
  Rng rng_;
  std::vector<std::uint8_t> carrying_;
  std::vector<std::int8_t> wall_turn_;  // 0: none, -1 left, +1 right
};

}  // namespace l2l::ants
