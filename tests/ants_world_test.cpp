// The ant arena: layout, sensors and pheromone dynamics against hand-computed cases.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/world.hpp"

namespace l2l::ants {
namespace {

double dist(double x0, double y0, double x1, double y1) {
  return std::hypot(x1 - x0, y1 - y0);
}

TEST(AntWorld, GeneratedLayoutsFollowTheSpecification) {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    Rng rng(seed);
    const World w = World::generate(rng);
    const auto c = w.nest_centre();
    ASSERT_GE(c.x, 72);
    ASSERT_LE(c.x, 85);
    ASSERT_GE(c.y, 18);
    ASSERT_LE(c.y, 35);
    EXPECT_EQ(w.extra_food_patches(), 2);
    int source_patches = 0, extra = 0, nest = 0, food = 0;
    for (int y = 0; y < World::kHeight; ++y)
      for (int x = 0; x < World::kWidth; ++x) {
        const bool border = World::in_area(x, y) && (x == 60 || x == 100 || y == 1 || y == 60);
        ASSERT_EQ(w.visual(x, y) == Visual::wall, border) << x << "," << y;
        if (!World::in_area(x, y)) {
          ASSERT_EQ(w.nest_scent(x, y), 0.0);
          ASSERT_EQ(w.food(x, y), 0);
          continue;
        }
        bool in_source = false;
        for (const auto& s : World::kFoodSources) in_source |= dist(x, y, s.x, s.y) < 3;
        food += w.food(x, y);
        if (in_source) {
          ++source_patches;
          ASSERT_EQ(w.food(x, y), 2);
        } else if (w.food(x, y) > 0) {
          ++extra;
          ASSERT_EQ(w.food(x, y), 1);
          const double d = dist(x, y, 82, 30);
          ASSERT_GT(d, 10);
          ASSERT_LT(d, 18);
        }
        if (w.visual(x, y) == Visual::empty) {
          ASSERT_DOUBLE_EQ(w.nest_scent(x, y), 200 - dist(x, y, c.x, c.y));
          ASSERT_EQ(w.nest(x, y), dist(x, y, c.x, c.y) < 3);
        } else {
          ASSERT_EQ(w.nest_scent(x, y), 0.0);  // walls and food, as the original set it up
          ASSERT_FALSE(w.nest(x, y));
        }
        nest += w.nest(x, y);
      }
    EXPECT_EQ(source_patches, 75);  // 25 patches within distance < 3 per source
    // Two single items, unless one landed on a source (then that patch keeps 2).
    EXPECT_EQ(food, 150 + extra);
    EXPECT_LE(extra, 2);
    EXPECT_GE(nest, 23);
    EXPECT_LE(nest, 25);
    EXPECT_EQ(w.total_food(), food);
  }
}

TEST(AntWorld, NestPositionAndExtraFoodVaryWithTheSeed) {
  std::set<std::pair<int, int>> nests;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Rng rng(seed);
    const auto c = World::generate(rng).nest_centre();
    nests.insert({int(c.x), int(c.y)});
  }
  EXPECT_GT(nests.size(), 30u);  // 14 x 18 = 252 possible centres
}

TEST(AntWorld, PatchOfRoundsToTheNearestCentre) {
  int x, y;
  ASSERT_TRUE(World::patch_of({80.49, 30.5}, x, y));
  EXPECT_EQ(x, 80);
  EXPECT_EQ(y, 31);
  ASSERT_TRUE(World::patch_of({-0.5, 60.49}, x, y));
  EXPECT_EQ(x, 0);
  EXPECT_EQ(y, 60);
  EXPECT_FALSE(World::patch_of({100.5, 3}, x, y));
  EXPECT_FALSE(World::patch_of({50, -0.51}, x, y));
}

TEST(AntWorld, HeadingsAreClockwiseFromNorthWithExactAxes) {
  EXPECT_EQ(heading_dx(0), 0.0);
  EXPECT_EQ(heading_dy(0), 1.0);
  EXPECT_EQ(heading_dx(90), 1.0);
  EXPECT_EQ(heading_dy(90), 0.0);
  EXPECT_EQ(heading_dx(180), 0.0);
  EXPECT_EQ(heading_dy(180), -1.0);
  EXPECT_EQ(heading_dx(-90), -1.0);
  EXPECT_NEAR(heading_dx(30), 0.5, 1e-15);
  EXPECT_EQ(normalize_heading(-6), 354);
  EXPECT_EQ(normalize_heading(366), 6);
}

TEST(AntWorld, VisualSensorSeesTheFirstObjectWithinFiveAndAHalfPatches) {
  World w = World::with_layout(75, 30, {});
  // Facing east from (80, 30): probes at 80.5, 81, ..., 85.5 fall on patches 81 .. 86.
  w.set_food(86, 30, 1);
  EXPECT_EQ(w.look_ahead({80, 30}, 90), Visual::food);
  EXPECT_EQ(w.look_ahead({79.9, 30}, 90), Visual::empty);  // 85.4 is still patch 85
  w.set_food(86, 30, 0);
  EXPECT_EQ(w.look_ahead({80, 30}, 90), Visual::empty);
  // The first object wins: a wall behind food is not seen.
  w.set_food(97, 40, 1);
  EXPECT_EQ(w.look_ahead({95, 40}, 90), Visual::food);
  w.set_food(97, 40, 0);
  EXPECT_EQ(w.look_ahead({95, 40}, 90), Visual::wall);  // x = 100 at 5 patches
  // Diagonal: north-east from (80, 30), the probe at 4 patches lies in patch (83, 33).
  w.set_food(83, 33, 1);
  EXPECT_EQ(w.look_ahead({80, 30}, 45), Visual::food);
  EXPECT_EQ(w.look_ahead({80, 30}, 30), Visual::empty);  // passes beside it
  // Walls north: from y = 54 the last probe (59.5) lies in the wall row, from 53.9 it does not.
  EXPECT_EQ(w.look_ahead({70, 54}, 0), Visual::wall);
  EXPECT_EQ(w.look_ahead({70, 53.9}, 0), Visual::empty);
}

TEST(AntWorld, ChemicalSensorComparesThreePatchesAheadOfTheAnt) {
  World w = World::with_layout(75, 30, {});
  const Point ant{80, 30};
  // Facing north: the sensor stands at (80, 31); it compares (79, 32), (80, 32), (81, 32).
  EXPECT_EQ(w.sense_chemical(ant, 0), Side::middle);  // all zero: no side is strictly larger
  w.set_chemical(81, 32, 1.0);
  EXPECT_EQ(w.sense_chemical(ant, 0), Side::right);
  w.set_chemical(79, 32, 1.0);
  EXPECT_EQ(w.sense_chemical(ant, 0), Side::middle);  // tie between left and right
  w.set_chemical(81, 32, 0.0);
  EXPECT_EQ(w.sense_chemical(ant, 0), Side::left);
  w.set_chemical(80, 32, 2.0);
  EXPECT_EQ(w.sense_chemical(ant, 0), Side::middle);  // ahead is strongest
  // Facing east: sensor at (81, 30); ahead (82, 30), right = south-east (82, 29), left (82, 31).
  World e = World::with_layout(75, 30, {});
  e.set_chemical(82, 29, 0.5);
  EXPECT_EQ(e.sense_chemical(ant, 90), Side::right);
  e.set_chemical(82, 31, 0.6);
  EXPECT_EQ(e.sense_chemical(ant, 90), Side::left);
  e.set_chemical(83, 30, 9.0);  // two patches ahead: not sensed
  EXPECT_EQ(e.sense_chemical(ant, 90), Side::left);
}

TEST(AntWorld, NestSensorPointsTowardsTheNest) {
  const World w = World::with_layout(78, 25, {});
  // Heading straight at the nest: ahead is closest.
  EXPECT_EQ(w.sense_nest({70, 25}, 90), Side::middle);
  // Heading north with the nest to the east: the right patch (71, 27) is closest.
  EXPECT_EQ(w.sense_nest({70, 25}, 0), Side::right);
  // Heading south: the nest is on the left.
  EXPECT_EQ(w.sense_nest({70, 25}, 180), Side::left);
  EXPECT_DOUBLE_EQ(w.nest_scent(78, 25), 200.0);
  EXPECT_DOUBLE_EQ(w.nest_scent(81, 29), 195.0);
}

TEST(AntWorld, StrongestSideRule) {
  EXPECT_EQ(strongest_side(0, 0, 1), Side::right);
  EXPECT_EQ(strongest_side(1, 0, 0), Side::left);
  EXPECT_EQ(strongest_side(1, 1, 0), Side::middle);
  EXPECT_EQ(strongest_side(1, 0, 1), Side::middle);
  EXPECT_EQ(strongest_side(0, 2, 1), Side::middle);
}

TEST(AntWorld, DiffusionAndEvaporationOfAnInteriorDeposit) {
  World w = World::with_layout(75, 30, {});
  w.add_chemical(80, 40, 100.0);
  w.diffuse_and_evaporate();
  // 20 % leaves in eight shares of 2.5; then 1 % evaporates: x * 99 / 100.
  EXPECT_DOUBLE_EQ(w.chemical(80, 40), 80.0 * 99 / 100);
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx)
      if (dx || dy) {
        EXPECT_DOUBLE_EQ(w.chemical(80 + dx, 40 + dy), 2.5 * 99 / 100);
      }
  EXPECT_EQ(w.chemical(82, 40), 0.0);
  double total = 0;
  for (double c : w.chemical_field()) total += c;
  EXPECT_NEAR(total, 99.0, 1e-12);
  // A second application: the centre gets back 8 shares of 2.475 * 0.2 / 8.
  w.diffuse_and_evaporate();
  const double c1 = 79.2, n1 = 2.475;
  EXPECT_NEAR(w.chemical(80, 40), (c1 * 0.8 + 8 * n1 * 0.2 / 8) * 0.99, 1e-12);
  // (82, 40) is reached only now, from its three neighbours at distance 1.
  EXPECT_NEAR(w.chemical(82, 40), 3 * n1 * 0.2 / 8 * 0.99, 1e-12);
}

TEST(AntWorld, DiffusionKeepsTheSharesOfMissingNeighboursAndEvaporatesOnlyInTheArea) {
  World w = World::with_layout(75, 30, {});
  // World corner (outside the area): 3 neighbours, 5 shares stay; no evaporation.
  w.add_chemical(0, 0, 100.0);
  // On the wall x = 60 (inside the area): its western neighbours are outside the area.
  w.add_chemical(60, 30, 100.0);
  w.diffuse_and_evaporate();
  EXPECT_DOUBLE_EQ(w.chemical(0, 0), 80.0 + 5 * 2.5);
  EXPECT_DOUBLE_EQ(w.chemical(1, 1), 2.5);
  EXPECT_DOUBLE_EQ(w.chemical(60, 30), 80.0 * 99 / 100);
  EXPECT_DOUBLE_EQ(w.chemical(59, 30), 2.5);  // outside the area: kept whole
  EXPECT_DOUBLE_EQ(w.chemical(61, 31), 2.5 * 99 / 100);
  // The top edge of the world is the wall row y = 60 (inside the area).
  World t = World::with_layout(75, 30, {});
  t.add_chemical(80, 60, 10.0);
  t.diffuse_and_evaporate();
  EXPECT_DOUBLE_EQ(t.chemical(80, 60), (8.0 + 3 * 0.25) * 99 / 100);
}

TEST(AntWorld, FoodIsTakenOneItemAtATime) {
  World w = World::with_layout(75, 30, {{90, 30}});
  EXPECT_EQ(w.visual(90, 30), Visual::food);
  EXPECT_EQ(w.food(65, 53), 2);
  w.take_food(65, 53);
  EXPECT_EQ(w.food(65, 53), 1);
  EXPECT_EQ(w.visual(65, 53), Visual::food);
  w.take_food(65, 53);
  EXPECT_EQ(w.visual(65, 53), Visual::empty);
  EXPECT_THROW(w.take_food(65, 53), std::logic_error);
  EXPECT_EQ(w.food_patches(), 75 - 1 + 1);
}

}  // namespace
}  // namespace l2l::ants
