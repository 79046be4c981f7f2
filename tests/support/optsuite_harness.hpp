#pragma once
// Shared test helpers for the optimizer suite (es, nes, xnes, cross_entropy, face,
// simulated_annealing, parallel_tempering, gradient_descent): build optimizers from YAML, drive
// ask/tell like the experiment driver (fill generation/index/seed, repair into the space),
// and the generic checks every optimizer must pass (determinism, state round trip, config
// validation).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include "l2l/core/options.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/core/state.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace optsuite {

inline l2l::Options yaml_options(const std::string& yaml) {
  return l2l::Options(YAML::Load(yaml), "optimizer",
                      std::make_shared<l2l::ConfigSource>(l2l::ConfigSource{"test.yaml", {}}));
}

inline l2l::OptimizerContext context(std::uint64_t seed, std::vector<double> weights = {-1.0}) {
  l2l::OptimizerContext ctx;
  ctx.seed = seed;
  ctx.weights = l2l::FitnessWeights(std::move(weights));
  ctx.bound_policy = l2l::BoundPolicy::clip;
  return ctx;
}

inline std::unique_ptr<l2l::Optimizer> make(const std::string& yaml, const l2l::ParameterSpace& s,
                                            std::uint64_t seed) {
  auto o = yaml_options(yaml);
  return l2l::make_optimizer(o, s, context(seed));
}

inline l2l::ParameterSpace box(std::size_t d, double lo, double hi) {
  l2l::ParameterSpace s;
  s.add_array("x", d, lo, hi);
  return s;
}

using Objective = std::function<double(const std::vector<double>&)>;

inline double sphere(const std::vector<double>& x) {
  double v = 0;
  for (double xi : x) v += xi * xi;
  return v;
}

inline double rastrigin(const std::vector<double>& x) {
  double v = 0;
  for (double xi : x) v += xi * xi + 10.0 - 10.0 * std::cos(2.0 * std::numbers::pi * xi);
  return v;
}

inline double rosenbrock(const std::vector<double>& x) {
  double v = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
    v += 100.0 * a * a + b * b;
  }
  return v;
}

// Decides which evaluations fail: (generation, index) -> fail?
using FailureRule = std::function<bool(std::int64_t, std::int64_t)>;

// Plays the experiment driver: numbers and seeds the candidates, repairs them into the space,
// evaluates the objective (raw value; the context's weight -1 minimizes) and tells.
struct Driver {
  Driver(const l2l::ParameterSpace& s, Objective f, FailureRule failure = nullptr)
      : space(s), objective(std::move(f)), fail(std::move(failure)) {}

  const l2l::ParameterSpace& space;
  Objective objective;
  FailureRule fail;
  std::uint64_t run_seed = 1;
  std::int64_t generation = 0;
  double best = std::numeric_limits<double>::infinity();  // best raw value evaluated
  std::int64_t evaluations = 0;
  std::vector<std::vector<l2l::Candidate>> history;

  std::vector<l2l::Candidate> ask(l2l::Optimizer& opt) {
    auto batch = opt.ask();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto& c = batch[i];
      c.generation = generation;
      c.index = static_cast<std::int64_t>(i);
      c.seed = l2l::stream_seed(run_seed, generation, c.index);
      space.repair(c.params, l2l::BoundPolicy::clip);
    }
    return batch;
  }

  std::vector<l2l::Evaluation> evaluate(const std::vector<l2l::Candidate>& batch) {
    std::vector<l2l::Evaluation> evals(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (fail && fail(generation, static_cast<std::int64_t>(i))) {
        evals[i] = l2l::Evaluation::failure("injected failure");
        continue;
      }
      evals[i].fitness = {objective(batch[i].params)};
      best = std::min(best, evals[i].fitness[0]);
      ++evaluations;
    }
    return evals;
  }

  void step(l2l::Optimizer& opt) {
    auto batch = ask(opt);
    auto evals = evaluate(batch);
    opt.tell(batch, evals);
    history.push_back(std::move(batch));
    ++generation;
  }

  void run(l2l::Optimizer& opt, int generations) {
    for (int g = 0; g < generations && !opt.stop_reason(); ++g) step(opt);
  }
};

// One generation with values chosen by the test instead of the objective: asks, tells
// value(i) or value(i, params) (raw values, minimized) for candidate i, and records the batch
// in the history as step() does. Returns the batch size, for optimizers that resize it.
template <class Value>
std::size_t tell_values(l2l::Optimizer& opt, Driver& d, const Value& value) {
  auto batch = d.ask(opt);
  std::vector<l2l::Evaluation> evals(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if constexpr (std::is_invocable_v<const Value&, std::size_t, const std::vector<double>&>)
      evals[i].fitness = {value(i, batch[i].params)};
    else
      evals[i].fitness = {value(i)};
  }
  opt.tell(batch, evals);
  d.history.push_back(batch);
  ++d.generation;
  return batch.size();
}

inline double objective_at_estimate(const l2l::Optimizer& opt, const Objective& f) {
  auto e = opt.estimate();
  EXPECT_TRUE(e.has_value());
  return e ? f(*e) : std::numeric_limits<double>::infinity();
}

inline void expect_same_candidates(const std::vector<std::vector<l2l::Candidate>>& a,
                                   const std::vector<std::vector<l2l::Candidate>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t g = 0; g < a.size(); ++g) {
    ASSERT_EQ(a[g].size(), b[g].size()) << "generation " << g;
    for (std::size_t i = 0; i < a[g].size(); ++i)
      ASSERT_EQ(a[g][i].params, b[g][i].params) << "generation " << g << " candidate " << i;
  }
}

// Same seed, same candidates; another seed, other candidates.
inline void expect_deterministic(const std::string& yaml, const l2l::ParameterSpace& s,
                                 const Objective& f, int generations) {
  auto a = make(yaml, s, 11), b = make(yaml, s, 11), c = make(yaml, s, 12);
  Driver da{s, f}, db{s, f}, dc{s, f};
  da.run(*a, generations);
  db.run(*b, generations);
  dc.run(*c, generations);
  expect_same_candidates(da.history, db.history);
  EXPECT_EQ(a->state(), b->state());
  EXPECT_NE(da.history.back()[0].params, dc.history.back()[0].params);
}

// Kill and resume: run k generations, save the state through CBOR, restore it into a fresh
// instance built from the same configuration (with another seed, which the state must
// override), and continue both for m generations: identical candidates, states, generation info
// and estimates. Also resumes between ask() and tell().
inline void expect_round_trip(const std::string& yaml, const l2l::ParameterSpace& s,
                              const Objective& f, int k, int m, FailureRule fail = nullptr) {
  auto a = make(yaml, s, 21);
  Driver da{s, f, fail};
  da.run(*a, k);
  ASSERT_EQ(da.generation, k) << "stopped early: " << a->stop_reason().value_or("");
  const auto saved = l2l::state::decode(l2l::state::encode(a->state()));
  auto b = make(yaml, s, 999);
  b->restore(saved);
  EXPECT_EQ(b->state(), a->state());
  Driver db{s, f, fail};
  db.generation = da.generation;
  da.history.clear();
  for (int g = 0; g < m; ++g) {
    da.step(*a);
    db.step(*b);
    ASSERT_EQ(a->generation_info(), b->generation_info()) << "after generation " << da.generation;
  }
  expect_same_candidates(da.history, db.history);
  EXPECT_EQ(a->state(), b->state());
  EXPECT_EQ(a->estimate(), b->estimate());

  // Checkpoint taken after ask() but before tell(): the resumed instance asks the same batch.
  const auto asked = a->ask();
  auto c = make(yaml, s, 5);
  c->restore(l2l::state::decode(l2l::state::encode(a->state())));
  const auto again = c->ask();
  ASSERT_EQ(asked.size(), again.size());
  for (std::size_t i = 0; i < asked.size(); ++i) EXPECT_EQ(asked[i].params, again[i].params);
}

// Building the optimizer from `yaml` throws a ConfigError whose message names `key`.
inline void expect_config_error(const std::string& yaml, const std::string& key,
                                const l2l::ParameterSpace& s = box(3, -1, 1)) {
  try {
    make(yaml, s, 1);
    ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  } catch (const l2l::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos)
        << "message '" << e.what() << "' does not name " << key;
    EXPECT_NE(std::string(e.what()).find("test.yaml"), std::string::npos) << e.what();
  }
}

// Every candidate and the estimate are finite (failures never turn into NaN parameters).
inline void expect_finite(const Driver& d, const l2l::Optimizer& opt) {
  for (const auto& batch : d.history)
    for (const auto& c : batch)
      for (double v : c.params) ASSERT_TRUE(std::isfinite(v));
  if (auto e = opt.estimate()) {
    for (double v : *e) ASSERT_TRUE(std::isfinite(v));
  }
}

}  // namespace optsuite
