#include "l2l/optimizees/functions/function.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"

namespace l2l::functions {

namespace {

constexpr double pi = std::numbers::pi;

struct KindInfo {
  Kind kind;
  const char* name;
};
constexpr KindInfo kinds[] = {
    {Kind::sphere, "sphere"},
    {Kind::rastrigin, "rastrigin"},
    {Kind::rosenbrock, "rosenbrock"},
    {Kind::ackley, "ackley"},
    {Kind::chasm, "chasm"},
    {Kind::easom, "easom"},
    {Kind::michalewicz, "michalewicz"},
    {Kind::shekel, "shekel"},
    {Kind::langermann, "langermann"},
    {Kind::permutation, "permutation"},
    {Kind::gaussian, "gaussian"},
};

// L2L's 2-D defaults (from the SFU test-function library). L2L's Shekel code adds c_i to every
// squared coordinate difference, i.e. it uses d * c_i in the textbook formula that Term
// implements; the defaults are therefore L2L's c times d = 2 so that Shekel2d gives L2L's values.
const Matrix shekel_a2 = {{3, 5}, {5, 2}, {2, 1}, {3, 3}, {2, 7}, {1, 4}, {7, 9}};
const std::vector<double> shekel_c2 = {0.2, 0.4, 1.0, 0.4, 0.6, 0.2, 0.2};
const Matrix langermann_a2 = {{3, 5}, {5, 2}, {2, 1}, {1, 4}, {7, 9}};
const std::vector<double> langermann_c2 = {1, 2, 5, 2, 3};

[[noreturn]] void bad(Kind k, const std::string& msg) {
  throw UsageError(fmt::format("{}: {}", to_string(k), msg));
}

void check_finite(Kind k, const char* what, std::span<const double> v) {
  for (double x : v)
    if (!std::isfinite(x)) bad(k, fmt::format("{} must contain finite numbers", what));
}

// Flattens a rows x dims matrix row-major, checking its shape.
std::vector<double> flatten_rows(Kind k, const char* what, const Matrix& a, std::size_t dims) {
  std::vector<double> flat;
  flat.reserve(a.size() * dims);
  for (std::size_t r = 0; r < a.size(); ++r) {
    if (a[r].size() != dims)
      bad(k,
          fmt::format("{} row {} has {} entries, expected dims = {}", what, r, a[r].size(), dims));
    check_finite(k, what, a[r]);
    flat.insert(flat.end(), a[r].begin(), a[r].end());
  }
  return flat;
}

}  // namespace

const char* to_string(Kind k) {
  for (const auto& i : kinds)
    if (i.kind == k) return i.name;
  return "?";
}

std::optional<Kind> parse_kind(std::string_view name) {
  for (const auto& i : kinds)
    if (name == i.name) return i.kind;
  return std::nullopt;
}

const std::vector<std::string>& kind_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& i : kinds) v.emplace_back(i.name);
    return v;
  }();
  return names;
}

Term::Term(Kind kind, std::size_t dims, const TermParams& p) : kind_(kind), dims_(dims) {
  if (dims == 0) bad(kind, "dims must be at least 1");
  const double d = static_cast<double>(dims);
  switch (kind) {
    case Kind::sphere:
    case Kind::rastrigin:
      lo_ = -5, hi_ = 5;
      break;
    case Kind::rosenbrock:
      if (dims < 2) bad(kind, "needs dims >= 2");
      lo_ = -2, hi_ = 2;
      break;
    case Kind::ackley:
      lo_ = -2, hi_ = 2;
      break;
    case Kind::chasm:
      if (dims != 2) bad(kind, fmt::format("is defined for dims = 2 only, got {}", dims));
      lo_ = -2, hi_ = 2;
      break;
    case Kind::easom:
      lo_ = -10, hi_ = 10;
      break;
    case Kind::michalewicz:
      if (!std::isfinite(p.m) || p.m <= 0) bad(kind, "m must be > 0");
      m_ = p.m;
      lo_ = 0, hi_ = pi;
      break;
    case Kind::shekel:
    case Kind::langermann: {
      const bool shekel = kind == Kind::shekel;
      const Matrix* a = &p.A;
      const std::vector<double>* c = &p.c;
      if (p.A.empty() && p.c.empty()) {
        if (dims != 2) bad(kind, "A and c have defaults for dims = 2 only; set both");
        a = shekel ? &shekel_a2 : &langermann_a2;
        c = shekel ? &shekel_c2 : &langermann_c2;
      }
      if (a->empty() || a->size() != c->size())
        bad(kind, fmt::format("A has {} rows but c has {} values; one row per value of c",
                              a->size(), c->size()));
      centres_ = flatten_rows(kind, "A", *a, dims);
      check_finite(kind, "c", *c);
      weights_ = *c;
      lo_ = 0, hi_ = 10;
      break;
    }
    case Kind::permutation:
      if (!std::isfinite(p.beta) || p.beta < 0) bad(kind, "beta must be >= 0");
      // Its terms grow like d^(2d): beyond about 80 dimensions they overflow a double.
      if (dims > 64) bad(kind, fmt::format("is limited to dims <= 64, got {}", dims));
      beta_ = p.beta;
      lo_ = -d, hi_ = d;
      break;
    case Kind::gaussian: {
      if (dims > 2000)
        bad(kind, fmt::format("keeps a dense covariance: dims <= 2000, got {}", dims));
      centres_ = p.mean.empty() ? std::vector<double>(dims, 0.0) : p.mean;
      if (centres_.size() != dims)
        bad(kind, fmt::format("mean has {} entries, expected dims = {}", centres_.size(), dims));
      check_finite(kind, "mean", centres_);
      if (p.cov.empty()) {
        cov_.assign(dims, std::vector<double>(dims, 0.0));
        for (std::size_t i = 0; i < dims; ++i) cov_[i][i] = 1.0;
      } else {
        cov_ = p.cov;
      }
      if (cov_.size() != dims)
        bad(kind, fmt::format("cov has {} rows, expected dims = {}", cov_.size(), dims));
      const auto flat = flatten_rows(kind, "cov", cov_, dims);
      Eigen::MatrixXd s(dims, dims);
      for (std::size_t i = 0; i < dims; ++i)
        for (std::size_t j = 0; j < dims; ++j) {
          s(i, j) = flat[i * dims + j];
          if (s(i, j) != flat[j * dims + i]) bad(kind, "cov must be symmetric");
        }
      Eigen::LLT<Eigen::MatrixXd> llt(s);
      if (llt.info() != Eigen::Success) bad(kind, "cov must be positive definite");
      const Eigen::MatrixXd precision = llt.solve(Eigen::MatrixXd::Identity(dims, dims));
      double log_det = 0.0;
      for (std::size_t i = 0; i < dims; ++i) log_det += 2.0 * std::log(llt.matrixL()(i, i));
      scale_ = std::exp(-0.5 * (d * std::log(2.0 * pi) + log_det));
      weights_.resize(dims * dims);
      for (std::size_t i = 0; i < dims; ++i)
        for (std::size_t j = 0; j < dims; ++j) weights_[i * dims + j] = precision(i, j);
      lo_ = -5, hi_ = 5;
      break;
    }
  }
}

double Term::operator()(std::span<const double> x) const {
  const std::size_t n = dims_;
  double v = 0.0;
  switch (kind_) {
    case Kind::sphere:
      for (std::size_t i = 0; i < n; ++i) v += x[i] * x[i];
      return v;
    case Kind::rastrigin:
      for (std::size_t i = 0; i < n; ++i)
        v += x[i] * x[i] + 10.0 - 10.0 * std::cos(2.0 * pi * x[i]);
      return v;
    case Kind::rosenbrock:
      for (std::size_t i = 0; i + 1 < n; ++i) {
        const double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        v += 100.0 * a * a + b * b;
      }
      return v;
    case Kind::ackley: {
      double sq = 0.0, cs = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        sq += x[i] * x[i];
        cs += std::cos(2.0 * pi * x[i]);
      }
      const double d = static_cast<double>(n);
      return std::numbers::e + 20.0 - 20.0 * std::exp(-0.2 * std::sqrt(sq / d)) - std::exp(cs / d);
    }
    case Kind::chasm: {
      const double a = 1e3 * std::fabs(x[0]);
      return a / (a + 1.0) + 1e-2 * std::fabs(x[1]);
    }
    case Kind::easom: {
      double prod = 1.0, sq = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        prod *= std::cos(x[i]);
        sq += (x[i] - pi) * (x[i] - pi);
      }
      // L2L multiplies the cosines as they are, which puts a maximum (+1) at (pi, ..., pi) when
      // dims is odd; the sign (-1)^(dims+1) keeps L2L's values for even dims and the minimum -1 at
      // (pi, ..., pi) for every dims.
      return (n % 2 == 0 ? -prod : prod) * std::exp(-sq);
    }
    case Kind::michalewicz:
      for (std::size_t i = 0; i < n; ++i) {
        const double s = std::sin(static_cast<double>(i + 1) * x[i] * x[i] / pi);
        // (s^2)^m rather than s^(2m): the same for integer m, and defined for any real m.
        v -= std::sin(x[i]) * std::pow(s * s, m_);
      }
      return v;
    case Kind::shekel:
    case Kind::langermann:
      for (std::size_t r = 0; r < weights_.size(); ++r) {
        const double* a = centres_.data() + r * n;
        double sq = 0.0;
        for (std::size_t i = 0; i < n; ++i) sq += (x[i] - a[i]) * (x[i] - a[i]);
        if (kind_ == Kind::shekel)
          v -= 1.0 / (sq + weights_[r]);
        else
          v += weights_[r] * std::exp(-sq / pi) * std::cos(pi * sq);
      }
      return v;
    case Kind::permutation:
      for (std::size_t k = 1; k <= n; ++k) {
        const double kk = static_cast<double>(k);
        double inner = 0.0;
        for (std::size_t i = 1; i <= n; ++i) {
          const double ii = static_cast<double>(i);
          inner += (std::pow(ii, kk) + beta_) * (std::pow(x[i - 1] / ii, kk) - 1.0);
        }
        v += inner * inner;
      }
      return v;
    case Kind::gaussian: {
      // (x - mean)' P (x - mean) without a temporary vector.
      const double* mu = centres_.data();
      const double* prec = weights_.data();
      for (std::size_t i = 0; i < n; ++i) {
        const double di = x[i] - mu[i];
        double row = 0.0;
        for (std::size_t j = 0; j < n; ++j) row += prec[i * n + j] * (x[j] - mu[j]);
        v += di * row;
      }
      return -scale_ * std::exp(-0.5 * v);
    }
  }
  return v;
}

nlohmann::json Term::describe() const {
  nlohmann::json j = {{"name", to_string(kind_)}};
  const std::size_t rows = dims_ ? centres_.size() / dims_ : 0;
  auto matrix = [&](const std::vector<double>& flat, std::size_t nrows) {
    auto m = nlohmann::json::array();
    for (std::size_t r = 0; r < nrows; ++r)
      m.push_back(std::vector<double>(flat.begin() + static_cast<std::ptrdiff_t>(r * dims_),
                                      flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * dims_)));
    return m;
  };
  switch (kind_) {
    case Kind::michalewicz:
      j["m"] = m_;
      break;
    case Kind::permutation:
      j["beta"] = beta_;
      break;
    case Kind::shekel:
    case Kind::langermann:
      j["A"] = matrix(centres_, rows);
      j["c"] = weights_;
      break;
    case Kind::gaussian:
      j["mean"] = centres_;
      j["cov"] = cov_;
      break;
    default:
      break;
  }
  return j;
}

BenchmarkFunction::BenchmarkFunction(std::vector<Term> terms,
                                     std::optional<std::pair<double, double>> bounds, Noise noise)
    : terms_(std::move(terms)), noise_(noise) {
  if (terms_.empty()) throw UsageError("a benchmark function needs at least one term");
  dims_ = terms_.front().dims();
  lo_ = terms_.front().lower();
  hi_ = terms_.front().upper();
  for (const auto& t : terms_) {
    if (t.dims() != dims_)
      throw UsageError(fmt::format("terms have different dims ({} and {})", dims_, t.dims()));
    lo_ = std::min(lo_, t.lower());
    hi_ = std::max(hi_, t.upper());
  }
  if (bounds) {
    if (!std::isfinite(bounds->first) || !std::isfinite(bounds->second) ||
        !(bounds->first < bounds->second))
      throw UsageError(fmt::format("bounds [{}, {}] must be finite with lo < hi", bounds->first,
                                   bounds->second));
    lo_ = bounds->first;
    hi_ = bounds->second;
  }
  if (!std::isfinite(noise_.mu) || !std::isfinite(noise_.sigma) || noise_.sigma < 0)
    throw UsageError("noise needs a finite mu and a finite sigma >= 0");
}

double BenchmarkFunction::value(std::span<const double> x) const {
  if (x.size() != dims_)
    throw UsageError(fmt::format("point has {} coordinates, the function {}", x.size(), dims_));
  double v = 0.0;
  for (const auto& t : terms_) v += t(x);
  return v;
}

double BenchmarkFunction::value(std::span<const double> x, std::uint64_t seed) const {
  double v = value(x);
  if (noise_.sigma > 0) {
    Rng rng(seed);
    v += rng.normal(noise_.mu, noise_.sigma);
  } else {
    v += noise_.mu;
  }
  return v;
}

nlohmann::json BenchmarkFunction::describe() const {
  nlohmann::json j;
  j["dims"] = dims_;
  j["bounds"] = {lo_, hi_};
  auto t = nlohmann::json::array();
  for (const auto& term : terms_) t.push_back(term.describe());
  j["terms"] = t;
  if (noise_.active()) j["noise"] = {{"mu", noise_.mu}, {"sigma", noise_.sigma}};
  return j;
}

}  // namespace l2l::functions
