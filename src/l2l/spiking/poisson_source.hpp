#pragma once
// poisson_source: nodes that each fire one Poisson spike train, delivered identically to all of
// the node's targets (in NEST: a poisson_generator feeding a parrot_neuron). Use it for input
// neurons whose spikes must be shared, e.g. pixels of an image projecting to several targets;
// use Network::add_poisson_generator for independent background trains per target.
//
// Per step, a node emits k ~ Poisson(rate h) spikes as one spike of multiplicity k. Every node
// draws from its own random stream (network seed, node id), so results do not depend on threads.
//
// Parameters:
//   | name | unit | default | meaning                       |
//   |------|------|---------|-------------------------------|
//   | rate | Hz   | 0       | firing rate (settable per node)|
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/spiking/population.hpp"

namespace l2l::spiking {

class PoissonSource final : public Population {
 public:
  struct Params {
    double rate = 0.0;
  };
  static constexpr const char* kModel = "poisson_source";

  explicit PoissonSource(std::size_t n) : PoissonSource(n, Params{}) {}
  PoissonSource(std::size_t n, const Params& p);
  std::string model() const override { return kModel; }
  std::unique_ptr<Population> clone() const override;
  void calibrate(double h) override;
  void update(std::size_t begin, std::size_t end, std::int64_t step, const double* ex,
              const double* in, const double* current, SpikeSink& out) override;
  bool receives_input() const override { return false; }
  double v_m(std::size_t) const override;
  void set_v_m(std::size_t, double) override {}

  void seed_streams(std::uint64_t network_seed, std::uint32_t first_node) override;
  void set_rate(std::size_t i, double rate_hz);
  double rate(std::size_t i) const { return rate_[i]; }

 private:
  double h_ = 0.0;
  std::vector<double> rate_, mean_, p0_;
  std::vector<Rng> rng_;
};

}  // namespace l2l::spiking
