#include "l2l/spiking/network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

namespace l2l::spiking {

namespace {

constexpr std::uint64_t kConnectStream = 0x636f6e6e656374ull;      // "connect"
constexpr std::uint64_t kGeneratorStream = 0x67656e6572617465ull;  // "generate"
constexpr std::uint64_t kVmStream = 0x766d696e6974ull;             // "vminit"

struct Generator {
  enum class Kind { poisson, dc } kind = Kind::poisson;
  double value = 0.0;  // rate (Hz) or amplitude (pA)
  std::int64_t start = 0, stop = std::numeric_limits<std::int64_t>::max() / 4;  // emission steps
  PoissonTable table;
  std::uint64_t n_conns = 0;
};

struct GenConn {
  std::uint32_t gen = 0, node = 0;
  double weight = 0.0;
  std::int32_t delay = 1;
  std::uint64_t serial = 0;  // index among the generator's connections
};

std::uint64_t generator_stream(std::uint64_t seed, std::uint32_t gen, std::uint64_t serial) {
  return mix_seed(mix_seed(seed, kGeneratorStream + gen), serial);
}

struct Recorder {
  double start = 0.0, stop = kInf;
  SpikeRecord record;
};

struct Voltmeter {
  std::int64_t interval = 1;
  VoltageRecord record;
};

struct Table {
  std::vector<std::uint32_t> row;  // offsets per pre node, size n_pre + 1
  // Index into a ring slot: local node, plus n_local for negative weights (inhibitory plane).
  std::vector<std::uint32_t> target;
  std::vector<double> weight;        // per synapse unless the projection weight is constant
  std::vector<std::uint16_t> delay;  // per synapse unless the projection delay is constant
  std::vector<std::uint32_t> canon;  // creation index of each synapse
  // STDP only: the pre-synaptic trace after the last spike and that spike's time, per pre node.
  std::vector<double> kplus, t_last;
};

struct Projection {
  NodeRange pre, post;
  std::size_t n = 0;
  bool const_weight = true, const_delay = true;
  double weight = 0.0;
  std::int32_t delay = 1;
  std::int32_t min_delay = 1, max_delay = 1;
  bool stdp = false;
  StdpParams plasticity;
  // Before build: synapses in creation order.
  std::vector<std::uint32_t> pre_ids, post_ids;
  std::vector<double> w;
  std::vector<std::uint16_t> d;
  // After build: one table per shard.
  std::vector<Table> tables;
};

struct Segment {
  std::size_t pop = 0;
  std::size_t begin = 0, end = 0;  // population-local indices
  std::uint32_t node_first = 0;    // node id of `begin`
};

struct Probe {
  std::uint32_t voltmeter = 0, k = 0;
  std::size_t pop = 0, local = 0;
};

struct Shard {
  std::uint32_t lo = 0, hi = 0;
  std::vector<double> ring;
  std::vector<double> current;
  std::vector<Spike> spikes;
  std::vector<std::uint32_t> step_end;
  std::vector<Segment> segments;
  // Poisson generator connections, sorted by target, in runs sharing generator and delay.
  struct Run {
    std::uint32_t begin = 0, end = 0, gen = 0;
    std::int32_t delay = 1;
  };
  std::vector<Run> pg_runs;
  std::vector<std::uint32_t> pg_target;
  std::vector<double> pg_weight;
  std::vector<Rng> pg_rng;
  std::vector<std::uint64_t> pg_serial;
  std::vector<std::uint32_t> dc_target, dc_gen;
  std::vector<double> dc_weight;
  std::vector<std::int32_t> dc_delay;
  std::vector<Probe> probes;
  double stdp_horizon = 0.0;  // post spikes older than this are no longer needed (ms)
};

inline bool negative(double w) {
  return std::signbit(w);
}

}  // namespace

struct Network::Impl {
  double h = 0.1;
  std::uint64_t seed = 0;
  std::uint64_t stream_seed =
      0;  // dynamic streams (Poisson); the construction seed unless reseeded
  int threads = 1;
  std::size_t num_nodes = 0;
  std::int64_t step = 0;
  std::int64_t min_delay = 1;
  std::int64_t ring_len = 2;
  bool built = false;
  bool calibrated = false;

  std::vector<std::unique_ptr<Population>> pops;
  std::vector<NodeRange> pop_ranges;
  std::vector<Projection> projections;
  std::uint64_t connect_calls = 0;
  std::vector<Generator> generators;
  std::vector<GenConn> gen_conns;
  std::vector<Recorder> recorders;
  std::vector<std::uint32_t> rec_mask;
  std::vector<Voltmeter> voltmeters;
  std::vector<std::uint64_t> spike_count;
  // Spikes of the targets of STDP synapses (empty for other nodes): time and the post-synaptic
  // trace K_minus just after the spike (decay constant history_tau of the node).
  struct PostSpike {
    double t;
    double kminus;
  };
  std::vector<char> keeps_history;
  std::vector<double> history_tau;
  std::vector<std::vector<PostSpike>> post_history;

  std::vector<Shard> shards;
  std::vector<std::uint32_t> node_proj_ptr, node_proj;
  std::unique_ptr<oneapi::tbb::task_arena> arena;

  Impl() = default;
  Impl(const Impl& o)
      : h(o.h),
        seed(o.seed),
        stream_seed(o.stream_seed),
        threads(o.threads),
        num_nodes(o.num_nodes),
        step(o.step),
        min_delay(o.min_delay),
        ring_len(o.ring_len),
        built(o.built),
        calibrated(o.calibrated),
        pop_ranges(o.pop_ranges),
        projections(o.projections),
        connect_calls(o.connect_calls),
        generators(o.generators),
        gen_conns(o.gen_conns),
        recorders(o.recorders),
        rec_mask(o.rec_mask),
        voltmeters(o.voltmeters),
        spike_count(o.spike_count),
        keeps_history(o.keeps_history),
        history_tau(o.history_tau),
        post_history(o.post_history),
        shards(o.shards),
        node_proj_ptr(o.node_proj_ptr),
        node_proj(o.node_proj) {
    for (const auto& p : o.pops) pops.push_back(p->clone());
  }

  std::size_t pop_index(std::uint32_t node) const {
    auto it = std::upper_bound(pop_ranges.begin(), pop_ranges.end(), node,
                               [](std::uint32_t v, const NodeRange& r) { return v < r.first; });
    if (it == pop_ranges.begin()) throw std::out_of_range("node id out of range");
    const std::size_t i = static_cast<std::size_t>(it - pop_ranges.begin()) - 1;
    if (!pop_ranges[i].contains(node)) throw std::out_of_range("node id out of range");
    return i;
  }

  void require_unbuilt(const char* what) const {
    if (built)
      throw std::logic_error(std::string(what) +
                             ": the network structure is fixed after the first simulate()");
  }

  std::int32_t delay_steps(double ms) const {
    const auto s = ms_to_steps(ms, h);
    if (s < 1) throw std::invalid_argument("delays must be at least one time step");
    if (s > 65535) throw std::invalid_argument("delay too long (at most 65535 steps)");
    return static_cast<std::int32_t>(s);
  }

  template <class F>
  void for_shards(F&& f) {
    const int n = static_cast<int>(shards.size());
    if (n == 1) {
      f(0);
      return;
    }
    if (!arena) arena = std::make_unique<oneapi::tbb::task_arena>(threads);
    arena->execute([&] {
      oneapi::tbb::parallel_for(
          0, n, [&](int i) { f(i); }, oneapi::tbb::static_partitioner());
    });
  }

  void build();
  void generate(Projection& p, const ConnSpec& c, const SynSpec& s, std::uint64_t call);
  void update_shard(Shard& sh, std::int64_t start, int k);
  void deliver_shard(std::size_t index, std::int64_t start, int k);
  // Post spikes older than every STDP row's last pre spike minus the delay are never read again.
  void update_stdp_horizon(std::size_t index);
  void deliver_stdp(Projection& p, Table& t, std::uint32_t r, std::size_t shard, std::int64_t e,
                    std::uint32_t multiplicity, double* ring, std::size_t stride);
  void record_slice(std::int64_t start, int k);
};

// ---------------------------------------------------------------------------------------------
// Construction

Network::Network(NetworkOptions o) : impl_(std::make_unique<Impl>()) {
  if (!(o.resolution > 0.0) || !std::isfinite(o.resolution))
    throw std::invalid_argument("resolution must be > 0");
  if (o.threads < 1) throw std::invalid_argument("threads must be >= 1");
  impl_->h = o.resolution;
  impl_->seed = o.seed;
  impl_->stream_seed = o.seed;
  impl_->threads = o.threads;
}

Network::Network(const Network& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;
Network::~Network() = default;

double Network::resolution() const {
  return impl_->h;
}
int Network::threads() const {
  return impl_->threads;
}
std::uint64_t Network::seed() const {
  return impl_->seed;
}
std::size_t Network::num_nodes() const {
  return impl_->num_nodes;
}
std::size_t Network::num_projections() const {
  return impl_->projections.size();
}
double Network::time() const {
  return static_cast<double>(impl_->step) * impl_->h;
}
std::int64_t Network::steps() const {
  return impl_->step;
}
std::int64_t Network::min_delay_steps() const {
  return impl_->min_delay;
}

NodeRange Network::add_population(std::unique_ptr<Population> population) {
  auto& m = *impl_;
  m.require_unbuilt("create");
  if (!population || population->size() == 0) throw std::invalid_argument("empty population");
  if (m.num_nodes + population->size() > (1u << 30)) throw std::length_error("too many nodes");
  NodeRange r{static_cast<std::uint32_t>(m.num_nodes),
              static_cast<std::uint32_t>(population->size())};
  population->seed_streams(m.stream_seed, r.first);
  m.pops.push_back(std::move(population));
  m.pop_ranges.push_back(r);
  m.num_nodes += r.count;
  m.rec_mask.resize(m.num_nodes, 0);
  m.spike_count.resize(m.num_nodes, 0);
  m.keeps_history.resize(m.num_nodes, 0);
  m.history_tau.resize(m.num_nodes, 0.0);
  m.post_history.resize(m.num_nodes);
  return r;
}

Population& Network::population(NodeRange r, std::size_t* offset) {
  const std::size_t i = impl_->pop_index(r.first);
  if (!r.empty() && !impl_->pop_ranges[i].contains(r.end() - 1))
    throw std::invalid_argument("node range spans several populations");
  if (offset) *offset = r.first - impl_->pop_ranges[i].first;
  return *impl_->pops[i];
}

const Population& Network::population(NodeRange r, std::size_t* offset) const {
  return const_cast<Network*>(this)->population(r, offset);
}

double Network::v_m(std::uint32_t node) const {
  const std::size_t i = impl_->pop_index(node);
  return impl_->pops[i]->v_m(node - impl_->pop_ranges[i].first);
}

void Network::set_v_m(NodeRange nodes, std::span<const double> values) {
  if (values.size() != nodes.size()) throw std::invalid_argument("set_v_m: size mismatch");
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::size_t i = impl_->pop_index(nodes[k]);
    impl_->pops[i]->set_v_m(nodes[k] - impl_->pop_ranges[i].first, values[k]);
  }
}

void Network::randomize_v_m(NodeRange nodes, const Distribution& d, std::uint64_t stream) {
  d.validate("randomize_v_m");
  const std::uint64_t base = mix_seed(mix_seed(impl_->seed, kVmStream), stream);
  std::vector<double> v(nodes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    Rng rng(mix_seed(base, nodes[k]));
    v[k] = d.sample(rng);
  }
  set_v_m(nodes, v);
}

// ---------------------------------------------------------------------------------------------
// Connectivity

namespace {

// Draws `k` distinct values from [0, n) excluding `exclude` (if < n), in draw order.
void draw_distinct(Rng& rng, std::uint32_t n, std::uint64_t k, std::uint32_t exclude,
                   std::vector<std::uint32_t>& out, std::vector<char>& mark) {
  const std::uint32_t available = n - (exclude < n ? 1 : 0);
  if (k > available) throw std::invalid_argument("degree larger than the number of candidates");
  if (2 * k <= available) {
    // Rejection: cheap when few are taken.
    const std::size_t first = out.size();
    while (out.size() - first < k) {
      const auto v = static_cast<std::uint32_t>(rng.below(n));
      if (v == exclude || mark[v]) continue;
      mark[v] = 1;
      out.push_back(v);
    }
    for (std::size_t j = first; j < out.size(); ++j) mark[out[j]] = 0;
  } else {
    // Partial Fisher-Yates over the candidates.
    std::vector<std::uint32_t> cand;
    cand.reserve(available);
    for (std::uint32_t v = 0; v < n; ++v)
      if (v != exclude) cand.push_back(v);
    for (std::uint64_t j = 0; j < k; ++j) {
      const auto r = j + rng.below(cand.size() - j);
      std::swap(cand[j], cand[r]);
      out.push_back(cand[j]);
    }
  }
}

}  // namespace

void Network::Impl::generate(Projection& p, const ConnSpec& c, const SynSpec& s,
                             std::uint64_t call) {
  const std::uint64_t base = mix_seed(mix_seed(seed, kConnectStream), call);
  const NodeRange pre = p.pre, post = p.post;
  auto self_index = [](NodeRange from, std::uint32_t node) -> std::uint32_t {
    return from.contains(node) ? node - from.first : std::numeric_limits<std::uint32_t>::max();
  };
  std::vector<std::uint32_t> picks;
  std::vector<char> mark(std::max(pre.size(), post.size()), 0);
  auto add_weights_delays = [&](Rng& rng, std::size_t count) {
    for (std::size_t j = 0; j < count; ++j)
      if (!p.const_weight) p.w.push_back(s.weight.sample(rng));
    for (std::size_t j = 0; j < count; ++j)
      if (!p.const_delay)
        p.d.push_back(static_cast<std::uint16_t>(delay_steps(s.delay.sample(rng))));
  };
  switch (c.rule) {
    case Rule::all_to_all:
      for (std::uint32_t t = 0; t < post.size(); ++t) {
        Rng rng(mix_seed(base, post[t]));
        const std::size_t before = p.pre_ids.size();
        for (std::uint32_t q = 0; q < pre.size(); ++q) {
          if (!c.allow_autapses && pre[q] == post[t]) continue;
          p.pre_ids.push_back(pre[q]);
          p.post_ids.push_back(post[t]);
        }
        add_weights_delays(rng, p.pre_ids.size() - before);
      }
      break;
    case Rule::one_to_one:
      if (pre.size() != post.size())
        throw std::invalid_argument("one_to_one needs populations of equal size");
      for (std::uint32_t t = 0; t < post.size(); ++t) {
        if (!c.allow_autapses && pre[t] == post[t]) continue;
        Rng rng(mix_seed(base, post[t]));
        p.pre_ids.push_back(pre[t]);
        p.post_ids.push_back(post[t]);
        add_weights_delays(rng, 1);
      }
      break;
    case Rule::fixed_indegree:
      for (std::uint32_t t = 0; t < post.size(); ++t) {
        Rng rng(mix_seed(base, post[t]));
        const std::uint32_t exclude =
            c.allow_autapses ? std::numeric_limits<std::uint32_t>::max() : self_index(pre, post[t]);
        picks.clear();
        if (c.allow_multapses) {
          if (c.degree > 0 && pre.size() - (exclude < pre.size() ? 1 : 0) == 0)
            throw std::invalid_argument("fixed_indegree: no candidate sources");
          while (picks.size() < c.degree) {
            const auto v = static_cast<std::uint32_t>(rng.below(pre.size()));
            if (v != exclude) picks.push_back(v);
          }
        } else {
          draw_distinct(rng, pre.size(), c.degree, exclude, picks, mark);
        }
        for (auto v : picks) {
          p.pre_ids.push_back(pre[v]);
          p.post_ids.push_back(post[t]);
        }
        add_weights_delays(rng, picks.size());
      }
      break;
    case Rule::fixed_outdegree:
      for (std::uint32_t q = 0; q < pre.size(); ++q) {
        Rng rng(mix_seed(base, pre[q]));
        const std::uint32_t exclude =
            c.allow_autapses ? std::numeric_limits<std::uint32_t>::max() : self_index(post, pre[q]);
        picks.clear();
        if (c.allow_multapses) {
          if (c.degree > 0 && post.size() - (exclude < post.size() ? 1 : 0) == 0)
            throw std::invalid_argument("fixed_outdegree: no candidate targets");
          while (picks.size() < c.degree) {
            const auto v = static_cast<std::uint32_t>(rng.below(post.size()));
            if (v != exclude) picks.push_back(v);
          }
        } else {
          draw_distinct(rng, post.size(), c.degree, exclude, picks, mark);
        }
        for (auto v : picks) {
          p.pre_ids.push_back(pre[q]);
          p.post_ids.push_back(post[v]);
        }
        add_weights_delays(rng, picks.size());
      }
      break;
    case Rule::pairwise_bernoulli: {
      if (!(c.p >= 0.0 && c.p <= 1.0))
        throw std::invalid_argument("pairwise_bernoulli: p in [0, 1]");
      if (c.p == 0.0) break;
      const double log_q = std::log1p(-c.p);
      for (std::uint32_t q = 0; q < pre.size(); ++q) {
        Rng rng(mix_seed(base, pre[q]));
        picks.clear();
        // Geometric skipping: the gap to the next accepted target is Geometric(p).
        double t = -1.0;
        for (;;) {
          if (c.p < 1.0) {
            double u = rng.uniform();
            while (u <= 0.0) u = rng.uniform();
            t += 1.0 + std::floor(std::log(u) / log_q);
          } else {
            t += 1.0;
          }
          if (t >= static_cast<double>(post.size())) break;
          const auto v = static_cast<std::uint32_t>(t);
          if (!c.allow_autapses && post[v] == pre[q]) continue;
          picks.push_back(v);
        }
        for (auto v : picks) {
          p.pre_ids.push_back(pre[q]);
          p.post_ids.push_back(post[v]);
        }
        add_weights_delays(rng, picks.size());
      }
      break;
    }
  }
  p.n = p.pre_ids.size();
  if (p.n >= std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("too many synapses in one projection");
}

Network::ProjectionId Network::connect(NodeRange pre, NodeRange post, const ConnSpec& conn,
                                       const SynSpec& syn) {
  auto& m = *impl_;
  m.require_unbuilt("connect");
  if (pre.empty() || post.empty()) throw std::invalid_argument("connect: empty node range");
  if (pre.end() > m.num_nodes || post.end() > m.num_nodes)
    throw std::out_of_range("connect: node range out of range");
  for (std::size_t i = m.pop_index(post.first);
       i < m.pops.size() && m.pop_ranges[i].first < post.end(); ++i)
    if (!m.pops[i]->receives_input())
      throw std::invalid_argument("connect: " + m.pops[i]->model() +
                                  " nodes cannot receive spikes");
  syn.weight.validate("weight");
  syn.delay.validate("delay");
  if (conn.rule == Rule::fixed_indegree || conn.rule == Rule::fixed_outdegree) {
    if (conn.degree > std::numeric_limits<std::uint32_t>::max())
      throw std::invalid_argument("degree too large");
  }
  Projection p;
  p.pre = pre;
  p.post = post;
  p.const_weight = syn.weight.is_constant() && !syn.stdp;
  p.const_delay = syn.delay.is_constant();
  p.stdp = syn.stdp;
  if (p.stdp) {
    syn.plasticity.validate();
    p.plasticity = syn.plasticity;
  }
  if (p.const_weight) p.weight = syn.weight.a;
  if (p.const_delay) p.delay = m.delay_steps(syn.delay.a);
  m.generate(p, conn, syn, m.connect_calls++);
  if (p.stdp) {
    if (syn.weight.is_constant()) p.w.assign(p.n, syn.weight.a);
    for (double w : p.w)
      if (!(w >= 0.0)) throw std::invalid_argument("stdp_synapse: weights must be >= 0");
    for (std::uint32_t v = post.first; v < post.end(); ++v) {
      if (m.keeps_history[v] && m.history_tau[v] != p.plasticity.tau_minus)
        throw std::invalid_argument("stdp_synapse: a neuron's STDP inputs must share tau_minus");
      m.keeps_history[v] = 1;
      m.history_tau[v] = p.plasticity.tau_minus;
    }
  }
  if (p.const_delay) {
    p.min_delay = p.max_delay = p.delay;
  } else if (!p.d.empty()) {
    p.min_delay = *std::min_element(p.d.begin(), p.d.end());
    p.max_delay = *std::max_element(p.d.begin(), p.d.end());
  }
  m.projections.push_back(std::move(p));
  return static_cast<ProjectionId>(m.projections.size() - 1);
}

Network::ProjectionId Network::connect_explicit(const Connections& c) {
  auto& m = *impl_;
  m.require_unbuilt("connect_explicit");
  const std::size_t n = c.pre.size();
  if (c.post.size() != n || c.weight.size() != n || c.delay.size() != n)
    throw std::invalid_argument("connect_explicit: arrays of different lengths");
  if (n == 0) throw std::invalid_argument("connect_explicit: no synapses");
  if (n >= std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("too many synapses in one projection");
  Projection p;
  const auto [pre_lo, pre_hi] = std::minmax_element(c.pre.begin(), c.pre.end());
  const auto [post_lo, post_hi] = std::minmax_element(c.post.begin(), c.post.end());
  if (*pre_hi >= m.num_nodes || *post_hi >= m.num_nodes)
    throw std::out_of_range("connect_explicit: node id out of range");
  p.pre = {*pre_lo, *pre_hi - *pre_lo + 1};
  p.post = {*post_lo, *post_hi - *post_lo + 1};
  for (std::uint32_t v : c.post)
    if (!m.pops[m.pop_index(v)]->receives_input())
      throw std::invalid_argument("connect_explicit: target cannot receive spikes");
  p.const_weight = false;
  p.const_delay = false;
  p.pre_ids = c.pre;
  p.post_ids = c.post;
  p.w = c.weight;
  p.d.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (!std::isfinite(c.weight[k])) throw std::invalid_argument("connect_explicit: bad weight");
    p.d[k] = static_cast<std::uint16_t>(m.delay_steps(c.delay[k]));
  }
  p.n = n;
  p.min_delay = *std::min_element(p.d.begin(), p.d.end());
  p.max_delay = *std::max_element(p.d.begin(), p.d.end());
  ++m.connect_calls;
  m.projections.push_back(std::move(p));
  return static_cast<ProjectionId>(m.projections.size() - 1);
}

std::size_t Network::num_synapses(ProjectionId p) const {
  return impl_->projections.at(p).n;
}

std::size_t Network::num_synapses() const {
  std::size_t n = 0;
  for (const auto& p : impl_->projections) n += p.n;
  return n;
}

Connections Network::connections(ProjectionId id) const {
  const auto& m = *impl_;
  const Projection& p = m.projections.at(id);
  Connections c;
  c.pre.resize(p.n);
  c.post.resize(p.n);
  c.weight.resize(p.n);
  c.delay.resize(p.n);
  if (!m.built) {
    for (std::size_t k = 0; k < p.n; ++k) {
      c.pre[k] = p.pre_ids[k];
      c.post[k] = p.post_ids[k];
      c.weight[k] = p.const_weight ? p.weight : p.w[k];
      c.delay[k] = (p.const_delay ? p.delay : p.d[k]) * m.h;
    }
    return c;
  }
  for (std::size_t s = 0; s < m.shards.size(); ++s) {
    const Table& t = p.tables[s];
    for (std::uint32_t r = 0; r < p.pre.size(); ++r) {
      for (std::uint32_t k = t.row[r]; k < t.row[r + 1]; ++k) {
        const std::uint32_t ci = t.canon[k];
        c.pre[ci] = p.pre[r];
        const std::uint32_t n_local = m.shards[s].hi - m.shards[s].lo;
        c.post[ci] =
            m.shards[s].lo + (t.target[k] >= n_local ? t.target[k] - n_local : t.target[k]);
        c.weight[ci] = p.const_weight ? p.weight : t.weight[k];
        c.delay[ci] = (p.const_delay ? p.delay : t.delay[k]) * m.h;
      }
    }
  }
  return c;
}

std::vector<double> Network::weights(ProjectionId id) const {
  return connections(id).weight;
}

void Network::set_weights(ProjectionId id, std::span<const double> w) {
  auto& m = *impl_;
  Projection& p = m.projections.at(id);
  if (w.size() != p.n) throw std::invalid_argument("set_weights: wrong number of weights");
  for (double x : w)
    if (!std::isfinite(x)) throw std::invalid_argument("set_weights: weights must be finite");
  if (p.stdp)
    for (double x : w)
      if (!(x >= 0.0)) throw std::invalid_argument("set_weights: STDP weights must be >= 0");
  p.const_weight = false;
  if (!m.built) {
    p.w.assign(w.begin(), w.end());
    return;
  }
  for (std::size_t s = 0; s < p.tables.size(); ++s) {
    auto& t = p.tables[s];
    const std::uint32_t n_local = m.shards[s].hi - m.shards[s].lo;
    t.weight.resize(t.target.size());
    for (std::size_t k = 0; k < t.target.size(); ++k) {
      const double x = w[t.canon[k]];
      const std::uint32_t local = t.target[k] >= n_local ? t.target[k] - n_local : t.target[k];
      t.weight[k] = x;
      t.target[k] = local + (negative(x) ? n_local : 0u);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Devices

Network::DeviceId Network::add_poisson_generator(double rate_hz, double start_ms, double stop_ms) {
  auto& m = *impl_;
  if (!(rate_hz >= 0.0) || !std::isfinite(rate_hz))
    throw std::invalid_argument("poisson_generator: rate must be >= 0");
  if (!(stop_ms >= start_ms)) throw std::invalid_argument("generator: stop must be >= start");
  Generator g;
  g.kind = Generator::Kind::poisson;
  g.value = rate_hz;
  g.start = ms_to_steps(start_ms, m.h);
  g.stop = ms_to_steps(stop_ms, m.h);
  g.table = PoissonTable(rate_hz * m.h * 1e-3);
  m.generators.push_back(std::move(g));
  return static_cast<DeviceId>(m.generators.size() - 1);
}

void Network::set_poisson_rate(DeviceId id, double rate_hz) {
  auto& g = impl_->generators.at(id);
  if (g.kind != Generator::Kind::poisson) throw std::invalid_argument("not a Poisson generator");
  if (!(rate_hz >= 0.0) || !std::isfinite(rate_hz))
    throw std::invalid_argument("poisson_generator: rate must be >= 0");
  if (rate_hz == g.value) return;
  g.value = rate_hz;
  g.table = PoissonTable(rate_hz * impl_->h * 1e-3);
}

Network::DeviceId Network::add_dc_generator(double amplitude, double start_ms, double stop_ms) {
  auto& m = *impl_;
  if (!std::isfinite(amplitude)) throw std::invalid_argument("dc_generator: amplitude not finite");
  if (!(stop_ms >= start_ms)) throw std::invalid_argument("generator: stop must be >= start");
  Generator g;
  g.kind = Generator::Kind::dc;
  g.value = amplitude;
  g.start = ms_to_steps(start_ms, m.h);
  g.stop = ms_to_steps(stop_ms, m.h);
  m.generators.push_back(std::move(g));
  return static_cast<DeviceId>(m.generators.size() - 1);
}

void Network::set_dc_amplitude(DeviceId id, double amplitude) {
  auto& g = impl_->generators.at(id);
  if (g.kind != Generator::Kind::dc) throw std::invalid_argument("not a DC generator");
  if (!std::isfinite(amplitude)) throw std::invalid_argument("dc_generator: amplitude not finite");
  g.value = amplitude;
}

void Network::connect_generator(DeviceId id, NodeRange post, double weight, double delay_ms) {
  auto& m = *impl_;
  m.require_unbuilt("connect_generator");
  auto& g = m.generators.at(id);
  if (!std::isfinite(weight)) throw std::invalid_argument("connect_generator: weight not finite");
  if (post.end() > m.num_nodes) throw std::out_of_range("connect_generator: node out of range");
  const std::int32_t d = m.delay_steps(delay_ms);
  for (std::uint32_t k = 0; k < post.size(); ++k) {
    if (!m.pops[m.pop_index(post[k])]->receives_input())
      throw std::invalid_argument("connect_generator: target cannot receive input");
    GenConn c;
    c.gen = id;
    c.node = post[k];
    c.weight = weight;
    c.delay = d;
    c.serial = g.n_conns++;
    m.gen_conns.push_back(c);
  }
}

Network::DeviceId Network::add_spike_recorder(NodeRange nodes, double start_ms, double stop_ms) {
  auto& m = *impl_;
  if (m.recorders.size() >= 32) throw std::length_error("at most 32 spike recorders");
  if (nodes.end() > m.num_nodes) throw std::out_of_range("spike recorder: node out of range");
  Recorder r;
  r.start = start_ms;
  r.stop = stop_ms;
  const auto id = static_cast<DeviceId>(m.recorders.size());
  m.recorders.push_back(std::move(r));
  for (std::uint32_t k = 0; k < nodes.size(); ++k) m.rec_mask[nodes[k]] |= 1u << id;
  return id;
}

const SpikeRecord& Network::spike_record(DeviceId r) const {
  return impl_->recorders.at(r).record;
}

void Network::clear_spike_record(DeviceId r) {
  impl_->recorders.at(r).record = {};
}

Network::DeviceId Network::add_voltmeter(NodeRange nodes, double interval_ms) {
  auto& m = *impl_;
  m.require_unbuilt("add_voltmeter");
  if (nodes.end() > m.num_nodes) throw std::out_of_range("voltmeter: node out of range");
  Voltmeter v;
  v.interval = interval_ms <= 0.0 ? 1 : std::max<std::int64_t>(1, ms_to_steps(interval_ms, m.h));
  for (std::uint32_t k = 0; k < nodes.size(); ++k) v.record.nodes.push_back(nodes[k]);
  v.record.v_m.resize(nodes.size());
  m.voltmeters.push_back(std::move(v));
  return static_cast<DeviceId>(m.voltmeters.size() - 1);
}

const VoltageRecord& Network::voltage_record(DeviceId v) const {
  return impl_->voltmeters.at(v).record;
}

std::vector<std::uint64_t> Network::spike_counts(NodeRange nodes) const {
  if (nodes.end() > impl_->num_nodes) throw std::out_of_range("spike_counts: out of range");
  return {impl_->spike_count.begin() + nodes.first, impl_->spike_count.begin() + nodes.end()};
}

std::uint64_t Network::total_spikes(NodeRange nodes) const {
  if (nodes.end() > impl_->num_nodes) throw std::out_of_range("total_spikes: out of range");
  return std::accumulate(impl_->spike_count.begin() + nodes.first,
                         impl_->spike_count.begin() + nodes.end(), std::uint64_t{0});
}

void Network::reset_spike_counts() {
  std::fill(impl_->spike_count.begin(), impl_->spike_count.end(), 0);
}

// ---------------------------------------------------------------------------------------------
// Build: distribute synapses, generator connections and nodes over shards.

void Network::Impl::build() {
  const std::size_t n_shards =
      std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(threads), num_nodes));
  shards.assign(n_shards, Shard{});
  std::vector<std::uint32_t> shard_of(num_nodes);
  for (std::size_t s = 0; s < n_shards; ++s) {
    shards[s].lo = static_cast<std::uint32_t>(num_nodes * s / n_shards);
    shards[s].hi = static_cast<std::uint32_t>(num_nodes * (s + 1) / n_shards);
    for (std::uint32_t v = shards[s].lo; v < shards[s].hi; ++v)
      shard_of[v] = static_cast<std::uint32_t>(s);
  }

  // Delays and the ring length.
  std::int64_t dmin = std::numeric_limits<std::int64_t>::max(), dmax = 1;
  for (const auto& p : projections) {
    if (p.n == 0) continue;
    dmin = std::min<std::int64_t>(dmin, p.min_delay);
    dmax = std::max<std::int64_t>(dmax, p.max_delay);
  }
  min_delay = dmin == std::numeric_limits<std::int64_t>::max() ? 10 : dmin;
  ring_len = dmax + 1;

  // Synapse tables.
  for (auto& p : projections) {
    if (!p.const_delay && p.min_delay == p.max_delay) {
      // All delays equal (e.g. copied connectivity): the faster constant-delay path.
      p.const_delay = true;
      p.delay = p.min_delay;
      p.d = {};
    }
    p.tables.assign(n_shards, Table{});
    const std::uint32_t n_pre = p.pre.size();
    for (auto& t : p.tables) t.row.assign(n_pre + 1, 0);
    for (std::size_t k = 0; k < p.n; ++k)
      ++p.tables[shard_of[p.post_ids[k]]].row[p.pre_ids[k] - p.pre.first + 1];
    std::vector<std::vector<std::uint32_t>> cursor(n_shards);
    for (std::size_t s = 0; s < n_shards; ++s) {
      Table& t = p.tables[s];
      std::partial_sum(t.row.begin(), t.row.end(), t.row.begin());
      const std::size_t total = t.row.back();
      t.target.resize(total);
      t.canon.resize(total);
      if (!p.const_weight) t.weight.resize(total);
      if (!p.const_delay) t.delay.resize(total);
      cursor[s].assign(t.row.begin(), t.row.end() - 1);
    }
    for (std::size_t k = 0; k < p.n; ++k) {
      const std::uint32_t post = p.post_ids[k];
      const std::uint32_t s = shard_of[post];
      Table& t = p.tables[s];
      const std::uint32_t pos = cursor[s][p.pre_ids[k] - p.pre.first]++;
      const double w = p.const_weight ? p.weight : p.w[k];
      t.target[pos] = (post - shards[s].lo) + (negative(w) ? shards[s].hi - shards[s].lo : 0u);
      t.canon[pos] = static_cast<std::uint32_t>(k);
      if (!p.const_weight) t.weight[pos] = w;
      if (!p.const_delay) t.delay[pos] = p.d[k];
    }
    if (!p.const_delay) {
      // Sort every row by delay (stable: creation order within a delay) so that delivery switches
      // ring slot only where the delay changes.
      for (auto& t : p.tables) {
        std::vector<std::uint32_t> idx;
        for (std::uint32_t r = 0; r < n_pre; ++r) {
          const std::uint32_t b = t.row[r], e = t.row[r + 1];
          if (e - b < 2) continue;
          idx.resize(e - b);
          std::iota(idx.begin(), idx.end(), b);
          std::stable_sort(idx.begin(), idx.end(), [&](std::uint32_t x, std::uint32_t y) {
            return t.delay[x] < t.delay[y];
          });
          auto permute = [&](auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            std::vector<T> tmp(e - b);
            for (std::uint32_t j = 0; j < e - b; ++j) tmp[j] = v[idx[j]];
            std::copy(tmp.begin(), tmp.end(), v.begin() + b);
          };
          permute(t.target);
          permute(t.canon);
          permute(t.delay);
          if (!t.weight.empty()) permute(t.weight);
        }
      }
    }
    if (p.stdp)
      for (auto& t : p.tables) {
        t.kplus.assign(n_pre, 0.0);
        t.t_last.assign(n_pre, 0.0);
      }
    p.pre_ids = {};
    p.post_ids = {};
    p.w = {};
    p.d = {};
  }

  // Which projections each node sends through.
  node_proj_ptr.assign(num_nodes + 1, 0);
  for (const auto& p : projections)
    for (std::uint32_t v = p.pre.first; v < p.pre.end(); ++v) ++node_proj_ptr[v + 1];
  std::partial_sum(node_proj_ptr.begin(), node_proj_ptr.end(), node_proj_ptr.begin());
  node_proj.resize(node_proj_ptr.back());
  {
    std::vector<std::uint32_t> cur(node_proj_ptr.begin(), node_proj_ptr.end() - 1);
    for (std::uint32_t pi = 0; pi < projections.size(); ++pi)
      for (std::uint32_t v = projections[pi].pre.first; v < projections[pi].pre.end(); ++v)
        node_proj[cur[v]++] = pi;
  }

  // Per shard: population segments, buffers, generator connections, voltmeter probes.
  for (auto& sh : shards) {
    const std::size_t n_local = sh.hi - sh.lo;
    sh.ring.assign(static_cast<std::size_t>(ring_len) * 2 * n_local, 0.0);
    for (std::size_t i = 0; i < pops.size(); ++i) {
      const NodeRange r = pop_ranges[i];
      const std::uint32_t b = std::max(r.first, sh.lo), e = std::min(r.end(), sh.hi);
      if (b >= e) continue;
      sh.segments.push_back({i, b - r.first, e - r.first, b});
    }
  }
  std::vector<std::size_t> order(gen_conns.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return gen_conns[a].node < gen_conns[b].node;
  });
  for (std::size_t oi : order) {
    const GenConn& c = gen_conns[oi];
    Shard& sh = shards[shard_of[c.node]];
    const std::uint32_t local = c.node - sh.lo;
    if (generators[c.gen].kind == Generator::Kind::poisson) {
      const auto idx = static_cast<std::uint32_t>(sh.pg_target.size());
      if (sh.pg_runs.empty() || sh.pg_runs.back().gen != c.gen ||
          sh.pg_runs.back().delay != c.delay)
        sh.pg_runs.push_back({idx, idx, c.gen, c.delay});
      ++sh.pg_runs.back().end;
      sh.pg_target.push_back(local + (negative(c.weight) ? sh.hi - sh.lo : 0u));
      sh.pg_weight.push_back(c.weight);
      sh.pg_rng.emplace_back(generator_stream(stream_seed, c.gen, c.serial));
      sh.pg_serial.push_back(c.serial);
    } else {
      sh.dc_target.push_back(local);
      sh.dc_gen.push_back(c.gen);
      sh.dc_weight.push_back(c.weight);
      sh.dc_delay.push_back(c.delay);
    }
  }
  gen_conns = {};
  for (auto& sh : shards)
    if (!sh.dc_target.empty()) sh.current.assign(sh.hi - sh.lo, 0.0);
  for (std::uint32_t vi = 0; vi < voltmeters.size(); ++vi) {
    const auto& nodes = voltmeters[vi].record.nodes;
    for (std::uint32_t k = 0; k < nodes.size(); ++k) {
      const std::size_t pi = pop_index(nodes[k]);
      shards[shard_of[nodes[k]]].probes.push_back({vi, k, pi, nodes[k] - pop_ranges[pi].first});
    }
  }
  built = true;
}

// ---------------------------------------------------------------------------------------------
// Simulation

void Network::Impl::update_shard(Shard& sh, std::int64_t start, int k) {
  sh.spikes.clear();
  sh.step_end.clear();
  if (sh.stdp_horizon > 0.0)
    for (std::uint32_t v = sh.lo; v < sh.hi; ++v) {
      // Keep the last spike before the horizon: it carries the trace K_minus.
      auto& hist = post_history[v];
      auto it = std::lower_bound(hist.begin(), hist.end(), sh.stdp_horizon,
                                 [](const PostSpike& a, double t) { return a.t < t; });
      if (it - hist.begin() > 1) hist.erase(hist.begin(), it - 1);
    }
  const std::size_t n_local = sh.hi - sh.lo, stride = 2 * n_local;
  for (int j = 0; j < k; ++j) {
    const std::int64_t s = start + j;
    double* syn = sh.ring.data() + static_cast<std::size_t>(s % ring_len) * stride;
    // Independent Poisson trains per target, drawn when they arrive.
    for (const auto& run : sh.pg_runs) {
      const Generator& g = generators[run.gen];
      const std::int64_t e = s - run.delay;
      if (e < g.start || e >= g.stop) continue;
      const PoissonTable& table = g.table;
      const std::uint32_t* tgt = sh.pg_target.data();
      const double* w = sh.pg_weight.data();
      Rng* rng = sh.pg_rng.data();
      for (std::uint32_t c = run.begin; c < run.end; ++c) {
        const std::uint32_t n = table.sample(rng[c]);
        if (n) syn[tgt[c]] += n * w[c];
      }
    }
    const double* cur = nullptr;
    if (!sh.current.empty()) {
      std::fill(sh.current.begin(), sh.current.end(), 0.0);
      for (std::size_t c = 0; c < sh.dc_target.size(); ++c) {
        const Generator& g = generators[sh.dc_gen[c]];
        const std::int64_t e = s - sh.dc_delay[c];
        if (e < g.start || e >= g.stop) continue;
        sh.current[sh.dc_target[c]] += g.value * sh.dc_weight[c];
      }
      cur = sh.current.data();
    }
    const std::size_t before = sh.spikes.size();
    for (const Segment& seg : sh.segments) {
      SpikeSink sink(sh.spikes, pop_ranges[seg.pop].first);
      const std::size_t off = seg.node_first - sh.lo;
      Population& pop = *pops[seg.pop];
      double* ex = syn + off;
      double* in = syn + n_local + off;
      pop.update(seg.begin, seg.end, s, ex, in, cur ? cur + off : nullptr, sink);
      // Clear the slot for its next use while it is still in cache; sources never receive input.
      if (pop.receives_input()) {
        std::fill(ex, ex + (seg.end - seg.begin), 0.0);
        std::fill(in, in + (seg.end - seg.begin), 0.0);
      }
    }
    for (std::size_t q = before; q < sh.spikes.size(); ++q) {
      const Spike sp = sh.spikes[q];
      spike_count[sp.node] += sp.multiplicity;
      if (keeps_history[sp.node]) {
        auto& hist = post_history[sp.node];
        const double t = static_cast<double>(s + 1) * h;
        const double k = hist.empty() ? 0.0
                                      : hist.back().kminus *
                                            std::exp((hist.back().t - t) / history_tau[sp.node]);
        hist.push_back({t, k + sp.multiplicity});
      }
    }
    for (const Probe& pr : sh.probes) {
      Voltmeter& vm = voltmeters[pr.voltmeter];
      if ((s + 1) % vm.interval == 0) vm.record.v_m[pr.k].push_back(pops[pr.pop]->v_m(pr.local));
    }
    sh.step_end.push_back(static_cast<std::uint32_t>(sh.spikes.size()));
  }
}

void Network::Impl::deliver_shard(std::size_t index, std::int64_t start, int k) {
  Shard& me = shards[index];
  const std::size_t stride = 2 * static_cast<std::size_t>(me.hi - me.lo);
  double* ring = me.ring.data();
  for (int j = 0; j < k; ++j) {
    const std::int64_t e = start + j;
    for (const Shard& src : shards) {
      const std::uint32_t b = j == 0 ? 0 : src.step_end[j - 1], en = src.step_end[j];
      for (std::uint32_t q = b; q < en; ++q) {
        const Spike sp = src.spikes[q];
        for (std::uint32_t pp = node_proj_ptr[sp.node]; pp < node_proj_ptr[sp.node + 1]; ++pp) {
          Projection& p = projections[node_proj[pp]];
          Table& t = p.tables[index];
          const std::uint32_t r = sp.node - p.pre.first;
          const std::uint32_t rb = t.row[r], re = t.row[r + 1];
          if (rb == re) continue;
          if (p.stdp) {
            deliver_stdp(p, t, r, index, e, sp.multiplicity, ring, stride);
            continue;
          }
          const std::uint32_t* tgt = t.target.data();
          const double mult = sp.multiplicity;
          if (p.const_delay) {
            double* buf = ring + static_cast<std::size_t>((e + p.delay) % ring_len) * stride;
            if (p.const_weight) {
              const double w = p.weight * mult;
              for (std::uint32_t x = rb; x < re; ++x) buf[tgt[x]] += w;
            } else {
              const double* w = t.weight.data();
              if (sp.multiplicity == 1) {
                for (std::uint32_t x = rb; x < re; ++x) buf[tgt[x]] += w[x];
              } else {
                for (std::uint32_t x = rb; x < re; ++x) buf[tgt[x]] += w[x] * mult;
              }
            }
          } else {
            const std::uint16_t* d = t.delay.data();
            std::uint16_t cur_d = d[rb];
            double* buf = ring + static_cast<std::size_t>((e + cur_d) % ring_len) * stride;
            for (std::uint32_t x = rb; x < re; ++x) {
              if (d[x] != cur_d) {
                cur_d = d[x];
                buf = ring + static_cast<std::size_t>((e + cur_d) % ring_len) * stride;
              }
              buf[tgt[x]] += (p.const_weight ? p.weight : t.weight[x]) * mult;
            }
          }
        }
      }
    }
  }
}

void Network::Impl::update_stdp_horizon(std::size_t index) {
  double horizon = std::numeric_limits<double>::infinity();
  bool any = false;
  for (const auto& p : projections) {
    if (!p.stdp) continue;
    any = true;
    const Table& t = p.tables[index];
    for (std::size_t r = 0; r + 1 < t.row.size(); ++r)
      if (t.row[r] != t.row[r + 1]) horizon = std::min(horizon, t.t_last[r] - p.max_delay * h);
  }
  shards[index].stdp_horizon = any && std::isfinite(horizon) ? horizon : 0.0;
}

void Network::Impl::deliver_stdp(Projection& p, Table& t, std::uint32_t r, std::size_t shard,
                                 std::int64_t e, std::uint32_t multiplicity, double* ring,
                                 std::size_t stride) {
  const StdpParams& sp = p.plasticity;
  const Shard& me = shards[shard];
  const std::uint32_t n_local = me.hi - me.lo;
  const double t_spike = static_cast<double>(e + 1) * h;
  const double t_last = t.t_last[r], kplus = t.kplus[r];
  for (std::uint32_t x = t.row[r]; x < t.row[r + 1]; ++x) {
    const std::int32_t d_steps = p.const_delay ? p.delay : t.delay[x];
    const double d = d_steps * h;
    const std::uint32_t local = t.target[x] >= n_local ? t.target[x] - n_local : t.target[x];
    const auto& hist = post_history[me.lo + local];
    double w = t.weight[x] / sp.w_max;
    // Potentiation by the post spikes in (t_last - d, t_spike - d], seen through the pre trace.
    auto it = std::upper_bound(hist.begin(), hist.end(), t_last - d,
                               [](double t, const PostSpike& a) { return t < a.t; });
    for (; it != hist.end() && it->t <= t_spike - d; ++it) {
      const double k = kplus * std::exp((t_last - (it->t + d)) / sp.tau_plus);
      w = std::min(1.0, w + sp.lambda * std::pow(1.0 - w, sp.mu_plus) * k);
    }
    // Depression by the post trace just before t_spike - d (the last spike strictly before it).
    double kminus = 0.0;
    auto jt = std::lower_bound(hist.begin(), hist.end(), t_spike - d,
                               [](const PostSpike& a, double t) { return a.t < t; });
    if (jt != hist.begin()) {
      --jt;
      kminus = jt->kminus * std::exp((jt->t - (t_spike - d)) / sp.tau_minus);
    }
    w = std::max(0.0, w - sp.alpha * sp.lambda * std::pow(w, sp.mu_minus) * kminus);
    t.weight[x] = w * sp.w_max;
    t.target[x] = local;  // non-negative weights: excitatory plane
    double* buf = ring + static_cast<std::size_t>((e + d_steps) % ring_len) * stride;
    buf[local] += t.weight[x] * multiplicity;
  }
  t.kplus[r] = kplus * std::exp((t_last - t_spike) / sp.tau_plus) + multiplicity;
  t.t_last[r] = t_spike;
}

void Network::Impl::record_slice(std::int64_t start, int k) {
  for (auto& vm : voltmeters)
    for (int j = 0; j < k; ++j)
      if ((start + j + 1) % vm.interval == 0)
        vm.record.times.push_back(static_cast<double>(start + j + 1) * h);
  if (recorders.empty()) return;
  for (int j = 0; j < k; ++j) {
    const double t = static_cast<double>(start + j + 1) * h;
    for (const Shard& sh : shards) {
      const std::uint32_t b = j == 0 ? 0 : sh.step_end[j - 1], e = sh.step_end[j];
      for (std::uint32_t q = b; q < e; ++q) {
        const Spike sp = sh.spikes[q];
        std::uint32_t mask = rec_mask[sp.node];
        while (mask) {
          const int r = std::countr_zero(mask);
          mask &= mask - 1;
          Recorder& rec = recorders[r];
          if (t > rec.start && t <= rec.stop) {
            for (std::uint32_t m = 0; m < sp.multiplicity; ++m) {
              rec.record.senders.push_back(sp.node);
              rec.record.times.push_back(t);
            }
          }
        }
      }
    }
  }
}

void Network::reseed_streams(std::uint64_t seed) {
  auto& m = *impl_;
  m.stream_seed = seed;
  for (std::size_t i = 0; i < m.pops.size(); ++i)
    m.pops[i]->seed_streams(seed, m.pop_ranges[i].first);
  if (!m.built) return;  // generator connections are seeded when the network is built
  for (auto& sh : m.shards)
    for (const auto& run : sh.pg_runs)
      for (std::uint32_t c = run.begin; c < run.end; ++c)
        sh.pg_rng[c].reseed(generator_stream(seed, run.gen, sh.pg_serial[c]));
}

void Network::simulate(double ms) {
  auto& m = *impl_;
  if (!(ms >= 0.0) || !std::isfinite(ms))
    throw std::invalid_argument("simulate: time must be >= 0");
  if (!m.built) m.build();
  if (!m.calibrated) {
    for (auto& p : m.pops) p->calibrate(m.h);
    m.calibrated = true;
  }
  for (auto& p : m.pops) p->prepare();
  std::int64_t remaining = ms_to_steps(ms, m.h);
  while (remaining > 0) {
    const int k = static_cast<int>(std::min<std::int64_t>(remaining, m.min_delay));
    const std::int64_t start = m.step;
    m.for_shards([&](int s) { m.update_shard(m.shards[s], start, k); });
    m.record_slice(start, k);
    m.for_shards([&](int s) {
      m.deliver_shard(static_cast<std::size_t>(s), start, k);
      m.update_stdp_horizon(static_cast<std::size_t>(s));
    });
    m.step += k;
    remaining -= k;
  }
}

}  // namespace l2l::spiking
