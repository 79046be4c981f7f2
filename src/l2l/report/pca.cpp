#include "l2l/report/pca.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

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

namespace {

// A unit vector orthogonal to `basis` (orthonormal, fewer than d vectors): the coordinate axis
// that sticks out of their span the most, with the span projected out. Used where the data has
// rank < k and no eigenvector carries a direction; deterministic, unlike a random start.
Eigen::VectorXd orthogonal_complement_vector(const std::vector<Eigen::VectorXd>& basis,
                                             Eigen::Index d) {
  Eigen::VectorXd inside = Eigen::VectorXd::Zero(d);
  for (const auto& b : basis) inside += b.cwiseAbs2();
  Eigen::Index axis = 0;
  inside.minCoeff(&axis);
  Eigen::VectorXd v = Eigen::VectorXd::Unit(d, axis);
  for (const auto& b : basis) v -= b.dot(v) * b;
  return v.normalized();
}

}  // namespace

Pca principal_components(const std::vector<double>& rows, std::size_t n, std::size_t d,
                         std::size_t k, int /*sweeps*/) {
  Pca p;
  p.dim = d;
  p.mean.assign(d, 0.0);
  if (n == 0 || d == 0) return p;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) p.mean[j] += rows[i * d + j];
  for (auto& m : p.mean) m /= static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) {
      const double v = rows[i * d + j] - p.mean[j];
      p.total_variance += v * v;
    }
  // The solver is cubic in min(samples, dimensions): above kMaxExact it would take minutes (100 s
  // at 4,500), so the components come from evenly spaced samples, kMaxExact of them, while the
  // mean and the total variance stay those of all samples.
  constexpr std::size_t kMaxExact = 1500;
  const std::size_t used = std::min(n, d) > kMaxExact ? kMaxExact : n;
  const auto ni = static_cast<Eigen::Index>(used), di = static_cast<Eigen::Index>(d);
  // Eigen owns (and so aligns) every matrix: the same data then always takes the same vectorized
  // code path, and the same store always gives the same picture.
  Eigen::MatrixXd a(ni, di);
  for (std::size_t s = 0; s < used; ++s) {
    const std::size_t i = used == n ? s : s * n / used;
    for (std::size_t j = 0; j < d; ++j)
      a(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(j)) = rows[i * d + j] - p.mean[j];
  }
  const double denom = n > 1 ? static_cast<double>(n - 1) : 1.0;
  // The variances along the components are estimated from the samples used.
  const double used_denom = used > 1 ? static_cast<double>(used - 1) : 1.0;
  p.total_variance /= denom;
  k = std::min({k, d, n > 1 ? n - 1 : std::size_t{1}});
  if (p.total_variance <= 0) return p;

  // Only the lower triangle is filled (half the cost of the full product): it is all the
  // solver reads.
  const bool by_samples = n < d;
  const Eigen::Index m = by_samples ? ni : di;
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(m, m);
  if (by_samples)
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a);  // A A^T
  else
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());  // A^T A
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(gram);
  const Eigen::VectorXd& lambda = es.eigenvalues();  // ascending
  // Eigenvalues this small are rounding noise of the solver, not directions of the data.
  const double negligible = std::max(lambda(m - 1), 0.0) * static_cast<double>(m) *
                            std::numeric_limits<double>::epsilon();

  std::vector<Eigen::VectorXd> basis;
  for (std::size_t c = 0; c < k; ++c) {
    const Eigen::Index col = m - 1 - static_cast<Eigen::Index>(c);
    const double l = std::max(lambda(col), 0.0);
    Eigen::VectorXd v;
    if (!by_samples) {
      v = es.eigenvectors().col(col);
    } else if (l > negligible) {
      // A^T u is the covariance eigenvector for the Gram eigenvector u, with norm sqrt(l).
      // Projecting out the earlier components removes what rounding leaked into it.
      v = a.transpose() * es.eigenvectors().col(col);
      for (const auto& b : basis) v -= b.dot(v) * b;
      v.normalize();
    } else {
      v = orthogonal_complement_vector(basis, di);
    }
    // Sign convention: the largest-magnitude coordinate is positive, so pictures do not flip.
    Eigen::Index arg = 0;
    v.cwiseAbs().maxCoeff(&arg);
    if (v(arg) < 0) v = -v;
    basis.push_back(v);
    p.components.emplace_back(v.data(), v.data() + di);
    p.variances.push_back(l / used_denom);
  }
  return p;
}

}  // namespace l2l::report
