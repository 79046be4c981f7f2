#include "l2l/optimizees/ants/analysis.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace l2l::ants {

double PearsonSums::r() const {
  if (n < 2) return std::numeric_limits<double>::quiet_NaN();
  const double cxx = sxx - sx * sx / n, cyy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
  // Constant series (relative to their size) have no correlation.
  if (!(cxx > 1e-12 * (1 + sxx)) || !(cyy > 1e-12 * (1 + syy)))
    return std::numeric_limits<double>::quiet_NaN();
  const double r = cxy / std::sqrt(cxx * cyy);
  return std::fmax(-1.0, std::fmin(1.0, r));
}

CorrelationRecorder::CorrelationRecorder(int ants)
    : ants_(ants), sums_(static_cast<std::size_t>(ants) * kInputs * kOutputs) {}

void CorrelationRecorder::observe(const Colony& colony, const Controller& controller) {
  const auto inputs = colony.last_inputs();
  const auto outputs = colony.last_outputs();
  const auto counts = controller.input_counts();
  for (int a = 0; a < ants_; ++a) {
    const auto ua = static_cast<std::size_t>(a);
    for (int i = 0; i < kInputs; ++i) {
      const double x = counts.empty() ? double((inputs[ua] >> i) & 1u)
                                      : double(counts[ua][static_cast<std::size_t>(i)]);
      for (int o = 0; o < kOutputs; ++o)
        sums_[(ua * kInputs + static_cast<std::size_t>(i)) * kOutputs + static_cast<std::size_t>(o)]
            .add(x, double(outputs[ua][static_cast<std::size_t>(o)]));
    }
  }
  ++bins_;
}

double CorrelationRecorder::r(int ant, int input, int output) const {
  return sums_[(static_cast<std::size_t>(ant) * kInputs + static_cast<std::size_t>(input)) *
                   kOutputs +
               static_cast<std::size_t>(output)]
      .r();
}

std::array<std::array<double, kOutputs>, kInputs> CorrelationRecorder::mean_r(
    std::array<std::array<int, kOutputs>, kInputs>* n) const {
  std::array<std::array<double, kOutputs>, kInputs> m{};
  for (int i = 0; i < kInputs; ++i)
    for (int o = 0; o < kOutputs; ++o) {
      double s = 0;
      int k = 0;
      for (int a = 0; a < ants_; ++a) {
        const double v = r(a, i, o);
        if (std::isfinite(v)) s += v, ++k;
      }
      m[static_cast<std::size_t>(i)][static_cast<std::size_t>(o)] =
          k ? s / k : std::numeric_limits<double>::quiet_NaN();
      if (n) (*n)[static_cast<std::size_t>(i)][static_cast<std::size_t>(o)] = k;
    }
  return m;
}

namespace {
nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
}  // namespace

void CorrelationRecorder::merge(const CorrelationRecorder& other) {
  sums_.insert(sums_.end(), other.sums_.begin(), other.sums_.end());
  ants_ += other.ants_;
  episodes_ += other.episodes_;
}

nlohmann::json CorrelationRecorder::to_json(bool with_per_ant) const {
  std::array<std::array<int, kOutputs>, kInputs> n{};
  const auto m = mean_r(&n);
  nlohmann::json r = nlohmann::json::array(), sd = nlohmann::json::array(),
                 count = nlohmann::json::array(), per_ant = nlohmann::json::array();
  for (int i = 0; i < kInputs; ++i) {
    nlohmann::json row = nlohmann::json::array(), srow = nlohmann::json::array(),
                   nrow = nlohmann::json::array();
    for (int o = 0; o < kOutputs; ++o) {
      const double mean = m[static_cast<std::size_t>(i)][static_cast<std::size_t>(o)];
      const int k = n[static_cast<std::size_t>(i)][static_cast<std::size_t>(o)];
      double ss = 0;
      for (int a = 0; a < ants_; ++a) {
        const double v = this->r(a, i, o);
        if (std::isfinite(v)) ss += (v - mean) * (v - mean);
      }
      row.push_back(number_or_null(mean));
      srow.push_back(number_or_null(k > 1 ? std::sqrt(ss / (k - 1))
                                          : std::numeric_limits<double>::quiet_NaN()));
      nrow.push_back(k);
    }
    r.push_back(row);
    sd.push_back(srow);
    count.push_back(nrow);
  }
  for (int a = 0; with_per_ant && a < ants_; ++a) {
    nlohmann::json ant = nlohmann::json::array();
    for (int i = 0; i < kInputs; ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (int o = 0; o < kOutputs; ++o) row.push_back(number_or_null(this->r(a, i, o)));
      ant.push_back(row);
    }
    per_ant.push_back(ant);
  }
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (auto* s : input_names()) inputs.push_back(s);
  for (auto* s : output_names()) outputs.push_back(s);
  return {{"schema", "ants.correlation"},
          {"version", 1},
          {"inputs", inputs},
          {"outputs", outputs},
          {"bin_ms", kStepsPerTick},
          {"bins", bins_},
          {"ants", ants_},
          {"episodes", episodes_},
          {"r", r},
          {"sd", sd},
          {"n", count},
          {"per_ant", with_per_ant ? per_ant : nlohmann::json(nullptr)}};
}

SnapshotRecorder::SnapshotRecorder(std::set<int> ticks, int trail_length, int ants)
    : ticks_(std::move(ticks)), trail_(trail_length), trails_(static_cast<std::size_t>(ants)) {}

double report_heading(int netlogo_heading) {
  return static_cast<double>(normalize_heading(90 - netlogo_heading));
}

void SnapshotRecorder::observe(const Colony& colony) {
  const auto& ants = colony.ants();
  for (std::size_t a = 0; a < ants.size() && a < trails_.size(); ++a) {
    auto& t = trails_[a];
    t.push_back({ants[a].pos.x, ants[a].pos.y});
    while (static_cast<int>(t.size()) > trail_) t.pop_front();
  }
  const World& w = colony.world();
  if (nest_.is_null())
    nest_ = {{"x", w.nest_centre().x}, {"y", w.nest_centre().y}, {"radius", World::kNestRadius}};
  food_returned_ = colony.result().food_returned;
  const int tick = colony.tick() - 1;  // the tick just completed
  if (!ticks_.count(tick) && !(colony.done() && ticks_.count(-1))) return;

  const int x0 = World::kAreaMinX, x1 = World::kAreaMaxX, y0 = World::kAreaMinY,
            y1 = World::kAreaMaxY;
  nlohmann::json pheromone = nlohmann::json::array(), food = nlohmann::json::array(),
                 list = nlohmann::json::array(), trails = nlohmann::json::array();
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) {
      // Six significant digits keep the field readable and the artifact small.
      const double c = w.chemical(x, y);
      pheromone.push_back(c == 0 ? 0.0 : std::stod(fmt::format("{:.6g}", c)));
      if (w.food(x, y) > 0) food.push_back({{"x", x}, {"y", y}, {"amount", w.food(x, y)}});
    }
  for (std::size_t a = 0; a < ants.size(); ++a) {
    list.push_back({{"x", ants[a].pos.x},
                    {"y", ants[a].pos.y},
                    {"heading", report_heading(ants[a].heading)},
                    {"carrying", ants[a].carrying}});
    nlohmann::json trail = nlohmann::json::array();
    if (a < trails_.size())
      for (const auto& p : trails_[a]) trail.push_back({p[0], p[1]});
    trails.push_back(trail);
  }
  const auto& r = colony.result();
  snapshots_.push_back({{"tick", tick},
                        {"pheromone", pheromone},
                        {"food", food},
                        {"ants", list},
                        {"trails", trails},
                        {"food_returned", r.food_returned},
                        {"pickups", r.pickups},
                        {"fitness", r.fitness}});
}

nlohmann::json SnapshotRecorder::to_json() const {
  const int x0 = World::kAreaMinX, x1 = World::kAreaMaxX, y0 = World::kAreaMinY,
            y1 = World::kAreaMaxY;
  nlohmann::json walls = nlohmann::json::array();
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x)
      if (x == x0 || x == x1 || y == y0 || y == y1) walls.push_back({x, y});
  return {{"schema", "ants.arena"},
          {"version", 1},
          {"x0", x0},
          {"y0", y0},
          {"width", x1 - x0 + 1},
          {"height", y1 - y0 + 1},
          {"walls", walls},
          {"nest", nest_},
          {"snapshots", snapshots_},
          {"food_returned", food_returned_}};
}

}  // namespace l2l::ants
