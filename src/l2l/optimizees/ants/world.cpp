#include "l2l/optimizees/ants/world.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "l2l/core/rng.hpp"

namespace l2l::ants {

namespace {

struct HeadingTable {
  std::array<double, 360> dx{}, dy{};
  HeadingTable() {
    for (int h = 0; h < 360; ++h) {
      const double r = h * std::numbers::pi / 180.0;
      double s = std::sin(r), c = std::cos(r);
      // The axes exactly: sin(180 deg) in floating point is 1.2e-16, not 0.
      if (std::abs(s) < 1e-12) s = 0.0;
      if (std::abs(c) < 1e-12) c = 0.0;
      if (h % 90 == 0) s = std::round(s), c = std::round(c);
      dx[static_cast<std::size_t>(h)] = s;
      dy[static_cast<std::size_t>(h)] = c;
    }
  }
};

const HeadingTable& table() {
  static const HeadingTable t;
  return t;
}

double distance(double x0, double y0, double x1, double y1) {
  const double dx = x1 - x0, dy = y1 - y0;
  return std::sqrt(dx * dx + dy * dy);
}

}  // namespace

int normalize_heading(int heading) {
  heading %= 360;
  return heading < 0 ? heading + 360 : heading;
}
double heading_dx(int heading) {
  return table().dx[static_cast<std::size_t>(normalize_heading(heading))];
}
double heading_dy(int heading) {
  return table().dy[static_cast<std::size_t>(normalize_heading(heading))];
}

Side strongest_side(double left, double middle, double right) {
  if (right > middle && right > left) return Side::right;
  if (left > middle && left > right) return Side::left;
  return Side::middle;
}

World::World()
    : visual_(kWidth * kHeight, Visual::empty),
      food_(kWidth * kHeight, 0),
      nest_(kWidth * kHeight, 0),
      scent_(kWidth * kHeight, 0.0),
      chemical_(kWidth * kHeight, 0.0),
      scratch_((kWidth + 2) * (kHeight + 2), 0.0),
      next_(kWidth * kHeight, 0.0),
      missing_(kWidth * kHeight, 0) {
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      int m = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) m += (dx || dy) && !inside(x + dx, y + dy);
      missing_[index(x, y)] = static_cast<std::uint8_t>(m);
    }
  for (int x = kAreaMinX; x <= kAreaMaxX; ++x) {
    visual_[index(x, kAreaMinY)] = Visual::wall;
    visual_[index(x, kAreaMaxY)] = Visual::wall;
  }
  for (int y = kAreaMinY; y <= kAreaMaxY; ++y) {
    visual_[index(kAreaMinX, y)] = Visual::wall;
    visual_[index(kAreaMaxX, y)] = Visual::wall;
  }
}

void World::place_nest(int nest_x, int nest_y) {
  nest_centre_ = {double(nest_x), double(nest_y)};
  // The original's per-patch set-up: food sources first (walls excluded), then the nest and its
  // scent on patches that show nothing.
  for (int y = kAreaMinY; y <= kAreaMaxY; ++y)
    for (int x = kAreaMinX; x <= kAreaMaxX; ++x) {
      const int i = index(x, y);
      if (visual_[i] == Visual::wall) continue;
      bool source = false;
      for (const auto& c : kFoodSources)
        if (distance(x, y, c.x, c.y) < kFoodRadius) source = true;
      if (source) {
        visual_[i] = Visual::food;
        food_[i] = kFoodPerSourcePatch;
      }
      if (visual_[i] != Visual::empty) continue;
      const double d = distance(x, y, nest_x, nest_y);
      nest_[i] = d < kNestRadius;
      scent_[i] = 200.0 - d;
    }
}

World World::with_layout(int nest_x, int nest_y, const std::vector<std::array<int, 2>>& extra) {
  World w;
  for (const auto& [x, y] : extra) {
    if (!in_area(x, y)) throw std::invalid_argument("World: food patch outside the area");
    w.visual_[index(x, y)] = Visual::food;
    w.food_[index(x, y)] = 1;
  }
  w.extra_food_patches_ = static_cast<int>(extra.size());
  w.place_nest(nest_x, nest_y);
  return w;
}

World World::generate(Rng& rng) {
  const int nest_x = 72 + static_cast<int>(rng.below(14));
  const int nest_y = 18 + static_cast<int>(rng.below(18));
  std::vector<std::array<int, 2>> candidates;
  for (int y = kAreaMinY; y <= kAreaMaxY; ++y)
    for (int x = kAreaMinX; x <= kAreaMaxX; ++x) {
      const double d = distance(x, y, kRandomFoodCentre.x, kRandomFoodCentre.y);
      if (d > kRandomFoodMin && d < kRandomFoodMax) candidates.push_back({x, y});
    }
  // Two distinct patches, uniformly (NetLogo's n-of 2).
  const auto n = candidates.size();
  const auto i = static_cast<std::size_t>(rng.below(n));
  auto j = static_cast<std::size_t>(rng.below(n - 1));
  if (j >= i) ++j;
  return with_layout(nest_x, nest_y, {candidates[i], candidates[j]});
}

bool World::patch_of(Point p, int& x, int& y) {
  const double fx = std::floor(p.x + 0.5), fy = std::floor(p.y + 0.5);
  if (!(fx >= 0 && fx < kWidth && fy >= 0 && fy < kHeight)) return false;
  x = static_cast<int>(fx);
  y = static_cast<int>(fy);
  return true;
}

int World::total_food() const {
  int n = 0;
  for (auto f : food_) n += f;
  return n;
}

int World::food_patches() const {
  int n = 0;
  for (int y = kAreaMinY; y <= kAreaMaxY; ++y)
    for (int x = kAreaMinX; x <= kAreaMaxX; ++x) {
      const int i = index(x, y);
      n += visual_[i] != Visual::wall && !nest_[i] && food_[i] > 0;
    }
  return n;
}

void World::take_food(int x, int y) {
  const int i = index(x, y);
  if (food_[i] <= 0) throw std::logic_error("World::take_food: no food here");
  if (--food_[i] == 0) visual_[i] = Visual::empty;
}

void World::set_food(int x, int y, int amount) {
  const int i = index(x, y);
  food_[i] = static_cast<std::int16_t>(amount);
  visual_[i] =
      amount > 0 ? Visual::food : (visual_[i] == Visual::food ? Visual::empty : visual_[i]);
}

void World::add_chemical(int x, int y, double amount) {
  chemical_[index(x, y)] += amount;
  cx0_ = std::min(cx0_, x), cx1_ = std::max(cx1_, x);
  cy0_ = std::min(cy0_, y), cy1_ = std::max(cy1_, y);
}

void World::set_chemical(int x, int y, double amount) {
  chemical_[index(x, y)] = amount;
  cx0_ = std::min(cx0_, x), cx1_ = std::max(cx1_, x);
  cy0_ = std::min(cy0_, y), cy1_ = std::max(cy1_, y);
}

void World::diffuse_and_evaporate() {
  if (cx1_ < 0) return;  // no chemical anywhere
  // Diffusion reaches one patch further per application.
  const int x0 = std::max(0, cx0_ - 1), x1 = std::min(kWidth - 1, cx1_ + 1);
  const int y0 = std::max(0, cy0_ - 1), y1 = std::min(kHeight - 1, cy1_ + 1);
  // share = what a patch gives each neighbour, on a grid padded by one patch of zeros (outside
  // the world, and outside the region, which only grows, nothing was ever written).
  constexpr int PW = kWidth + 2;
  double* const share = scratch_.data();
  auto sp = [](int x, int y) { return (y + 1) * PW + (x + 1); };
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) share[sp(x, y)] = chemical_[index(x, y)] * kDiffusion / 8.0;
  for (int y = y0; y <= y1; ++y) {
    const double* up = share + sp(0, y + 1);
    const double* mid = share + sp(0, y);
    const double* down = share + sp(0, y - 1);
    double* const c = chemical_.data() + index(0, y);
    double* const out = next_.data() + index(0, y);
    const std::uint8_t* const missing = missing_.data() + index(0, y);
    for (int x = x0; x <= x1; ++x) {
      const double in = up[x - 1] + up[x] + up[x + 1] + mid[x - 1] + mid[x + 1] + down[x - 1] +
                        down[x] + down[x + 1];
      // An edge patch keeps the shares of the neighbours it does not have.
      out[x] = (c[x] - c[x] * kDiffusion) + in + missing[x] * mid[x];
    }
  }
  constexpr double keep = 100.0 - kEvaporationPercent;
  for (int y = y0; y <= y1; ++y) {
    double* const c = chemical_.data() + index(0, y);
    const double* const out = next_.data() + index(0, y);
    const bool area_row = y >= kAreaMinY && y <= kAreaMaxY;
    for (int x = x0; x <= x1; ++x)
      c[x] = area_row && x >= kAreaMinX && x <= kAreaMaxX ? out[x] * keep / 100.0 : out[x];
  }
  cx0_ = x0, cx1_ = x1, cy0_ = y0, cy1_ = y1;
}

Visual World::look_ahead(Point p, int heading) const {
  const double dx = heading_dx(heading), dy = heading_dy(heading);
  for (int k = 1; k <= 11; ++k) {
    const double d = 0.5 * k;
    int x, y;
    if (!patch_of({p.x + d * dx, p.y + d * dy}, x, y)) return Visual::empty;
    const Visual v = visual(x, y);
    if (v != Visual::empty) return v;
  }
  return Visual::empty;
}

template <class Field>
Side World::sense(const Field& f, Point p, int heading) const {
  const Point s{p.x + heading_dx(heading), p.y + heading_dy(heading)};
  auto at = [&](int angle) {
    const int h = heading + angle;
    int x, y;
    if (!patch_of({s.x + heading_dx(h), s.y + heading_dy(h)}, x, y)) return 0.0;
    return f[static_cast<std::size_t>(index(x, y))];
  };
  const double ahead = at(0), right = at(45), left = at(-45);
  return strongest_side(left, ahead, right);
}

Side World::sense_chemical(Point p, int heading) const {
  return sense(chemical_, p, heading);
}
Side World::sense_nest(Point p, int heading) const {
  return sense(scent_, p, heading);
}

}  // namespace l2l::ants
