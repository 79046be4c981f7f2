#pragma once
// One foraging episode of an ant colony, tick by tick, in the order of the original model:
//   1. sense: visual (first wall or food ahead), pheromone and nest scent (left/middle/right);
//   2. contact, ants in random order: a wall patch under the ant gives the pain input and -5.5;
//      on the nest the ant drops what it carries (on-nest input); else on food while carrying
//      nothing it picks one item up (+1.5, reward input);
//   3. the controller turns the 11 inputs of every ant into 4 output spike counts;
//   4. act: rotate 6 degrees towards the side with more spikes (-0.02, none on a tie), move one
//      patch if `move` fired (-0.25), deposit 60 pheromone on the (new) patch if `drop` fired
//      (-0.05); an ant whose last nest visit came after its last pickup returns the food: +220;
//   5. every 7th tick (0, 7, 14, ...): if no food patch was left at the last count and no ant
//      carries food, the run ends with a bonus of 30 per remaining tick; otherwise pheromone
//      diffuses and evaporates and food patches are counted again (the original counted the
//      green patches of its display, which it recoloured only here);
//   6. ants are kept inside x in [62, 98], y in [3, 58];
//   7. -0.5 for the colony.
// The run ends after `ticks` ticks (2,000).
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/brain.hpp"
#include "l2l/optimizees/ants/world.hpp"

namespace l2l::ants {

struct FitnessTerms {
  double food_returned = 220.0;
  double pickup = 1.5;
  double wall = -5.5;  // per tick on a wall patch
  double rotation = -0.02;
  double move = -0.25;
  double pheromone = -0.05;
  double tick = -0.5;
  double early_bonus_per_tick = 30.0;
};

struct ColonyConfig {
  int ants = 15;
  int ticks = 2000;
  int diffusion_interval = 7;
  bool pheromone = true;  // false: drops cost and count but leave no pheromone (ablation)
  FitnessTerms fitness;
};

struct Ant {
  Point pos;
  int heading = 0;  // degrees clockwise from north, integer
  bool carrying = false;
  int last_nest = 0;  // tick of the last nest contact (0: none)
  int last_food = 0;  // tick of the last pickup (0: none)
};

struct EpisodeResult {
  double fitness = 0;
  int food_returned = 0;
  int pickups = 0;
  int ticks = 0;  // ticks run (less than the limit when all food came home early)
  int pheromone_drops = 0;
  int moves = 0;
  int rotations = 0;
  int wall_contacts = 0;
  bool early_end = false;
};

// Turns the inputs of every ant into output spike counts, once per tick.
class Controller {
 public:
  virtual ~Controller() = default;
  virtual void tick(std::span<const InputMask> inputs, std::span<OutputCounts> outputs) = 0;
  // Spike counts of the input neurons in the last tick, for analysis; empty if not spiking.
  virtual std::span<const InputCounts> input_counts() const { return {}; }
};

class Colony {
 public:
  // World and headings come from `seed` (streams separate from the ants' processing order, so a
  // layout does not depend on what the ants do).
  Colony(const ColonyConfig& cfg, std::uint64_t seed);
  // A given world; ants at the nest centre with the given headings (tests).
  Colony(const ColonyConfig& cfg, World world, std::vector<int> headings, std::uint64_t seed = 0);

  // Runs one tick; false once the run has ended (then it does nothing).
  bool step(Controller& controller);
  EpisodeResult run(Controller& controller);

  bool done() const { return done_; }
  int tick() const { return tick_; }  // ticks completed
  const World& world() const { return world_; }
  World& world() { return world_; }
  const std::vector<Ant>& ants() const { return ants_; }
  std::vector<Ant>& ants() { return ants_; }
  const EpisodeResult& result() const { return result_; }
  const ColonyConfig& config() const { return cfg_; }
  // Inputs and outputs of the last tick.
  std::span<const InputMask> last_inputs() const { return inputs_; }
  std::span<const OutputCounts> last_outputs() const { return outputs_; }

 private:
  ColonyConfig cfg_;
  World world_;
  std::vector<Ant> ants_;
  Rng order_rng_;
  std::vector<int> order_;
  std::vector<InputMask> inputs_;
  std::vector<OutputCounts> outputs_;
  EpisodeResult result_;
  int tick_ = 0;
  int food_patches_seen_ = 0;  // food patches at the last count (step 5)
  bool done_ = false;
};

// The spiking controllers of every ant (the genome's network, one per ant).
class SpikingController final : public Controller {
 public:
  SpikingController(const Genome& genome, int ants) : brain_(genome, ants), in_counts_(ants) {}
  void tick(std::span<const InputMask> inputs, std::span<OutputCounts> outputs) override {
    brain_.tick(inputs, outputs, in_counts_);
  }
  std::span<const InputCounts> input_counts() const override { return in_counts_; }
  ColonyBrain& brain() { return brain_; }

 private:
  ColonyBrain brain_;
  std::vector<InputCounts> in_counts_;
};

// Called after every tick (analysis).
using TickObserver = std::function<void(const Colony&, const Controller&)>;

// One episode of a genome's colony for a seed.
EpisodeResult run_episode(const Genome& genome, const ColonyConfig& cfg, std::uint64_t seed,
                          const TickObserver& observer = {});
EpisodeResult run_episode(Controller& controller, const ColonyConfig& cfg, std::uint64_t seed,
                          const TickObserver& observer = {});

}  // namespace l2l::ants
