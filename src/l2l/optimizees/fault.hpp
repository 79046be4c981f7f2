#pragma once
// Optimizee `fault`: a TESTING TOOL for evaluators. It misbehaves on purpose, the way real models
// do: segfaults, aborts, exits, hangs, leaks memory, returns NaN, throws, or floods stdout and
// stderr with garbage. Which evaluations misbehave is drawn from the candidate's seed (`rate`) or
// listed by batch index (`indices`), so every evaluator sees the same faults.
//
// Faults that would take the whole process down (segfault, abort, exit, hang, leak) only happen
// in worker processes (the `processes` evaluator, MPI ranks other than 0); in the driver process
// they turn into an ordinary failed evaluation, unless `allow_in_driver` is set. The fitness of a
// well-behaved evaluation is the sum of squares of x, like `active_wait`.
#include <cstdint>
#include <string>
#include <vector>

#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class FaultOptimizee final : public Optimizee {
 public:
  enum class Fault {
    none,
    segfault,
    abort,
    exit,
    hang,
    sleep,
    leak,
    nan,
    throw_error,
    garbage,
    huge_output
  };
  struct Config {
    Fault fault = Fault::segfault;
    double rate = 0.25;
    std::vector<std::int64_t> indices;
    std::int64_t dims = 2;
    double seconds = 0.0;
    int exit_code = 3;
    std::int64_t output_bytes = 8 << 20;
    std::int64_t leak_mb = 1024;
    Fault at_start = Fault::none;
    bool allow_in_driver = false;
    static Config read(Options& o);
  };

  FaultOptimizee(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<double> default_weights() const override { return {-1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  nlohmann::json describe() const override;

  // Whether this candidate misbehaves (deterministic in its seed and index).
  bool faults(const Candidate& c) const;

 private:
  Config cfg_;
};

}  // namespace l2l
