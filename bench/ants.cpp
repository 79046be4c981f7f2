// Speed of the ant-colony model: one colony episode (2,000 ticks, 15 ants, H = 20) of the published
// evolved genome, of random genomes and of the rule-based colony, on one thread (wall and CPU time
// per episode, and where the time goes), then episodes/s with 1 and 2 threads (and more if asked).
// Usage: bench_ants [episodes per measurement, default 10] [max threads, default 2] [genome CSV]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_checks.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/optimizees/ants/colony.hpp"
#include "l2l/optimizees/ants/replay.hpp"
#include "l2l/optimizees/ants/rule_based.hpp"

#ifndef L2L_SOURCE_DIR
#define L2L_SOURCE_DIR "."
#endif

namespace {

using clock_type = std::chrono::steady_clock;
using namespace l2l::ants;

double cpu_seconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

struct Timing {
  double wall = 0, cpu = 0;
  double food = 0;
};

template <class Run>
Timing time_episodes(int n, Run run) {
  Timing t;
  const auto w0 = clock_type::now();
  const double c0 = cpu_seconds();
  for (int i = 0; i < n; ++i) t.food += run(static_cast<std::uint64_t>(i + 1)).food_returned;
  t.wall = std::chrono::duration<double>(clock_type::now() - w0).count() / n;
  t.cpu = (cpu_seconds() - c0) / n;
  t.food /= n;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Speed of the ant-colony model: seconds per episode and episodes/s with threads"};
  int n = 10, max_threads = 2;
  std::string path = std::string(L2L_SOURCE_DIR) + "/data/ants/evolved_gen1600_ind30.csv";
  app.add_option("episodes", n, "episodes per measurement")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("threads", max_threads,
                 "largest thread count of the parallel replay (1, 2, 4, ... up to it)")
      ->check(l2l::bench::positive)
      ->capture_default_str();
  app.add_option("genome", path, "genome CSV of the evolved colony")
      ->check(CLI::ExistingFile)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  const Genome evolved = read_genome_csv(path);
  const ColonyConfig cfg;  // 15 ants, 2,000 ticks

  std::printf(
      "one episode = %d ticks x %d ants, H = %d, %d episodes per row, one thread, %s kernel\n",
      cfg.ticks, cfg.ants, evolved.hidden, n, brain_kernel_name(BrainKernel::best));
  std::printf("%-28s %12s %12s %12s %10s\n", "controller", "wall s/ep", "cpu s/ep", "episodes/s",
              "food");
  auto row = [](const char* name, const Timing& t) {
    std::printf("%-28s %12.4f %12.4f %12.2f %10.1f\n", name, t.wall, t.cpu, 1 / t.wall, t.food);
  };
  row("evolved genome (spiking)",
      time_episodes(n, [&](std::uint64_t s) { return run_episode(evolved, cfg, s); }));
  row("random genomes (spiking)", time_episodes(n, [&](std::uint64_t s) {
        return run_episode(random_genome_for_seed(20, s), cfg, s);
      }));
  row("rule-based", time_episodes(n, [&](std::uint64_t s) {
        RuleBasedController c(cfg.ants, rule_based_seed(s));
        return run_episode(c, cfg, s);
      }));

  // Where the time goes: the 15 networks alone for 2,000 ticks with the inputs of a real episode
  // replayed, and the world alone (a controller that answers instantly).
  {
    std::vector<std::vector<InputMask>> inputs;
    SpikingController rec(evolved, cfg.ants);
    Colony col(cfg, 1);
    while (!col.done()) {
      col.step(rec);
      inputs.emplace_back(col.last_inputs().begin(), col.last_inputs().end());
    }
    // Each vector kernel this CPU has (the episode rows above use the widest).
    for (auto k : {BrainKernel::avx512, BrainKernel::avx2, BrainKernel::generic}) {
      if (!brain_kernel_supported(k)) continue;
      const auto w0 = clock_type::now();
      const double c0 = cpu_seconds();
      for (int i = 0; i < n; ++i) {
        ColonyBrain brain(evolved, cfg.ants, k);
        std::vector<OutputCounts> out(static_cast<std::size_t>(cfg.ants));
        for (const auto& m : inputs) brain.tick(m, out);
      }
      const double net = std::chrono::duration<double>(clock_type::now() - w0).count() / n;
      const double cpu = (cpu_seconds() - c0) / n;
      const std::string name = std::string("  networks only, ") + brain_kernel_name(k);
      std::printf("%-28s %12.4f %12.4f\n", name.c_str(), net, cpu);
    }
  }
  {
    struct Still final : Controller {
      void tick(std::span<const InputMask>, std::span<OutputCounts> o) override {
        for (auto& x : o) x = {1, 0, 1, 1};
      }
    } still;
    row("  world only (fixed outputs)",
        time_episodes(n, [&](std::uint64_t s) { return run_episode(still, cfg, s); }));
  }

  std::printf("\nparallel replay of the evolved genome (oneTBB), %d episodes per thread\n", n);
  std::printf("%8s %12s %12s\n", "threads", "episodes/s", "speed-up");
  double base = 0;
  std::vector<int> counts;
  for (int t = 1; t <= max_threads; t *= 2) counts.push_back(t);
  if (counts.back() != max_threads) counts.push_back(max_threads);
  for (int t : counts) {
    ReplayOptions o;
    o.genome = evolved;
    o.threads = t;
    for (int i = 0; i < n * t; ++i) o.seeds.push_back(static_cast<std::uint64_t>(100 + i));
    const auto w0 = clock_type::now();
    (void)replay(o);
    const double eps = n * t / std::chrono::duration<double>(clock_type::now() - w0).count();
    if (t == 1) base = eps;
    std::printf("%8d %12.2f %12.2f\n", t, eps, eps / base);
  }
  return 0;
}
