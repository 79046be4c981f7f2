#pragma once
// The 24 noiseless BBOB benchmark functions (Hansen, Finck, Ros, Auger 2009: "Real-Parameter
// Black-Box Optimization Benchmarking 2009: Noiseless Functions Definitions", INRIA RR-6829).
//
// Every function is a raw function composed with instance transformations: a shift to x_opt, an
// objective offset f_opt, rotations R and Q, the oscillation T_osz, the asymmetry T_asy^beta, the
// conditioning Lambda^alpha and boundary penalties. Instances are reproduced as the COCO platform
// draws them: its legacy random generator (a Park-Miller generator with a 32-entry shuffle table)
// seeded with function + 10000 * instance, the Box-Muller Gaussian from two halves of a uniform
// stream and Gram-Schmidt orthogonalised Gaussian matrices. The numbers therefore match COCO's
// "bbob" suite (checked in tests against published values), for dimensions up to 40; larger
// dimensions extend the same construction.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace l2l::bbob {

constexpr int kFunctions = 24;

// Instance-generation primitives of the BBOB 2009 code.
std::vector<double> legacy_uniform(std::size_t n, long seed);
std::vector<double> legacy_gauss(std::size_t n, long seed);
Eigen::MatrixXd legacy_rotation(std::size_t n, long seed);
std::vector<double> legacy_xopt(std::size_t n, long seed);
double legacy_fopt(int function, int instance);

// A short name such as "Rosenbrock (rotated)".
const char* function_name(int function);

// One problem: function f in dimension n, instance i. evaluate() is const and thread-safe.
class Problem {
 public:
  Problem(int function, std::size_t dim, int instance);

  double evaluate(std::span<const double> x) const;
  double operator()(std::span<const double> x) const { return evaluate(x); }

  int function() const { return function_; }
  int instance() const { return instance_; }
  std::size_t dim() const { return n_; }
  double fopt() const { return fopt_; }
  // The location of the optimum, where evaluate() returns fopt() (up to rounding; for f20 the
  // definition's optimum is only approximately the minimizer).
  const std::vector<double>& xopt() const { return xopt_; }

 private:
  int function_;
  std::size_t n_;
  int instance_;
  double fopt_ = 0.0;
  std::vector<double> xopt_;
  Eigen::VectorXd xo_;     // xopt as an Eigen vector
  Eigen::MatrixXd m1_;     // first linear map (meaning depends on the function)
  Eigen::MatrixXd m2_;     // second linear map
  Eigen::VectorXd scale_;  // per-coordinate factors (conditioning, signs, exponents)
  double factor_ = 1.0;    // a scalar used by some functions (Rosenbrock scaling, condition)
  // Gallagher's peaks: local optima (columns, in rotated coordinates), heights and scalings.
  Eigen::MatrixXd peaks_;
  Eigen::MatrixXd peak_scales_;
  std::vector<double> peak_heights_;
};

}  // namespace l2l::bbob
