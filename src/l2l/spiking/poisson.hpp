#pragma once
// Poisson-distributed counts for spike generation.
//
// A generator with rate r produces Poisson(r h) spikes per step and target. The Brunel network
// draws 125 million of these counts per second of biological time, so the table-based sampler
// below (one random number, no branches) matters. The distribution is truncated where the tail
// probability drops below 1e-16 and quantized to 2^-50 or finer.
#include <cstdint>
#include <vector>

#include "l2l/core/rng.hpp"

namespace l2l::spiking {

class PoissonTable {
 public:
  PoissonTable() = default;
  explicit PoissonTable(double mean);

  double mean() const { return mean_; }
  // Walker's alias method on the raw 64-bit output: the top bits pick a cell, the remaining bits
  // decide between the cell's own value and its alias. Branch-free, one random number per draw.
  std::uint32_t sample(Rng& rng) const {
    if (cells_.empty()) return 0;
    const std::uint64_t r = rng();
    const Cell& c = cells_[r >> shift_];
    return (r & mask_) < c.threshold ? c.value : c.alias;
  }

 private:
  struct Cell {
    std::uint64_t threshold;  // keep `value` if the low bits are below this
    std::uint32_t value, alias;
  };
  double mean_ = 0.0;
  std::vector<Cell> cells_;  // 2^(64 - shift_) cells
  int shift_ = 63;
  std::uint64_t mask_ = 0;
};

// One Poisson draw with an arbitrary mean, by sequential inversion for small means and a
// normal-approximation-free recursive split (X = Y + Z with Y ~ Poisson(m/2)) for large ones.
// Used where the mean changes too often for a table.
std::uint32_t poisson_draw(Rng& rng, double mean);

}  // namespace l2l::spiking
