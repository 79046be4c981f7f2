// One EnKF update of the paper CNN's ensemble (P = 18,050 weights, m = 640 outputs: 64 images x
// 10 classes) for several ensemble sizes, timed, with the GFLOP/s of its P-sized products next to
// the machine's measured SGEMM rate. bench/enkf_update_ref.py times the same update with numpy
// (the literal formula, float64) and PyTorch (re-arranged, float32).
//
//   bench_enkf_update [--members 100,1000,5000] [--threads 1,2] [--outputs 640] [--params 18050]
//                     [--form auto|ensemble|output] [--sequential 0]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/linalg/parallel_gemm.hpp"
#include "l2l/optimizers/enkf_update.hpp"

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
  CLI::App app{"Time of one EnKF update of the paper CNN's ensemble for several ensemble sizes"};
  std::vector<int> members{100, 1000, 5000}, threads{1, 2};
  std::size_t P = 18050, m = 640, seq = 0;
  std::string form = "auto";
  l2l::bench::add_count_list(app, "--members", members, "ensemble sizes J, e.g. 100,1000");
  l2l::bench::add_count_list(app, "--threads", threads, "thread counts, e.g. 1,2");
  app.add_option("--outputs", m, "outputs m (images x classes)")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("--params", P, "parameters P")->check(l2l::bench::positive)->capture_default_str();
  app.add_option("--form", form, "update form")
      ->check(CLI::IsMember({"auto", "ensemble", "output"}))
      ->capture_default_str();
  app.add_option("--sequential", seq,
                 "assimilate the outputs in blocks of this many (0: all at once)")
      ->check(l2l::bench::non_negative)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("BLAS: %s; P = %zu, m = %zu, form %s%s\n", blas::backend().c_str(), P, m,
              form.c_str(), seq ? ", sequential" : "");
  std::printf("%8s %8s %10s %10s %10s %10s %14s\n", "J", "threads", "form", "seconds", "GFLOP",
              "GFLOP/s", "SGEMM GFLOP/s");
  std::vector<double> peak;
  for (int t : threads) peak.push_back(sgemm_rate(t));
  for (int J : members) {
    Rng rng(J);
    std::vector<float> E0(std::size_t(J) * P);
    for (auto& e : E0) e = static_cast<float>(0.1 * rng.normal());
    std::vector<double> G(std::size_t(J) * m), Y(std::size_t(J) * m);
    for (auto& g : G) g = rng.uniform();
    for (std::size_t k = 0; k < m; ++k) {
      const double y = k % 10 == 3 ? 1.0 : 0.0;
      for (int j = 0; j < J; ++j) Y[j * m + k] = y;
    }
    for (std::size_t ti = 0; ti < threads.size(); ++ti) {
      blas::ThreadPool pool(threads[ti]);
      enkf::UpdateSettings s;
      s.gamma = 0.01;
      s.form = enkf::parse_form(form);
      s.sequential_block = seq;
      double best = 1e9;
      enkf::UpdateReport rep;
      const int reps = J >= 2000 ? 2 : 4;
      for (int r = 0; r < reps; ++r) {
        auto E = E0;
        const auto t0 = clk::now();
        rep = enkf::update(E, J, P, G, Y, m, s, pool);
        best = std::min(best, std::chrono::duration<double>(clk::now() - t0).count());
      }
      std::printf("%8d %8d %10s %10.4f %10.1f %10.1f %14.1f\n", J, threads[ti], rep.form.c_str(),
                  best, rep.flops * 1e-9, rep.flops * 1e-9 / best, peak[ti]);
      std::fflush(stdout);
    }
  }
  return 0;
}
