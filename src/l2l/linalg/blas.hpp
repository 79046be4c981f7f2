#pragma once
// Dense matrix kernels for the ensemble Kalman filter and the ensemble-batched networks.
//
// The backend is OpenBLAS, loaded at first use with dlopen so that its kernel family can be
// chosen from CPUID before the library initialises (Debian's OpenBLAS 0.3.21 does not know CPUs
// released after it and silently falls back to SSE3 kernels, 4-5x slower). If OPENBLAS_CORETYPE is
// set, it is respected. If OpenBLAS cannot be loaded, Eigen does the same products (slower).
//
// Every call is single-threaded: callers parallelise over fixed blocks of the output, so results
// never depend on the number of threads. All matrices are row-major.
#include <string>

namespace l2l::blas {

enum class Op { none, trans };

// C = alpha * op(A) * op(B) + beta * C with op(A) m x k, op(B) k x n, C m x n.
void sgemm(Op ta, Op tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc);
void dgemm(Op ta, Op tb, int m, int n, int k, double alpha, const double* a, int lda,
           const double* b, int ldb, double beta, double* c, int ldc);

// Solves A X = B for a symmetric positive definite A (n x n, overwritten by its Cholesky factor)
// and B n x nrhs (row-major, overwritten by X). Returns false if A is not positive definite.
bool dposv(int n, int nrhs, double* a, double* b);

// "OpenBLAS 0.3.21 (SkylakeX)" or "Eigen (OpenBLAS not found)".
std::string backend();

}  // namespace l2l::blas
