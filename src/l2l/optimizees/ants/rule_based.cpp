#include "l2l/optimizees/ants/rule_based.hpp"

namespace l2l::ants {

RuleBasedController::RuleBasedController(int ants, std::uint64_t seed, const Params& p)
    : p_(p),
      rng_(seed),
      carrying_(static_cast<std::size_t>(ants), 0),
      wall_turn_(static_cast<std::size_t>(ants), 0) {}

void RuleBasedController::tick(std::span<const InputMask> inputs, std::span<OutputCounts> outputs) {
  for (std::size_t a = 0; a < inputs.size(); ++a) {
    const InputMask m = inputs[a];
    auto on = [m](int input) { return ((m >> input) & 1u) != 0; };
    if (on(on_nest)) carrying_[a] = 0;
    if (on(reward)) carrying_[a] = 1;
    OutputCounts& o = outputs[a];
    o.fill(0);
    o[move] = 1;
    int turn = 0;  // -1 left, +1 right
    if (carrying_[a]) {
      // Home along the nest scent, turning on the spot (one move per tick against 6 degrees of
      // turn would circle the nest).
      o[drop_pheromone] = 1;
      if (on(nest_left)) turn = -1;
      if (on(nest_right)) turn = 1;
      // "Middle" also means the nest is straight behind (left and right tie): an occasional
      // random turn breaks the symmetry.
      if (turn == 0 && rng_.bernoulli(p_.homing_jitter)) turn = rng_.bernoulli(0.5) ? -1 : 1;
      if (turn != 0) o[move] = 0;
    } else if (on(visual_food)) {
      turn = 0;
    } else {
      const bool side = on(pheromone_left) || on(pheromone_right);
      if (side && rng_.bernoulli(p_.follow_pheromone)) {
        turn = on(pheromone_left) ? -1 : 1;
      } else if (rng_.bernoulli(p_.away_from_nest) && !on(nest_middle)) {
        turn = on(nest_left) ? 1 : -1;
      } else if (rng_.bernoulli(p_.wander_turn)) {
        turn = rng_.bernoulli(0.5) ? -1 : 1;
      }
    }
    if (on(visual_wall)) {
      if (wall_turn_[a] == 0) wall_turn_[a] = rng_.bernoulli(0.5) ? -1 : 1;
      turn = wall_turn_[a];
    } else {
      wall_turn_[a] = 0;
    }
    if (turn < 0) o[rotate_left] = 1;
    if (turn > 0) o[rotate_right] = 1;
  }
}

}  // namespace l2l::ants
