#pragma once
// The foraging arena of the ant colony, a grid of patches as in the original NetLogo model.
//
// Patches have integer centres x in [0, 100], y in [0, 60] (no wrapping); a point belongs to the
// patch whose centre is nearest (boundaries at half-integers). The simulation area is x in
// [60, 100], y in [1, 60]; its border patches are walls. Per run (seed): the nest centre
// (72 + U{0..13}, 18 + U{0..17}); two single-item food patches drawn among the patches at distance
// (10, 18) from (82, 30). Fixed food sources: every patch at distance < 3 of (65, 53), (65, 6) and
// (96, 30) holds 2 items. Nest patches: distance < 3 of the nest centre. Nest scent: 200 minus the
// distance to the nest centre on the empty patches of the simulation area, 0 on walls, food
// patches and outside (as the original computed it once at set-up). Pheromone ("chemical"):
// deposits of 60; every 7 ticks 20 % of each patch's amount is shared equally among its 8
// neighbours (an edge patch keeps the shares of missing neighbours, so the total is conserved)
// over the whole world, then the simulation area evaporates 1 % (x <- x * 99 / 100).
#include <array>
#include <cstdint>
#include <vector>

namespace l2l {
class Rng;
}

namespace l2l::ants {

enum class Visual : std::uint8_t { empty = 0, wall = 1, food = 3 };

// Which of three sensed values is strictly largest (the original's rule: right, else left, else
// middle; ties and equal values give middle).
enum class Side : std::uint8_t { left = 0, middle = 1, right = 2 };
Side strongest_side(double left, double middle, double right);

struct Point {
  double x = 0, y = 0;
};

class World {
 public:
  static constexpr int kWidth = 101;  // x in [0, 100]
  static constexpr int kHeight = 61;  // y in [0, 60]
  static constexpr int kAreaMinX = 60, kAreaMaxX = 100, kAreaMinY = 1, kAreaMaxY = 60;
  static constexpr double kNestRadius = 3.0;
  static constexpr double kFoodRadius = 3.0;
  static constexpr int kFoodPerSourcePatch = 2;
  static constexpr double kDeposit = 60.0;
  static constexpr double kDiffusion = 0.20;
  static constexpr double kEvaporationPercent = 1.0;
  static constexpr std::array<Point, 3> kFoodSources = {{{65, 53}, {65, 6}, {96, 30}}};
  static constexpr Point kRandomFoodCentre = {82, 30};
  static constexpr double kRandomFoodMin = 10, kRandomFoodMax = 18;

  // An empty world (walls only, no nest, no food): for tests that build their own layouts.
  World();
  // The world of one run: nest, fixed and random food drawn from `rng`.
  static World generate(Rng& rng);
  // The same with a given nest centre and random food patches (tests).
  static World with_layout(int nest_x, int nest_y, const std::vector<std::array<int, 2>>& extra);

  static bool inside(int x, int y) { return x >= 0 && x < kWidth && y >= 0 && y < kHeight; }
  static bool in_area(int x, int y) {
    return x >= kAreaMinX && x <= kAreaMaxX && y >= kAreaMinY && y <= kAreaMaxY;
  }
  static int index(int x, int y) { return y * kWidth + x; }
  // The patch containing a point; false when it lies outside the world.
  static bool patch_of(Point p, int& x, int& y);

  Visual visual(int x, int y) const { return visual_[index(x, y)]; }
  int food(int x, int y) const { return food_[index(x, y)]; }
  bool nest(int x, int y) const { return nest_[index(x, y)] != 0; }
  double nest_scent(int x, int y) const { return scent_[index(x, y)]; }
  double chemical(int x, int y) const { return chemical_[index(x, y)]; }
  const std::vector<double>& chemical_field() const { return chemical_; }
  Point nest_centre() const { return nest_centre_; }
  int total_food() const;                                         // items left on patches
  int extra_food_patches() const { return extra_food_patches_; }  // placed at random

  // One item taken from a food patch; the patch stops looking like food when it is empty.
  void take_food(int x, int y);
  void add_chemical(int x, int y, double amount);
  void set_chemical(int x, int y, double amount);
  void set_food(int x, int y, int amount);
  // Diffusion (whole world) then evaporation (simulation area).
  void diffuse_and_evaporate();
  // Patches with food on them, as the original's display counted them (see Colony).
  int food_patches() const;

  // Sensors. `heading` in degrees, clockwise from north (NetLogo's convention).
  // First non-empty patch along the heading at 0.5, 1.0, ..., 5.5 patches (the original's loop
  // checks `distance <= 5` before advancing by 0.5, so its last probe is 5.5).
  Visual look_ahead(Point p, int heading) const;
  // Pheromone / nest-scent sensor: stands 1 patch ahead and compares the patches 1 further at
  // -45, 0, +45 degrees (0 outside the world).
  Side sense_chemical(Point p, int heading) const;
  Side sense_nest(Point p, int heading) const;

 private:
  template <class Field>
  Side sense(const Field& f, Point p, int heading) const;
  void place_nest(int nest_x, int nest_y);

  std::vector<Visual> visual_;
  std::vector<std::int16_t> food_;
  std::vector<std::uint8_t> nest_;
  std::vector<double> scent_, chemical_, scratch_, next_;
  std::vector<std::uint8_t> missing_;  // neighbours outside the world
  Point nest_centre_{};
  int extra_food_patches_ = 0;
  // Bounding box (inclusive) of the patches whose chemical may be non-zero: diffusion outside it
  // would only move zeros.
  int cx0_ = kWidth, cx1_ = -1, cy0_ = kHeight, cy1_ = -1;
};

// sin/cos of integer headings (degrees clockwise from north), with exact zeros and ones on the
// axes so that axis-aligned moves stay on the grid.
double heading_dx(int heading);
double heading_dy(int heading);
int normalize_heading(int heading);

}  // namespace l2l::ants
