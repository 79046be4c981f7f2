#include "l2l/optimizees/active_wait.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2l/core/rng.hpp"

namespace l2l {

namespace {

// Spinning on the clock keeps one core fully busy, which is what a CPU-bound model does.
void burn_until(std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
  }
}

}  // namespace

ActiveWait::Config ActiveWait::Config::read(Options& o) {
  Config c;
  c.seconds = o.get<double>("seconds", c.seconds, "time spent per evaluation", Check::at_least(0));
  const auto mode = o.get<std::string>("mode", "busy", "busy: burn one CPU core; sleep: sleep",
                                       Check::one_of({"busy", "sleep"}));
  c.mode = mode == "sleep" ? Mode::sleep : Mode::busy;
  c.failure_rate =
      o.get<double>("failure_rate", c.failure_rate,
                    "probability that an evaluation throws (after waiting)", Check::probability());
  c.nan_rate = o.get<double>("nan_rate", c.nan_rate, "probability that the fitness is NaN",
                             Check::probability());
  c.dims = o.get<std::int64_t>("dims", c.dims, "size of the parameter array x, bounds [-1, 1]",
                               Check::range(1, 1000000));
  return c;
}

ActiveWait::ActiveWait(const Config& cfg, const OptimizeeContext&) : cfg_(cfg) {}

ParameterSpace ActiveWait::space() const {
  ParameterSpace s;
  s.add_array("x", static_cast<std::size_t>(cfg_.dims), -1.0, 1.0);
  return s;
}

Evaluation ActiveWait::evaluate(const Candidate& candidate) {
  // Both draws are made for every candidate, so one rate does not shift the other's stream.
  Rng rng(mix_seed(candidate.seed, 0xAC71BE));
  const bool fail = rng.bernoulli(cfg_.failure_rate);
  const bool nan = rng.bernoulli(cfg_.nan_rate);

  const auto t0 = std::chrono::steady_clock::now();
  if (cfg_.seconds > 0) {
    const auto d = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(cfg_.seconds));
    if (cfg_.mode == Mode::sleep) {
      std::this_thread::sleep_for(d);
    } else {
      burn_until(t0 + d);
    }
  }
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (fail)
    throw std::runtime_error(fmt::format("active_wait: injected failure (generation {}, index {})",
                                         candidate.generation, candidate.index));
  Evaluation e;
  double v = 0.0;
  for (double x : candidate.params) v += x * x;
  e.fitness.assign(1, nan ? std::numeric_limits<double>::quiet_NaN() : v);
  e.metrics["waited"] = waited;
  return e;
}

nlohmann::json ActiveWait::describe() const {
  return {{"seconds", cfg_.seconds},
          {"mode", cfg_.mode == Mode::sleep ? "sleep" : "busy"},
          {"failure_rate", cfg_.failure_rate},
          {"nan_rate", cfg_.nan_rate},
          {"dims", cfg_.dims}};
}

L2L_REGISTER_OPTIMIZEE(ActiveWait, "active_wait",
                       "waits (busy or sleeping) per evaluation; injected failures and NaNs");

}  // namespace l2l
