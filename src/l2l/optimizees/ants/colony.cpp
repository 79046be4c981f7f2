#include "l2l/optimizees/ants/colony.hpp"

#include <algorithm>
#include <stdexcept>

namespace l2l::ants {

namespace {
// Streams derived from an episode seed.
constexpr std::uint64_t kWorldStream = 1;
constexpr std::uint64_t kOrderStream = 2;
}  // namespace

Colony::Colony(const ColonyConfig& cfg, World world, std::vector<int> headings, std::uint64_t seed)
    : cfg_(cfg),
      world_(std::move(world)),
      order_rng_(mix_seed(seed, kOrderStream)),
      inputs_(static_cast<std::size_t>(cfg.ants), 0),
      outputs_(static_cast<std::size_t>(cfg.ants), OutputCounts{}) {
  if (cfg.ants < 1) throw std::invalid_argument("Colony: need at least one ant");
  if (cfg.ticks < 1) throw std::invalid_argument("Colony: need at least one tick");
  if (cfg.diffusion_interval < 1) throw std::invalid_argument("Colony: bad diffusion interval");
  if (headings.size() != static_cast<std::size_t>(cfg.ants))
    throw std::invalid_argument("Colony: one heading per ant expected");
  for (int a = 0; a < cfg.ants; ++a) {
    Ant ant;
    ant.pos = world_.nest_centre();
    ant.heading = normalize_heading(headings[static_cast<std::size_t>(a)]);
    ants_.push_back(ant);
    order_.push_back(a);
  }
  // Before the first recount, the original display showed only the randomly placed food patches
  // in food colour (the sources were coloured at the first recount).
  food_patches_seen_ = world_.extra_food_patches();
}

namespace {
World world_for(std::uint64_t seed) {
  Rng rng(mix_seed(seed, kWorldStream));
  return World::generate(rng);
}
std::vector<int> headings_for(std::uint64_t seed, int ants) {
  // Drawn after the world from the same stream, like NetLogo's random integer headings.
  Rng rng(mix_seed(seed, kWorldStream));
  (void)World::generate(rng);
  std::vector<int> h(static_cast<std::size_t>(ants));
  for (auto& x : h) x = static_cast<int>(rng.below(360));
  return h;
}
}  // namespace

Colony::Colony(const ColonyConfig& cfg, std::uint64_t seed)
    : Colony(cfg, world_for(seed), headings_for(seed, cfg.ants), seed) {}

bool Colony::step(Controller& controller) {
  if (done_) return false;
  const int t = tick_;
  const auto n = ants_.size();
  auto& R = result_;
  const auto& F = cfg_.fitness;

  // 1. Sensing (read-only).
  for (std::size_t a = 0; a < n; ++a) {
    const Ant& ant = ants_[a];
    InputMask m = 0;
    const Visual v = world_.look_ahead(ant.pos, ant.heading);
    if (v == Visual::wall) m |= 1u << visual_wall;
    if (v == Visual::food) m |= 1u << visual_food;
    m |= 1u << (pheromone_left + static_cast<int>(world_.sense_chemical(ant.pos, ant.heading)));
    m |= 1u << (nest_left + static_cast<int>(world_.sense_nest(ant.pos, ant.heading)));
    inputs_[a] = m;
  }

  // 2. Contact, in random order (two ants may compete for the last item of a patch).
  for (std::size_t i = n; i > 1; --i) std::swap(order_[i - 1], order_[order_rng_.below(i)]);
  for (int a : order_) {
    Ant& ant = ants_[static_cast<std::size_t>(a)];
    InputMask& m = inputs_[static_cast<std::size_t>(a)];
    int x, y;
    if (!World::patch_of(ant.pos, x, y)) continue;
    if (world_.visual(x, y) == Visual::wall) {
      m |= 1u << pain;
      R.fitness += F.wall;
      ++R.wall_contacts;
    }
    if (world_.nest(x, y)) {
      ant.last_nest = t;
      ant.carrying = false;
      m |= 1u << on_nest;
    } else if (world_.food(x, y) > 0 && !ant.carrying) {
      R.fitness += F.pickup;
      m |= 1u << reward;
      ant.last_food = t;
      world_.take_food(x, y);
      ant.carrying = true;
      ++R.pickups;
    }
  }

  // 3. Controllers.
  controller.tick(inputs_, outputs_);

  // 4. Actions and returns.
  for (std::size_t a = 0; a < n; ++a) {
    Ant& ant = ants_[a];
    const OutputCounts& o = outputs_[a];
    if (o[rotate_left] > o[rotate_right]) {
      R.fitness += F.rotation;
      ant.heading = normalize_heading(ant.heading - 6);
      ++R.rotations;
    } else if (o[rotate_right] > o[rotate_left]) {
      R.fitness += F.rotation;
      ant.heading = normalize_heading(ant.heading + 6);
      ++R.rotations;
    }
    if (o[move] >= 1) {
      R.fitness += F.move;
      const Point next{ant.pos.x + heading_dx(ant.heading), ant.pos.y + heading_dy(ant.heading)};
      int x, y;
      if (World::patch_of(next, x, y)) ant.pos = next;  // NetLogo does not leave the world
      ++R.moves;
    }
    if (o[drop_pheromone] >= 1) {
      R.fitness += F.pheromone;
      ++R.pheromone_drops;
      int x, y;
      if (cfg_.pheromone && World::patch_of(ant.pos, x, y))
        world_.add_chemical(x, y, World::kDeposit);
    }
    if (ant.last_nest > ant.last_food && ant.last_food > 0) {
      R.fitness += F.food_returned;
      ant.last_nest = ant.last_food = 0;
      ++R.food_returned;
    }
  }

  // 5. Early end, diffusion and evaporation.
  if (t % cfg_.diffusion_interval == 0) {
    const bool carried =
        std::any_of(ants_.begin(), ants_.end(), [](const Ant& a) { return a.carrying; });
    if (food_patches_seen_ < 1 && !carried) {
      R.fitness += F.early_bonus_per_tick * (cfg_.ticks - t);
      R.ticks = t;
      R.early_end = true;
      done_ = true;
      tick_ = t + 1;
      return false;
    }
    world_.diffuse_and_evaporate();
    food_patches_seen_ = world_.food_patches();
  }

  // 6. Stay inside.
  for (Ant& ant : ants_) {
    ant.pos.x = std::clamp(ant.pos.x, double(World::kAreaMinX + 2), double(World::kAreaMaxX - 2));
    ant.pos.y = std::clamp(ant.pos.y, double(World::kAreaMinY + 2), double(World::kAreaMaxY - 2));
  }

  // 7. The colony's cost of living.
  R.fitness += F.tick;
  tick_ = t + 1;
  if (tick_ >= cfg_.ticks) {
    R.ticks = tick_;
    done_ = true;
  }
  return !done_;
}

EpisodeResult Colony::run(Controller& controller) {
  while (step(controller)) {
  }
  return result_;
}

EpisodeResult run_episode(Controller& controller, const ColonyConfig& cfg, std::uint64_t seed,
                          const TickObserver& observer) {
  Colony colony(cfg, seed);
  while (!colony.done()) {
    colony.step(controller);
    if (observer) observer(colony, controller);
  }
  return colony.result();
}

EpisodeResult run_episode(const Genome& genome, const ColonyConfig& cfg, std::uint64_t seed,
                          const TickObserver& observer) {
  SpikingController c(genome, cfg.ants);
  return run_episode(c, cfg, seed, observer);
}

}  // namespace l2l::ants
