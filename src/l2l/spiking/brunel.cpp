#include "l2l/spiking/brunel.hpp"

#include <time.h>

#include <chrono>
#include <cmath>
#include <map>

#include "l2l/spiking/iaf_psc_delta.hpp"
#include "l2l/spiking/network.hpp"
#include "l2l/spiking/siegert.hpp"

namespace l2l::spiking {

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

double BrunelConfig::mean_field_rate() const {
  BrunelMeanField mf;
  mf.c_e = c_e;
  mf.c_i = c_i;
  mf.j = j;
  mf.g = g;
  mf.nu_ext = nu_ext();
  mf.tau_m = tau_m;
  mf.theta = theta;
  mf.v_reset = v_reset;
  mf.t_ref = t_ref;
  return mf.rate();
}

double mean_isi_cv(const std::vector<std::uint32_t>& senders, const std::vector<double>& times) {
  std::map<std::uint32_t, std::vector<double>> trains;
  for (std::size_t k = 0; k < senders.size(); ++k) trains[senders[k]].push_back(times[k]);
  double sum = 0.0;
  std::size_t n = 0;
  for (const auto& [_, t] : trains) {
    if (t.size() < 3) continue;
    double m = 0.0, m2 = 0.0;
    const std::size_t k = t.size() - 1;
    for (std::size_t i = 1; i < t.size(); ++i) m += t[i] - t[i - 1];
    m /= k;
    for (std::size_t i = 1; i < t.size(); ++i) m2 += (t[i] - t[i - 1] - m) * (t[i] - t[i - 1] - m);
    sum += std::sqrt(m2 / k) / m;
    ++n;
  }
  return n ? sum / n : 0.0;
}

BrunelResult run_brunel(const BrunelConfig& c) {
  using clock = std::chrono::steady_clock;
  BrunelResult res;
  const auto t0 = clock::now();
  Network net({c.resolution, c.seed, c.threads});
  IafPscDelta::Params p;
  p.E_L = 0.0;
  p.C_m = 250.0;  // irrelevant for delta synapses without currents
  p.tau_m = c.tau_m;
  p.t_ref = c.t_ref;
  p.V_th = c.theta;
  p.V_reset = c.v_reset;
  const NodeRange exc = net.create<IafPscDelta>(c.n_e, p);
  const NodeRange inh = net.create<IafPscDelta>(c.n_i, p);
  const NodeRange all = exc + inh;
  net.randomize_v_m(all, Distribution::uniform(0.0, c.theta), 0);
  net.connect(exc, all, ConnSpec::fixed_indegree(c.c_e), SynSpec(c.j, c.delay));
  net.connect(inh, all, ConnSpec::fixed_indegree(c.c_i), SynSpec(-c.g * c.j, c.delay));
  const auto gen = net.add_poisson_generator(c.nu_ext() * c.c_e);
  net.connect_generator(gen, all, c.j, c.delay);
  const auto rec = net.add_spike_recorder(exc.slice(0, std::min(c.n_recorded, c.n_e)), c.warmup);
  res.synapses = net.num_synapses();
  const auto t1 = clock::now();
  const double cpu1 = cpu_seconds();
  net.simulate(c.warmup);
  net.reset_spike_counts();
  net.simulate(c.duration);
  const auto t2 = clock::now();
  res.sim_cpu_seconds = cpu_seconds() - cpu1;
  res.build_seconds = std::chrono::duration<double>(t1 - t0).count();
  res.sim_seconds = std::chrono::duration<double>(t2 - t1).count();
  res.seconds_per_bio_second = res.sim_seconds / ((c.warmup + c.duration) * 1e-3);
  const double secs = c.duration * 1e-3;
  res.rate_e = net.total_spikes(exc) / (secs * c.n_e);
  res.rate_i = net.total_spikes(inh) / (secs * c.n_i);
  res.spikes = net.total_spikes(all);
  const auto& r = net.spike_record(rec);
  res.recorded_senders = r.senders;
  res.recorded_times = r.times;
  res.cv_isi = mean_isi_cv(r.senders, r.times);
  return res;
}

}  // namespace l2l::spiking
