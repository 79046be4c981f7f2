#pragma once
// The genetic algorithm with the semantics of L2L's GeneticAlgorithmOptimizer (built on DEAP's
// eaSimple), but seeded from the run seed and resumable:
//   1. tournament selection of `population` offspring (tournament_size aspirants, best wins);
//   2. optional elitism: the best `elitism` individuals pass unchanged;
//   3. consecutive pairs are mated with probability crossover_probability by blend crossover
//      (gamma = (1 + 2 alpha) u - alpha per gene);
//   4. each offspring mutates with probability mutation_probability: every gene with probability
//      gene_mutation_probability gets N(0, mutation_sigma) added;
//   5. offspring identical to an earlier one are mutated again (L2L's duplicate re-mutation);
//   6. only changed individuals are evaluated (unless reevaluate: true, for noisy objectives).
// On a noisy objective (a stochastic episode) an unchanged survivor keeps the fitness of its one
// lucky evaluation, and tournaments keep choosing it. average_evaluations: true evaluates a
// survivor again, up to max_evaluations times in all, and ranks it by the mean of its
// evaluations, so luck regresses away and a good genome accumulates evidence; each evaluation has
// its own seed, as always.
// Failure policy: a failed individual has fitness -inf, so it ranks last in every tournament.
#include <string>

#include "l2l/core/rng.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l {

class GeneticAlgorithm final : public Optimizer {
 public:
  struct Config {
    std::int64_t population = 50;
    double crossover_probability = 0.5;
    double mutation_probability = 0.3;
    double gene_mutation_probability = 0.02;
    std::int64_t tournament_size = 15;
    double blend_alpha = 0.5;
    double mutation_sigma = 1.0;
    std::string mutation_scale = "parameter";
    std::int64_t elitism = 0;
    bool reevaluate = false;
    bool average_evaluations = false;
    std::int64_t max_evaluations = 8;
    static Config read(Options& o);
  };
  GeneticAlgorithm(const Config& cfg, const ParameterSpace& space, const OptimizerContext& ctx);

  std::vector<Candidate> ask() override;
  void tell(std::span<const Candidate> batch, std::span<const Evaluation> evals) override;
  nlohmann::json state() const override;
  void restore(const nlohmann::json& s) override;
  std::optional<std::vector<double>> estimate() const override;
  void warm_start(const WarmStart& from) override;
  nlohmann::json generation_info() const override;

 private:
  struct Individual {
    std::vector<double> x;
    double fitness = FitnessWeights::failed_value;
    bool valid = false;            // fitness known
    std::int64_t evaluations = 0;  // how many evaluations `fitness` is the mean of
  };
  bool wants_evaluation(const Individual& ind) const;
  std::size_t tournament(const std::vector<Individual>& pop);
  void mutate(std::vector<double>& x);
  void remutate_duplicates();

  Config cfg_;
  ParameterSpace space_;
  FitnessWeights weights_;
  BoundPolicy policy_;
  Rng rng_;
  std::vector<Individual> population_;  // evaluated generation
  std::vector<Individual> offspring_;   // proposed by the last ask()
  std::vector<std::size_t> pending_;    // offspring indices sent for evaluation
  std::int64_t duplicates_ = 0;
  std::int64_t reevaluated_ = 0;    // survivors evaluated again in the last ask()
  std::vector<std::size_t> order_;  // scratch: elitism ranking
  // Scratch for duplicate detection: an open-addressing table of (genome hash, offspring index
  // + 1; 0 is empty), kept between generations so that it allocates nothing after the first.
  std::vector<std::pair<std::uint64_t, std::size_t>> seen_;
};

}  // namespace l2l
