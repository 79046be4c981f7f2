#pragma once
// The benchmark functions of L2L's function generator, plus the sphere.
//
// A BenchmarkFunction is the sum of one or more terms over the same dimension, with optional
// additive Gaussian noise drawn from the evaluation's seed, exactly as L2L's FunctionGenerator
// composes its function descriptions. Formulas, bounds and optima are listed in docs/functions.md.
// Evaluating a function never allocates, so benchmarks and tests can call value() directly
// without the engine.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace l2l::functions {

enum class Kind {
  sphere,
  rastrigin,
  rosenbrock,
  ackley,
  chasm,
  easom,
  michalewicz,
  shekel,
  langermann,
  permutation,
  gaussian,
};

const char* to_string(Kind k);
std::optional<Kind> parse_kind(std::string_view name);
const std::vector<std::string>& kind_names();

using Matrix = std::vector<std::vector<double>>;  // rows

// What a user may set for a term; each kind reads only its own fields.
struct TermParams {
  double m = 10.0;           // michalewicz: steepness of valleys and ridges
  double beta = 0.005;       // permutation: gap between the global and the permuted local minima
  Matrix A;                  // shekel, langermann: one row per centre (empty: L2L's 2-D defaults)
  std::vector<double> c;     // shekel, langermann: one value per centre
  std::vector<double> mean;  // gaussian: peak location (empty: the origin)
  Matrix cov;                // gaussian: covariance, symmetric positive definite (empty: identity)
};

// One function of the generator. Construction validates the parameters against the dimension and
// throws l2l::UsageError with a message that names the offending parameter.
class Term {
 public:
  Term(Kind kind, std::size_t dims, const TermParams& params = {});

  double operator()(std::span<const double> x) const;

  Kind kind() const { return kind_; }
  std::size_t dims() const { return dims_; }
  double lower() const { return lo_; }  // L2L's default bounds of this function
  double upper() const { return hi_; }
  nlohmann::json describe() const;

 private:
  Kind kind_;
  std::size_t dims_;
  double lo_ = 0.0, hi_ = 0.0;
  double m_ = 10.0, beta_ = 0.0;
  std::vector<double> centres_;  // shekel/langermann centres (row-major), gaussian mean
  std::vector<double> weights_;  // shekel/langermann c, gaussian precision matrix (row-major)
  double scale_ = 0.0;           // gaussian normalisation 1/sqrt((2 pi)^d det cov)
  Matrix cov_;                   // kept for describe()
};

struct Noise {
  double mu = 0.0;
  double sigma = 0.0;  // 0 with mu 0: no noise
  bool active() const { return mu != 0.0 || sigma != 0.0; }
};

class BenchmarkFunction {
 public:
  // bounds: [lo, hi] for every coordinate; when absent, the hull of the terms' bounds (L2L takes
  // the smallest lower and the largest upper bound).
  BenchmarkFunction(std::vector<Term> terms, std::optional<std::pair<double, double>> bounds = {},
                    Noise noise = {});

  // The noiseless value: the sum of the terms.
  double value(std::span<const double> x) const;
  // The value plus one N(mu, sigma) draw from an l2l::Rng seeded with `seed`; the noiseless value
  // when there is no noise.
  double value(std::span<const double> x, std::uint64_t seed) const;

  std::size_t dims() const { return dims_; }
  double lower() const { return lo_; }
  double upper() const { return hi_; }
  const Noise& noise() const { return noise_; }
  const std::vector<Term>& terms() const { return terms_; }
  nlohmann::json describe() const;

 private:
  std::vector<Term> terms_;
  std::size_t dims_ = 0;
  double lo_ = 0.0, hi_ = 0.0;
  Noise noise_;
};

}  // namespace l2l::functions
