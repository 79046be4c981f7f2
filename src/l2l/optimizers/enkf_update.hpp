#pragma once
// The ensemble Kalman inversion update of Iglesias, Law & Stuart (2013), computed without ever
// forming a P x P (parameters) matrix.
//
// With the ensemble U (P x J), its anomalies A = U - mean, the outputs G (m x J), their anomalies
// B, the observations Y (m x J, one column per member, identical unless perturbed) and Gamma =
// gamma I, the update is
//     u_j <- u_j + C_up (C_pp + Gamma)^-1 (y_j - G(u_j)),   C_pp = B B^T / J,  C_up = A B^T / J.
// It equals U <- U + A W with the J x J matrix W = B^T (B B^T / J + gamma I)^-1 (Y - G) / J, which
// is solved in whichever of the J x J or m x m spaces is smaller (push-through identity), and
// applied either as A W (2 P J^2 flops, chosen when J <= 2m) or as (A B^T) Z (4 P J m flops).
// Only the products with A touch P-sized data; they run in float32 on fixed column blocks.
//
// The sequential variant assimilates the outputs in consecutive blocks (e.g. one image's 10
// outputs at a time), recomputing the gain after each block; the ensemble is transformed as a
// whole at the end (U <- U + A X with an accumulated J x J matrix X). With `refresh_outputs` the
// later blocks' outputs are moved by the same linear transform as the ensemble (the augmented-
// state form); without it they stay as evaluated, as in the original per-sample code.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace l2l::blas {
class ThreadPool;
}

namespace l2l::enkf {

enum class Form { automatic, ensemble, output };
Form parse_form(const std::string& s);

struct UpdateSettings {
  double gamma = 0.01;
  Form form = Form::automatic;
  std::size_t sequential_block = 0;  // 0: assimilate all outputs at once
  bool refresh_outputs = true;
};

struct UpdateReport {
  std::string form;     // "ensemble", "output" or "sequential"
  double misfit = 0.0;  // mean over members and outputs of (y - G(u))^2 before the update
  double flops = 0.0;   // floating-point operations of the P-sized products
};

// Updates `ensemble` (J rows of P floats, one member per row) in place. `outputs` and
// `observations` hold J rows of m values. Results do not depend on the pool's thread count.
UpdateReport update(std::span<float> ensemble, std::size_t J, std::size_t P,
                    std::span<const double> outputs, std::span<const double> observations,
                    std::size_t m, const UpdateSettings& settings, const blas::ThreadPool& pool);

// Column means (per parameter) of a J x P ensemble, accumulated in double.
std::vector<double> column_means(std::span<const float> ensemble, std::size_t J, std::size_t P,
                                 const blas::ThreadPool& pool);

// Fixed column blocks for P-sized loops, so that work splits identically for any thread count.
constexpr std::size_t kColumnBlock = 512;
inline std::size_t column_blocks(std::size_t P) {
  return (P + kColumnBlock - 1) / kColumnBlock;
}

}  // namespace l2l::enkf
