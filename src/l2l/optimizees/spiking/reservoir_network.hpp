#pragma once
// The spiking reservoir of the EnKF study (thesis set-up, NEST code of L2L's `reservoir_nest3`):
//
//   784 Poisson input units, one per pixel, firing at rate_min + (rate_max - rate_min) * pixel
//     while an image is shown and at rate_idle otherwise (a shared train per input unit)
//   a bulk of n_exc excitatory and n_inh inhibitory iaf_psc_alpha neurons (NEST defaults),
//     inputs -> bulk with fixed in-degree 8, recurrent fixed out-degrees E->E 96, E->I 32,
//     I->E 160, I->I 32 (no autapses or multapses), normally distributed weights
//   one output cluster per class of out_exc E + out_inh I iaf_psc_alpha neurons, each output
//     neuron receiving from readout_indegree_exc bulk E and readout_indegree_inh bulk I neurons
//     (in the thesis 640 and 160: 28,800 readout synapses for three classes) and, within its
//     cluster, from 2 E and 2 I neurons
//   Poisson background drive (independent per neuron) to bulk and outputs
//
// Only the readout weights (bulk -> output) are free parameters; the structure comes from the
// structure seed. Each image is simulated for `cooldown` ms of idle input followed by
// `presentation` ms of the image; the readout is the firing rate of each cluster's E neurons
// during the presentation.
//
// Because the bulk does not depend on the readout weights, a simulation can be split: the bulk's
// spikes for an image (frozen noise) are simulated once, and each candidate only simulates the
// output neurons driven by a replay of those spikes (ReplayNetwork). The split is exact: the
// replay reproduces the full network's output spikes bit for bit.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "l2l/spiking/network.hpp"

namespace l2l::spiking {

struct ReservoirParams {
  std::uint32_t n_input = 784;
  std::uint32_t n_exc = 1600, n_inh = 400;
  std::uint32_t n_classes = 3;
  std::uint32_t out_exc = 10, out_inh = 2;
  double resolution = 0.1;                                   // ms
  double cooldown = 200.0;                                   // ms of idle input before each image
  double presentation = 500.0;                               // ms
  double rate_min = 1.0, rate_max = 100.0, rate_idle = 1.0;  // Hz
  std::uint32_t input_indegree = 8;
  double w_input_mean = 600.0, w_input_sd = 100.0;  // pA
  std::uint32_t outdegree_ee = 96, outdegree_ei = 32, outdegree_ie = 160, outdegree_ii = 32;
  double w_exc_mean = 70.0, w_exc_sd = 20.0;    // pA
  double w_inh_mean = -300.0, w_inh_sd = 60.0;  // pA
  double delay = 1.0;                           // ms, all synapses
  double bg_rate = 8000.0, bg_weight = 5.5;     // Hz, pA: background Poisson drive
  std::uint32_t readout_indegree_exc = 640, readout_indegree_inh = 160;
  double w_readout_mean = 0.0, w_readout_sd = 30.0;  // initial readout weights of the template
  std::uint32_t cluster_indegree = 2;
  double w_cluster_exc = 1.0, w_cluster_inh = -1.0;  // within-cluster weights (thesis: 1 pA)

  double duration() const { return cooldown + presentation; }
  std::uint32_t n_out() const { return n_classes * (out_exc + out_inh); }
  // Readout synapses per type: E bulk -> out E, E bulk -> out I, I bulk -> out E, I bulk -> out I.
  std::array<std::size_t, 4> readout_sizes() const;
  std::size_t n_readout() const;
  void validate() const;
};

// Spikes of the bulk for one image: emission steps and node index within the bulk (0 .. n_exc +
// n_inh - 1), in time order.
struct BulkSpikes {
  std::vector<std::uint32_t> node;
  std::vector<std::uint32_t> step;
  std::size_t bytes() const { return 8 * node.size(); }
};

struct ImageResult {
  std::vector<double> rates;  // per class: mean rate (Hz) of the cluster's E neurons
  double bulk_rate_exc = 0.0, bulk_rate_inh = 0.0;  // Hz during presentation (full runs only)
  std::uint64_t output_spikes = 0;
};

class ReservoirNetwork {
 public:
  // Builds the structure from `structure_seed`.
  ReservoirNetwork(const ReservoirParams& p, std::uint64_t structure_seed, int threads = 1);

  const ReservoirParams& params() const { return p_; }
  // Readout weights in parameter order: for each type (eeo, eio, ieo, iio), for each cluster, for
  // each target neuron, its sources in draw order.
  std::vector<double> readout_weights() const;
  const Network& network() const { return net_; }
  NodeRange bulk() const { return exc_ + inh_; }
  NodeRange outputs() const { return {out_first_, p_.n_out()}; }

  // Simulates one image (pixels in [0, 1], n_input of them) with the given readout weights and
  // noise seed. If `bulk_out` is given, the bulk spikes are stored there; `raster` receives all
  // spikes of bulk and outputs (node ids of this network).
  ImageResult run(std::span<const float> pixels, std::span<const double> readout,
                  std::uint64_t noise_seed, BulkSpikes* bulk_out = nullptr,
                  SpikeRecord* raster = nullptr) const;

  // Connectivity shared with the replay network.
  struct Readout {
    std::vector<Connections> projections;  // per type and cluster, in parameter order
  };
  const Readout& readout() const { return readout_; }
  const Connections& cluster_connections(std::size_t k) const { return cluster_conns_[k]; }
  std::size_t num_cluster_projections() const { return cluster_conns_.size(); }

 private:
  ReservoirParams p_;
  Network net_;
  NodeRange input_, exc_, inh_;
  std::uint32_t out_first_ = 0;
  std::vector<NodeRange> out_e_, out_i_;
  std::vector<Network::ProjectionId> readout_ids_;  // parameter order
  std::vector<Network::ProjectionId> cluster_ids_;
  Readout readout_;
  std::vector<Connections> cluster_conns_;
  Network::DeviceId out_bg_ = 0, bulk_bg_ = 0;
};

// The output neurons alone, driven by a replay of recorded bulk spikes.
class ReplayNetwork {
 public:
  explicit ReplayNetwork(const ReservoirNetwork& full);
  NodeRange outputs() const { return {out_first_, p_.n_out()}; }
  ImageResult run(const BulkSpikes& bulk, std::span<const double> readout, std::uint64_t noise_seed,
                  SpikeRecord* raster = nullptr) const;

 private:
  ReservoirParams p_;
  Network net_;
  NodeRange replay_;
  std::uint32_t out_first_ = 0;
  std::vector<NodeRange> out_e_;
  std::vector<Network::ProjectionId> readout_ids_;
};

// Splits `readout` (parameter order) into per-projection weight vectors and sets them.
void set_readout_weights(Network& net, std::span<const Network::ProjectionId> ids,
                         std::span<const double> readout);

}  // namespace l2l::spiking
