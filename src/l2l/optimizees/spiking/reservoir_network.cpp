#include "l2l/optimizees/spiking/reservoir_network.hpp"

#include <stdexcept>

#include "l2l/spiking/iaf_psc_alpha.hpp"
#include "l2l/spiking/poisson_source.hpp"
#include "l2l/spiking/spike_generator.hpp"

namespace l2l::spiking {

std::array<std::size_t, 4> ReservoirParams::readout_sizes() const {
  const std::size_t c = n_classes;
  return {c * out_exc * readout_indegree_exc, c * out_inh * readout_indegree_exc,
          c * out_exc * readout_indegree_inh, c * out_inh * readout_indegree_inh};
}

std::size_t ReservoirParams::n_readout() const {
  std::size_t n = 0;
  for (auto s : readout_sizes()) n += s;
  return n;
}

void ReservoirParams::validate() const {
  auto bad = [](const char* why) { throw std::invalid_argument(std::string("reservoir: ") + why); };
  if (n_input == 0 || n_exc == 0 || n_inh == 0) bad("populations must not be empty");
  if (n_classes < 2) bad("at least two classes");
  if (out_exc == 0 || out_inh == 0) bad("output clusters need E and I neurons");
  if (readout_indegree_exc == 0 || readout_indegree_exc > n_exc)
    bad("readout_indegree_exc out of range");
  if (readout_indegree_inh == 0 || readout_indegree_inh > n_inh)
    bad("readout_indegree_inh out of range");
  if (input_indegree > n_input) bad("input_indegree larger than the input layer");
  if (outdegree_ee >= n_exc || outdegree_ie > n_exc || outdegree_ei > n_inh ||
      outdegree_ii >= n_inh)
    bad("out-degree larger than the target population");
  if (cluster_indegree > out_exc || cluster_indegree > out_inh) bad("cluster_indegree too large");
  if (!(presentation > 0) || !(cooldown >= 0)) bad("bad presentation or cooldown time");
  if (!(rate_min >= 0 && rate_max >= 0 && rate_idle >= 0)) bad("rates must be >= 0");
}

void set_readout_weights(Network& net, std::span<const Network::ProjectionId> ids,
                         std::span<const double> readout) {
  std::size_t off = 0;
  for (auto id : ids) {
    const std::size_t n = net.num_synapses(id);
    if (off + n > readout.size()) throw std::invalid_argument("readout weights: too few values");
    net.set_weights(id, readout.subspan(off, n));
    off += n;
  }
  if (off != readout.size()) throw std::invalid_argument("readout weights: too many values");
}

ReservoirNetwork::ReservoirNetwork(const ReservoirParams& p, std::uint64_t structure_seed,
                                   int threads)
    : p_(p), net_({p.resolution, structure_seed, threads}) {
  p_.validate();
  // Generators first, output background before bulk background, so that the replay network
  // (which only has the former) gives the output background the same streams.
  out_bg_ = net_.add_poisson_generator(p_.bg_rate);
  bulk_bg_ = net_.add_poisson_generator(p_.bg_rate);
  IafPscAlpha::Params np;  // NEST defaults
  input_ = net_.create<PoissonSource>(p_.n_input, {p_.rate_idle});
  exc_ = net_.create<IafPscAlpha>(p_.n_exc, np);
  inh_ = net_.create<IafPscAlpha>(p_.n_inh, np);
  // All output neurons in one population (one update call per step); cluster c is
  // [c * (out_exc + out_inh), ...), E neurons first.
  const NodeRange outs_all = net_.create<IafPscAlpha>(p_.n_out(), np);
  out_first_ = outs_all.first;
  const std::uint32_t cl = p_.out_exc + p_.out_inh;
  for (std::uint32_t c = 0; c < p_.n_classes; ++c) {
    out_e_.push_back(outs_all.slice(c * cl, p_.out_exc));
    out_i_.push_back(outs_all.slice(c * cl + p_.out_exc, p_.out_inh));
  }
  const NodeRange bulk = exc_ + inh_;
  const NodeRange outs = outputs();
  net_.connect_generator(out_bg_, outs, p_.bg_weight, p_.delay);
  net_.connect_generator(bulk_bg_, bulk, p_.bg_weight, p_.delay);

  const Distribution dly = Distribution::constant(p_.delay);
  const SynSpec w_in(Distribution::normal(p_.w_input_mean, p_.w_input_sd), dly);
  const SynSpec w_e(Distribution::normal(p_.w_exc_mean, p_.w_exc_sd), dly);
  const SynSpec w_i(Distribution::normal(p_.w_inh_mean, p_.w_inh_sd), dly);
  auto in_rule = ConnSpec::fixed_indegree(p_.input_indegree).multapses(false);
  net_.connect(input_, exc_, in_rule, w_in);
  net_.connect(input_, inh_, in_rule, w_in);
  auto out_rule = [](std::uint32_t k) {
    return ConnSpec::fixed_outdegree(k).autapses(false).multapses(false);
  };
  net_.connect(exc_, exc_, out_rule(p_.outdegree_ee), w_e);
  net_.connect(exc_, inh_, out_rule(p_.outdegree_ei), w_e);
  net_.connect(inh_, exc_, out_rule(p_.outdegree_ie), w_i);
  net_.connect(inh_, inh_, out_rule(p_.outdegree_ii), w_i);

  const auto cl_rule = ConnSpec::fixed_indegree(p_.cluster_indegree).multapses(false);
  for (std::uint32_t c = 0; c < p_.n_classes; ++c) {
    const SynSpec ce(p_.w_cluster_exc, p_.delay), ci(p_.w_cluster_inh, p_.delay);
    cluster_ids_.push_back(net_.connect(out_e_[c], out_e_[c], cl_rule, ce));
    cluster_ids_.push_back(net_.connect(out_e_[c], out_i_[c], cl_rule, ce));
    cluster_ids_.push_back(net_.connect(out_i_[c], out_e_[c], cl_rule, ci));
    cluster_ids_.push_back(net_.connect(out_i_[c], out_i_[c], cl_rule, ci));
  }
  const SynSpec w_ro(Distribution::normal(p_.w_readout_mean, p_.w_readout_sd), dly);
  const auto ro_e = ConnSpec::fixed_indegree(p_.readout_indegree_exc).multapses(false);
  const auto ro_i = ConnSpec::fixed_indegree(p_.readout_indegree_inh).multapses(false);
  // Parameter order: eeo (all clusters), eio, ieo, iio.
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    readout_ids_.push_back(net_.connect(exc_, out_e_[c], ro_e, w_ro));
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    readout_ids_.push_back(net_.connect(exc_, out_i_[c], ro_e, w_ro));
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    readout_ids_.push_back(net_.connect(inh_, out_e_[c], ro_i, w_ro));
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    readout_ids_.push_back(net_.connect(inh_, out_i_[c], ro_i, w_ro));
  for (auto id : readout_ids_) readout_.projections.push_back(net_.connections(id));
  for (auto id : cluster_ids_) cluster_conns_.push_back(net_.connections(id));
  net_.simulate(0.0);  // builds the tables once; every run copies the built network
}

std::vector<double> ReservoirNetwork::readout_weights() const {
  std::vector<double> w;
  for (const auto& c : readout_.projections) w.insert(w.end(), c.weight.begin(), c.weight.end());
  return w;
}

ImageResult ReservoirNetwork::run(std::span<const float> pixels, std::span<const double> readout,
                                  std::uint64_t noise_seed, BulkSpikes* bulk_out,
                                  SpikeRecord* raster) const {
  if (pixels.size() != p_.n_input) throw std::invalid_argument("reservoir: wrong image size");
  Network net(net_);
  if (!readout.empty()) set_readout_weights(net, readout_ids_, readout);
  net.reseed_streams(noise_seed);
  const NodeRange bulk = exc_ + inh_;
  auto& inputs = net.population_as<PoissonSource>(input_);
  for (std::uint32_t k = 0; k < p_.n_input; ++k) inputs.set_rate(k, p_.rate_idle);
  const auto rec_bulk = bulk_out ? net.add_spike_recorder(bulk) : 0;
  const auto rec_all = raster ? net.add_spike_recorder(bulk + outputs()) : 0;
  net.simulate(p_.cooldown);
  for (std::uint32_t k = 0; k < p_.n_input; ++k)
    inputs.set_rate(k, p_.rate_min + (p_.rate_max - p_.rate_min) * static_cast<double>(pixels[k]));
  net.reset_spike_counts();
  net.simulate(p_.presentation);
  ImageResult r;
  const double secs = p_.presentation * 1e-3;
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    r.rates.push_back(net.total_spikes(out_e_[c]) / (secs * p_.out_exc));
  r.bulk_rate_exc = net.total_spikes(exc_) / (secs * p_.n_exc);
  r.bulk_rate_inh = net.total_spikes(inh_) / (secs * p_.n_inh);
  r.output_spikes = net.total_spikes(outputs());
  if (bulk_out) {
    const auto& s = net.spike_record(rec_bulk);
    bulk_out->node.resize(s.size());
    bulk_out->step.resize(s.size());
    for (std::size_t k = 0; k < s.size(); ++k) {
      bulk_out->node[k] = s.senders[k] - bulk.first;
      // Spike stamps are (emission step + 1) h.
      bulk_out->step[k] = static_cast<std::uint32_t>(std::llround(s.times[k] / p_.resolution)) - 1;
    }
  }
  if (raster) *raster = net.spike_record(rec_all);
  return r;
}

ReplayNetwork::ReplayNetwork(const ReservoirNetwork& full)
    : p_(full.params()), net_({p_.resolution, full.network().seed(), 1}) {
  // Same generator ids and order as the full network; bulk ids become replay ids, output ids
  // keep their order after them, so every output neuron receives its inputs in the same order.
  const auto out_bg = net_.add_poisson_generator(p_.bg_rate);
  (void)net_.add_poisson_generator(p_.bg_rate);  // the bulk background: unused, keeps ids
  IafPscAlpha::Params np;
  const std::uint32_t n_bulk = p_.n_exc + p_.n_inh;
  replay_ = net_.create<SpikeGenerator>(n_bulk);
  const NodeRange outs_all = net_.create<IafPscAlpha>(p_.n_out(), np);
  out_first_ = outs_all.first;
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    out_e_.push_back(outs_all.slice(c * (p_.out_exc + p_.out_inh), p_.out_exc));
  const NodeRange outs{out_first_, p_.n_out()};
  net_.connect_generator(out_bg, outs, p_.bg_weight, p_.delay);
  const std::uint32_t full_bulk = full.bulk().first, full_out = full.outputs().first;
  auto remap = [&](Connections c) {
    for (auto& v : c.pre)
      v = v >= full_out ? v - full_out + out_first_ : v - full_bulk + replay_.first;
    for (auto& v : c.post) v = v - full_out + out_first_;
    return c;
  };
  for (std::size_t k = 0; k < full.num_cluster_projections(); ++k)
    (void)net_.connect_explicit(remap(full.cluster_connections(k)));
  for (const auto& c : full.readout().projections)
    readout_ids_.push_back(net_.connect_explicit(remap(c)));
  net_.simulate(0.0);
}

ImageResult ReplayNetwork::run(const BulkSpikes& bulk, std::span<const double> readout,
                               std::uint64_t noise_seed, SpikeRecord* raster) const {
  Network net(net_);
  set_readout_weights(net, readout_ids_, readout);
  net.reseed_streams(noise_seed);
  std::vector<double> times(bulk.step.size());
  for (std::size_t k = 0; k < times.size(); ++k) times[k] = (bulk.step[k] + 1.0) * p_.resolution;
  net.population_as<SpikeGenerator>(replay_).set_all_spike_times(bulk.node, times);
  const NodeRange outs{out_first_, p_.n_out()};
  const auto rec = raster ? net.add_spike_recorder(outs) : 0;
  net.simulate(p_.cooldown);
  net.reset_spike_counts();
  net.simulate(p_.presentation);
  ImageResult r;
  const double secs = p_.presentation * 1e-3;
  for (std::uint32_t c = 0; c < p_.n_classes; ++c)
    r.rates.push_back(net.total_spikes(out_e_[c]) / (secs * p_.out_exc));
  r.output_spikes = net.total_spikes(outs);
  if (raster) *raster = net.spike_record(rec);
  return r;
}

}  // namespace l2l::spiking
