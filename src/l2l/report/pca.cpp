#include "l2l/report/pca.hpp"

#include <algorithm>
#include <cmath>

#include "l2l/core/rng.hpp"

namespace l2l::report {

std::vector<double> Pca::project(const double* x) const {
  std::vector<double> out(components.size(), 0.0);
  for (std::size_t c = 0; c < components.size(); ++c) {
    double s = 0;
    for (std::size_t j = 0; j < dim; ++j) s += (x[j] - mean[j]) * components[c][j];
    out[c] = s;
  }
  return out;
}

Pca principal_components(const std::vector<double>& rows, std::size_t n, std::size_t d,
                         std::size_t k, int sweeps) {
  Pca p;
  p.dim = d;
  p.mean.assign(d, 0.0);
  if (n == 0 || d == 0) return p;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) p.mean[j] += rows[i * d + j];
  for (auto& m : p.mean) m /= static_cast<double>(n);
  std::vector<double> a(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double v = rows[i * d + j] - p.mean[j];
      a[i * d + j] = v;
      p.total_variance += v * v;
    }
  const double denom = n > 1 ? static_cast<double>(n - 1) : 1.0;
  p.total_variance /= denom;
  k = std::min({k, d, n > 1 ? n - 1 : std::size_t{1}});
  if (p.total_variance <= 0) return p;

  Rng rng(0x7063615f7374ull);  // fixed: the same store always gives the same picture
  std::vector<std::vector<double>> q(k, std::vector<double>(d));
  for (auto& v : q)
    for (auto& x : v) x = rng.normal();
  std::vector<double> proj(n);
  auto orthonormalize = [&] {
    for (std::size_t c = 0; c < k; ++c) {
      for (std::size_t b = 0; b < c; ++b) {
        double dot = 0;
        for (std::size_t j = 0; j < d; ++j) dot += q[c][j] * q[b][j];
        for (std::size_t j = 0; j < d; ++j) q[c][j] -= dot * q[b][j];
      }
      double norm = 0;
      for (double x : q[c]) norm += x * x;
      norm = std::sqrt(norm);
      if (norm < 1e-300) {
        // The data has rank < k: any unit vector orthogonal to the rest will do.
        for (auto& x : q[c]) x = rng.normal();
        --c;
        continue;
      }
      for (auto& x : q[c]) x /= norm;
    }
  };
  orthonormalize();
  for (int s = 0; s < sweeps; ++s) {
    for (std::size_t c = 0; c < k; ++c) {
      // q_c <- A^T (A q_c)
      for (std::size_t i = 0; i < n; ++i) {
        double t = 0;
        const double* row = &a[i * d];
        for (std::size_t j = 0; j < d; ++j) t += row[j] * q[c][j];
        proj[i] = t;
      }
      std::fill(q[c].begin(), q[c].end(), 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        const double* row = &a[i * d];
        for (std::size_t j = 0; j < d; ++j) q[c][j] += proj[i] * row[j];
      }
    }
    orthonormalize();
  }
  // Rayleigh quotients give the variances; order by them (subspace iteration leaves the basis
  // rotated only within nearly equal eigenvalues, where the order does not matter).
  std::vector<std::pair<double, std::size_t>> order;
  for (std::size_t c = 0; c < k; ++c) {
    double v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double t = 0;
      for (std::size_t j = 0; j < d; ++j) t += a[i * d + j] * q[c][j];
      v += t * t;
    }
    order.emplace_back(v / denom, c);
  }
  std::sort(order.begin(), order.end(), [](auto& x, auto& y) { return x.first > y.first; });
  for (const auto& [v, c] : order) {
    // Sign convention: the largest-magnitude coordinate is positive, so pictures do not flip.
    std::size_t arg = 0;
    for (std::size_t j = 1; j < d; ++j)
      if (std::abs(q[c][j]) > std::abs(q[c][arg])) arg = j;
    if (q[c][arg] < 0)
      for (auto& x : q[c]) x = -x;
    p.components.push_back(q[c]);
    p.variances.push_back(v);
  }
  return p;
}

}  // namespace l2l::report
