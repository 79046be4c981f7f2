#pragma once
// Analysis of a colony episode, as JSON artifacts for the report (schemas in docs/ants.md):
//   ants.correlation  per-ant Pearson correlations between the spike counts of the 11 inputs and
//                     the 4 outputs in 20 ms bins (one bin per tick), averaged over the ants;
//   ants.arena        snapshots of the arena at chosen ticks: pheromone field, food, nest, ant
//                     positions, headings and recent trails.
// Both follow the formats the report reads (docs/report.md); docs/ants.md lists the extra keys.
#include <array>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/optimizees/ants/colony.hpp"

namespace l2l::ants {

// Pearson r of two series from running sums; NaN when either series is constant.
struct PearsonSums {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  void add(double x, double y) {
    n += 1, sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
  }
  double r() const;
};

class CorrelationRecorder {
 public:
  explicit CorrelationRecorder(int ants);
  // After each tick: input spike counts from the controller (or the 0/1 input activity for a
  // controller without input neurons) against the output counts.
  void observe(const Colony& colony, const Controller& controller);
  // r[i][o] averaged over the ants for which it is defined (count in n[i][o]).
  std::array<std::array<double, kOutputs>, kInputs> mean_r(
      std::array<std::array<int, kOutputs>, kInputs>* n = nullptr) const;
  double r(int ant, int input, int output) const;
  // Appends the ants of another recording (another episode), so that means run over all of them.
  void merge(const CorrelationRecorder& other);
  // With per_ant, the r of every ant is included too.
  nlohmann::json to_json(bool per_ant = true) const;
  int bins() const { return bins_; }
  int ants() const { return ants_; }

 private:
  int ants_;
  int bins_ = 0;  // bins per ant (of the first recording when merged)
  int episodes_ = 1;
  std::vector<PearsonSums> sums_;  // [ant][input][output]
};

class SnapshotRecorder {
 public:
  SnapshotRecorder(std::set<int> ticks, int trail_length, int ants);
  // After each tick; takes a snapshot when the tick just completed is one of `ticks`, and at the
  // end of the run if `ticks` holds -1.
  void observe(const Colony& colony);
  std::size_t size() const { return snapshots_.size(); }
  // The ants.arena artifact: the arena (walls, nest) and every snapshot taken.
  nlohmann::json to_json() const;

 private:
  std::set<int> ticks_;
  int trail_;
  std::vector<std::deque<std::array<double, 2>>> trails_;
  nlohmann::json snapshots_ = nlohmann::json::array();
  nlohmann::json nest_;
  int food_returned_ = 0;
};

// Heading in the report's convention (degrees counter-clockwise from +x) from NetLogo's
// (clockwise from north).
double report_heading(int netlogo_heading);

}  // namespace l2l::ants
