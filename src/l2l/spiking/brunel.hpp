#pragma once
// Brunel (2000) model A: a sparse network of N_E excitatory and N_I inhibitory iaf_psc_delta
// neurons with fixed in-degrees C_E = epsilon N_E and C_I = epsilon N_I, synaptic weights J and
// -g J, one delay D, and external Poisson drive (C_E independent inputs of rate eta nu_thr each,
// nu_thr = theta/(J C_E tau_m)). Used by the validation test (scaled down) and bench_brunel (full
// size). Defaults: the full network with g = 5, eta = 2, whose mean-field rate is 37.95 Hz.
#include <cstdint>
#include <vector>

namespace l2l::spiking {

struct BrunelConfig {
  std::uint32_t n_e = 10000, n_i = 2500;
  std::uint32_t c_e = 1000, c_i = 250;
  double j = 0.1;  // mV
  double g = 5.0;
  double eta = 2.0;
  double delay = 1.5;     // ms
  double tau_m = 20.0;    // ms
  double theta = 20.0;    // mV (relative to rest)
  double v_reset = 10.0;  // mV
  double t_ref = 2.0;     // ms
  double resolution = 0.1;
  double warmup = 100.0;            // ms, discarded
  double duration = 1000.0;         // ms, measured
  std::uint32_t n_recorded = 1000;  // excitatory neurons whose spike trains give the ISI CV
  int threads = 1;
  std::uint64_t seed = 1;

  double nu_thr() const { return theta / (j * c_e * tau_m) * 1000.0; }  // Hz
  double nu_ext() const { return eta * nu_thr(); }                      // Hz per input
  double mean_field_rate() const;
};

struct BrunelResult {
  double rate_e = 0.0, rate_i = 0.0;  // Hz, over the measured window
  double cv_isi = 0.0;                // mean ISI CV of recorded excitatory neurons
  double build_seconds = 0.0;         // creating and connecting
  double sim_seconds = 0.0;           // simulating warm-up and window (wall clock)
  double sim_cpu_seconds = 0.0;       // the same in process CPU time (all threads)
  double seconds_per_bio_second = 0.0;
  std::uint64_t synapses = 0;
  std::uint64_t spikes = 0;
  std::vector<std::uint32_t> recorded_senders;  // raster of the recorded neurons
  std::vector<double> recorded_times;
};

BrunelResult run_brunel(const BrunelConfig& c);

// Mean coefficient of variation of the inter-spike intervals, over senders with >= 3 spikes.
double mean_isi_cv(const std::vector<std::uint32_t>& senders, const std::vector<double>& times);

}  // namespace l2l::spiking
