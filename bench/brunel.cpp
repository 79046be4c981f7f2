// bench_brunel: wall-clock cost of simulating Brunel (2000) model A at full size (12,500 neurons,
// 15.6 million synapses, g = 5, eta = 2) with l2l's spiking simulator, and, when Brian2 is
// installed (Debian python3-brian), the same network in Brian2's C++ standalone mode.
//
// usage: bench_brunel [--threads 1,2] [--duration MS] [--warmup MS] [--no-brian2]
//                     [--python PATH] [--scale F]
// Prints, per thread count: build and simulation times, seconds per biological second, mean
// rates and ISI CV against the mean-field rate, then Brian2's compile time, run time, rates and
// the speed ratio (Brian2 run time / l2l simulation time, same biological time and threads).
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli_checks.hpp"
#include "l2l/spiking/brunel.hpp"

using namespace l2l::spiking;

namespace {

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string run_command(const std::string& cmd, int& status) {
  std::array<char, 4096> buf{};
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    status = -1;
    return out;
  }
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  status = pclose(p);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Brunel (2000) model A at full size: l2l's spiking simulator against Brian2"};
  std::vector<int> threads{1};
  double duration = 1000.0, warmup = 100.0, scale = 1.0;
  bool no_brian = false;
  std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  l2l::bench::add_count_list(app, "--threads", threads, "thread counts, e.g. 1,2");
  app.add_option("--duration", duration, "measured biological time, ms")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--warmup", warmup, "biological warm-up before the measurement, ms")
      ->check(l2l::bench::non_negative)
      ->capture_default_str();
  app.add_option("--scale", scale, "factor on the number of neurons (1: 12,500)")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_flag("--no-brian2", no_brian, "skip the Brian2 comparison");
  app.add_option("--python", python, "Python interpreter with brian2")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const bool brian = !no_brian;
  BrunelConfig base;
  base.n_e = static_cast<std::uint32_t>(std::lround(base.n_e * scale));
  base.n_i = base.n_e / 4;
  base.warmup = warmup;
  base.duration = duration;
  const double mf = base.mean_field_rate();
  std::printf(
      "Brunel (2000) model A: N_E=%u N_I=%u C_E=%u C_I=%u J=%.2f mV g=%.1f eta=%.1f "
      "D=%.1f ms, dt=%.1f ms\n",
      base.n_e, base.n_i, base.c_e, base.c_i, base.j, base.g, base.eta, base.delay,
      base.resolution);
  std::printf("simulated: %.0f ms warm-up + %.0f ms measured; mean-field rate %.2f Hz\n", warmup,
              duration, mf);
  std::printf("load average at start: %s (cores: %ld)\n\n", load_average().c_str(),
              sysconf(_SC_NPROCESSORS_ONLN));

  const bool have_brian =
      brian && std::system((python + " -c 'import brian2' >/dev/null 2>&1").c_str()) == 0;
  if (brian && !have_brian)
    std::printf("Brian2 not found for %s (install Debian python3-brian); l2l only.\n\n",
                python.c_str());

  for (int t : threads) {
    BrunelConfig c = base;
    c.threads = t;
    const BrunelResult r = run_brunel(c);
    const double bio = (warmup + duration) * 1e-3;
    std::printf(
        "[l2l]    threads %d: build %.2f s, simulate %.2f s wall = %.3f s per biological s "
        "(CPU %.2f s = %.3f s per biological s)\n",
        t, r.build_seconds, r.sim_seconds, r.seconds_per_bio_second, r.sim_cpu_seconds,
        r.sim_cpu_seconds / bio);
    std::printf(
        "[l2l]    synapses %llu, rate E %.2f Hz, rate I %.2f Hz (%.1f %% from mean field), "
        "ISI CV %.3f\n",
        static_cast<unsigned long long>(r.synapses), r.rate_e, r.rate_i,
        100.0 * (r.rate_e - mf) / mf, r.cv_isi);
    std::fflush(stdout);
    if (!have_brian) continue;
    std::ostringstream cmd;
    cmd << python << " " << L2L_SOURCE_DIR << "/bench/brunel_brian2.py --threads " << t
        << " --duration " << duration << " --warmup " << warmup << " --n-e " << c.n_e
        << " 2>/dev/null";
    int status = 0;
    const std::string out = run_command(cmd.str(), status);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(out.substr(out.rfind('{')));
    } catch (...) {
      std::printf("[brian2] threads %d: failed (status %d): %s\n", t, status, out.c_str());
      continue;
    }
    const double run_s = j["run_seconds"].get<double>();
    const double run_cpu = j.value("run_cpu_seconds", std::nan(""));
    const double rate_e = j["rate_e"].get<double>();
    std::printf(
        "[brian2] threads %d: compile %.1f s, binary %.2f s, of which simulate %.2f s wall "
        "= %.3f s per biological s (CPU %.2f s = %.3f s per biological s; Brian2's own run-time "
        "report: %.2f s)\n",
        t, j["compile_seconds"].get<double>(), j["binary_seconds"].get<double>(), run_s,
        run_s / bio, run_cpu, run_cpu / bio, j.value("brian2_reported_run_seconds", std::nan("")));
    std::printf(
        "[brian2] synapses %llu, rate E %.2f Hz, rate I %.2f Hz (%.1f %% from mean field), "
        "ISI CV %.3f\n",
        static_cast<unsigned long long>(j["synapses"].get<std::uint64_t>()), rate_e,
        j["rate_i"].get<double>(), 100.0 * (rate_e - mf) / mf, j["cv_isi"].get<double>());
    std::printf(
        "[ratio]  threads %d: l2l is %.2fx faster than Brian2 standalone (wall clock), "
        "%.2fx (CPU time); excitatory rates differ by %.1f %%\n\n",
        t, run_s / r.sim_seconds, run_cpu / r.sim_cpu_seconds,
        100.0 * (r.rate_e - rate_e) / rate_e);
    std::fflush(stdout);
  }
  std::printf("load average at end: %s\n", load_average().c_str());
  return 0;
}
