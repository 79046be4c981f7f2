// Cost of the benchmark functions: nanoseconds per call of BenchmarkFunction::value() and of the
// optimizee's evaluate() (what an evaluator calls, building the Evaluation), with the number of
// heap allocations per evaluate(). Usage: bench_functions [calls per preset, default 1000000]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/candidate.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizees/functions/function_optimizee.hpp"
#include "l2l/optimizees/functions/presets.hpp"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// Not inlined: where GCC inlines them it sees free() on memory from operator new and rejects the
// pair (-Wmismatched-new-delete), though this operator new does allocate with malloc().
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

int main(int argc, char** argv) {
  using clock = std::chrono::steady_clock;
  CLI::App app{"Nanoseconds per call and heap allocations per evaluation of each function preset"};
  long calls = 1000000;
  app.add_option("calls", calls, "calls per preset")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("%-14s %4s %12s %12s %14s %12s\n", "preset", "dims", "value ns", "evaluate ns",
              "evaluations/s", "allocs/eval");
  double sink = 0;
  for (const auto& name : l2l::functions::preset_names()) {
    l2l::FunctionOptimizee f(l2l::functions::make_preset(name, {}, {0.0, 0.01}), name);
    const auto& fn = f.function();
    // A pool of points inside the bounds, so branch predictors and caches see varied inputs.
    const std::size_t pool = 1024;
    l2l::Rng rng(1);
    std::vector<l2l::Candidate> cands(pool);
    for (std::size_t i = 0; i < pool; ++i) {
      cands[i].seed = l2l::stream_seed(1, 0, static_cast<std::int64_t>(i));
      for (std::size_t j = 0; j < fn.dims(); ++j)
        cands[i].params.push_back(rng.uniform(fn.lower(), fn.upper()));
    }
    auto t0 = clock::now();
    for (long k = 0; k < calls; ++k) sink += fn.value(cands[k % pool].params);
    const double v_ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / calls;

    const long a0 = allocations.load();
    t0 = clock::now();
    for (long k = 0; k < calls; ++k) sink += f.evaluate(cands[k % pool]).fitness[0];
    const double e_ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / calls;
    const double allocs = static_cast<double>(allocations.load() - a0) / calls;
    std::printf("%-14s %4zu %12.1f %12.1f %14.3g %12.2f\n", name.c_str(), fn.dims(), v_ns, e_ns,
                1e9 / e_ns, allocs);
  }
  std::printf("(noise N(0, 0.01) on in evaluate; checksum %.3g)\n", sink);
}
