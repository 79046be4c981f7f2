// bench/nested: the cost of starting an inner experiment in-process, beyond its own evaluations.
// An outer random search evaluates `nested` candidates whose inner experiment is one generation
// of one sphere evaluation; the time per outer evaluation minus the inner evaluation itself is
// the nesting overhead (building the inner experiment from YAML, its optimizer, evaluator, the
// child run and its generation in the shared store, the reduction).
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>

#include "l2l/experiment/experiment.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Milliseconds per in-process inner experiment (nested optimizee overhead)"};
  CLI11_PARSE(app, argc, argv);
  const char* yaml = R"(experiment: {name: outer, seed: 1, max_generations: 10}
optimizer: {type: random_search, population: 100}
optimizee:
  type: nested
  parameters: {s: {lo: 1, hi: 1, integer: true}}
  inner:
    experiment: {name: inner, seed: 2, max_generations: 1}
    optimizer: {type: random_search, population: '${outer.s}'}
    optimizee: {type: function, name: sphere, dims: 2}
evaluator: {type: serial}
)";
  const auto path = (std::filesystem::temp_directory_path() / "l2l-bench-nested.db").string();
  for (const char* level : {"evaluations", "generations"}) {
    l2l::RunOptions o;
    o.out = path;
    o.overwrite = true;
    o.progress = false;
    l2l::Experiment exp(
        l2l::load_config_text(yaml, "bench", {std::string("experiment.store_level=") + level}), o);
    const auto t0 = std::chrono::steady_clock::now();
    const auto out = exp.run();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(
        "store level {:<12} {} inner experiments in {:.3f} s: {:.3f} ms per inner experiment "
        "(its one evaluation of sphere-2 costs < 1 us)\n",
        level, out.evaluations, s, 1e3 * s / static_cast<double>(out.evaluations));
  }
  for (const char* suffix : {"", "-wal", "-shm", ".lock"}) std::filesystem::remove(path + suffix);
  return 0;
}
