#include "l2l/optimizees/neural/activation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l::nn {

Activation parse_activation(const std::string& name) {
  if (name == "sigmoid") return Activation::sigmoid;
  if (name == "tanh") return Activation::tanh;
  if (name == "relu") return Activation::relu;
  if (name == "heaviside") return Activation::heaviside;
  throw UsageError(
      fmt::format("unknown activation '{}' (expected sigmoid, tanh, relu or heaviside)", name));
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::heaviside:
      return "heaviside";
  }
  return "?";
}

namespace {

// exp(x) = 2^k * 2^f with k = round(x log2 e) and f in [-1/2, 1/2]; 2^f by its degree-6 Taylor
// polynomial (error < 2e-7 relative). Written without branches or library calls so that the
// loops below vectorise.
[[gnu::always_inline]] inline float fast_exp(float x) {
  // (No std::min/max: GCC does not inline them into the target_clones versions below.)
  x = x < -86.0f ? -86.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float t = x * 1.44269504088896341f;
  // Round to nearest by the 1.5 * 2^23 trick (exact for |t| < 2^22; |t| <= 127 here): floor()
  // is a library call below SSE4.1 and stops the loops from vectorising.
  const float k = (t + 12582912.0f) - 12582912.0f;
  const float f = t - k;
  float p = 1.5403530393381608e-4f;
  p = p * f + 1.3333558146428443e-3f;
  p = p * f + 9.6181291076284772e-3f;
  p = p * f + 5.5504108664821580e-2f;
  p = p * f + 2.4022650695910071e-1f;
  p = p * f + 6.9314718055994531e-1f;
  p = p * f + 1.0f;
  // Scale by 2^k through the exponent bits (memcpy, as std::bit_cast is not inlined into the
  // target_clones versions either).
  std::int32_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  bits += static_cast<std::int32_t>(k) * (1 << 23);
  float r;
  std::memcpy(&r, &bits, sizeof r);
  return r;
}

#define L2L_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

L2L_CLONES void sigmoid_loop(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = 1.0f / (1.0f + fast_exp(-x[i]));
}

L2L_CLONES void tanh_loop(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = 2.0f / (1.0f + fast_exp(-2.0f * x[i])) - 1.0f;
}

L2L_CLONES void relu_loop(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

L2L_CLONES void heaviside_loop(float* x, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? 1.0f : 0.0f;
}

}  // namespace

void activate(Activation a, float* x, std::size_t n) {
  switch (a) {
    case Activation::sigmoid:
      sigmoid_loop(x, n);
      break;
    case Activation::tanh:
      tanh_loop(x, n);
      break;
    case Activation::relu:
      relu_loop(x, n);
      break;
    case Activation::heaviside:
      heaviside_loop(x, n);
      break;
  }
}

float activate_reference(Activation a, float x) {
  switch (a) {
    case Activation::sigmoid:
      return static_cast<float>(1.0 / (1.0 + std::exp(-double(x))));
    case Activation::tanh:
      return static_cast<float>(std::tanh(double(x)));
    case Activation::relu:
      return std::max(x, 0.0f);
    case Activation::heaviside:
      return x > 0.0f ? 1.0f : 0.0f;
  }
  return x;
}

}  // namespace l2l::nn
