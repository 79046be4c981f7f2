// Optimizees used only by the tests: a shifted quadratic with optional injected failures.
#include <cmath>
#include <limits>
#include <stdexcept>

#include "l2l/core/rng.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace l2l::testing {
namespace {

class TestQuadratic final : public Optimizee {
 public:
  struct Config {
    std::int64_t dims = 3;
    double throw_rate = 0, nan_rate = 0;
    bool always_fail = false;
    static Config read(Options& o) {
      Config c;
      c.dims = o.get<std::int64_t>("dims", 3, "dimensions", Check::at_least(1));
      c.throw_rate =
          o.get<double>("throw_rate", 0.0, "probability of throwing", Check::probability());
      c.nan_rate =
          o.get<double>("nan_rate", 0.0, "probability of NaN fitness", Check::probability());
      c.always_fail = o.get<bool>("always_fail", false, "every evaluation throws");
      return c;
    }
  };
  TestQuadratic(const Config& c, const OptimizeeContext&) : cfg_(c) {}
  ParameterSpace space() const override {
    ParameterSpace s;
    s.add_array("x", static_cast<std::size_t>(cfg_.dims), -5, 5);
    return s;
  }
  std::vector<double> default_weights() const override { return {-1.0}; }
  Evaluation evaluate(const Candidate& c) override {
    Rng rng(c.seed);
    if (cfg_.always_fail) throw std::runtime_error("model diverged");
    if (rng.uniform() < cfg_.throw_rate) throw std::runtime_error("injected failure");
    Evaluation e;
    double f = 0;
    for (double x : c.params) f += (x - 0.3) * (x - 0.3);
    if (rng.uniform() < cfg_.nan_rate) f = std::numeric_limits<double>::quiet_NaN();
    e.fitness = {f};
    e.metrics["noise"] = rng.uniform();
    return e;
  }

 private:
  Config cfg_;
};

L2L_REGISTER_OPTIMIZEE(TestQuadratic, "test_quadratic", "tests only: shifted quadratic");

}  // namespace
}  // namespace l2l::testing
