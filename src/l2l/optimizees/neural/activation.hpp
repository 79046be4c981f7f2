#pragma once
// Element-wise activation functions of the ensemble-batched networks.
//
// All four are non-decreasing, which the convolutional network exploits: max-pooling commutes
// with them, so it pools first and activates a quarter of the values.
#include <cstddef>
#include <string>

namespace l2l::nn {

enum class Activation { sigmoid, tanh, relu, heaviside };

Activation parse_activation(const std::string& name);  // throws UsageError
const char* to_string(Activation a);

// x[i] = f(x[i]) for i < n. Sigmoid and tanh use a polynomial exp accurate to ~2e-7 relative,
// compiled for AVX-512, AVX2 and baseline x86-64 and chosen at run time.
void activate(Activation a, float* x, std::size_t n);

// Exact reference implementation (std::exp), for tests.
float activate_reference(Activation a, float x);

}  // namespace l2l::nn
