// Ensemble forward pass of the paper CNN (or an MLP): J networks on the same mini-batch, the
// EnKF's per-generation workload. Prints images*members per second for each thread count, next to
// the machine's measured SGEMM rate.
//
//   bench_enkf_forward [--members 100] [--batch 64] [--group 16] [--threads 1,2] [--seconds 3]
//                      [--network cnn|mlp] [--hidden 100] [--reps N] [--peak 0|1]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/linalg/parallel_gemm.hpp"
#include "l2l/optimizees/neural/network.hpp"

using namespace l2l;
using clk = std::chrono::steady_clock;

namespace {

double sgemm_rate(int threads) {
  const int n = 2048;
  std::vector<float> a(std::size_t(n) * n, 0.5f), b(a), c(a.size());
  blas::ThreadPool pool(threads);
  auto run = [&] {
    blas::parallel_sgemm(pool, blas::Op::none, blas::Op::none, n, n, n, 1.0f, a.data(), n, b.data(),
                         n, 0.0f, c.data(), n);
  };
  run();
  double best = 1e9;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = clk::now();
    run();
    best = std::min(best, std::chrono::duration<double>(clk::now() - t0).count());
  }
  return 2.0 * n * n * double(n) / best * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ensemble forward pass of J networks on one mini-batch: img*members/s vs SGEMM"};
  int members = 100, batch = 64, group = 16, hidden = 100;
  double seconds = 3.0;
  int fixed_reps = 0;  // > 0: exactly this many forward passes (for CPU-time measurements)
  bool peak = true;
  std::string network = "cnn";
  std::vector<int> threads{1, 2};
  app.add_option("--members", members, "ensemble size J")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--batch", batch, "images per mini-batch")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--group", group, "members per forward call")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  l2l::bench::add_count_list(app, "--threads", threads, "thread counts, e.g. 1,2");
  app.add_option("--seconds", seconds, "time each thread count for at least this long")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--network", network, "the paper CNN or a 784-H-10 MLP")
      ->check(CLI::IsMember({"cnn", "mlp"}))
      ->capture_default_str();
  app.add_option("--hidden", hidden, "mlp: hidden units H")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--reps", fixed_reps,
                 "exactly this many forward passes instead of --seconds (0: timed)")
      ->check(l2l::bench::non_negative)
      ->capture_default_str();
  app.add_option("--peak", peak, "also measure the SGEMM rate (0 or 1)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto net = network == "cnn"
                 ? nn::make_paper_cnn(nn::Activation::sigmoid)
                 : nn::make_mlp({784, std::size_t(hidden), 10}, nn::Activation::sigmoid, true);
  const std::size_t P = net->n_weights();
  Rng rng(1);
  std::vector<std::vector<float>> w(members, std::vector<float>(P));
  for (auto& m : w)
    for (auto& v : m) v = static_cast<float>(0.1 * rng.normal());
  std::vector<float> x(std::size_t(batch) * 784);
  for (auto& v : x) v = static_cast<float>(rng.uniform());
  std::vector<const float*> ptr;
  for (auto& m : w) ptr.push_back(m.data());
  std::vector<float> logits(std::size_t(members) * batch * 10);

  std::printf("BLAS: %s\n", blas::backend().c_str());
  std::printf("network: %s\n", net->summary().c_str());
  std::printf("members %d, batch %d, members per call %d, %.2f MFLOP per image and member\n",
              members, batch, group, net->flops_per_image() * 1e-6);
  std::printf("%8s %14s %10s %12s %16s\n", "threads", "img*members/s", "GFLOP/s", "ms/forward",
              "SGEMM GFLOP/s");
  for (int t : threads) {
    blas::ThreadPool pool(t);
    const std::size_t chunks = (members + group - 1) / group;
    auto run = [&] {
      pool.for_each(chunks, [&](std::size_t c) {
        const std::size_t q0 = c * group, q1 = std::min<std::size_t>(members, q0 + group);
        net->forward(std::span<const float* const>(ptr.data() + q0, q1 - q0), x.data(), batch,
                     logits.data() + q0 * batch * 10);
      });
    };
    run();
    int reps = 0;
    const auto t0 = clk::now();
    double el = 0;
    do {
      run();
      ++reps;
      el = std::chrono::duration<double>(clk::now() - t0).count();
    } while (fixed_reps > 0 ? reps < fixed_reps : el < seconds);
    const double per = el / reps;
    const double rate = double(members) * batch / per;
    std::printf("%8d %14.0f %10.1f %12.2f %16.1f\n", t, rate, rate * net->flops_per_image() * 1e-9,
                per * 1e3, peak ? sgemm_rate(t) : 0.0);
  }
  return 0;
}
