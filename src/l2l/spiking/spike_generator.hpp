#pragma once
// spike_generator: nodes that emit spikes at given times (NEST model of the same name).
//
// Each node has its own list of spike times (ms). A spike at time t is emitted with time stamp t
// (rounded to the grid) and reaches a target at t + delay, exactly like a neuron spike with that
// time stamp. Times must be positive; several equal times become one spike of that multiplicity.
// Times may be added or replaced between simulate() calls; times that already passed are ignored.
//
// Parameters: spike_times (ms) per node, default empty.
#include <span>
#include <vector>

#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class SpikeGenerator final : public Population {
 public:
  struct Params {};
  static constexpr const char* kModel = "spike_generator";

  explicit SpikeGenerator(std::size_t n) : SpikeGenerator(n, Params{}) {}
  SpikeGenerator(std::size_t n, const Params& p);
  std::string model() const override { return kModel; }
  std::unique_ptr<Population> clone() const override;
  void calibrate(double h) override;
  void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
              const double* in, const double* current, SpikeSink& out) override;
  bool receives_input() const override { return false; }
  double v_m(std::size_t) const override;
  void set_v_m(std::size_t, double) override {}

  void prepare() override;

  void set_spike_times(std::size_t i, std::vector<double> times_ms);
  // Replaces the spikes of all nodes at once: node[k] fires at times_ms[k]. Faster than one call
  // per node when the pairs come sorted by time.
  void set_all_spike_times(std::span<const std::uint32_t> node, std::span<const double> times_ms);
  const std::vector<double>& spike_times(std::size_t i) const { return times_[i]; }

 private:
  struct Event {
    std::int64_t step;  // emission step (time stamp / h - 1)
    std::uint32_t node;
    std::uint32_t multiplicity;
  };
  double h_ = 0.0;
  bool dirty_ = true;
  std::vector<std::vector<double>> times_;
  std::vector<Event> events_;  // all nodes, sorted by (step, node)
};

}  // namespace l2l::spiking
