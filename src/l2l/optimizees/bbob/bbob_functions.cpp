#include "l2l/optimizees/bbob/bbob_functions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l::bbob {

namespace {

constexpr double kPi = std::numbers::pi;

// Sums below run left to right on purpose: the instance data and function values then follow the
// reference definition's order of floating-point operations rather than a vectorised reordering.

// y = M x, row by row.
void matvec(const Eigen::MatrixXd& m, const double* x, double* y) {
  const auto n = m.rows();
  const auto k = m.cols();
  for (Eigen::Index i = 0; i < n; ++i) {
    double s = 0.0;
    for (Eigen::Index j = 0; j < k; ++j) s += m(i, j) * x[j];
    y[i] = s;
  }
}

// exponent i / (n - 1) of the conditioning and slope terms
double ratio(std::size_t i, std::size_t n) {
  return static_cast<double>(i) / (static_cast<double>(n) - 1.0);
}

// The oscillation T_osz: a smooth, monotone, symmetry-breaking perturbation of the identity.
double tosz(double x) {
  if (x > 0.0) {
    const double t = std::log(x) / 0.1;
    return std::pow(std::exp(t + 0.49 * (std::sin(t) + std::sin(0.79 * t))), 0.1);
  }
  if (x < 0.0) {
    const double t = std::log(-x) / 0.1;
    return -std::pow(std::exp(t + 0.49 * (std::sin(0.55 * t) + std::sin(0.31 * t))), 0.1);
  }
  return 0.0;
}

// The asymmetry T_asy^beta applied in place: positive coordinates are raised to a power > 1.
void tasy(std::vector<double>& v, double beta) {
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (v[i] > 0.0) {
      const double e =
          1.0 + (beta * static_cast<double>(i)) / (static_cast<double>(n) - 1.0) * std::sqrt(v[i]);
      v[i] = std::pow(v[i], e);
    }
  }
}

// Quadratic penalty for leaving [-5, 5]^n.
double fpen(std::span<const double> x) {
  double p = 0.0;
  for (double v : x) {
    const double t = std::fabs(v) - 5.0;
    if (t > 0.0) p += t * t;
  }
  return p;
}

double round_half_up(double v) {
  return std::floor(v + 0.5);
}

double rastrigin_raw(const std::vector<double>& z) {
  double s1 = 0.0, s2 = 0.0;
  for (double v : z) {
    s1 += std::cos(2.0 * kPi * v);
    s2 += v * v;
  }
  return 10.0 * (static_cast<double>(z.size()) - s1) + s2;
}

double ellipsoid_raw(const std::vector<double>& z) {
  const std::size_t n = z.size();
  double r = z[0] * z[0];
  for (std::size_t i = 1; i < n; ++i) r += std::pow(1.0e6, ratio(i, n)) * z[i] * z[i];
  return r;
}

double rosenbrock_raw(const std::vector<double>& z) {
  double s1 = 0.0, s2 = 0.0;
  for (std::size_t i = 0; i + 1 < z.size(); ++i) {
    const double a = z[i] * z[i] - z[i + 1];
    s1 += a * a;
    const double b = z[i] - 1.0;
    s2 += b * b;
  }
  return 100.0 * s1 + s2;
}

double schaffers_raw(const std::vector<double>& z) {
  const std::size_t n = z.size();
  double r = 0.0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double t = z[i] * z[i] + z[i + 1] * z[i + 1];
    r += std::pow(t, 0.25) * (1.0 + std::pow(std::sin(50.0 * std::pow(t, 0.1)), 2.0));
  }
  return std::pow(r / (static_cast<double>(n) - 1.0), 2.0);
}

// M = A diag(base^(k/(n-1))) B, the "Q Lambda R" product of the definitions.
Eigen::MatrixXd conditioned_product(const Eigen::MatrixXd& a, double base,
                                    const Eigen::MatrixXd& b) {
  const auto n = a.rows();
  Eigen::MatrixXd m(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      double s = 0.0;
      for (Eigen::Index k = 0; k < n; ++k) {
        s += a(i, k) *
             std::pow(base, ratio(static_cast<std::size_t>(k), static_cast<std::size_t>(n))) *
             b(k, j);
      }
      m(i, j) = s;
    }
  }
  return m;
}

}  // namespace

std::vector<double> legacy_uniform(std::size_t n, long seed) {
  // Park-Miller minimal standard generator (Schrage's method) behind a 32-entry shuffle table.
  std::int64_t s = seed < 0 ? -static_cast<std::int64_t>(seed) : seed;
  if (s < 1) s = 1;
  auto step = [](std::int64_t& a) {
    const std::int64_t t = a / 127773;
    a = 16807 * (a - t * 127773) - 2836 * t;
    if (a < 0) a += 2147483647;
  };
  std::int64_t table[32];
  for (int i = 39; i >= 0; --i) {
    step(s);
    if (i < 32) table[i] = s;
  }
  std::int64_t r = table[0];
  std::vector<double> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    step(s);
    const auto t = static_cast<std::size_t>(r / 67108865);
    r = table[t];
    table[t] = s;
    out[k] = static_cast<double>(r) / 2.147483647e9;
    if (out[k] == 0.0) out[k] = 1e-99;
  }
  return out;
}

std::vector<double> legacy_gauss(std::size_t n, long seed) {
  const auto u = legacy_uniform(2 * n, seed);
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) {
    g[i] = std::sqrt(-2.0 * std::log(u[i])) * std::cos(2.0 * kPi * u[n + i]);
    if (g[i] == 0.0) g[i] = 1e-99;
  }
  return g;
}

Eigen::MatrixXd legacy_rotation(std::size_t n, long seed) {
  const auto g = legacy_gauss(n * n, seed);
  const auto en = static_cast<Eigen::Index>(n);
  Eigen::MatrixXd b(en, en);
  for (Eigen::Index i = 0; i < en; ++i)
    for (Eigen::Index j = 0; j < en; ++j) b(i, j) = g[static_cast<std::size_t>(j * en + i)];
  // Gram-Schmidt over the columns.
  for (Eigen::Index i = 0; i < en; ++i) {
    for (Eigen::Index j = 0; j < i; ++j) {
      double p = 0.0;
      for (Eigen::Index k = 0; k < en; ++k) p += b(k, i) * b(k, j);
      for (Eigen::Index k = 0; k < en; ++k) b(k, i) -= p * b(k, j);
    }
    double p = 0.0;
    for (Eigen::Index k = 0; k < en; ++k) p += b(k, i) * b(k, i);
    const double norm = std::sqrt(p);
    for (Eigen::Index k = 0; k < en; ++k) b(k, i) /= norm;
  }
  return b;
}

std::vector<double> legacy_xopt(std::size_t n, long seed) {
  auto x = legacy_uniform(n, seed);
  for (auto& v : x) {
    v = 8.0 * std::floor(1e4 * v) / 1e4 - 4.0;
    if (v == 0.0) v = -1e-5;
  }
  return x;
}

double legacy_fopt(int function, int instance) {
  long base = function;
  if (function == 4) base = 3;    // f4 shares f3's offsets
  if (function == 18) base = 17;  // f18 shares f17's offsets
  const long s = base + 10000L * instance;
  const double g1 = legacy_gauss(1, s)[0];
  const double g2 = legacy_gauss(1, s + 1)[0];
  const double f = round_half_up(100.0 * 100.0 * g1 / g2) / 100.0;
  return std::min(1000.0, std::max(-1000.0, f));
}

const char* function_name(int function) {
  static const char* names[] = {"Sphere",
                                "Ellipsoid (separable)",
                                "Rastrigin (separable)",
                                "Bueche-Rastrigin",
                                "Linear slope",
                                "Attractive sector",
                                "Step ellipsoid",
                                "Rosenbrock",
                                "Rosenbrock (rotated)",
                                "Ellipsoid",
                                "Discus",
                                "Bent cigar",
                                "Sharp ridge",
                                "Different powers",
                                "Rastrigin",
                                "Weierstrass",
                                "Schaffers F7",
                                "Schaffers F7 (ill-conditioned)",
                                "Griewank-Rosenbrock F8F2",
                                "Schwefel x*sin(x)",
                                "Gallagher 101 peaks",
                                "Gallagher 21 peaks",
                                "Katsuura",
                                "Lunacek bi-Rastrigin"};
  if (function < 1 || function > kFunctions) return "?";
  return names[function - 1];
}

Problem::Problem(int function, std::size_t dim, int instance)
    : function_(function), n_(dim), instance_(instance) {
  if (function < 1 || function > kFunctions)
    throw UsageError(fmt::format("BBOB function must be in 1..24, got {}", function));
  if (dim < 2)
    throw UsageError(fmt::format("BBOB functions need at least 2 dimensions, got {}", dim));
  if (instance < 1) throw UsageError(fmt::format("BBOB instance must be >= 1, got {}", instance));
  const std::size_t n = dim;
  const auto en = static_cast<Eigen::Index>(n);
  const long seed = function + 10000L * instance;
  fopt_ = legacy_fopt(function, instance);
  auto rot_r = [&](long s) { return legacy_rotation(n, s); };

  switch (function) {
    case 1:
    case 2:
    case 3:
    case 10:
    case 11:
    case 13:
    case 14:
    case 6:
    case 15:
    case 16:
    case 17:
    case 7:
    case 23:
      xopt_ = legacy_xopt(n, seed);
      break;
    case 4:
      xopt_ = legacy_xopt(n, 3 + 10000L * instance);
      for (std::size_t i = 0; i < n; i += 2) xopt_[i] = std::fabs(xopt_[i]);
      break;
    case 5: {
      const auto raw = legacy_xopt(n, seed);
      xopt_.resize(n);
      scale_.resize(en);
      for (std::size_t i = 0; i < n; ++i) {
        xopt_[i] = raw[i] < 0.0 ? -5.0 : 5.0;
        const double s = std::pow(std::sqrt(100.0), ratio(i, n));
        scale_[static_cast<Eigen::Index>(i)] = xopt_[i] > 0.0 ? s : -s;
      }
      break;
    }
    case 8:
      xopt_ = legacy_xopt(n, seed);
      for (auto& v : xopt_) v *= 0.75;
      factor_ = std::max(1.0, std::sqrt(static_cast<double>(n)) / 8.0);
      break;
    case 9:
    case 19: {
      factor_ = std::max(1.0, std::sqrt(static_cast<double>(n)) / 8.0);
      const Eigen::MatrixXd r = rot_r(seed);
      m1_ = factor_ * r;
      xopt_.assign(n, 0.0);
      for (Eigen::Index j = 0; j < en; ++j) {
        double s = 0.0;
        for (Eigen::Index i = 0; i < en; ++i) s += r(i, j);
        xopt_[static_cast<std::size_t>(j)] = s / (2.0 * factor_);
      }
      break;
    }
    case 12:
      xopt_ = legacy_xopt(n, seed + 1000000);
      break;
    case 18:
      xopt_ = legacy_xopt(n, 17 + 10000L * instance);
      break;
    case 20: {
      const auto u = legacy_uniform(n, seed);
      xopt_.resize(n);
      scale_.resize(en);  // the +-1 signs
      for (std::size_t i = 0; i < n; ++i) {
        const double sign = u[i] - 0.5 < 0.0 ? -1.0 : 1.0;
        xopt_[i] = sign * 0.5 * 4.2096874637;
        scale_[static_cast<Eigen::Index>(i)] = sign;
      }
      break;
    }
    case 21:
    case 22:
      break;  // below
    case 24: {
      const auto g = legacy_gauss(n, seed);
      xopt_.resize(n);
      for (std::size_t i = 0; i < n; ++i) xopt_[i] = g[i] < 0.0 ? -1.25 : 1.25;
      break;
    }
    default:
      break;
  }

  // Linear maps.
  switch (function) {
    case 6:
    case 13:
    case 15:
      m1_ = conditioned_product(rot_r(seed + 1000000), std::sqrt(10.0), rot_r(seed));
      m2_ = rot_r(seed + 1000000);
      break;
    case 16:
      m1_ = conditioned_product(rot_r(seed + 1000000), 1.0 / std::sqrt(100.0), rot_r(seed));
      m2_ = rot_r(seed + 1000000);
      break;
    case 23:
      m1_ = conditioned_product(rot_r(seed + 1000000), std::sqrt(100.0), rot_r(seed));
      break;
    case 10:
    case 11:
    case 12:
    case 14:
      m1_ = rot_r(seed + 1000000);
      break;
    case 17:
    case 18: {
      const long s = function == 17 ? seed : 17 + 10000L * instance;
      const double condition = function == 17 ? 10.0 : 1000.0;
      const Eigen::MatrixXd r2 = rot_r(s);
      m1_.resize(en, en);
      for (Eigen::Index i = 0; i < en; ++i)
        for (Eigen::Index j = 0; j < en; ++j)
          m1_(i, j) =
              r2(i, j) * std::pow(std::sqrt(condition), ratio(static_cast<std::size_t>(i), n));
      m2_ = rot_r(s + 1000000);
      break;
    }
    case 7: {
      const Eigen::MatrixXd r2 = rot_r(seed);
      m1_.resize(en, en);
      for (Eigen::Index i = 0; i < en; ++i) {
        const double c = std::sqrt(std::pow(100.0 / 10.0, ratio(static_cast<std::size_t>(i), n)));
        for (Eigen::Index j = 0; j < en; ++j) m1_(i, j) = c * r2(i, j);
      }
      m2_ = rot_r(seed + 1000000);
      break;
    }
    case 24: {
      const Eigen::MatrixXd r2 = rot_r(seed);
      m1_.resize(en, en);
      for (Eigen::Index i = 0; i < en; ++i) {
        const double c = std::pow(std::sqrt(100.0), ratio(static_cast<std::size_t>(i), n));
        for (Eigen::Index j = 0; j < en; ++j) m1_(i, j) = c * r2(i, j);
      }
      m2_ = rot_r(seed + 1000000);
      break;
    }
    default:
      break;
  }

  if (function == 21 || function == 22) {
    // Gallagher's Gaussian peaks: random heights, conditionings, axis scalings and locations.
    const std::size_t peaks = function == 21 ? 101 : 21;
    const double b = function == 21 ? 10.0 : 9.8;
    const double c = function == 21 ? 5.0 : 4.9;
    const double max_condition = 1000.0;
    const double first_condition = function == 21 ? std::sqrt(1000.0) : 1000.0;
    m1_ = rot_r(seed);

    auto order = [](const std::vector<double>& v) {
      std::vector<std::size_t> idx(v.size());
      std::iota(idx.begin(), idx.end(), std::size_t{0});
      std::stable_sort(idx.begin(), idx.end(),
                       [&](std::size_t a, std::size_t b2) { return v[a] < v[b2]; });
      return idx;
    };
    const auto perm = order(legacy_uniform(peaks - 1, seed));
    std::vector<double> condition(peaks);
    peak_heights_.assign(peaks, 0.0);
    condition[0] = first_condition;
    peak_heights_[0] = 10.0;
    for (std::size_t i = 1; i < peaks; ++i) {
      condition[i] = std::pow(max_condition,
                              static_cast<double>(perm[i - 1]) / static_cast<double>(peaks - 2));
      peak_heights_[i] =
          static_cast<double>(i - 1) / static_cast<double>(peaks - 2) * (9.1 - 1.1) + 1.1;
    }
    peak_scales_.resize(static_cast<Eigen::Index>(peaks), en);
    for (std::size_t i = 0; i < peaks; ++i) {
      const auto p = order(legacy_uniform(n, seed + static_cast<long>(1000 * i)));
      for (std::size_t j = 0; j < n; ++j) {
        peak_scales_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            std::pow(condition[i], static_cast<double>(p[j]) / static_cast<double>(n - 1) - 0.5);
      }
    }
    const auto u = legacy_uniform(n * peaks, seed);
    xopt_.resize(n);
    peaks_.resize(en, static_cast<Eigen::Index>(peaks));
    for (std::size_t i = 0; i < n; ++i) {
      xopt_[i] = 0.8 * (b * u[i] - c);
      for (std::size_t j = 0; j < peaks; ++j) {
        double s = 0.0;
        for (std::size_t k = 0; k < n; ++k)
          s += m1_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) *
               (b * u[j * n + k] - c);
        if (j == 0) s *= 0.8;
        peaks_(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = s;
      }
    }
  }

  xo_ = Eigen::Map<const Eigen::VectorXd>(xopt_.data(), en);
}

double Problem::evaluate(std::span<const double> x) const {
  const std::size_t n = n_;
  if (x.size() != n)
    throw UsageError(fmt::format("BBOB f{}: expected {} values, got {}", function_, n, x.size()));
  const double dn = static_cast<double>(n);
  std::vector<double> z(n), t(n);
  auto shifted = [&]() {
    for (std::size_t i = 0; i < n; ++i) t[i] = x[i] - xopt_[i];
  };

  switch (function_) {
    case 1: {
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double d = x[i] - xopt_[i];
        r += d * d;
      }
      return r + fopt_;
    }
    case 2:
      for (std::size_t i = 0; i < n; ++i) z[i] = tosz(x[i] - xopt_[i]);
      return ellipsoid_raw(z) + fopt_;
    case 3:
      for (std::size_t i = 0; i < n; ++i) z[i] = tosz(x[i] - xopt_[i]);
      tasy(z, 0.2);
      for (std::size_t i = 0; i < n; ++i) z[i] *= std::pow(10.0, 0.5 * ratio(i, n));
      return rastrigin_raw(z) + fopt_;
    case 4: {
      for (std::size_t i = 0; i < n; ++i) {
        const double v = tosz(x[i] - xopt_[i]);
        double f = std::pow(std::sqrt(10.0), ratio(i, n));
        if (v > 0.0 && i % 2 == 0) f *= 10.0;
        z[i] = f * v;
      }
      return rastrigin_raw(z) + fopt_ + 100.0 * fpen(x);
    }
    case 5: {
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double s = scale_[static_cast<Eigen::Index>(i)];
        // Beyond the optimum's bound the function is flat (z = x_opt), as defined.
        const double zi = xopt_[i] * x[i] < 25.0 ? x[i] : xopt_[i];
        r += 5.0 * std::fabs(s) - s * zi;
      }
      return r + fopt_;
    }
    case 6: {
      shifted();
      matvec(m1_, t.data(), z.data());
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double s = xopt_[i] * z[i] > 0.0 ? 100.0 : 1.0;
        r += s * s * z[i] * z[i];
      }
      return std::pow(tosz(r), 0.9) + fopt_;
    }
    case 7: {
      shifted();
      matvec(m1_, t.data(), z.data());
      const double z1 = z[0];
      for (auto& v : z) v = std::fabs(v) > 0.5 ? round_half_up(v) : round_half_up(10.0 * v) / 10.0;
      matvec(m2_, z.data(), t.data());
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) r += std::pow(100.0, ratio(i, n)) * t[i] * t[i];
      return 0.1 * std::max(std::fabs(z1) * 1.0e-4, r) + fpen(x) + fopt_;
    }
    case 8:
      for (std::size_t i = 0; i < n; ++i) z[i] = factor_ * (x[i] - xopt_[i]) + 1.0;
      return rosenbrock_raw(z) + fopt_;
    case 9:
      matvec(m1_, x.data(), z.data());
      for (auto& v : z) v += 0.5;
      return rosenbrock_raw(z) + fopt_;
    case 10:
    case 11:
      shifted();
      matvec(m1_, t.data(), z.data());
      for (auto& v : z) v = tosz(v);
      if (function_ == 10) return ellipsoid_raw(z) + fopt_;
      {
        double r = 1.0e6 * z[0] * z[0];
        for (std::size_t i = 1; i < n; ++i) r += z[i] * z[i];
        return r + fopt_;
      }
    case 12: {
      shifted();
      matvec(m1_, t.data(), z.data());
      tasy(z, 0.5);
      matvec(m1_, z.data(), t.data());
      double r = t[0] * t[0];
      for (std::size_t i = 1; i < n; ++i) r += 1.0e6 * t[i] * t[i];
      return r + fopt_;
    }
    case 13: {
      shifted();
      matvec(m1_, t.data(), z.data());
      double r = 0.0;
      for (std::size_t i = 1; i < n; ++i) r += z[i] * z[i];
      return 100.0 * std::sqrt(r) + z[0] * z[0] + fopt_;
    }
    case 14: {
      shifted();
      matvec(m1_, t.data(), z.data());
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i) r += std::pow(std::fabs(z[i]), 2.0 + 4.0 * ratio(i, n));
      return std::sqrt(r) + fopt_;
    }
    case 15:
      shifted();
      matvec(m2_, t.data(), z.data());
      for (auto& v : z) v = tosz(v);
      tasy(z, 0.2);
      matvec(m1_, z.data(), t.data());
      return rastrigin_raw(t) + fopt_;
    case 16: {
      shifted();
      matvec(m2_, t.data(), z.data());
      for (auto& v : z) v = tosz(v);
      matvec(m1_, z.data(), t.data());
      double f0 = 0.0;
      double ak[12], bk[12];
      for (int k = 0; k < 12; ++k) {
        ak[k] = std::pow(0.5, static_cast<double>(k));
        bk[k] = std::pow(3.0, static_cast<double>(k));
        f0 += ak[k] * std::cos(2.0 * kPi * bk[k] * 0.5);
      }
      double r = 0.0;
      for (std::size_t i = 0; i < n; ++i)
        for (int k = 0; k < 12; ++k) r += std::cos(2.0 * kPi * (t[i] + 0.5) * bk[k]) * ak[k];
      return 10.0 * std::pow(r / dn - f0, 3.0) + fopt_ + 10.0 / dn * fpen(x);
    }
    case 17:
    case 18:
      shifted();
      matvec(m2_, t.data(), z.data());
      tasy(z, 0.5);
      matvec(m1_, z.data(), t.data());
      return schaffers_raw(t) + fopt_ + 10.0 * fpen(x);
    case 19: {
      matvec(m1_, x.data(), z.data());
      for (auto& v : z) v += 0.5;
      double r = 0.0;
      for (std::size_t i = 0; i + 1 < n; ++i) {
        const double c1 = z[i] * z[i] - z[i + 1];
        const double c2 = 1.0 - z[i];
        const double s = 100.0 * c1 * c1 + c2 * c2;
        r += s / 4000.0 - std::cos(s);
      }
      return 10.0 + 10.0 * r / (dn - 1.0) + fopt_;
    }
    case 20: {
      for (std::size_t i = 0; i < n; ++i) t[i] = 2.0 * scale_[static_cast<Eigen::Index>(i)] * x[i];
      z[0] = t[0];
      for (std::size_t i = 1; i < n; ++i)
        z[i] = t[i] + 0.25 * (t[i - 1] - 2.0 * std::fabs(xopt_[i - 1]));
      double pen = 0.0, sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        const double a = 2.0 * std::fabs(xopt_[i]);
        const double v = 100.0 * (std::pow(std::sqrt(10.0), ratio(i, n)) * (z[i] - a) + a);
        const double excess = std::fabs(v) - 500.0;
        if (excess > 0.0) pen += excess * excess;
        sum += v * std::sin(std::sqrt(std::fabs(v)));
      }
      return 0.01 * (pen + 418.9828872724339 - sum / dn) + fopt_;
    }
    case 21:
    case 22: {
      matvec(m1_, x.data(), z.data());
      const double fac = -0.5 / dn;
      double best = 0.0;
      const auto peaks = static_cast<Eigen::Index>(peak_heights_.size());
      for (Eigen::Index i = 0; i < peaks; ++i) {
        double s = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
          const auto ej = static_cast<Eigen::Index>(j);
          const double d = z[j] - peaks_(ej, i);
          s += peak_scales_(i, ej) * d * d;
        }
        best = std::max(best, peak_heights_[static_cast<std::size_t>(i)] * std::exp(fac * s));
      }
      const double f = tosz(10.0 - best);
      return f * f + fpen(x) + fopt_;
    }
    case 23: {
      shifted();
      matvec(m1_, t.data(), z.data());
      double prod = 1.0;
      for (std::size_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (int j = 1; j < 33; ++j) {
          const double p = std::pow(2.0, static_cast<double>(j));
          s += std::fabs(p * z[i] - round_half_up(p * z[i])) / p;
        }
        prod *= 1.0 + (static_cast<double>(i) + 1.0) * s;
      }
      const double r = 10.0 / dn / dn * (-1.0 + std::pow(prod, 10.0 / std::pow(dn, 1.2)));
      return r + fopt_ + fpen(x);
    }
    case 24: {
      const double mu0 = 2.5;
      const double s = 1.0 - 0.5 / (std::sqrt(dn + 20.0) - 4.1);
      const double mu1 = -std::sqrt((mu0 * mu0 - 1.0) / s);
      for (std::size_t i = 0; i < n; ++i) t[i] = (xopt_[i] < 0.0 ? -2.0 : 2.0) * x[i];
      std::vector<double> shifted_hat(n);
      for (std::size_t i = 0; i < n; ++i) shifted_hat[i] = t[i] - mu0;
      std::vector<double> tmp(n);
      matvec(m1_, shifted_hat.data(), tmp.data());
      matvec(m2_, tmp.data(), z.data());
      double s1 = 0.0, s2 = 0.0, s3 = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        s1 += (t[i] - mu0) * (t[i] - mu0);
        s2 += (t[i] - mu1) * (t[i] - mu1);
        s3 += std::cos(2.0 * kPi * z[i]);
      }
      return std::min(s1, dn + s * s2) + 10.0 * (dn - s3) + 1e4 * fpen(x) + fopt_;
    }
    default:
      break;
  }
  return 0.0;
}

}  // namespace l2l::bbob
