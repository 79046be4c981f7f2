#pragma once
// The target each optimizer-suite example (examples/<name>.yaml) must reach: the best raw value
// (the benchmark functions are minimized) within the example's max_generations, as stated in
// docs/optimizers.md. One table, so the driver test and the harness test cannot drift apart.
#include <string>
#include <utility>
#include <vector>

namespace l2l::testing {

inline const std::vector<std::pair<std::string, double>> kExampleTargets = {
    {"es-rastrigin", 8.0},
    {"nes-rastrigin", 12.0},
    {"xnes-rosenbrock", 1e-5},
    {"cross_entropy-rastrigin", 5.0},
    {"face-rastrigin", 35.0},
    {"simulated_annealing-rastrigin", 30.0},
    {"parallel_tempering-rastrigin", 35.0},
    {"gradient_descent-sphere", 0.05},
};

}  // namespace l2l::testing
