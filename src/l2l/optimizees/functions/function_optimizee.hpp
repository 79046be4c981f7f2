#pragma once
// Optimizee `function`: a benchmark function of L2L's function generator (one function, a sum of
// several, or one of the 15 named presets) over one array parameter `x`, with optional additive
// Gaussian noise drawn from each candidate's seed. Fitness is the raw function value; the default
// weight -1 minimizes it. See docs/functions.md.
#include <string>
#include <vector>

#include "l2l/optimizees/functions/function.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

class FunctionOptimizee final : public Optimizee {
 public:
  struct Config {
    std::string preset;  // canonical preset name, empty when terms are given
    std::vector<std::pair<functions::Kind, functions::TermParams>> terms;
    std::int64_t dims = 2;
    std::vector<double> bounds;  // empty, or [lo, hi]
    functions::Noise noise;
    static Config read(Options& o);
    functions::BenchmarkFunction build() const;  // throws UsageError
  };

  FunctionOptimizee(const Config& cfg, const OptimizeeContext& ctx);
  explicit FunctionOptimizee(functions::BenchmarkFunction f, std::string preset = {});

  ParameterSpace space() const override;
  Evaluation evaluate(const Candidate& candidate) override;
  std::vector<double> default_weights() const override { return {-1.0}; }
  std::optional<bool> returns_outputs() const override { return false; }
  nlohmann::json describe() const override;

  const functions::BenchmarkFunction& function() const { return f_; }

 private:
  functions::BenchmarkFunction f_;
  std::string preset_;
};

}  // namespace l2l
