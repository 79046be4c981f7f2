#pragma once
// Optimizee `active_wait`: spends a configured time per evaluation (busy CPU loop or sleep) and
// fails or returns NaN with configured probabilities drawn from the candidate's seed. For
// throughput and fault-injection tests of evaluators and the driver. Fitness is the sum of squares
// of the parameters, so optimizers still have something to minimize.
#include <cstdint>
#include <string>

#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class ActiveWait final : public Optimizee {
 public:
  enum class Mode { busy, sleep };
  struct Config {
    double seconds = 0.01;
    Mode mode = Mode::busy;
    double failure_rate = 0.0;
    double nan_rate = 0.0;
    std::int64_t dims = 2;
    static Config read(Options& o);
  };

  ActiveWait(const Config& cfg, const OptimizeeContext& ctx);

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<double> default_weights() const override { return {-1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  nlohmann::json describe() const override;

 private:
  Config cfg_;
};

}  // namespace l2l
