#pragma once
// Feed-forward networks evaluated for a whole group of ensemble members at once, on the CPU, in
// float32.
//
// The first layer sees the same images for every member, so it is one matrix product for the
// group: the image patches (im2col) or pixels times the members' stacked weights. Later layers
// are one product per member. Products go through l2l::blas (OpenBLAS SGEMM).
//
// Weight layouts (the flat parameter vector of a member, in this order):
//   paper CNN (Yegenoglu et al.): 18,050 weights, no biases
//     conv1 [10][5][5]        out channel, kernel row, kernel column      1x28x28 -> 10x24x24
//     (activation after 2x2 max-pooling: the activations are non-decreasing, so pooling first
//      gives the same result)                                            -> 10x12x12
//     conv2 [20][5][5][10]    out channel, kernel row, kernel column, in channel -> 20x8x8
//     (activation; no pooling, so the classifier sees 20*8*8 = 1280 values)
//     fc    [10][8][8][20]    class, row, column, channel (no activation: logits)
//   MLP with layer sizes n0 (=784), n1, ..., nL (=10): per layer l = 1..L
//     w<l> [n_l][n_{l-1}] then, with biases, b<l> [n_l]; activation on all but the last layer.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "l2l/optimizees/neural/activation.hpp"

namespace l2l::nn {

struct WeightBlock {
  std::string name;
  std::size_t size = 0;
};

class Network {
 public:
  virtual ~Network() = default;

  const std::vector<WeightBlock>& blocks() const { return blocks_; }
  std::size_t n_weights() const { return n_weights_; }
  std::size_t n_inputs() const { return n_inputs_; }
  std::size_t n_outputs() const { return n_outputs_; }
  Activation activation() const { return act_; }
  virtual std::string summary() const = 0;
  // Floating-point operations of one forward pass of one member on one image.
  virtual double flops_per_image() const = 0;

  // Logits of each member (weights: n_weights() floats each) on the same n images (inputs:
  // n x n_inputs(), row-major): logits[(q * n + i) * n_outputs() + k]. Safe to call concurrently.
  virtual void forward(std::span<const float* const> members, const float* inputs, std::size_t n,
                       float* logits) const = 0;

 protected:
  void add_block(std::string name, std::size_t size) {
    blocks_.push_back({std::move(name), size});
    n_weights_ += size;
  }
  std::vector<WeightBlock> blocks_;
  std::size_t n_weights_ = 0, n_inputs_ = 0, n_outputs_ = 0;
  Activation act_ = Activation::sigmoid;
};

// The CNN of the EnKF study: 28x28 inputs, 10 classes.
std::unique_ptr<Network> make_paper_cnn(Activation act);
// sizes = {inputs, hidden..., outputs}.
std::unique_ptr<Network> make_mlp(std::vector<std::size_t> sizes, Activation act, bool bias);

}  // namespace l2l::nn
