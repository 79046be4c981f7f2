#pragma once
// Fully adaptive cross-entropy (FACE; Rubinstein & Kroese 2004, "The Cross-Entropy Method",
// section 4.6; L2L's FACEOptimizer): the cross-entropy method with a sample size that adapts
// between min_pop_size and max_pop_size.
//
// Each generation is evaluated, then compared with the last generation that updated the
// distribution: it improved if its best fitness or its gamma (fitness of the n_elite-th best)
// is higher.
//   - improved: the distribution is refitted exactly as in cross_entropy (n_elite elites plus
//     temperature-accepted non-elites, smoothing) and the population shrinks halfway back to the
//     minimum, pop <- max(min_pop_size, floor((pop + min_pop_size) / 2)) (L2L's rule);
//   - not improved and pop < max_pop_size: the distribution stays, the population grows by
//     n_expand (capped at max_pop_size) and a fresh sample is drawn;
//   - not improved at max_pop_size: the run stops; stop_reason() explains that FACE could not
//     improve even with the largest sample, i.e. it has probably diverged (or converged as far
//     as this sample size can tell).
// Generation 0 samples min_pop_size points uniformly from the space.
//
// Differences from L2L's Python code: with temperature decay on it crashed (a misspelled
// argument of np.clip), its non-elite acceptance mixed unsorted fitness with sorted candidates
// and used the 0/1 draws as indices, and it compared with the previous generation even when that
// one had not improved.
//
// Failure policy: as cross_entropy (failures are never elites or accepted); gamma counts only
// when at least n_elite candidates succeeded. A generation without successes counts as "not
// improved".
#include <optional>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/ce_distribution.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/optimizers/unit_coordinates.hpp"

namespace l2l {

class Face final : public Optimizer {
 public:
  struct Config {
    std::int64_t min_pop_size = 20;
    std::int64_t max_pop_size = 200;
    std::int64_t n_expand = 20;
    std::int64_t n_elite = 5;
    CeRefitConfig refit;
    CeDistribution::Config distribution;
    static Config read(Options& o);
  };

  Face(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;
  std::optional<std::string> stop_reason() const override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override { return info_; }

  std::int64_t pop_size() const { return pop_size_; }

 private:
  Config cfg_;
  ParameterSpace space_;
  OptimizerContext ctx_;
  Rng rng_;
  CeDistribution dist_;
  std::int64_t generation_ = 0;
  std::int64_t pop_size_;
  double temperature_;
  double best_ = -std::numeric_limits<double>::infinity();   // of the last improving generation
  double gamma_ = -std::numeric_limits<double>::infinity();  // of the last improving generation
  std::string stop_;
  std::vector<std::vector<double>> pending_;
  nlohmann::json info_ = nlohmann::json::object();
};

}  // namespace l2l
