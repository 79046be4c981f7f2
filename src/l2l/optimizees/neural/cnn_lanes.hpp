#pragma once
// The paper CNN evaluated for a group of networks at once with one network per SIMD lane.
//
// Every network of an ensemble has the same shape, so a vector register can hold the same
// activation (or weight) of 16 (AVX-512) or 8 (AVX2) different networks. Convolutions then
// become plain register-blocked loops of fused multiply-adds, with no im2col copies and no
// small matrix products; conv1 is fused with the 2x2 max-pooling. Each lane sums in the same
// order, so a network's outputs do not depend on its lane or on the other networks in the group.
#include <cstddef>
#include <span>

#include "l2l/optimizees/neural/activation.hpp"

namespace l2l::nn {

// Networks per lane group on this CPU (16 with AVX-512, 8 otherwise).
std::size_t cnn_lane_width();

// logits[(q * n + i) * 10 + k] for the networks `members` (18,050 weights each, layout of
// network.hpp) on n images of 28 x 28.
void cnn_forward_lanes(std::span<const float* const> members, const float* images, std::size_t n,
                       Activation act, float* logits);

}  // namespace l2l::nn
