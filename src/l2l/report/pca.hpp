#pragma once
// Leading principal components of a point cloud, for the report's projection of large
// populations. Subspace iteration on the centred data costs O(n d k) per sweep and never forms
// the d x d covariance, so it works for networks with tens of thousands of weights.
#include <cstddef>
#include <vector>

namespace l2l::report {

struct Pca {
  std::size_t dim = 0;
  std::vector<double> mean;                     // d
  std::vector<std::vector<double>> components;  // k unit vectors of length d, by variance
  std::vector<double> variances;                // variance along each component
  double total_variance = 0;                    // trace of the covariance

  // Coordinates of x (length d) along the components.
  std::vector<double> project(const double* x) const;
};

// rows: n x d, row-major. Deterministic (fixed start vectors). k is reduced to min(k, n-1, d).
Pca principal_components(const std::vector<double>& rows, std::size_t n, std::size_t d,
                         std::size_t k, int sweeps = 60);

}  // namespace l2l::report
