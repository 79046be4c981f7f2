#pragma once
// Matrix products split into fixed blocks of the output that run on a oneTBB arena.
//
// The split depends only on the matrix sizes, never on the thread count, and each block is one
// single-threaded BLAS call, so results are bit-identical for any number of threads.
#include <cstddef>
#include <functional>
#include <memory>

#include <oneapi/tbb/task_arena.h>

#include "l2l/linalg/blas.hpp"

namespace l2l::blas {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // 0: all cores
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  // Calls f(i) for i in [0, n) in parallel; f must write disjoint outputs.
  void for_each(std::size_t n, const std::function<void(std::size_t)>& f) const;

 private:
  int threads_;
  std::unique_ptr<oneapi::tbb::task_arena> arena_;
};

// C = alpha op(A) op(B) + beta C (row-major), split into blocks of rows or columns of C.
void parallel_sgemm(const ThreadPool& pool, Op ta, Op tb, int m, int n, int k, float alpha,
                    const float* a, int lda, const float* b, int ldb, float beta, float* c,
                    int ldc);
void parallel_dgemm(const ThreadPool& pool, Op ta, Op tb, int m, int n, int k, double alpha,
                    const double* a, int lda, const double* b, int ldb, double beta, double* c,
                    int ldc);

}  // namespace l2l::blas
