#pragma once
// The spiking controllers of a colony: one small network per ant, all with the same genome,
// simulated together by a path specialised for these networks (a general network simulator spends
// most of its time on bookkeeping that tiny, fully connected networks do not need).
//
// Per ant (neuron indices as used in spike logs): 11 input neurons [0, 11), H hidden neurons
// [11, 11 + H), 4 output neurons [11 + H, 15 + H), plus a heartbeat spike source. Every neuron is
// NEST's iaf_psc_alpha with default parameters except t_ref = 1 ms, integrated exactly on a 1 ms
// grid with NEST's propagators and NEST's update order (see docs/ants.md):
//   step s (t = s ms -> s + 1 ms), per neuron:
//     V <- P30 (y0 + I_e) + P31 dI_ex + P32 I_ex + P31 dI_in + P32 I_in + expm1(-h/tau_m) V + V
//          unless refractory (then the refractory counter counts down instead),
//     I <- P21 dI + P22 I,  dI <- P11 dI,  dI += (e / tau_syn) * (weights arriving in step s),
//     V >= V_th: spike with time stamp s + 1, V <- V_reset, refractory for t_ref,
//     y0 <- the DC current that arrived for step s.
//   A spike from step s with delay d reaches the target's buffer for step s + d; excitatory
//   (w > 0) and inhibitory weights go to separate channels, as in NEST.
// Inputs are driven by DC generators (20,000 pA while the sensor is active during a tick; the
// current set for a tick is sent in each of its steps and, with the generator's 1 ms connection
// delay, reaches y0 one step later, so it acts on V from the second step of the tick to the first
// of the next). The heartbeat fires at t = 1, 3, 5, ... ms (sent in the even steps). Output spikes
// are counted per tick: the 20 steps of the tick (NEST 3 delivers spikes to recorders at the end of
// every min-delay slice). Nothing is reset between ticks.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "l2l/optimizees/ants/genome.hpp"

namespace l2l::ants {

// iaf_psc_alpha parameters of the ant networks (NEST defaults, t_ref = 1 ms) and the exact
// propagators for a 1 ms step.
struct AlphaNeuron {
  double E_L = -70.0;       // mV
  double C_m = 250.0;       // pF
  double tau_m = 10.0;      // ms
  double tau_syn = 2.0;     // ms, excitatory and inhibitory
  double t_ref = 1.0;       // ms
  double V_th = -55.0;      // mV
  double V_reset = -70.0;   // mV
  double resolution = 1.0;  // ms

  struct Propagators {
    double P11 = 0, P21 = 0, P22 = 0, P30 = 0, P31 = 0, P32 = 0, expm1_tau_m = 0, psc_initial = 0;
    double theta = 0, v_reset = 0;  // relative to E_L
    int ref_steps = 0;
  };
  Propagators propagators() const;
};

constexpr int kStepsPerTick = 20;
constexpr double kInputCurrentPa = 20000.0;

using InputMask = std::uint16_t;  // bit i: input i active this tick
using OutputCounts = std::array<std::uint8_t, kOutputs>;
using InputCounts = std::array<std::uint8_t, kInputs>;

struct SpikeRecord {
  std::int64_t step;  // the step in which the neuron fired (time stamp step + 1 ms)
  std::int32_t ant;
  std::int32_t neuron;  // 0..10 inputs, 11.. hidden, 11 + H.. outputs
  bool operator==(const SpikeRecord&) const = default;
};

namespace detail {
struct BrainSynapse {
  std::uint32_t index;  // channel * (block size) + target * lanes: the target's first lane
  std::uint32_t delay;  // steps
  double weight;        // pA
};
}  // namespace detail

// The vector kernels of the simulation: the widest this CPU has (best), or one named (tests and
// benchmarks). All give the same spikes.
enum class BrainKernel { best, avx512, avx2, generic };
bool brain_kernel_supported(BrainKernel kernel);
const char* brain_kernel_name(BrainKernel kernel);  // best: the name of the one it stands for

class ColonyBrain {
 public:
  // Throws std::invalid_argument if the CPU lacks `kernel`.
  ColonyBrain(const Genome& genome, int ants, BrainKernel kernel = BrainKernel::best);
  // Not copyable (ring_ points into ring_store_); moving keeps the vectors' buffers.
  ColonyBrain(const ColonyBrain&) = delete;
  ColonyBrain& operator=(const ColonyBrain&) = delete;
  ColonyBrain(ColonyBrain&&) = default;
  ColonyBrain& operator=(ColonyBrain&&) = default;

  int ants() const { return ants_; }
  int hidden() const { return hidden_; }
  int neurons_per_ant() const { return kInputs + hidden_ + kOutputs; }
  std::int64_t steps() const { return step_; }

  // Simulates one 20 ms tick. `active[a]` says which inputs of ant a are driven. Output spike
  // counts of the tick go to `outputs[a]`; input spike counts to `inputs[a]` if given.
  void tick(std::span<const InputMask> active, std::span<OutputCounts> outputs,
            std::span<InputCounts> inputs = {});

  // Appends every spike to `log` while set (tests and analysis); nullptr stops logging.
  void set_spike_log(std::vector<SpikeRecord>* log) { log_ = log; }
  // Membrane potential (mV) of an ant's neuron.
  double v_m(int ant, int neuron) const;

 private:
  using Synapse = detail::BrainSynapse;
  void add_synapse(int source, int delay, int target_b, double weight);
  void finalize_synapses();

  // State is stored neuron-major and ant-minor (lane = ant, padded to a multiple of 8 lanes), so
  // that one neuron's spikes in all ants are delivered with vector operations.
  int ants_, lanes_, hidden_;
  BrainKernel kernel_;
  std::size_t n_a_, n_b_;  // lanes of the input block and of the hidden + output block
  AlphaNeuron::Propagators p_;
  // Inputs (no synaptic input): V, refractory steps left, y0, the current sent in the last step,
  // the amplitude of this tick and whether the neuron fired in this step (doubles throughout, so
  // that the update vectorises).
  std::vector<double> va_, ra_, y0a_, sent_a_, amp_a_, fired_a_;
  // Hidden and outputs: V, refractory steps, alpha current states, whether fired, and the ring of
  // arriving weights [slot][channel][neuron][lane], 8 slots (delays are at most 7 steps).
  std::vector<double> vb_, rb_, dex_, iex_, din_, iin_, fired_b_, ring_store_;
  double* ring_ = nullptr;         // inside ring_store_, 64-byte aligned
  std::vector<double> heartbeat_;  // 1.0 for the real ants, 0.0 for padding lanes
  // Per neuron and block of 8 lanes: whether the neuron fired in any of them this step.
  std::vector<std::uint8_t> fired_block_a_, fired_block_b_, heartbeat_block_;
  std::vector<double> out_count_;  // output spikes of this tick, [output][lane]
  // Synapses by source (inputs 0..10, heartbeat 11, hidden 12..): syn_[begin_[s] ..
  // begin_[s + 1]), sorted by delay.
  std::vector<std::vector<std::pair<int, Synapse>>> pending_;
  std::vector<Synapse> syn_;
  std::vector<std::uint32_t> begin_;
  std::int64_t step_ = 0;
  std::vector<SpikeRecord>* log_ = nullptr;
};

}  // namespace l2l::ants
