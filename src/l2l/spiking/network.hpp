#pragma once
// A spiking network simulated on a fixed time grid, NEST-style.
//
// Build: create() populations of a neuron model, connect() node ranges with a rule and synapse
// parameters, add devices (Poisson and DC generators, spike recorders, voltmeters), then
// simulate(ms) as often as needed (parameters, rates and weights may change in between; the
// structure may not once simulated).
//
// Time: step s advances every node from t = s h to (s + 1) h. A node that fires in step s emits a
// spike with time stamp (s + 1) h; with a delay of d steps it is delivered into the target's input
// of step s + d, i.e. the jump in V (delta synapses) or the start of the PSC appears exactly at
// stamp + delay, as in NEST.
//
// Parallel update (oneTBB): the nodes are split into as many contiguous shards as threads. Each
// shard owns its nodes' state, their input ring buffers and the synapses that end on them
// (stored per shard in compressed rows by source node). Simulation advances in slices of
// min_delay steps: every shard updates its nodes over the slice, then every shard delivers all
// spikes of the slice (from all shards) to its own targets. No two threads write the same memory,
// and each target receives its inputs in the same order (time step, source id, projection,
// creation order) whatever the number of shards, so results are bit-identical for any thread
// count. Random numbers come from per-node, per-generator-connection and per-connect() streams
// derived from the network seed, never from a shared generator.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/spiking/connection.hpp"
#include "l2l/spiking/poisson.hpp"
#include "l2l/spiking/population.hpp"
#include "l2l/spiking/types.hpp"

namespace l2l::spiking {

struct NetworkOptions {
  double resolution = 0.1;  // ms
  std::uint64_t seed = 0;
  int threads = 1;
};

// Spikes seen by one spike recorder, in time order (ties by node id).
struct SpikeRecord {
  std::vector<std::uint32_t> senders;
  std::vector<double> times;  // ms
  std::size_t size() const { return senders.size(); }
};

struct VoltageRecord {
  std::vector<std::uint32_t> nodes;
  std::vector<double> times;             // ms
  std::vector<std::vector<double>> v_m;  // v_m[k][j]: node k at times[j]
};

class Network {
 public:
  using ProjectionId = std::uint32_t;
  using DeviceId = std::uint32_t;

  explicit Network(NetworkOptions options = {});
  Network(const Network& other);
  Network& operator=(const Network&) = delete;
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  ~Network();

  double resolution() const;
  int threads() const;
  std::uint64_t seed() const;

  // ---- nodes
  template <class Model>
  NodeRange create(std::size_t n, const typename Model::Params& params = {}) {
    return add_population(std::make_unique<Model>(n, params));
  }
  NodeRange add_population(std::unique_ptr<Population> population);
  std::size_t num_nodes() const;
  // The population that holds node range r (which must lie inside one population), and the index
  // of r.first inside it.
  Population& population(NodeRange r, std::size_t* offset = nullptr);
  const Population& population(NodeRange r, std::size_t* offset = nullptr) const;
  template <class Model>
  Model& population_as(NodeRange r, std::size_t* offset = nullptr) {
    auto* m = dynamic_cast<Model*>(&population(r, offset));
    if (!m) throw std::invalid_argument("node range is not of the requested model");
    return *m;
  }

  double v_m(std::uint32_t node) const;
  void set_v_m(NodeRange nodes, std::span<const double> values);
  // Draws initial membrane potentials from a distribution, one stream per node.
  void randomize_v_m(NodeRange nodes, const Distribution& d, std::uint64_t stream);

  // ---- synapses
  ProjectionId connect(NodeRange pre, NodeRange post, const ConnSpec& conn, const SynSpec& syn);
  std::size_t num_projections() const;
  std::size_t num_synapses(ProjectionId p) const;
  std::size_t num_synapses() const;
  // Synapses given one by one (NEST's connect with arrays): pre[k] -> post[k] with weight[k] and
  // delay[k] ms, kept in this order. Used to copy connectivity between networks.
  ProjectionId connect_explicit(const Connections& synapses);
  Connections connections(ProjectionId p) const;
  std::vector<double> weights(ProjectionId p) const;
  // Replaces the weights of a projection (in its creation order, see connections()).
  void set_weights(ProjectionId p, std::span<const double> w);

  // ---- devices
  // Poisson generator: every connected target receives its own independent train.
  DeviceId add_poisson_generator(double rate_hz, double start_ms = 0.0, double stop_ms = kInf);
  void set_poisson_rate(DeviceId g, double rate_hz);
  // DC generator: amplitude (pA) times the connection weight, while start <= t < stop.
  DeviceId add_dc_generator(double amplitude_pa, double start_ms = 0.0, double stop_ms = kInf);
  void set_dc_amplitude(DeviceId g, double amplitude_pa);
  // Connects a Poisson or DC generator to every node of `post`.
  void connect_generator(DeviceId g, NodeRange post, double weight, double delay_ms);
  DeviceId add_spike_recorder(NodeRange nodes, double start_ms = 0.0, double stop_ms = kInf);
  const SpikeRecord& spike_record(DeviceId r) const;
  void clear_spike_record(DeviceId r);
  // Records V_m of `nodes` every `interval_ms` (a multiple of the resolution), at the end of steps.
  DeviceId add_voltmeter(NodeRange nodes, double interval_ms = 0.0);
  const VoltageRecord& voltage_record(DeviceId v) const;

  // Spikes emitted per node since construction or the last reset (cheap, always on).
  std::vector<std::uint64_t> spike_counts(NodeRange nodes) const;
  std::uint64_t total_spikes(NodeRange nodes) const;
  void reset_spike_counts();

  // ---- simulation
  // Re-derives every dynamic random stream (Poisson generator connections, per-node streams) from
  // `seed`, keeping the structure (drawn from the construction seed). Two networks with the same
  // structure and stream seed produce the same spikes.
  void reseed_streams(std::uint64_t seed);
  void simulate(double ms);
  double time() const;
  std::int64_t steps() const;
  // The communication interval (smallest synaptic delay) in steps; valid after the first simulate.
  std::int64_t min_delay_steps() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace l2l::spiking
