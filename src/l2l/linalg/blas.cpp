#include "l2l/linalg/blas.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace l2l::blas {
namespace {

// CBLAS enumeration values (cblas.h), declared here because the header is not needed to dlopen.
constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;
constexpr int kLower = 122;
constexpr int kLeft = 141;
constexpr int kNonUnit = 131;

using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*,
                         int, double, double*, int);
using DtrsmFn = void (*)(int, int, int, int, int, int, int, double, const double*, int, double*,
                         int);
using DpotrfFn = void (*)(const char*, const int*, double*, const int*, int*, std::size_t);
using SetThreadsFn = void (*)(int);
using NameFn = char* (*)();

struct Backend {
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  DtrsmFn dtrsm = nullptr;
  DpotrfFn dpotrf = nullptr;
  std::string name = "Eigen (OpenBLAS not found)";
};

// The OpenBLAS kernel family for this CPU: newest first, only families 0.3.21 knows.
const char* core_type_for_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
}

Backend load() {
  Backend b;
  if (const char* force = std::getenv("L2L_BLAS"); force && std::string(force) == "eigen") {
    b.name = "Eigen (L2L_BLAS=eigen)";
    return b;
  }
  if (!std::getenv("OPENBLAS_CORETYPE")) {
    if (const char* core = core_type_for_cpu()) setenv("OPENBLAS_CORETYPE", core, 0);
  }
  void* h = nullptr;
  for (const char* lib : {"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"}) {
    h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (h) break;
  }
  if (!h) return b;
  auto sym = [&](const char* n) { return dlsym(h, n); };
  b.sgemm = reinterpret_cast<SgemmFn>(sym("cblas_sgemm"));
  b.dgemm = reinterpret_cast<DgemmFn>(sym("cblas_dgemm"));
  b.dtrsm = reinterpret_cast<DtrsmFn>(sym("cblas_dtrsm"));
  b.dpotrf = reinterpret_cast<DpotrfFn>(sym("dpotrf_"));
  auto set_threads = reinterpret_cast<SetThreadsFn>(sym("openblas_set_num_threads"));
  auto corename = reinterpret_cast<NameFn>(sym("openblas_get_corename"));
  auto config = reinterpret_cast<NameFn>(sym("openblas_get_config"));
  if (!b.sgemm || !b.dgemm || !b.dtrsm || !b.dpotrf) return Backend{};
  // Callers parallelise over fixed output blocks; OpenBLAS's own threads would only contend.
  if (set_threads) set_threads(1);
  std::string version = config ? config() : "OpenBLAS";
  if (auto sp = version.find(' ', version.find(' ') + 1); sp != std::string::npos)
    version.resize(sp);
  b.name = fmt::format("{} ({})", version, corename ? corename() : "?");
  return b;
}

const Backend& backend_impl() {
  static const Backend b = load();
  return b;
}

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MapR = Eigen::Map<RowMat<T>, 0, Eigen::OuterStride<>>;
template <class T>
using CMapR = Eigen::Map<const RowMat<T>, 0, Eigen::OuterStride<>>;

template <class T>
void eigen_gemm(Op ta, Op tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
                int ldb, T beta, T* c, int ldc) {
  MapR<T> C(c, m, n, Eigen::OuterStride<>(ldc));
  if (beta == T(0)) {
    C.setZero();
  } else if (beta != T(1)) {
    C *= beta;
  }
  const int ar = ta == Op::none ? m : k, ac = ta == Op::none ? k : m;
  const int br = tb == Op::none ? k : n, bc = tb == Op::none ? n : k;
  CMapR<T> A(a, ar, ac, Eigen::OuterStride<>(lda));
  CMapR<T> B(b, br, bc, Eigen::OuterStride<>(ldb));
  if (ta == Op::none && tb == Op::none) C.noalias() += alpha * A * B;
  if (ta == Op::none && tb == Op::trans) C.noalias() += alpha * A * B.transpose();
  if (ta == Op::trans && tb == Op::none) C.noalias() += alpha * A.transpose() * B;
  if (ta == Op::trans && tb == Op::trans) C.noalias() += alpha * A.transpose() * B.transpose();
}

int cblas_op(Op o) {
  return o == Op::none ? kNoTrans : kTrans;
}

}  // namespace

void sgemm(Op ta, Op tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  if (m == 0 || n == 0) return;
  const auto& be = backend_impl();
  if (be.sgemm) {
    be.sgemm(kRowMajor, cblas_op(ta), cblas_op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    eigen_gemm<float>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

void dgemm(Op ta, Op tb, int m, int n, int k, double alpha, const double* a, int lda,
           const double* b, int ldb, double beta, double* c, int ldc) {
  if (m == 0 || n == 0) return;
  const auto& be = backend_impl();
  if (be.dgemm) {
    be.dgemm(kRowMajor, cblas_op(ta), cblas_op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    eigen_gemm<double>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

bool dposv(int n, int nrhs, double* a, double* b) {
  if (n == 0) return true;
  const auto& be = backend_impl();
  if (be.dpotrf) {
    // Column-major 'U' on a symmetric row-major matrix leaves the row-major lower factor L with
    // A = L L^T; then two triangular solves with L and L^T.
    int info = 0;
    be.dpotrf("U", &n, a, &n, &info, 1);
    if (info != 0) return false;
    if (nrhs == 0) return true;
    be.dtrsm(kRowMajor, kLeft, kLower, kNoTrans, kNonUnit, n, nrhs, 1.0, a, n, b, nrhs);
    be.dtrsm(kRowMajor, kLeft, kLower, kTrans, kNonUnit, n, nrhs, 1.0, a, n, b, nrhs);
    return true;
  }
  Eigen::Map<RowMat<double>> A(a, n, n), B(b, n, nrhs);
  Eigen::LLT<RowMat<double>> llt(A);
  if (llt.info() != Eigen::Success) return false;
  B = llt.solve(B).eval();
  return true;
}

std::string backend() {
  return backend_impl().name;
}

}  // namespace l2l::blas
