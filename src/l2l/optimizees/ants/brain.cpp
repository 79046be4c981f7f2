#include "l2l/optimizees/ants/brain.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace l2l::ants {

AlphaNeuron::Propagators AlphaNeuron::propagators() const {
  // NEST's iaf_psc_alpha::pre_run_hook and IAFPropagatorAlpha, term by term, so that the same
  // parameters give the same doubles.
  const double h = resolution;
  Propagators p;
  p.P11 = p.P22 = std::exp(-h / tau_syn);
  p.expm1_tau_m = std::expm1(-h / tau_m);
  p.P30 = -tau_m / C_m * std::expm1(-h / tau_m);
  p.P21 = h * p.P11;

  const double beta = tau_syn * tau_m / (tau_m - tau_syn);
  const double gamma = beta / C_m;
  const double inv_tau_syn = 1 / tau_syn;
  const double inv_tau_m = 1 / tau_m;
  const double inv_c_m = 1 / C_m;
  const double inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m);
  const double h_min_regular = 1e-7 * tau_m * tau_m / std::abs(tau_m - tau_syn);
  const double exp_h_tau_syn = std::exp(-h * inv_tau_syn);
  const double expm1_h_tau = std::expm1(h * inv_beta);
  p.P32 = gamma * exp_h_tau_syn * expm1_h_tau;
  if (!(std::isnormal(p.P32) && p.P32 > 0)) p.P32 = h * inv_c_m * std::exp(-h * inv_tau_m);
  if (h > h_min_regular)
    p.P31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h);
  else
    p.P31 = 0.5 * h * h * inv_c_m * std::exp(-h * inv_tau_m);

  p.psc_initial = 1.0 * std::numbers::e / tau_syn;
  p.theta = V_th - E_L;
  p.v_reset = V_reset - E_L;
  p.ref_steps = static_cast<int>(std::lround(t_ref / h));
  return p;
}

namespace {
// Sets the SSE flush-to-zero and denormals-are-zero modes for its lifetime (this thread only).
class FlushSubnormals {
 public:
#if defined(__SSE2__)
  FlushSubnormals() : saved_(_mm_getcsr()) {
    _mm_setcsr(saved_ | 0x8040u);
  }
  ~FlushSubnormals() {
    _mm_setcsr(saved_);
  }

 private:
  unsigned saved_;
#endif
};

constexpr int kHeartbeat = kInputs;  // source index of the heartbeat
constexpr int kSlots = 8;            // ring slots: delays of 1..7 steps
}  // namespace

namespace {

// The kernels work on 8 doubles at a time with GCC/Clang vector types (comparisons give lane
// masks, so there are no branches for the compiler to give up on; with -ftrapping-math it will not
// if-convert floating-point selects itself). target_clones adds AVX-512 (one register per
// vector: 1.5-2x) and AVX2 versions chosen at load time. No version contracts multiply-adds (ISO
// C++ mode), so all give the same doubles. State is stored neuron-major with one lane per ant,
// padded to a multiple of 8 lanes; padding lanes never receive input and never fire.
#if defined(__GNUC__) && !defined(__clang__)
// The vector helpers are internal and inlined; the note about their calling convention without
// AVX does not concern us.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
using d8 = double __attribute__((vector_size(64)));
using i8 = std::int64_t __attribute__((vector_size(64)));

inline d8 load(const double* p) {
  d8 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, const d8& v) {
  __builtin_memcpy(p, &v, sizeof v);
}
inline d8 select(const i8& mask, const d8& a, const d8& b) {
  return reinterpret_cast<d8>((mask & reinterpret_cast<i8>(a)) | (~mask & reinterpret_cast<i8>(b)));
}
inline d8 splat(double x) {
  return d8{x, x, x, x, x, x, x, x};
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define L2L_ANTS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define L2L_ANTS_CLONES
#endif

// Input neurons: no synaptic input, so the synaptic terms of NEST's update are exact zeros and
// drop out: V <- P30 y0 + expm1 V + V.
L2L_ANTS_CLONES void update_inputs(std::size_t n, double* __restrict v, double* __restrict r,
                                   double* __restrict y0, double* __restrict sent,
                                   const double* __restrict amp, double* __restrict fired,
                                   double P30_, double em1_, double theta_, double v_reset_,
                                   double ref_) {
  const d8 P30 = splat(P30_), em1 = splat(em1_), theta = splat(theta_), v_reset = splat(v_reset_),
           ref = splat(ref_), zero = splat(0.0), one = splat(1.0);
  for (std::size_t i = 0; i < n; i += 8) {
    const d8 v_old = load(v + i), r_old = load(r + i);
    const d8 v_new = P30 * load(y0 + i) + em1 * v_old + v_old;
    const i8 free = r_old == zero;
    const d8 vv = select(free, v_new, v_old);
    const d8 rr = select(free, zero, r_old - one);
    const i8 spike = vv >= theta;
    store(v + i, select(spike, v_reset, vv));
    store(r + i, select(spike, ref, rr));
    store(fired + i, select(spike, one, zero));
    store(y0 + i, load(sent + i));
    store(sent + i, load(amp + i));
  }
}

// Hidden and output neurons (no DC input: the P30 term is an exact zero and drops out).
L2L_ANTS_CLONES void update_network(std::size_t n, double* __restrict v, double* __restrict r,
                                    double* __restrict dex, double* __restrict iex,
                                    double* __restrict din, double* __restrict iin,
                                    double* __restrict in_ex, double* __restrict in_in,
                                    double* __restrict fired, double P11_, double P21_, double P22_,
                                    double P31_, double P32_, double em1_, double psc_,
                                    double theta_, double v_reset_, double ref_) {
  const d8 P11 = splat(P11_), P21 = splat(P21_), P22 = splat(P22_), P31 = splat(P31_),
           P32 = splat(P32_), em1 = splat(em1_), psc = splat(psc_), theta = splat(theta_),
           v_reset = splat(v_reset_), ref = splat(ref_), zero = splat(0.0), one = splat(1.0);
  for (std::size_t i = 0; i < n; i += 8) {
    const d8 v_old = load(v + i), r_old = load(r + i);
    const d8 de = load(dex + i), ie = load(iex + i), di = load(din + i), ii = load(iin + i);
    const d8 v_new = P31 * de + P32 * ie + P31 * di + P32 * ii + em1 * v_old + v_old;
    const i8 free = r_old == zero;
    const d8 vv = select(free, v_new, v_old);
    const d8 rr = select(free, zero, r_old - one);
    store(iex + i, P21 * de + P22 * ie);
    store(dex + i, de * P11 + psc * load(in_ex + i));
    store(iin + i, P21 * di + P22 * ii);
    store(din + i, di * P11 + psc * load(in_in + i));
    store(in_ex + i, zero);
    store(in_in + i, zero);
    const i8 spike = vv >= theta;
    store(v + i, select(spike, v_reset, vv));
    store(r + i, select(spike, ref, rr));
    store(fired + i, select(spike, one, zero));
  }
}

// A source neuron's spikes in this step, `fired` holding 1.0 for the ants in which it fired and
// 0.0 elsewhere, land in every target of every ant at once: w * 1.0 = w and x + w * 0.0 = x
// exactly, so this equals adding w for each firing ant in turn.
L2L_ANTS_CLONES void deliver_lanes(const detail::BrainSynapse* begin,
                                   const detail::BrainSynapse* end, const double* __restrict fired,
                                   double* const* slots, std::size_t lanes) {
  for (const auto* p = begin; p != end; ++p) {
    double* __restrict dst = slots[p->delay] + p->index;
    const d8 w = splat(p->weight);
    for (std::size_t a = 0; a < lanes; a += 8) store(dst + a, load(dst + a) + w * load(fired + a));
  }
}

}  // namespace

ColonyBrain::ColonyBrain(const Genome& genome, int ants)
    : ants_(ants),
      lanes_((ants + 7) / 8 * 8),
      hidden_(genome.hidden),
      n_a_(static_cast<std::size_t>(kInputs) * static_cast<std::size_t>(lanes_)),
      n_b_(static_cast<std::size_t>(genome.hidden + kOutputs) * static_cast<std::size_t>(lanes_)),
      p_(AlphaNeuron{}.propagators()) {
  if (ants < 1) throw std::invalid_argument("ColonyBrain: need at least one ant");
  genome.validate();
  for (auto* v : {&va_, &ra_, &y0a_, &sent_a_, &amp_a_, &fired_a_}) v->assign(n_a_, 0.0);
  for (auto* v : {&vb_, &rb_, &dex_, &iex_, &din_, &iin_, &fired_b_}) v->assign(n_b_, 0.0);
  // 64-byte alignment: each target's lanes are whole cache lines for the vector adds.
  ring_store_.assign(kSlots * 2 * n_b_ + 8, 0.0);
  {
    auto addr = reinterpret_cast<std::uintptr_t>(ring_store_.data());
    ring_ = ring_store_.data() + ((64 - addr % 64) % 64) / sizeof(double);
  }
  heartbeat_.assign(static_cast<std::size_t>(lanes_), 0.0);
  for (int a = 0; a < ants; ++a) heartbeat_[static_cast<std::size_t>(a)] = 1.0;

  const auto L = genome.layout();
  const int H = hidden_;
  pending_.assign(static_cast<std::size_t>(kInputs + 1 + H), {});
  for (int i = 0; i < kInputs; ++i)
    for (int h = 0; h < H; ++h) {
      const auto g = L.input_to_hidden(i, h);
      add_synapse(i, genome.delay_ms(g), h, genome.weight_pa(g));
    }
  for (int h = 0; h < H; ++h) {
    const auto g = L.heartbeat_to_hidden(h);
    add_synapse(kHeartbeat, genome.delay_ms(g), h, genome.weight_pa(g));
  }
  for (int s = 0; s < H; ++s)
    for (int t = 0; t < H; ++t) {
      if (s == t) continue;
      const auto g = L.hidden_to_hidden(s, t);
      add_synapse(kHeartbeat + 1 + s, genome.delay_ms(g), t, genome.weight_pa(g));
    }
  for (int h = 0; h < H; ++h)
    for (int o = 0; o < kOutputs; ++o) {
      const auto g = L.hidden_to_output(h, o);
      add_synapse(kHeartbeat + 1 + h, genome.delay_ms(g), H + o, genome.weight_pa(g));
    }
  finalize_synapses();
}

void ColonyBrain::add_synapse(int source, int delay, int target_b, double weight) {
  // A zero weight changes nothing in NEST either (it lands in the inhibitory channel as +0).
  if (weight == 0.0) return;
  const std::size_t channel = weight > 0 ? 0 : 1;
  const std::size_t offset =
      channel * n_b_ + static_cast<std::size_t>(target_b) * static_cast<std::size_t>(lanes_);
  pending_[static_cast<std::size_t>(source)].push_back(
      {delay, Synapse{static_cast<std::uint32_t>(offset), 0, weight}});
}

void ColonyBrain::finalize_synapses() {
  // Per source, sorted by delay (stable, so targets stay ascending within a delay).
  begin_.assign(pending_.size() + 1, 0);
  syn_.clear();
  for (std::size_t s = 0; s < pending_.size(); ++s) {
    auto& list = pending_[s];
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    begin_[s] = static_cast<std::uint32_t>(syn_.size());
    for (const auto& [d, syn] : list) {
      Synapse x = syn;
      x.delay = static_cast<std::uint32_t>(d);
      syn_.push_back(x);
    }
  }
  begin_[pending_.size()] = static_cast<std::uint32_t>(syn_.size());
  pending_.clear();
}

double ColonyBrain::v_m(int ant, int neuron) const {
  const double e_l = AlphaNeuron{}.E_L;
  const auto lane = static_cast<std::size_t>(ant), lanes = static_cast<std::size_t>(lanes_);
  if (neuron < kInputs) return va_[static_cast<std::size_t>(neuron) * lanes + lane] + e_l;
  return vb_[static_cast<std::size_t>(neuron - kInputs) * lanes + lane] + e_l;
}

void ColonyBrain::tick(std::span<const InputMask> active, std::span<OutputCounts> outputs,
                       std::span<InputCounts> inputs) {
  if (active.size() != static_cast<std::size_t>(ants_) ||
      outputs.size() != static_cast<std::size_t>(ants_) ||
      (!inputs.empty() && inputs.size() != static_cast<std::size_t>(ants_)))
    throw std::invalid_argument("ColonyBrain::tick: one entry per ant expected");
  const auto lanes = static_cast<std::size_t>(lanes_);
  for (int a = 0; a < ants_; ++a)
    for (int i = 0; i < kInputs; ++i)
      amp_a_[static_cast<std::size_t>(i) * lanes + static_cast<std::size_t>(a)] =
          (active[static_cast<std::size_t>(a)] >> i) & 1u ? kInputCurrentPa : 0.0;
  for (auto& c : outputs) c.fill(0);
  for (auto& c : inputs) c.fill(0);

  // Synaptic currents of quiet neurons decay geometrically into subnormal numbers, where x86
  // arithmetic is about a hundred times slower; an episode spent most of its time there. Flushing
  // subnormals to zero changes values below 2.2e-308 pA or mV only, far below anything that can
  // move a spike (the spike-for-spike comparison with the general simulator still holds).
  const FlushSubnormals flush;
  const double ref = static_cast<double>(p_.ref_steps);
  const int H = hidden_;
  auto any = [lanes](const double* f) {
    for (std::size_t a = 0; a < lanes; ++a)
      if (f[a] != 0.0) return true;
    return false;
  };
  auto send = [&](int source, const double* fired, double* const* slots) {
    const Synapse* b = syn_.data() + begin_[static_cast<std::size_t>(source)];
    const Synapse* e = syn_.data() + begin_[static_cast<std::size_t>(source) + 1];
    deliver_lanes(b, e, fired, slots, lanes);
  };

  for (int j = 0; j < kStepsPerTick; ++j, ++step_) {
    const std::int64_t s = step_;
    // Where spikes of this step land, by delay.
    double* slots[kMaxDelay + 1];
    for (int d = 0; d <= kMaxDelay; ++d)
      slots[d] = ring_ + static_cast<std::size_t>((s + d) & (kSlots - 1)) * 2 * n_b_;

    // Spikes are delivered per step in source order: inputs, heartbeat, hidden (the order in
    // which a reference network built as inputs, heartbeat, hidden, outputs delivers them).
    update_inputs(n_a_, va_.data(), ra_.data(), y0a_.data(), sent_a_.data(), amp_a_.data(),
                  fired_a_.data(), p_.P30, p_.expm1_tau_m, p_.theta, p_.v_reset, ref);
    for (int in = 0; in < kInputs; ++in) {
      const double* const fired = fired_a_.data() + static_cast<std::size_t>(in) * lanes;
      if (!any(fired)) continue;
      if (!inputs.empty() || log_)
        for (int a = 0; a < ants_; ++a) {
          if (fired[a] == 0.0) continue;
          if (!inputs.empty()) ++inputs[static_cast<std::size_t>(a)][static_cast<std::size_t>(in)];
          if (log_) log_->push_back({s, a, in});
        }
      send(in, fired, slots);
    }
    // Heartbeat: spike times 1, 3, 5, ... ms, i.e. sent in the even steps.
    if ((s & 1) == 0) send(kHeartbeat, heartbeat_.data(), slots);

    update_network(n_b_, vb_.data(), rb_.data(), dex_.data(), iex_.data(), din_.data(), iin_.data(),
                   slots[0], slots[0] + n_b_, fired_b_.data(), p_.P11, p_.P21, p_.P22, p_.P31,
                   p_.P32, p_.expm1_tau_m, p_.psc_initial, p_.theta, p_.v_reset, ref);
    for (int k = 0; k < H + kOutputs; ++k) {
      const double* const fired = fired_b_.data() + static_cast<std::size_t>(k) * lanes;
      if (!any(fired)) continue;
      if (k >= H || log_)
        for (int a = 0; a < ants_; ++a) {
          if (fired[a] == 0.0) continue;
          if (log_) log_->push_back({s, a, kInputs + k});
          if (k >= H) ++outputs[static_cast<std::size_t>(a)][static_cast<std::size_t>(k - H)];
        }
      if (k < H) send(kHeartbeat + 1 + k, fired, slots);
    }
  }
}

}  // namespace l2l::ants
