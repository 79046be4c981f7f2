#pragma once
// Leading principal components of a point cloud, for the report's projection of large
// populations. The decomposition is exact (a dense symmetric eigensolver), so it needs no sweep
// count that may be too small when leading variances are close. It works on whichever of the two
// Gram matrices is smaller: the n x n inner products of the centred samples when there are fewer
// samples than dimensions (a network's tens of thousands of weights), else the d x d covariance.
// Both have the same non-zero eigenvalues. Cost: O(n d m) to form it and O(m^3) to solve, with
// m = min(n, d); about 2 s at m = 1,100 and 100 s at m = 4,500 on a 2-core machine, so above
// m = 1,500 the components come from 1,500 evenly spaced samples (mean and total variance from
// all of them).
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

// rows: n x d, row-major. Deterministic. k is reduced to min(k, n-1, d). Each component's
// largest-magnitude coordinate is positive. `sweeps` is ignored: it counted the passes of the
// iterative method this replaced and stays so that existing callers compile unchanged.
Pca principal_components(const std::vector<double>& rows, std::size_t n, std::size_t d,
                         std::size_t k, int sweeps = 60);

}  // namespace l2l::report
