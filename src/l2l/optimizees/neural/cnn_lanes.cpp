#include "l2l/optimizees/neural/cnn_lanes.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace l2l::nn {

namespace {

constexpr std::size_t kW1 = 250, kW2 = 5000, kW3 = 12800, kWeights = kW1 + kW2 + kW3;
constexpr std::size_t kP1 = 12 * 12 * 10, kC2 = 8 * 8 * 20;

// A float buffer aligned for the widest vector loads, reused across calls on one thread.
class AlignedBuffer {
 public:
  float* get(std::size_t n) {
    if (n > size_) {
      ::operator delete[](data_, std::align_val_t(64));
      data_ = static_cast<float*>(::operator new[](n * sizeof(float), std::align_val_t(64)));
      size_ = n;
    }
    return data_;
  }
  ~AlignedBuffer() { ::operator delete[](data_, std::align_val_t(64)); }

 private:
  float* data_ = nullptr;
  std::size_t size_ = 0;
};

template <int L>
struct Vec {
  typedef float type __attribute__((vector_size(L * sizeof(float))));
};

// All helpers are always_inline templates without lambdas or std:: calls: GCC inlines those
// into the target-specific entry points below, where they are compiled for AVX-512 or AVX2.
#define L2L_LD(p) (*reinterpret_cast<const V*>(p))
#define L2L_ST(p) (*reinterpret_cast<V*>(p))

// One group of L networks on n images. W1, W2, W3: interleaved weights (index * L + lane).
// CB: conv1 channels per register block, PB/DB: conv2 output positions/channels per block,
// KB: classes per block.
template <int L, int CB, int PB, int DB, int KB>
[[gnu::always_inline]] inline void group_forward(const float* W1, const float* W2, const float* W3,
                                                 const float* images, std::size_t n, Activation act,
                                                 float* P1, float* C2, float* out) {
  using V = typename Vec<L>::type;
  for (std::size_t i = 0; i < n; ++i) {
    const float* x = images + i * 784;
    // conv1 fused with 2x2 max-pooling: the four positions of a pooling window share the
    // weights; the pixels are broadcast (the same image for every lane).
    for (int py = 0; py < 12; ++py)
      for (int px = 0; px < 12; ++px) {
        const float* x0 = x + (2 * py) * 28 + 2 * px;
        for (int c0 = 0; c0 < 10; c0 += CB) {
          V acc[4][CB] = {};
          for (int ky = 0; ky < 5; ++ky)
            for (int kx = 0; kx < 5; ++kx) {
              const float* xk = x0 + ky * 28 + kx;
              const float a0 = xk[0], a1 = xk[1], a2 = xk[28], a3 = xk[29];
              for (int t = 0; t < CB; ++t) {
                const V w = L2L_LD(W1 + ((c0 + t) * 25 + ky * 5 + kx) * L);
                acc[0][t] += a0 * w;
                acc[1][t] += a1 * w;
                acc[2][t] += a2 * w;
                acc[3][t] += a3 * w;
              }
            }
          for (int t = 0; t < CB; ++t) {
            const V m01 = acc[0][t] > acc[1][t] ? acc[0][t] : acc[1][t];
            const V m23 = acc[2][t] > acc[3][t] ? acc[2][t] : acc[3][t];
            L2L_ST(P1 + ((py * 12 + px) * 10 + c0 + t) * L) = m01 > m23 ? m01 : m23;
          }
        }
      }
    activate(act, P1, kP1 * L);
    // conv2: blocks of PB horizontally adjacent outputs x DB channels.
    for (int d0 = 0; d0 < 20; d0 += DB)
      for (int oy = 0; oy < 8; ++oy)
        for (int ox0 = 0; ox0 < 8; ox0 += PB) {
          V acc[PB][DB] = {};
          for (int ky = 0; ky < 5; ++ky)
            for (int kx = 0; kx < 5; ++kx) {
              const float* in = P1 + ((oy + ky) * 12 + ox0 + kx) * 10 * L;
              const float* w = W2 + ((d0 * 5 + ky) * 5 + kx) * 10 * L;
              for (int c = 0; c < 10; ++c) {
                V a[PB];
                for (int p = 0; p < PB; ++p) a[p] = L2L_LD(in + (p * 10 + c) * L);
                for (int t = 0; t < DB; ++t) {
                  const V wv = L2L_LD(w + (t * 250 + c) * L);
                  for (int p = 0; p < PB; ++p) acc[p][t] += a[p] * wv;
                }
              }
            }
          for (int p = 0; p < PB; ++p)
            for (int t = 0; t < DB; ++t)
              L2L_ST(C2 + ((oy * 8 + ox0 + p) * 20 + d0 + t) * L) = acc[p][t];
        }
    activate(act, C2, kC2 * L);
    // Fully connected: KB classes at a time over the 1280 features.
    for (int k0 = 0; k0 < 10; k0 += KB) {
      V acc[KB] = {};
      for (std::size_t j = 0; j < kC2; ++j) {
        const V h = L2L_LD(C2 + j * L);
        for (int t = 0; t < KB; ++t) acc[t] += h * L2L_LD(W3 + ((k0 + t) * kC2 + j) * L);
      }
      for (int t = 0; t < KB; ++t) L2L_ST(out + (i * 10 + k0 + t) * L) = acc[t];
    }
  }
}

#undef L2L_LD
#undef L2L_ST

using GroupFn = void (*)(const float*, const float*, const float*, const float*, std::size_t,
                         Activation, float*, float*, float*);

__attribute__((target("avx512f"))) void group_avx512(const float* W1, const float* W2,
                                                     const float* W3, const float* x, std::size_t n,
                                                     Activation act, float* P1, float* C2,
                                                     float* out) {
  group_forward<16, 5, 4, 5, 5>(W1, W2, W3, x, n, act, P1, C2, out);
}

__attribute__((target("avx2,fma"))) void group_avx2(const float* W1, const float* W2,
                                                    const float* W3, const float* x, std::size_t n,
                                                    Activation act, float* P1, float* C2,
                                                    float* out) {
  group_forward<8, 5, 4, 2, 5>(W1, W2, W3, x, n, act, P1, C2, out);
}

void group_generic(const float* W1, const float* W2, const float* W3, const float* x, std::size_t n,
                   Activation act, float* P1, float* C2, float* out) {
  group_forward<8, 2, 2, 2, 2>(W1, W2, W3, x, n, act, P1, C2, out);
}

struct Kernel {
  std::size_t lanes;
  GroupFn fn;
};

Kernel select_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {16, &group_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {8, &group_avx2};
  return {8, &group_generic};
}

const Kernel& kernel() {
  static const Kernel k = select_kernel();
  return k;
}

}  // namespace

std::size_t cnn_lane_width() {
  return kernel().lanes;
}

void cnn_forward_lanes(std::span<const float* const> members, const float* images, std::size_t n,
                       Activation act, float* logits) {
  const Kernel& k = kernel();
  const std::size_t L = k.lanes;
  thread_local AlignedBuffer weights, work, outbuf;
  float* W = weights.get(kWeights * L);
  float* P1 = work.get((kP1 + kC2) * L);
  float* C2 = P1 + kP1 * L;
  float* out = outbuf.get(n * 10 * L);
  for (std::size_t q0 = 0; q0 < members.size(); q0 += L) {
    const std::size_t lanes = std::min(L, members.size() - q0);
    // Interleave: weight w of lane q at W[w * L + q]; unused lanes get zero weights.
    if (lanes < L) std::memset(W, 0, kWeights * L * sizeof(float));
    for (std::size_t q = 0; q < lanes; ++q) {
      const float* src = members[q0 + q];
      for (std::size_t w = 0; w < kWeights; ++w) W[w * L + q] = src[w];
    }
    k.fn(W, W + kW1 * L, W + (kW1 + kW2) * L, images, n, act, P1, C2, out);
    for (std::size_t q = 0; q < lanes; ++q)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < 10; ++c)
          logits[((q0 + q) * n + i) * 10 + c] = out[(i * 10 + c) * L + q];
  }
}

}  // namespace l2l::nn
