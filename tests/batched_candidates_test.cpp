// Issue 3, item 9: an optimizee may evaluate many candidates in one call (batch_size() /
// evaluate_batch()); the evaluators hand it chunks. The optimizers need nothing special for it:
// every optimizer of the suite gives bit-identical runs with a batched optimizee, through the
// serial and the thread evaluator, as with one evaluation per call.
#include <atomic>

#include "l2l/evaluation/evaluator.hpp"
#include "l2l/optimizees/optimizee.hpp"
#include "support/optsuite_harness.hpp"

using namespace optsuite;

namespace {

// Rastrigin plus seeded noise; one candidate in ten fails (decided by its seed). Batched or not.
class NoisyRastrigin final : public l2l::Optimizee {
 public:
  NoisyRastrigin(std::size_t dim, std::size_t batch) : dim_(dim), batch_(batch) {}

  l2l::ParameterSpace space() const override { return box(dim_, -5, 5); }
  l2l::Evaluation evaluate(const l2l::Candidate& c) override {
    ++single_calls;
    return compute(c);
  }
  std::size_t batch_size() const override { return batch_; }
  void evaluate_batch(std::span<const l2l::Candidate> batch,
                      std::span<l2l::Evaluation> out) override {
    ++batch_calls;
    std::size_t seen = largest_chunk.load();
    while (batch.size() > seen && !largest_chunk.compare_exchange_weak(seen, batch.size())) {
    }
    for (std::size_t i = 0; i < batch.size(); ++i) out[i] = compute(batch[i]);
  }
  std::vector<double> default_weights() const override { return {-1.0}; }

  std::atomic<int> single_calls{0}, batch_calls{0};
  std::atomic<std::size_t> largest_chunk{0};

 private:
  static l2l::Evaluation compute(const l2l::Candidate& c) {
    l2l::Rng rng(c.seed);
    if (rng.uniform() < 0.1) return l2l::Evaluation::failure("the model diverged");
    l2l::Evaluation e;
    e.fitness = {rastrigin(c.params) + 0.01 * rng.normal()};
    return e;
  }
  std::size_t dim_, batch_;
};

std::unique_ptr<l2l::Evaluator> evaluator(const std::string& yaml) {
  auto o = l2l::Options(YAML::Load(yaml), "evaluator",
                        std::make_shared<l2l::ConfigSource>(l2l::ConfigSource{"test.yaml", {}}));
  return l2l::make_evaluator(o, l2l::EvaluatorContext{});
}

struct Recorded {
  std::vector<std::vector<l2l::Candidate>> candidates;
  std::vector<std::vector<l2l::Evaluation>> evaluations;
  nlohmann::json state;
};

Recorded run(const std::string& optimizer_yaml, l2l::Optimizee& f, l2l::Evaluator& ev, int gens) {
  const auto s = f.space();
  auto opt = make(optimizer_yaml, s, 31);
  Recorded r;
  for (int g = 0; g < gens && !opt->stop_reason(); ++g) {
    auto batch = opt->ask();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      batch[i].generation = g;
      batch[i].index = static_cast<std::int64_t>(i);
      batch[i].seed = l2l::stream_seed(31, g, batch[i].index);
      s.repair(batch[i].params, l2l::BoundPolicy::clip);
    }
    std::vector<l2l::Evaluation> evals(batch.size());
    ev.evaluate(f, batch, evals);
    opt->tell(batch, evals);
    r.candidates.push_back(std::move(batch));
    r.evaluations.push_back(std::move(evals));
  }
  r.state = opt->state();
  return r;
}

void expect_same(const Recorded& a, const Recorded& b) {
  expect_same_candidates(a.candidates, b.candidates);
  ASSERT_EQ(a.evaluations.size(), b.evaluations.size());
  for (std::size_t g = 0; g < a.evaluations.size(); ++g)
    for (std::size_t i = 0; i < a.evaluations[g].size(); ++i) {
      ASSERT_EQ(a.evaluations[g][i].status, b.evaluations[g][i].status);
      ASSERT_EQ(a.evaluations[g][i].fitness, b.evaluations[g][i].fitness);
    }
  EXPECT_EQ(a.state, b.state);
}

}  // namespace

TEST(BatchedCandidates, EveryOptimizerGivesIdenticalResultsBatchedOrNot) {
  const std::vector<std::string> optimizers = {
      "type: es\npop_size: 8\n",
      "type: nes\nmirrored: true\n",
      "type: xnes\n",
      "type: cross_entropy\npop_size: 30\ntemp_decay: 0.9\n",
      "type: face\nmin_pop_size: 12\nmax_pop_size: 40\nn_elite: 4\n",
      "type: simulated_annealing\nn_chains: 13\n",
      "type: parallel_tempering\nn_chains: 7\n",
      "type: gradient_descent\n"};
  auto serial = evaluator("type: serial\n");
  auto threads = evaluator("type: threads\nthreads: 2\n");
  for (const auto& yaml : optimizers) {
    SCOPED_TRACE(yaml);
    NoisyRastrigin single(6, 1), batched(6, 4), batched5(6, 5);
    const Recorded reference = run(yaml, single, *serial, 15);
    const Recorded a = run(yaml, batched, *serial, 15);
    const Recorded b = run(yaml, batched5, *threads, 15);
    expect_same(reference, a);
    expect_same(reference, b);
    // Batching really happened, in chunks of the optimizee's batch size.
    EXPECT_EQ(single.batch_calls.load(), 0);
    EXPECT_GT(batched.batch_calls.load(), 0);
    EXPECT_EQ(batched.largest_chunk.load(), 4u);
    EXPECT_EQ(batched5.largest_chunk.load(), 5u);
    // Failures travelled through the evaluators too.
    std::size_t failed = 0;
    for (const auto& gen : reference.evaluations)
      for (const auto& e : gen) failed += e.ok() ? 0 : 1;
    EXPECT_GT(failed, 0u);
  }
}
