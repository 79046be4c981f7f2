#include "l2l/optimizees/functions/function_optimizee.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2l/optimizees/functions/presets.hpp"

namespace l2l {

using functions::Kind;
using functions::Matrix;
using functions::TermParams;

namespace {

std::string preset_list() {
  std::string s;
  for (const auto& n : functions::preset_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

double to_double(Options& o, const std::string& key, const YAML::Node& n) {
  double v{};
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
    o.fail(key, "expected a matrix: a list of rows, each a list of numbers");
  return v;
}

// A matrix as a list of rows ([[1, 2], [3, 4]]); a single number is a 1x1 matrix.
Matrix read_matrix(Options& o, const std::string& key, const std::string& help) {
  const YAML::Node n = o.raw(key, help);
  Matrix m;
  if (!n.IsDefined() || n.IsNull()) return m;
  if (n.IsScalar()) return {{to_double(o, key, n)}};
  if (!n.IsSequence()) o.fail(key, "expected a matrix: a list of rows, each a list of numbers");
  for (const auto& row : n) {
    if (!row.IsSequence()) o.fail(key, "expected a matrix: a list of rows, each a list of numbers");
    std::vector<double> r;
    for (const auto& e : row) r.push_back(to_double(o, key, e));
    m.push_back(std::move(r));
  }
  return m;
}

// One function description: `name` and the parameters that function takes. Only those keys are
// read, so a parameter that does not belong to the function is reported as an unknown key.
std::pair<Kind, TermParams> read_term(Options& o, std::size_t dims) {
  const bool doc = o.describing();
  const auto name =
      o.get<std::string>("name", "", "benchmark function", Check::one_of(functions::kind_names()));
  const Kind kind = doc ? Kind::sphere : *functions::parse_kind(name);
  TermParams p;
  if (doc || kind == Kind::michalewicz)
    p.m =
        o.get<double>("m", p.m, "michalewicz: steepness of valleys and ridges", Check::positive());
  if (doc || kind == Kind::permutation)
    p.beta = o.get<double>("beta", p.beta,
                           "permutation: global vs. local minima gap (smaller is harder)",
                           Check::at_least(0));
  if (doc || kind == Kind::shekel || kind == Kind::langermann) {
    p.A = read_matrix(o, "A",
                      "shekel, langermann: centres, one row of dims numbers each "
                      "(default: L2L's, for dims 2)");
    p.c = o.get<std::vector<double>>("c", {},
                                     "shekel, langermann: one weight per row of A "
                                     "(default: L2L's, for dims 2)");
  }
  if (doc || kind == Kind::gaussian) {
    p.mean = o.get<std::vector<double>>("mean", {}, "gaussian: peak location (default: origin)");
    p.cov = read_matrix(o, "cov", "gaussian: covariance matrix (default: identity)");
  }
  if (!doc) {
    try {
      (void)functions::Term(kind, dims, p);  // validates shapes against dims
    } catch (const UsageError& e) {
      o.fail("name", e.what());
    }
  }
  return {kind, std::move(p)};
}

}  // namespace

FunctionOptimizee::Config FunctionOptimizee::Config::read(Options& o) {
  Config c;
  const bool doc = o.describing();
  const auto preset = o.get<std::string>(
      "preset", "",
      "one of L2L's named benchmarks (" + preset_list() + "); fixes function and dims");
  const bool has_name = o.has("name"), has_terms = o.has("terms");
  if (!doc) {
    const int given = !preset.empty() + has_name + has_terms;
    if (given != 1)
      o.fail("", given ? "set only one of preset, name and terms"
                       : "set one of preset (a named benchmark), name (one function) or terms (a "
                         "sum of functions)");
    if (!preset.empty() && o.has("dims")) o.fail("dims", "a preset fixes dims");
  }
  c.dims = o.get<std::int64_t>("dims", c.dims, "dimension of x", Check::range(1, 100000));
  const auto dims = static_cast<std::size_t>(c.dims);
  if (doc || has_name) c.terms.push_back(read_term(o, dims));
  for (auto& t : o.list("terms", "sum of functions: a list of {name, its parameters}")) {
    c.terms.push_back(read_term(t, dims));
    t.finish();
  }
  c.bounds = o.get<std::vector<double>>(
      "bounds", {}, "[lo, hi] for every coordinate (default: the function's; for sums, the hull)");
  if (!c.bounds.empty() && (c.bounds.size() != 2 || !(c.bounds[0] < c.bounds[1])))
    o.fail("bounds", "expected [lo, hi] with lo < hi");
  auto noise = o.child("noise", "additive Gaussian noise N(mu, sigma) from the candidate's seed");
  c.noise.mu = noise.get<double>("mu", 0.0, "mean of the noise");
  c.noise.sigma =
      noise.get<double>("sigma", 0.0, "standard deviation (0: no noise)", Check::at_least(0));
  noise.finish();
  if (!doc && !preset.empty()) {
    const auto canonical = functions::find_preset(preset);
    if (!canonical)
      o.fail("preset", fmt::format("unknown preset '{}' (known: {})", preset, preset_list()));
    c.preset = *canonical;
  }
  if (!doc) {
    try {
      c.dims = static_cast<std::int64_t>(c.build().dims());
    } catch (const UsageError& e) {
      o.fail(has_terms ? "terms" : "", e.what());
    }
  }
  return c;
}

functions::BenchmarkFunction FunctionOptimizee::Config::build() const {
  std::optional<std::pair<double, double>> b;
  if (bounds.size() == 2) b = std::pair{bounds[0], bounds[1]};
  if (!preset.empty()) return functions::make_preset(preset, b, noise);
  std::vector<functions::Term> t;
  for (const auto& [kind, params] : terms)
    t.emplace_back(kind, static_cast<std::size_t>(dims), params);
  return functions::BenchmarkFunction(std::move(t), b, noise);
}

FunctionOptimizee::FunctionOptimizee(const Config& cfg, const OptimizeeContext&)
    : f_(cfg.build()), preset_(cfg.preset) {}

FunctionOptimizee::FunctionOptimizee(functions::BenchmarkFunction f, std::string preset)
    : f_(std::move(f)), preset_(std::move(preset)) {}

ParameterSpace FunctionOptimizee::space() const {
  ParameterSpace s;
  s.add_array("x", f_.dims(), f_.lower(), f_.upper());
  return s;
}

Evaluation FunctionOptimizee::evaluate(const Candidate& candidate) {
  Evaluation e;
  e.fitness.assign(1, f_.value(candidate.params, candidate.seed));
  return e;
}

nlohmann::json FunctionOptimizee::describe() const {
  auto j = f_.describe();
  if (!preset_.empty()) j["preset"] = preset_;
  return j;
}

L2L_REGISTER_OPTIMIZEE(FunctionOptimizee, "function",
                       "benchmark functions of L2L's function generator, sums, presets, noise");

}  // namespace l2l
