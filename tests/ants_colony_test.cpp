// Colony episodes: fitness bookkeeping on scripted ants, the early end, pheromone deposits and
// the ablation, staying inside the arena, determinism and the rule-based baseline.
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "l2l/optimizees/ants/colony.hpp"
#include "l2l/optimizees/ants/rule_based.hpp"

namespace l2l::ants {
namespace {

// Outputs chosen by a function of (tick, ant); records the inputs it was given.
class Scripted final : public Controller {
 public:
  using Script = std::function<OutputCounts(int tick, int ant)>;
  explicit Scripted(Script s) : script_(std::move(s)) {}
  void tick(std::span<const InputMask> inputs, std::span<OutputCounts> outputs) override {
    seen.emplace_back(inputs.begin(), inputs.end());
    for (std::size_t a = 0; a < outputs.size(); ++a)
      outputs[a] = script_(tick_, static_cast<int>(a));
    ++tick_;
  }
  std::vector<std::vector<InputMask>> seen;

 private:
  Script script_;
  int tick_ = 0;
};

OutputCounts outs(int mv, int left, int right, int drop) {
  return {static_cast<std::uint8_t>(mv), static_cast<std::uint8_t>(left),
          static_cast<std::uint8_t>(right), static_cast<std::uint8_t>(drop)};
}

bool has(InputMask m, int input) {
  return (m >> input) & 1u;
}

ColonyConfig one_ant() {
  ColonyConfig c;
  c.ants = 1;
  return c;
}

TEST(AntColony, MovementRotationAndPheromoneCosts) {
  Colony col(one_ant(), World::with_layout(75, 30, {{90, 45}}), {90});
  Scripted s([](int t, int) {
    switch (t) {
      case 0:
        return outs(1, 0, 0, 0);  // move east
      case 1:
        return outs(0, 2, 1, 1);  // turn left (2 > 1), drop
      case 2:
        return outs(0, 3, 3, 0);  // tie: no turn, no cost
      case 3:
        return outs(5, 0, 1, 0);  // turn right, then move
      default:
        return outs(0, 0, 0, 0);
    }
  });
  for (int t = 0; t < 5; ++t) ASSERT_TRUE(col.step(s));
  const auto& r = col.result();
  EXPECT_NEAR(r.fitness, -0.25 - 0.02 - 0.05 - 0.02 - 0.25 - 5 * 0.5, 1e-12);
  EXPECT_EQ(r.moves, 2);
  EXPECT_EQ(r.rotations, 2);
  EXPECT_EQ(r.pheromone_drops, 1);
  const Ant& a = col.ants()[0];
  EXPECT_EQ(a.heading, 90);
  EXPECT_NEAR(a.pos.x, 77.0, 1e-12);
  EXPECT_NEAR(a.pos.y, 30.0, 1e-12);
  // Dropped at tick 1 on (76, 30); no diffusion tick since (ticks 0 and 7 only).
  EXPECT_EQ(col.world().chemical(76, 30), 60.0);
  // The ant started on the nest: on-nest input at tick 0, and the nest sensor's report.
  EXPECT_TRUE(has(s.seen[0][0], on_nest));
  EXPECT_FALSE(has(s.seen[0][0], reward));
  EXPECT_EQ(
      has(s.seen[0][0], nest_left) + has(s.seen[0][0], nest_middle) + has(s.seen[0][0], nest_right),
      1);
  EXPECT_TRUE(has(s.seen[0][0], pheromone_middle));  // no pheromone anywhere yet
}

TEST(AntColony, PickupAndReturnAreCreditedOnce) {
  Colony col(one_ant(), World::with_layout(75, 30, {{90, 45}}), {0});
  Scripted s([](int, int) { return outs(0, 0, 0, 0); });
  ASSERT_TRUE(col.step(s));      // tick 0 on the nest
  col.ants()[0].pos = {90, 45};  // onto the single-item patch
  ASSERT_TRUE(col.step(s));      // tick 1: pickup
  EXPECT_TRUE(has(s.seen[1][0], reward));
  EXPECT_TRUE(col.ants()[0].carrying);
  EXPECT_EQ(col.world().food(90, 45), 0);
  EXPECT_EQ(col.world().visual(90, 45), Visual::empty);
  ASSERT_TRUE(col.step(s));  // tick 2: nothing left to pick up, still carrying
  EXPECT_FALSE(has(s.seen[2][0], reward));
  col.ants()[0].pos = {75.4, 29.6};  // back on the nest
  ASSERT_TRUE(col.step(s));          // tick 3: drop at the nest, +220
  EXPECT_TRUE(has(s.seen[3][0], on_nest));
  EXPECT_FALSE(col.ants()[0].carrying);
  ASSERT_TRUE(col.step(s));  // tick 4: no second credit
  const auto& r = col.result();
  EXPECT_EQ(r.pickups, 1);
  EXPECT_EQ(r.food_returned, 1);
  EXPECT_NEAR(r.fitness, 1.5 + 220 - 5 * 0.5, 1e-12);
  // A nest visit without food earns nothing; a second pickup needs the nest visit first.
  col.ants()[0].pos = {65, 53};
  ASSERT_TRUE(col.step(s));  // pickup (source patch, 2 items)
  ASSERT_TRUE(col.step(s));  // carrying: no second pickup
  EXPECT_EQ(col.world().food(65, 53), 1);
  EXPECT_EQ(col.result().pickups, 2);
}

TEST(AntColony, WallContactIsPunishedAndAntsStayInside) {
  Colony col(one_ant(), World::with_layout(75, 30, {{90, 45}}), {90});
  Scripted s([](int, int) { return outs(1, 0, 0, 1); });
  ASSERT_TRUE(col.step(s));
  col.ants()[0].pos = {100, 30};  // on the wall, as no ant can be after the clamp
  ASSERT_TRUE(col.step(s));
  EXPECT_TRUE(has(s.seen[1][0], pain));
  EXPECT_EQ(col.result().wall_contacts, 1);
  // It moved on to x = 101 (outside the world: NetLogo does not move it), dropped there, and was
  // put back to x = 98.
  EXPECT_EQ(col.ants()[0].pos.x, 98.0);
  EXPECT_EQ(col.world().chemical(100, 30), 60.0);
  const double expect = 2 * (-0.25 - 0.05 - 0.5) - 5.5;
  EXPECT_NEAR(col.result().fitness, expect, 1e-12);
  col.ants()[0].pos = {50, 70};
  ASSERT_TRUE(col.step(s));
  EXPECT_EQ(col.ants()[0].pos.y, 58.0);
  EXPECT_EQ(col.ants()[0].pos.x, 62.0);
}

TEST(AntColony, DiffusionRunsEverySeventhTick) {
  Colony col(one_ant(), World::with_layout(75, 30, {{90, 45}}), {90});
  Scripted s([](int t, int) { return outs(0, 0, 0, t == 1 ? 1 : 0); });
  for (int t = 0; t < 7; ++t) ASSERT_TRUE(col.step(s));
  EXPECT_EQ(col.world().chemical(75, 30), 60.0);
  EXPECT_EQ(col.world().chemical(76, 30), 0.0);
  ASSERT_TRUE(col.step(s));  // tick 7
  EXPECT_DOUBLE_EQ(col.world().chemical(75, 30), 48.0 * 99 / 100);
  EXPECT_DOUBLE_EQ(col.world().chemical(76, 30), 1.5 * 99 / 100);
}

TEST(AntColony, PheromoneAblationCostsButLeavesNothing) {
  auto cfg = one_ant();
  cfg.pheromone = false;
  Colony col(cfg, World::with_layout(75, 30, {{90, 45}}), {90});
  Scripted s([](int, int) { return outs(0, 0, 0, 1); });
  for (int t = 0; t < 20; ++t) ASSERT_TRUE(col.step(s));
  double total = 0;
  for (double c : col.world().chemical_field()) total += c;
  EXPECT_EQ(total, 0.0);
  EXPECT_EQ(col.result().pheromone_drops, 20);
  EXPECT_NEAR(col.result().fitness, 20 * (-0.05 - 0.5), 1e-9);
}

TEST(AntColony, EarlyEndPaysThirtyPerRemainingTick) {
  // Only the one extra item: sources emptied.
  World w = World::with_layout(75, 30, {{90, 45}});
  for (const auto& c : World::kFoodSources)
    for (int y = int(c.y) - 2; y <= int(c.y) + 2; ++y)
      for (int x = int(c.x) - 2; x <= int(c.x) + 2; ++x) w.set_food(x, y, 0);
  Colony col(one_ant(), std::move(w), {0});
  Scripted s([](int, int) { return outs(0, 0, 0, 0); });
  ASSERT_TRUE(col.step(s));  // tick 0: one food patch shown, so no end
  col.ants()[0].pos = {90, 45};
  ASSERT_TRUE(col.step(s));  // tick 1: pickup
  col.ants()[0].pos = {75, 30};
  ASSERT_TRUE(col.step(s));  // tick 2: returned
  // Tick 7 still sees the food count of tick 0 (the original's display colours), so the run ends
  // at tick 14 with 30 * (2000 - 14).
  int t = 3;
  while (col.step(s)) ++t;
  const auto& r = col.result();
  EXPECT_TRUE(r.early_end);
  EXPECT_EQ(r.ticks, 14);
  EXPECT_EQ(t, 14);
  EXPECT_NEAR(r.fitness, 1.5 + 220 + 30.0 * (2000 - 14) - 14 * 0.5, 1e-9);
  EXPECT_FALSE(col.step(s));
}

TEST(AntColony, CarriedFoodPreventsTheEarlyEnd) {
  World w = World::with_layout(75, 30, {{90, 45}});
  for (const auto& c : World::kFoodSources)
    for (int y = int(c.y) - 2; y <= int(c.y) + 2; ++y)
      for (int x = int(c.x) - 2; x <= int(c.x) + 2; ++x) w.set_food(x, y, 0);
  Colony col(one_ant(), std::move(w), {0});
  Scripted s([](int, int) { return outs(0, 0, 0, 0); });
  ASSERT_TRUE(col.step(s));
  col.ants()[0].pos = {90, 45};
  for (int t = 1; t < 40; ++t) ASSERT_TRUE(col.step(s)) << t;  // carrying, never home
  col.ants()[0].pos = {75, 30};
  int t = 40;
  while (col.step(s)) ++t;
  EXPECT_EQ(col.result().ticks, 42);  // returned at 40, seen at the check of tick 42
}

TEST(AntColony, EpisodesAreDeterministicPerSeedAndDifferAcrossSeeds) {
  ColonyConfig cfg;
  cfg.ticks = 60;
  auto run = [&](std::uint64_t seed) {
    RuleBasedController c(cfg.ants, seed);
    Colony col(cfg, seed);
    col.run(c);
    return std::tuple(col.world().nest_centre().x, col.world().nest_centre().y, col.ants()[3].pos.x,
                      col.result().fitness);
  };
  EXPECT_EQ(run(3), run(3));
  EXPECT_NE(run(3), run(4));
  // Initial headings are integers drawn per ant.
  Colony a(cfg, 9);
  std::set<int> headings;
  for (const auto& ant : a.ants()) headings.insert(ant.heading);
  EXPECT_GT(headings.size(), 10u);
}

TEST(AntColony, CompetingAntsShareTheLastItemInRandomOrder) {
  int first_wins = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    ColonyConfig cfg;
    cfg.ants = 2;
    Colony col(cfg, World::with_layout(75, 30, {{90, 45}}), {0, 0}, seed);
    Scripted s([](int, int) { return outs(0, 0, 0, 0); });
    ASSERT_TRUE(col.step(s));
    col.ants()[0].pos = col.ants()[1].pos = {90, 45};
    ASSERT_TRUE(col.step(s));
    ASSERT_EQ(col.ants()[0].carrying + col.ants()[1].carrying, 1);
    first_wins += col.ants()[0].carrying;
  }
  EXPECT_GT(first_wins, 8);
  EXPECT_LT(first_wins, 32);
}

TEST(AntColony, RuleBasedColonyForages) {
  ColonyConfig cfg;
  cfg.ticks = 600;
  RuleBasedController c(cfg.ants, 1);
  const auto r = run_episode(c, cfg, 1);
  EXPECT_GT(r.food_returned, 3);
  EXPECT_GE(r.pickups, r.food_returned);
  EXPECT_GT(r.pheromone_drops, 0);
}

}  // namespace
}  // namespace l2l::ants
