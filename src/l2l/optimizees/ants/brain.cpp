#include "l2l/optimizees/ants/brain.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

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

// The kernels work on W doubles at a time with GCC/Clang vector types (comparisons give lane
// masks, so there are no branches for the compiler to give up on; with -ftrapping-math it will not
// if-convert floating-point selects itself), W = 8 for AVX-512, 4 for AVX2 and 2 otherwise, chosen
// once at run time. Each width has its own entry points: a 64-byte vector type lowered to AVX2
// spills its integer masks and ran at half speed. brain.cpp is compiled without contracting
// multiply-adds (CMakeLists.txt), so every width gives the same doubles. State is stored
// neuron-major with one lane per ant, padded to a multiple of 8 lanes; padding lanes never
// receive input and never fire.
#if defined(__GNUC__) && !defined(__clang__)
// The vector helpers are internal and inlined; the note about their calling convention without
// AVX does not concern us.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

template <int W>
struct Lanes {
  typedef double d __attribute__((vector_size(W * sizeof(double))));
  typedef std::int64_t i __attribute__((vector_size(W * sizeof(double))));
};

// All helpers are always_inline templates: GCC inlines those into the target-specific entry
// points below, where they are compiled for the entry point's instruction set.
template <class V>
[[gnu::always_inline]] inline V load(const double* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
[[gnu::always_inline]] inline void store(double* p, const V& v) {
  __builtin_memcpy(p, &v, sizeof v);
}
template <class D, class I>
[[gnu::always_inline]] inline D select(const I& mask, const D& a, const D& b) {
  return reinterpret_cast<D>((mask & reinterpret_cast<I>(a)) | (~mask & reinterpret_cast<I>(b)));
}
template <class D>
[[gnu::always_inline]] inline D splat(double x) {
  return D{} + x;  // one broadcast (an initialiser list becomes W inserts)
}
// Whether any lane of a mask is set: OR the halves down to one lane.
template <int W>
[[gnu::always_inline]] inline bool any_set(const typename Lanes<W>::i& m) {
  if constexpr (W == 1) {
    return m[0] != 0;
  } else {
    typename Lanes<W / 2>::i lo, hi;
    __builtin_memcpy(&lo, &m, sizeof lo);
    __builtin_memcpy(&hi, reinterpret_cast<const char*>(&m) + sizeof lo, sizeof hi);
    return any_set<W / 2>(lo | hi);
  }
}

constexpr std::size_t kBlock = 8;  // lanes per fired-block flag

// The constants of the threshold, reset and refractory step, as vectors.
template <class D>
struct Threshold {
  D theta, v_reset, ref, zero, one;
  Threshold(const AlphaNeuron::Propagators& p, double ref_steps)
      : theta(splat<D>(p.theta)),
        v_reset(splat<D>(p.v_reset)),
        ref(splat<D>(ref_steps)),
        zero(splat<D>(0.0)),
        one(splat<D>(1.0)) {}
};

// The end of every neuron's step: refractory neurons keep V and count down, the others take
// v_new; V >= V_th spikes, resets V and starts the refractory period. Stores V, the refractory
// steps and `fired` (1.0 or 0.0), and returns the spike mask.
template <class D>
[[gnu::always_inline]] inline auto fire(double* __restrict v, double* __restrict r,
                                        double* __restrict fired, const D& v_new, const D& v_old,
                                        const D& r_old, const Threshold<D>& t) {
  const auto free = r_old == t.zero;
  const D vv = select(free, v_new, v_old);
  const D rr = select(free, t.zero, r_old - t.one);
  const auto spike = vv >= t.theta;
  store(v, select(spike, t.v_reset, vv));
  store(r, select(spike, t.ref, rr));
  store(fired, select(spike, t.one, t.zero));
  return spike;
}

struct InputArgs {
  std::size_t n;  // lanes of all input neurons
  double *v, *r, *y0, *sent;
  const double* amp;
  double* fired;
  std::uint8_t* fired_block;
  const AlphaNeuron::Propagators* p;
  double ref;
};

// Input neurons: no synaptic input, so the synaptic terms of NEST's update are exact zeros and
// drop out: V <- P30 y0 + expm1 V + V.
template <int W>
[[gnu::always_inline]] inline void update_inputs(const InputArgs& a) {
  using D = typename Lanes<W>::d;
  using I = typename Lanes<W>::i;
  double* __restrict v = a.v;
  double* __restrict r = a.r;
  double* __restrict y0 = a.y0;
  double* __restrict sent = a.sent;
  const double* __restrict amp = a.amp;
  double* __restrict fired = a.fired;
  const D P30 = splat<D>(a.p->P30), em1 = splat<D>(a.p->expm1_tau_m);
  const Threshold<D> t(*a.p, a.ref);
  for (std::size_t b = 0; b < a.n; b += kBlock) {
    I fired_any = {};
    for (std::size_t i = b; i < b + kBlock; i += W) {
      const D v_old = load<D>(v + i), r_old = load<D>(r + i);
      const D v_new = P30 * load<D>(y0 + i) + em1 * v_old + v_old;
      fired_any |= fire(v + i, r + i, fired + i, v_new, v_old, r_old, t);
      store(y0 + i, load<D>(sent + i));
      store(sent + i, load<D>(amp + i));
    }
    a.fired_block[b / kBlock] = any_set<W>(fired_any);
  }
}

struct NetworkArgs {
  std::size_t n;  // lanes of all hidden and output neurons
  double *v, *r, *dex, *iex, *din, *iin;
  double *in_ex, *in_in;  // the weights arriving in this step (cleared here)
  double* fired;
  std::uint8_t* fired_block;
  const AlphaNeuron::Propagators* p;
  double ref;
};

// Hidden and output neurons (no DC input: the P30 term is an exact zero and drops out).
template <int W>
[[gnu::always_inline]] inline void update_network(const NetworkArgs& a) {
  using D = typename Lanes<W>::d;
  using I = typename Lanes<W>::i;
  double* __restrict v = a.v;
  double* __restrict r = a.r;
  double* __restrict dex = a.dex;
  double* __restrict iex = a.iex;
  double* __restrict din = a.din;
  double* __restrict iin = a.iin;
  double* __restrict in_ex = a.in_ex;
  double* __restrict in_in = a.in_in;
  double* __restrict fired = a.fired;
  const auto& p = *a.p;
  const D P11 = splat<D>(p.P11), P21 = splat<D>(p.P21), P22 = splat<D>(p.P22),
          P31 = splat<D>(p.P31), P32 = splat<D>(p.P32), em1 = splat<D>(p.expm1_tau_m),
          psc = splat<D>(p.psc_initial);
  const Threshold<D> t(p, a.ref);
  for (std::size_t b = 0; b < a.n; b += kBlock) {
    I fired_any = {};
    for (std::size_t i = b; i < b + kBlock; i += W) {
      const D v_old = load<D>(v + i), r_old = load<D>(r + i);
      const D de = load<D>(dex + i), ie = load<D>(iex + i), di = load<D>(din + i),
              ii = load<D>(iin + i);
      const D v_new = P31 * de + P32 * ie + P31 * di + P32 * ii + em1 * v_old + v_old;
      store(iex + i, P21 * de + P22 * ie);
      store(dex + i, de * P11 + psc * load<D>(in_ex + i));
      store(iin + i, P21 * di + P22 * ii);
      store(din + i, di * P11 + psc * load<D>(in_in + i));
      store(in_ex + i, t.zero);
      store(in_in + i, t.zero);
      fired_any |= fire(v + i, r + i, fired + i, v_new, v_old, r_old, t);
    }
    a.fired_block[b / kBlock] = any_set<W>(fired_any);
  }
}

struct DeliverArgs {
  const detail::BrainSynapse *begin, *end;  // the source's synapses
  const double* fired;                      // 1.0 in the lanes where the source fired, else 0.0
  const std::uint8_t* fired_block;
  double* const* slots;  // by delay: where the weights arriving then are summed
  std::size_t lanes;
};

// A source neuron's spikes in this step land in every target of every ant at once: w * 1.0 = w
// and x + w * 0.0 = x exactly, so this equals adding w for each firing ant in turn. Blocks of 8
// ants in which the source did not fire are skipped (a hidden neuron fires in one or two ants of
// fifteen a third of the time); a source reaches each target once, so the order of blocks does not
// matter.
template <int W, int NB>
[[gnu::always_inline]] inline void deliver_blocks(const DeliverArgs& a,
                                                  const std::size_t (&offset)[NB]) {
  using D = typename Lanes<W>::d;
  constexpr int V = static_cast<int>(kBlock) / W;  // vectors per block
  D f[NB][V];
  for (int b = 0; b < NB; ++b)
    for (int k = 0; k < V; ++k) f[b][k] = load<D>(a.fired + offset[b] + k * W);
  for (const auto* p = a.begin; p != a.end; ++p) {
    double* __restrict target = a.slots[p->delay] + p->index;
    const D w = splat<D>(p->weight);
    for (int b = 0; b < NB; ++b)
      for (int k = 0; k < V; ++k) {
        double* dst = target + offset[b] + k * W;
        store(dst, load<D>(dst) + w * f[b][k]);
      }
  }
}

template <int W>
[[gnu::always_inline]] inline void deliver(const DeliverArgs& a) {
  const std::size_t blocks = a.lanes / kBlock;
  if (blocks <= 2) {
    // Up to 16 ants: one pass over the synapses for the blocks that fired.
    std::size_t offset[2] = {0, 0};
    int n = 0;
    for (std::size_t b = 0; b < blocks; ++b)
      if (a.fired_block[b]) offset[n++] = b * kBlock;
    if (n == 2)
      deliver_blocks<W, 2>(a, offset);
    else if (n == 1)
      deliver_blocks<W, 1>(a, {offset[0]});
    return;
  }
  for (std::size_t b = 0; b < blocks; ++b)
    if (a.fired_block[b]) deliver_blocks<W, 1>(a, {b * kBlock});
}

struct Kernels {
  void (*update_inputs)(const InputArgs&);
  void (*update_network)(const NetworkArgs&);
  void (*deliver)(const DeliverArgs&);
};

#define L2L_ANTS_KERNELS(NAME, ATTRIBUTES, W)            \
  ATTRIBUTES void NAME##_inputs(const InputArgs& a) {    \
    update_inputs<W>(a);                                 \
  }                                                      \
  ATTRIBUTES void NAME##_network(const NetworkArgs& a) { \
    update_network<W>(a);                                \
  }                                                      \
  ATTRIBUTES void NAME##_deliver(const DeliverArgs& a) { \
    deliver<W>(a);                                       \
  }                                                      \
  constexpr Kernels NAME##_kernels{&NAME##_inputs, &NAME##_network, &NAME##_deliver};

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
L2L_ANTS_KERNELS(avx512, __attribute__((target("avx512f"))), 8)
L2L_ANTS_KERNELS(avx2, __attribute__((target("avx2"))), 4)
#endif
L2L_ANTS_KERNELS(generic, , 2)
#undef L2L_ANTS_KERNELS

BrainKernel best_kernel() {
  static const BrainKernel k = [] {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return BrainKernel::avx512;
    if (__builtin_cpu_supports("avx2")) return BrainKernel::avx2;
#endif
    return BrainKernel::generic;
  }();
  return k;
}

const Kernels& kernels(BrainKernel k) {
  switch (k) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    case BrainKernel::avx512:
      return avx512_kernels;
    case BrainKernel::avx2:
      return avx2_kernels;
#endif
    default:
      return generic_kernels;
  }
}

}  // namespace

bool brain_kernel_supported(BrainKernel kernel) {
  // Each kernel needs a subset of the instructions of the ones listed before it.
  return kernel == BrainKernel::best || static_cast<int>(kernel) >= static_cast<int>(best_kernel());
}

const char* brain_kernel_name(BrainKernel kernel) {
  if (kernel == BrainKernel::best) kernel = best_kernel();
  switch (kernel) {
    case BrainKernel::avx512:
      return "avx512";
    case BrainKernel::avx2:
      return "avx2";
    default:
      return "generic";
  }
}

ColonyBrain::ColonyBrain(const Genome& genome, int ants, BrainKernel kernel)
    : ants_(ants),
      lanes_((ants + 7) / 8 * 8),
      hidden_(genome.hidden),
      kernel_(kernel),
      n_a_(static_cast<std::size_t>(kInputs) * static_cast<std::size_t>(lanes_)),
      n_b_(static_cast<std::size_t>(genome.hidden + kOutputs) * static_cast<std::size_t>(lanes_)),
      p_(AlphaNeuron{}.propagators()) {
  if (ants < 1) throw std::invalid_argument("ColonyBrain: need at least one ant");
  if (!brain_kernel_supported(kernel))
    throw std::invalid_argument(std::string("ColonyBrain: this CPU cannot run the ") +
                                brain_kernel_name(kernel) + " kernel");
  kernel_ = kernel == BrainKernel::best ? best_kernel() : kernel;
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
  fired_block_a_.assign(n_a_ / 8, 0);
  fired_block_b_.assign(n_b_ / 8, 0);
  heartbeat_block_.assign(static_cast<std::size_t>(lanes_) / 8, 1);
  out_count_.assign(static_cast<std::size_t>(kOutputs) * static_cast<std::size_t>(lanes_), 0.0);

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
  std::fill(out_count_.begin(), out_count_.end(), 0.0);
  for (auto& c : inputs) c.fill(0);

  // Synaptic currents of quiet neurons decay geometrically into subnormal numbers, where x86
  // arithmetic is about a hundred times slower; an episode spent most of its time there. Flushing
  // subnormals to zero changes values below 2.2e-308 pA or mV only, far below anything that can
  // move a spike (the spike-for-spike comparison with the general simulator still holds).
  const FlushSubnormals flush;
  const double ref = static_cast<double>(p_.ref_steps);
  const int H = hidden_;
  const std::size_t blocks = lanes / kBlock;  // 8-ant blocks per neuron
  auto any = [blocks](const std::uint8_t* block) {
    for (std::size_t b = 0; b < blocks; ++b)
      if (block[b]) return true;
    return false;
  };
  const Kernels& kernel = kernels(kernel_);
  auto send = [&](int source, const double* fired, const std::uint8_t* block,
                  double* const* slots) {
    kernel.deliver({syn_.data() + begin_[static_cast<std::size_t>(source)],
                    syn_.data() + begin_[static_cast<std::size_t>(source) + 1], fired, block, slots,
                    lanes});
  };

  for (int j = 0; j < kStepsPerTick; ++j, ++step_) {
    const std::int64_t s = step_;
    // Where spikes of this step land, by delay.
    double* slots[kMaxDelay + 1];
    for (int d = 0; d <= kMaxDelay; ++d)
      slots[d] = ring_ + static_cast<std::size_t>((s + d) & (kSlots - 1)) * 2 * n_b_;

    // Spikes are delivered per step in source order: inputs, heartbeat, hidden (the order in
    // which a reference network built as inputs, heartbeat, hidden, outputs delivers them).
    kernel.update_inputs({n_a_, va_.data(), ra_.data(), y0a_.data(), sent_a_.data(), amp_a_.data(),
                          fired_a_.data(), fired_block_a_.data(), &p_, ref});
    for (int in = 0; in < kInputs; ++in) {
      const double* const fired = fired_a_.data() + static_cast<std::size_t>(in) * lanes;
      const std::uint8_t* const block =
          fired_block_a_.data() + static_cast<std::size_t>(in) * blocks;
      if (!any(block)) continue;
      if (!inputs.empty() || log_)
        for (int a = 0; a < ants_; ++a) {
          if (fired[a] == 0.0) continue;
          if (!inputs.empty()) ++inputs[static_cast<std::size_t>(a)][static_cast<std::size_t>(in)];
          if (log_) log_->push_back({s, a, in});
        }
      send(in, fired, block, slots);
    }
    // Heartbeat: spike times 1, 3, 5, ... ms, i.e. sent in the even steps.
    if ((s & 1) == 0) send(kHeartbeat, heartbeat_.data(), heartbeat_block_.data(), slots);

    kernel.update_network({n_b_, vb_.data(), rb_.data(), dex_.data(), iex_.data(), din_.data(),
                           iin_.data(), slots[0], slots[0] + n_b_, fired_b_.data(),
                           fired_block_b_.data(), &p_, ref});
    for (int k = 0; k < H + kOutputs; ++k) {
      const double* const fired = fired_b_.data() + static_cast<std::size_t>(k) * lanes;
      const std::uint8_t* const block =
          fired_block_b_.data() + static_cast<std::size_t>(k) * blocks;
      if (!any(block)) continue;
      if (log_)
        for (int a = 0; a < ants_; ++a)
          if (fired[a] != 0.0) log_->push_back({s, a, kInputs + k});
      if (k < H) {
        send(kHeartbeat + 1 + k, fired, block, slots);
      } else {
        // Counted as doubles over all lanes (a loop the compiler vectorises), converted below.
        double* const count = out_count_.data() + static_cast<std::size_t>(k - H) * lanes;
        for (std::size_t a = 0; a < lanes; ++a) count[a] += fired[a];
      }
    }
  }
  for (int a = 0; a < ants_; ++a)
    for (int o = 0; o < kOutputs; ++o)
      outputs[static_cast<std::size_t>(a)][static_cast<std::size_t>(o)] = static_cast<std::uint8_t>(
          out_count_[static_cast<std::size_t>(o) * lanes + static_cast<std::size_t>(a)]);
}

}  // namespace l2l::ants
