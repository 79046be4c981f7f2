#include "l2l/linalg/parallel_gemm.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <thread>

namespace l2l::blas {

ThreadPool::ThreadPool(int threads) : threads_(threads) {
  if (threads_ <= 0) threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads_ > 1) arena_ = std::make_unique<oneapi::tbb::task_arena>(threads_);
}

ThreadPool::~ThreadPool() = default;

void ThreadPool::for_each(std::size_t n, const std::function<void(std::size_t)>& f) const {
  if (n == 0) return;
  if (!arena_ || n == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  arena_->execute([&] {
    oneapi::tbb::parallel_for(
        oneapi::tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
          for (std::size_t i = r.begin(); i != r.end(); ++i) f(i);
        },
        oneapi::tbb::simple_partitioner());
  });
}

namespace {

// Block edges: a multiple of 64 elements and at least ~16 MFLOP of work per block, so that
// small products stay one call.
template <class T, class Gemm>
void split_gemm(const ThreadPool& pool, Gemm gemm, Op ta, Op tb, int m, int n, int k, T alpha,
                const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
  const double flops = 2.0 * m * n * k;
  const bool split_rows = m >= n;
  const int dim = split_rows ? m : n;
  int blocks = static_cast<int>(std::min<double>(dim / 64, flops / 16e6));
  blocks = std::max(1, std::min(blocks, 64));
  if (blocks == 1) {
    gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int step = ((dim + blocks - 1) / blocks + 63) / 64 * 64;
  const int count = (dim + step - 1) / step;
  pool.for_each(static_cast<std::size_t>(count), [&](std::size_t i) {
    const int lo = static_cast<int>(i) * step, len = std::min(step, dim - lo);
    if (split_rows) {
      const T* ab = ta == Op::none ? a + static_cast<std::size_t>(lo) * lda : a + lo;
      gemm(ta, tb, len, n, k, alpha, ab, lda, b, ldb, beta, c + static_cast<std::size_t>(lo) * ldc,
           ldc);
    } else {
      const T* bb = tb == Op::none ? b + lo : b + static_cast<std::size_t>(lo) * ldb;
      gemm(ta, tb, m, len, k, alpha, a, lda, bb, ldb, beta, c + lo, ldc);
    }
  });
}

}  // namespace

void parallel_sgemm(const ThreadPool& pool, Op ta, Op tb, int m, int n, int k, float alpha,
                    const float* a, int lda, const float* b, int ldb, float beta, float* c,
                    int ldc) {
  split_gemm<float>(pool, &sgemm, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void parallel_dgemm(const ThreadPool& pool, Op ta, Op tb, int m, int n, int k, double alpha,
                    const double* a, int lda, const double* b, int ldb, double beta, double* c,
                    int ldc) {
  split_gemm<double>(pool, &dgemm, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace l2l::blas
