#include "l2l/optimizees/neural/network.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/linalg/blas.hpp"
#include "l2l/optimizees/neural/cnn_lanes.hpp"

namespace l2l::nn {

namespace {

using blas::Op;

#define L2L_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// 2x2 max-pooling of rows (image, y, x) of a (n*in*in) x width matrix into (n*out*out) x width.
L2L_CLONES void max_pool_rows(const float* src, float* dst, std::size_t n, std::size_t in,
                              std::size_t width) {
  const std::size_t out = in / 2;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t py = 0; py < out; ++py)
      for (std::size_t px = 0; px < out; ++px) {
        const float* r00 = src + ((i * in + 2 * py) * in + 2 * px) * width;
        const float* r01 = r00 + width;
        const float* r10 = r00 + in * width;
        const float* r11 = r10 + width;
        float* d = dst + ((i * out + py) * out + px) * width;
        for (std::size_t c = 0; c < width; ++c) {
          // Ternaries, not std::max: that is not inlined into target_clones functions.
          const float a = r00[c] > r01[c] ? r00[c] : r01[c];
          const float b = r10[c] > r11[c] ? r10[c] : r11[c];
          d[c] = a > b ? a : b;
        }
      }
}

L2L_CLONES void add_bias(float* x, std::size_t rows, std::size_t cols, std::size_t ld,
                         const float* b) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) x[r * ld + c] += b[c];
}

// Scratch buffers reused across calls on the same thread.
struct Scratch {
  std::vector<float> a, b, c, d, e;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

float* sized(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

class PaperCnn final : public Network {
 public:
  static constexpr std::size_t kIn = 28, kK = 5, kC1 = 10, kO1 = 24, kP1 = 12, kC2 = 20, kO2 = 8,
                               kCls = 10;
  static constexpr std::size_t kW1 = kC1 * kK * kK;        // 250
  static constexpr std::size_t kW2 = kC2 * kK * kK * kC1;  // 5000
  static constexpr std::size_t kFcIn = kC2 * kO2 * kO2;    // 1280

  explicit PaperCnn(Activation act) {
    act_ = act;
    n_inputs_ = kIn * kIn;
    n_outputs_ = kCls;
    add_block("conv1", kW1);
    add_block("conv2", kW2);
    add_block("fc", kCls * kFcIn);
  }

  std::string summary() const override {
    return fmt::format(
        "cnn: conv 1->10 5x5, maxpool 2, {0}, conv 10->20 5x5, {0}, fc 1280->10 (no biases, {1} "
        "weights)",
        to_string(act_), n_weights_);
  }

  double flops_per_image() const override {
    return 2.0 * (kO1 * kO1 * kW1 + kO2 * kO2 * kW2 + kFcIn * kCls);
  }

  void forward(std::span<const float* const> members, const float* x, std::size_t n,
               float* logits) const override {
    const std::size_t g = members.size();
    if (g == 0 || n == 0) return;
    if (g >= 2) {
      // Groups of networks: one network per SIMD lane (cnn_lanes.cpp), 2-3x faster than the
      // matrix products below, which remain for single networks (test-phase evaluations).
      cnn_forward_lanes(members, x, n, act_, logits);
      return;
    }
    Scratch& s = scratch();
    // conv1 patches of all images, shared by the members: rows (image, y, x), columns (ky, kx).
    float* patches = sized(s.a, n * kO1 * kO1 * kK * kK);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t oy = 0; oy < kO1; ++oy)
        for (std::size_t ox = 0; ox < kO1; ++ox) {
          float* row = patches + ((i * kO1 + oy) * kO1 + ox) * kK * kK;
          for (std::size_t ky = 0; ky < kK; ++ky)
            std::memcpy(row + ky * kK, x + i * kIn * kIn + (oy + ky) * kIn + ox,
                        kK * sizeof(float));
        }
    // Stacked conv1 filters: row q*10 + c is filter c of member q.
    const std::size_t width = kC1 * g;
    float* w1 = sized(s.b, width * kK * kK);
    for (std::size_t q = 0; q < g; ++q) std::memcpy(w1 + q * kW1, members[q], kW1 * sizeof(float));
    // Images in sub-batches so that the conv1 output of the whole group stays in cache.
    const std::size_t sub = std::clamp<std::size_t>(64 / g, 2, 64);
    for (std::size_t i0 = 0; i0 < n; i0 += sub) {
      const std::size_t nn = std::min(sub, n - i0);
      float* c1 = sized(s.c, nn * kO1 * kO1 * width);
      blas::sgemm(Op::none, Op::trans, static_cast<int>(nn * kO1 * kO1), static_cast<int>(width),
                  static_cast<int>(kK * kK), 1.0f, patches + i0 * kO1 * kO1 * kK * kK,
                  static_cast<int>(kK * kK), w1, static_cast<int>(kK * kK), 0.0f, c1,
                  static_cast<int>(width));
      float* p1 = sized(s.d, nn * kP1 * kP1 * width);
      max_pool_rows(c1, p1, nn, kO1, width);
      activate(act_, p1, nn * kP1 * kP1 * width);
      float* cols = sized(s.e, nn * kO2 * kO2 * kW2 / kC2 + nn * kFcIn);
      float* c2 = cols + nn * kO2 * kO2 * kW2 / kC2;
      for (std::size_t q = 0; q < g; ++q) {
        // conv2 patches of member q: rows (image, y, x), columns (ky, kx, channel).
        for (std::size_t i = 0; i < nn; ++i)
          for (std::size_t oy = 0; oy < kO2; ++oy)
            for (std::size_t ox = 0; ox < kO2; ++ox) {
              float* row = cols + ((i * kO2 + oy) * kO2 + ox) * (kK * kK * kC1);
              for (std::size_t ky = 0; ky < kK; ++ky)
                for (std::size_t kx = 0; kx < kK; ++kx)
                  std::memcpy(row + (ky * kK + kx) * kC1,
                              p1 + ((i * kP1 + oy + ky) * kP1 + ox + kx) * width + q * kC1,
                              kC1 * sizeof(float));
            }
        blas::sgemm(Op::none, Op::trans, static_cast<int>(nn * kO2 * kO2), static_cast<int>(kC2),
                    static_cast<int>(kK * kK * kC1), 1.0f, cols, static_cast<int>(kK * kK * kC1),
                    members[q] + kW1, static_cast<int>(kK * kK * kC1), 0.0f, c2,
                    static_cast<int>(kC2));
        activate(act_, c2, nn * kFcIn);
        blas::sgemm(Op::none, Op::trans, static_cast<int>(nn), static_cast<int>(kCls),
                    static_cast<int>(kFcIn), 1.0f, c2, static_cast<int>(kFcIn),
                    members[q] + kW1 + kW2, static_cast<int>(kFcIn), 0.0f,
                    logits + (q * n + i0) * kCls, static_cast<int>(kCls));
      }
    }
  }
};

class Mlp final : public Network {
 public:
  Mlp(std::vector<std::size_t> sizes, Activation act, bool bias)
      : sizes_(std::move(sizes)), bias_(bias) {
    if (sizes_.size() < 2) throw UsageError("an MLP needs at least an input and an output layer");
    for (auto s : sizes_)
      if (s == 0) throw UsageError("MLP layer sizes must be positive");
    act_ = act;
    n_inputs_ = sizes_.front();
    n_outputs_ = sizes_.back();
    for (std::size_t l = 1; l < sizes_.size(); ++l) {
      w_off_.push_back(n_weights_);
      add_block(fmt::format("w{}", l), sizes_[l] * sizes_[l - 1]);
      b_off_.push_back(n_weights_);
      if (bias_) add_block(fmt::format("b{}", l), sizes_[l]);
    }
  }

  std::string summary() const override {
    std::string s = "mlp:";
    for (std::size_t l = 0; l < sizes_.size(); ++l)
      s += fmt::format("{}{}", l ? "-" : " ", sizes_[l]);
    return s +
           fmt::format(", {}{}, {} weights", to_string(act_), bias_ ? ", biases" : "", n_weights_);
  }

  double flops_per_image() const override {
    double f = 0;
    for (std::size_t l = 1; l < sizes_.size(); ++l) f += 2.0 * sizes_[l] * sizes_[l - 1];
    return f;
  }

  void forward(std::span<const float* const> members, const float* x, std::size_t n,
               float* logits) const override {
    const std::size_t g = members.size();
    if (g == 0 || n == 0) return;
    Scratch& s = scratch();
    const std::size_t L = sizes_.size() - 1, n0 = sizes_[0], n1 = sizes_[1];
    const std::size_t width = g * n1;
    float* w1 = sized(s.a, width * n0);
    for (std::size_t q = 0; q < g; ++q)
      std::memcpy(w1 + q * n1 * n0, members[q], n1 * n0 * sizeof(float));
    std::size_t widest = 0;
    for (std::size_t l = 2; l <= L; ++l) widest = std::max(widest, sizes_[l]);
    const std::size_t chunk = 256;
    for (std::size_t i0 = 0; i0 < n; i0 += chunk) {
      const std::size_t nn = std::min(chunk, n - i0);
      float* h = sized(s.b, nn * width);
      blas::sgemm(Op::none, Op::trans, static_cast<int>(nn), static_cast<int>(width),
                  static_cast<int>(n0), 1.0f, x + i0 * n0, static_cast<int>(n0), w1,
                  static_cast<int>(n0), 0.0f, h, static_cast<int>(width));
      if (bias_)
        for (std::size_t q = 0; q < g; ++q)
          add_bias(h + q * n1, nn, n1, width, members[q] + b_off_[0]);
      if (L == 1) {
        for (std::size_t q = 0; q < g; ++q)
          for (std::size_t i = 0; i < nn; ++i)
            std::memcpy(logits + ((q * n) + i0 + i) * n1, h + i * width + q * n1,
                        n1 * sizeof(float));
        continue;
      }
      activate(act_, h, nn * width);
      float* buf0 = sized(s.c, nn * widest);
      float* buf1 = sized(s.d, nn * widest);
      for (std::size_t q = 0; q < g; ++q) {
        const float* cur = h + q * n1;
        std::size_t ld = width;
        for (std::size_t l = 2; l <= L; ++l) {
          const std::size_t in = sizes_[l - 1], out = sizes_[l];
          const bool last = l == L;
          float* dst = last ? logits + (q * n + i0) * out : (l % 2 ? buf1 : buf0);
          blas::sgemm(Op::none, Op::trans, static_cast<int>(nn), static_cast<int>(out),
                      static_cast<int>(in), 1.0f, cur, static_cast<int>(ld),
                      members[q] + w_off_[l - 1], static_cast<int>(in), 0.0f, dst,
                      static_cast<int>(out));
          if (bias_) add_bias(dst, nn, out, out, members[q] + b_off_[l - 1]);
          if (!last) activate(act_, dst, nn * out);
          cur = dst;
          ld = out;
        }
      }
    }
  }

 private:
  std::vector<std::size_t> sizes_;
  bool bias_;
  std::vector<std::size_t> w_off_, b_off_;
};

}  // namespace

std::unique_ptr<Network> make_paper_cnn(Activation act) {
  return std::make_unique<PaperCnn>(act);
}

std::unique_ptr<Network> make_mlp(std::vector<std::size_t> sizes, Activation act, bool bias) {
  return std::make_unique<Mlp>(std::move(sizes), act, bias);
}

}  // namespace l2l::nn
