#pragma once
// Grid search as in L2L: each parameter element takes steps+1 evenly spaced values in [lo, hi]
// (log-spaced on log-scale parameters, distinct integers on integer ones); array parameters
// expand element-wise. The grid is evaluated in generations of `batch_size` points (all at once by
// default) and the optimizer stops when it is exhausted.
#include <map>

#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

class GridSearch final : public Optimizer {
 public:
  struct Axis {
    double lo = 0, hi = 0;
    std::int64_t steps = 0;
    std::string where;  // for error messages once the space is known
  };
  struct Config {
    std::int64_t steps = 10;
    std::int64_t batch_size = 0;
    std::map<std::string, Axis> grid;
    static Config read(Options& o);
  };
  GridSearch(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& s) override;
  std::optional<std::string> stop_reason() const override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override;

  std::uint64_t size() const { return total_; }

 private:
  std::vector<double> point(std::uint64_t index) const;

  std::vector<std::vector<double>> values_;  // per flat element
  std::uint64_t total_ = 1;
  std::uint64_t batch_ = 0;
  std::uint64_t next_ = 0;
  FitnessWeights weights_;
  double best_ = FitnessWeights::failed_value;
  std::vector<double> best_params_;
};

}  // namespace l2l
