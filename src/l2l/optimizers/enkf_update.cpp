#include "l2l/optimizers/enkf_update.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/linalg/parallel_gemm.hpp"

namespace l2l::enkf {

using blas::Op;

Form parse_form(const std::string& s) {
  if (s == "auto") return Form::automatic;
  if (s == "ensemble") return Form::ensemble;
  if (s == "output") return Form::output;
  throw UsageError(fmt::format("unknown update form '{}' (expected auto, ensemble or output)", s));
}

std::vector<double> column_means(std::span<const float> ensemble, std::size_t J, std::size_t P,
                                 const blas::ThreadPool& pool) {
  std::vector<double> mean(P, 0.0);
  pool.for_each(column_blocks(P), [&](std::size_t blk) {
    const std::size_t c0 = blk * kColumnBlock, c1 = std::min(P, c0 + kColumnBlock);
    for (std::size_t j = 0; j < J; ++j) {
      const float* row = ensemble.data() + j * P;
      for (std::size_t c = c0; c < c1; ++c) mean[c] += row[c];
    }
    for (std::size_t c = c0; c < c1; ++c) mean[c] /= static_cast<double>(J);
  });
  return mean;
}

namespace {

// Solves the symmetric positive definite system S X = R in place (R: n x nrhs row-major).
void spd_solve(std::vector<double>& s, std::vector<double>& r, std::size_t n, std::size_t nrhs) {
  if (!blas::dposv(static_cast<int>(n), static_cast<int>(nrhs), s.data(), r.data()))
    throw std::runtime_error("EnKF: C_pp + Gamma is not positive definite (is gamma > 0?)");
}

// Applies E += T * A for every fixed column block, where A is the block of anomalies (E minus the
// column means) and T is J x J (float). Used by the ensemble and sequential forms.
void apply_transform(std::span<float> E, std::size_t J, std::size_t P,
                     const std::vector<double>& mean, const std::vector<float>& T,
                     const blas::ThreadPool& pool) {
  pool.for_each(column_blocks(P), [&](std::size_t blk) {
    const std::size_t c0 = blk * kColumnBlock, w = std::min(P, c0 + kColumnBlock) - c0;
    std::vector<float> a(J * w);
    for (std::size_t j = 0; j < J; ++j)
      for (std::size_t c = 0; c < w; ++c)
        a[j * w + c] = static_cast<float>(E[j * P + c0 + c] - mean[c0 + c]);
    blas::sgemm(Op::none, Op::none, static_cast<int>(J), static_cast<int>(w), static_cast<int>(J),
                1.0f, T.data(), static_cast<int>(J), a.data(), static_cast<int>(w), 1.0f,
                E.data() + c0, static_cast<int>(P));
  });
}

}  // namespace

UpdateReport update(std::span<float> E, std::size_t J, std::size_t P,
                    std::span<const double> outputs, std::span<const double> observations,
                    std::size_t m, const UpdateSettings& st, const blas::ThreadPool& pool) {
  if (J < 2) throw std::invalid_argument("EnKF update needs at least two members");
  if (E.size() != J * P || outputs.size() != J * m || observations.size() != J * m)
    throw std::invalid_argument("EnKF update: inconsistent matrix sizes");
  if (!(st.gamma > 0.0)) throw std::invalid_argument("EnKF update: gamma must be > 0");
  const int Ji = static_cast<int>(J), mi = static_cast<int>(m);
  const double invJ = 1.0 / static_cast<double>(J);

  UpdateReport rep;
  // Output anomalies Bm (J x m, member-major: row j is b_j) and misfits Dm = Y - G.
  std::vector<double> gbar(m, 0.0);
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t k = 0; k < m; ++k) gbar[k] += outputs[j * m + k];
  for (auto& g : gbar) g *= invJ;
  std::vector<double> Bm(J * m), Dm(J * m);
  double misfit = 0.0;
  for (std::size_t j = 0; j < J; ++j)
    for (std::size_t k = 0; k < m; ++k) {
      Bm[j * m + k] = outputs[j * m + k] - gbar[k];
      const double d = observations[j * m + k] - outputs[j * m + k];
      Dm[j * m + k] = d;
      misfit += d * d;
    }
  rep.misfit = misfit / static_cast<double>(J * m);
  const std::vector<double> mean = column_means(E, J, P, pool);

  // Transform T (J x J, float) with E += T A, or the factors of the output form.
  std::vector<float> T;
  if (st.sequential_block > 0 && st.sequential_block < m) {
    rep.form = "sequential";
    // X is the accumulated J x J matrix of U <- U + A X (math orientation, row-major).
    std::vector<double> X(J * J, 0.0);
    const std::size_t b = st.sequential_block;
    for (std::size_t c0 = 0; c0 < m; c0 += b) {
      const std::size_t bw = std::min(b, m - c0);
      const int bi = static_cast<int>(bw);
      std::vector<double> G(J * bw), Y(J * bw);
      for (std::size_t j = 0; j < J; ++j)
        for (std::size_t k = 0; k < bw; ++k) {
          G[j * bw + k] = outputs[j * m + c0 + k];
          Y[j * bw + k] = observations[j * m + c0 + k];
        }
      if (st.refresh_outputs && c0 > 0) {
        // Outputs move with the ensemble: G_d <- G_d (I + X), i.e. rows += X^T G_d.
        std::vector<double> g0 = G;
        blas::parallel_dgemm(pool, Op::trans, Op::none, Ji, bi, Ji, 1.0, X.data(), Ji, g0.data(),
                             bi, 1.0, G.data(), bi);
      }
      std::vector<double> gb(bw, 0.0);
      for (std::size_t j = 0; j < J; ++j)
        for (std::size_t k = 0; k < bw; ++k) gb[k] += G[j * bw + k];
      for (auto& g : gb) g *= invJ;
      std::vector<double> Bd(J * bw), Rhs(bw * J);
      for (std::size_t j = 0; j < J; ++j)
        for (std::size_t k = 0; k < bw; ++k) {
          Bd[j * bw + k] = G[j * bw + k] - gb[k];
          Rhs[k * J + j] = (Y[j * bw + k] - G[j * bw + k]) * invJ;
        }
      std::vector<double> S(bw * bw);
      blas::dgemm(Op::trans, Op::none, bi, bi, Ji, invJ, Bd.data(), bi, Bd.data(), bi, 0.0,
                  S.data(), bi);
      for (std::size_t k = 0; k < bw; ++k) S[k * bw + k] += st.gamma;
      spd_solve(S, Rhs, bw, J);  // Rhs <- Z_d (bw x J)
      // X <- X + (I + X) B_d^T Z_d with B_d^T = Bd (J x bw).
      std::vector<double> Q = Bd;
      blas::parallel_dgemm(pool, Op::none, Op::none, Ji, bi, Ji, 1.0, X.data(), Ji, Bd.data(), bi,
                           1.0, Q.data(), bi);
      blas::parallel_dgemm(pool, Op::none, Op::none, Ji, Ji, bi, 1.0, Q.data(), bi, Rhs.data(), Ji,
                           1.0, X.data(), Ji);
    }
    T.resize(J * J);
    for (std::size_t i = 0; i < J; ++i)
      for (std::size_t l = 0; l < J; ++l) T[i * J + l] = static_cast<float>(X[l * J + i]);
  } else {
    const bool ensemble_form =
        st.form == Form::ensemble || (st.form == Form::automatic && J <= 2 * m);
    rep.form = ensemble_form ? "ensemble" : "output";
    std::vector<double> W;  // math W (J x J) for the ensemble form
    std::vector<double> Z;  // Z (m x J) for the output form
    if (J <= m) {
      // Ensemble space: (B^T B / J + gamma I) W = B^T D / J, all J x J.
      std::vector<double> K(J * J);
      blas::parallel_dgemm(pool, Op::none, Op::trans, Ji, Ji, mi, invJ, Bm.data(), mi, Bm.data(),
                           mi, 0.0, K.data(), Ji);
      for (std::size_t i = 0; i < J; ++i) K[i * J + i] += st.gamma;
      W.resize(J * J);
      blas::parallel_dgemm(pool, Op::none, Op::trans, Ji, Ji, mi, invJ, Bm.data(), mi, Dm.data(),
                           mi, 0.0, W.data(), Ji);
      spd_solve(K, W, J, J);
      if (!ensemble_form) {
        // Only reachable with form: output and J <= m; Z = (C_pp + Gamma)^-1 D / J from W:
        // D/J = (B B^T/J + gamma I) Z  =>  Z = (D/J - B W / J) / gamma.
        Z.resize(m * J);
        for (std::size_t k = 0; k < m; ++k)
          for (std::size_t j = 0; j < J; ++j) Z[k * J + j] = Dm[j * m + k] * invJ;
        blas::parallel_dgemm(pool, Op::trans, Op::none, mi, Ji, Ji, -invJ, Bm.data(), mi, W.data(),
                             Ji, 1.0, Z.data(), Ji);
        for (auto& z : Z) z /= st.gamma;
      }
    } else {
      // Output space: (B B^T / J + gamma I) Z = D / J, m x m with J right-hand sides.
      std::vector<double> S(m * m);
      blas::parallel_dgemm(pool, Op::trans, Op::none, mi, mi, Ji, invJ, Bm.data(), mi, Bm.data(),
                           mi, 0.0, S.data(), mi);
      for (std::size_t k = 0; k < m; ++k) S[k * m + k] += st.gamma;
      Z.resize(m * J);
      for (std::size_t k = 0; k < m; ++k)
        for (std::size_t j = 0; j < J; ++j) Z[k * J + j] = Dm[j * m + k] * invJ;
      spd_solve(S, Z, m, J);
      if (ensemble_form) {
        W.resize(J * J);  // W = B^T Z
        blas::parallel_dgemm(pool, Op::none, Op::none, Ji, Ji, mi, 1.0, Bm.data(), mi, Z.data(), Ji,
                             0.0, W.data(), Ji);
      }
    }
    if (ensemble_form) {
      T.resize(J * J);
      for (std::size_t i = 0; i < J; ++i)
        for (std::size_t l = 0; l < J; ++l) T[i * J + l] = static_cast<float>(W[l * J + i]);
    } else {
      // E += Z^T (B^T... in member-major: E_blk += Z^T (Bm^T A_blk).
      std::vector<float> Bf(Bm.begin(), Bm.end()), Zf(Z.begin(), Z.end());
      pool.for_each(column_blocks(P), [&](std::size_t blk) {
        const std::size_t c0 = blk * kColumnBlock, w = std::min(P, c0 + kColumnBlock) - c0;
        const int wi = static_cast<int>(w);
        std::vector<float> a(J * w), kb(m * w);
        for (std::size_t j = 0; j < J; ++j)
          for (std::size_t c = 0; c < w; ++c)
            a[j * w + c] = static_cast<float>(E[j * P + c0 + c] - mean[c0 + c]);
        blas::sgemm(Op::trans, Op::none, mi, wi, Ji, 1.0f, Bf.data(), mi, a.data(), wi, 0.0f,
                    kb.data(), wi);
        blas::sgemm(Op::trans, Op::none, Ji, wi, mi, 1.0f, Zf.data(), Ji, kb.data(), wi, 1.0f,
                    E.data() + c0, static_cast<int>(P));
      });
      rep.flops = 4.0 * static_cast<double>(P) * static_cast<double>(J) * static_cast<double>(m);
      return rep;
    }
  }
  apply_transform(E, J, P, mean, T, pool);
  rep.flops = 2.0 * static_cast<double>(P) * static_cast<double>(J) * static_cast<double>(J);
  return rep;
}

}  // namespace l2l::enkf
