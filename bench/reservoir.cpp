// bench_reservoir: cost of one spiking-reservoir evaluation (one image: 200 ms cool-down + 500 ms
// presentation of biological time) for the thesis network (784 inputs, 1,600 + 400 bulk neurons,
// 36 output neurons), on one thread: the whole network (what every evaluation costs without the
// cache, and once per image with it) and the replay of cached bulk spikes through the output
// neurons (what each further candidate costs with frozen noise).
//
// usage: bench_reservoir [--images N] [--data-dir DIR] [--threads T]
// Uses MNIST digits 0/1/2 from data/mnist (scripts/fetch-data.sh) or DIR; random images if absent.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizees/spiking/digits.hpp"
#include "l2l/optimizees/spiking/reservoir_network.hpp"

using namespace l2l;
using namespace l2l::spiking;

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cost of one spiking-reservoir evaluation: the whole network and the spike replay"};
  int n_images = 10, threads = 1;
  std::string data_dir;
  app.add_option("--images", n_images, "images (MNIST digits 0/1/2) to time")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "MNIST directory (default: data/mnist)");
  app.add_option("--threads", threads, "threads of the whole network")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::vector<std::vector<float>> images;
  std::vector<int> labels;
  try {
    const DigitSplit d = load_digits("mnist", data_dir, "");
    for (std::size_t i = 0; i < d.train.size() && static_cast<int>(images.size()) < n_images; ++i)
      if (d.train.labels[i] <= 2) {
        images.emplace_back(d.train.image(i), d.train.image(i) + 784);
        labels.push_back(d.train.labels[i]);
      }
    std::printf("images: MNIST digits 0/1/2 from %s\n", d.dir.c_str());
  } catch (const std::exception& e) {
    Rng rng(1);
    for (int i = 0; i < n_images; ++i) {
      std::vector<float> px(784);
      for (auto& p : px) p = rng.uniform() < 0.19 ? static_cast<float>(rng.uniform()) : 0.0f;
      images.push_back(px);
      labels.push_back(i % 3);
    }
    std::printf("images: random (MNIST not found: %s)\n", e.what());
  }
  std::printf("load average at start: %s\n\n", load_average().c_str());

  ReservoirParams p;
  double c0 = cpu_seconds(), w0 = wall_seconds();
  ReservoirNetwork full(p, 1, threads);
  ReplayNetwork replay(full);
  std::printf("build: %.3f s wall, %.3f s CPU; %zu neurons, %zu synapses, %zu readout weights\n",
              wall_seconds() - w0, cpu_seconds() - c0, full.network().num_nodes(),
              full.network().num_synapses(), p.n_readout());
  const std::vector<double> w = full.readout_weights();
  std::vector<BulkSpikes> bulk(images.size());
  double full_cpu = 0, full_wall = 0, bulk_rate = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    c0 = cpu_seconds();
    w0 = wall_seconds();
    const ImageResult r = full.run(images[i], w, 100 + i, &bulk[i]);
    full_cpu += cpu_seconds() - c0;
    full_wall += wall_seconds() - w0;
    bulk_rate += r.bulk_rate_exc;
  }
  const double n = static_cast<double>(images.size()), bio = p.duration() * 1e-3;
  double rep_cpu = 0, rep_wall = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    c0 = cpu_seconds();
    w0 = wall_seconds();
    (void)replay.run(bulk[i], w, 100 + i);
    rep_cpu += cpu_seconds() - c0;
    rep_wall += wall_seconds() - w0;
  }
  std::printf(
      "whole network, one image (%.0f ms biological), %d thread(s): %.3f s wall, %.3f s "
      "CPU = %.2fx faster than real time (CPU); bulk E rate %.1f Hz\n",
      p.duration(), threads, full_wall / n, full_cpu / n, bio / (full_cpu / n), bulk_rate / n);
  std::printf(
      "replay of cached bulk spikes through the outputs: %.4f s wall, %.4f s CPU per "
      "image (%.0fx less than the whole network)\n",
      rep_wall / n, rep_cpu / n, full_cpu / rep_cpu);
  std::printf("\nload average at end: %s\n", load_average().c_str());
  return 0;
}
