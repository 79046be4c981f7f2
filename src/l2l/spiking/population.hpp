#pragma once
// A population: a block of nodes of one model, all with the same parameters, stored as arrays of
// state variables so that one update call advances many neurons in a tight loop.
//
// Input convention (shared by all models and filled by the network):
//   ex[i]        sum of the non-negative synaptic weights arriving at node i in this step
//   in[i]        sum of the negative weights (kept negative)
//   current[i]   the external current (pA) read in this step; it acts from the next step on, as in
//                NEST. nullptr means zero.
// Weights are interpreted by the model: pA for current-based synapses, mV for iaf_psc_delta, nS for
// conductance-based ones (an inhibitory conductance is given as a negative weight, as in NEST).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "l2l/spiking/types.hpp"

namespace l2l::spiking {

class SpikeSink {
 public:
  SpikeSink(std::vector<Spike>& out, std::uint32_t first_node) : out_(out), first_(first_node) {}
  void emit(std::size_t local, std::uint32_t multiplicity = 1) {
    out_.push_back({first_ + static_cast<std::uint32_t>(local), multiplicity});
  }

 private:
  std::vector<Spike>& out_;
  std::uint32_t first_;
};

class Population {
 public:
  explicit Population(std::size_t n) : size_(n) {}
  virtual ~Population() = default;

  virtual std::string model() const = 0;
  virtual std::unique_ptr<Population> clone() const = 0;
  std::size_t size() const { return size_; }

  // Precomputes propagators and step counts for resolution h (ms). Called before simulating.
  virtual void calibrate(double h) = 0;
  // Called (serially) at the start of every simulate(), after calibrate: the place to rebuild
  // derived data after parameters changed.
  virtual void prepare() {}
  // Advances nodes [begin, end) over time step `step` (from t = step h to (step + 1) h). ex, in
  // and current point at the entries of node `begin`.
  virtual void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
                      const double* in, const double* current, SpikeSink& out) = 0;

  // Whether the nodes integrate input (neurons) or only emit spikes (generators): sources need no
  // input buffers and may not be targets of connections.
  virtual bool receives_input() const { return true; }

  // Seeds per-node random streams (nodes that draw random numbers override this); called once by
  // the network with its seed and the id of the population's first node.
  virtual void seed_streams(std::uint64_t /*network_seed*/, std::uint32_t /*first_node*/) {}

  // Membrane potential (mV) for recording; NaN for nodes without one.
  virtual double v_m(std::size_t i) const = 0;
  virtual void set_v_m(std::size_t i, double v) = 0;

 private:
  std::size_t size_;
};

}  // namespace l2l::spiking
