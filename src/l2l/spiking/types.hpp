#pragma once
// Basic vocabulary of the spiking simulator: node ranges, spikes and time conversion.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace l2l::spiking {

// A contiguous block of node ids, as returned by Network::create (NEST's NodeCollection for the
// common case of one create() call).
struct NodeRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;

  std::uint32_t size() const { return count; }
  bool empty() const { return count == 0; }
  std::uint32_t operator[](std::size_t i) const { return first + static_cast<std::uint32_t>(i); }
  std::uint32_t end() const { return first + count; }
  bool contains(std::uint32_t id) const { return id >= first && id - first < count; }
  // The sub-range [offset, offset + n).
  NodeRange slice(std::uint32_t offset, std::uint32_t n) const {
    if (offset > count || n > count - offset)
      throw std::out_of_range("NodeRange::slice out of range");
    return {first + offset, n};
  }
  // Concatenation of two adjacent ranges (first directly followed by second).
  friend NodeRange operator+(NodeRange a, NodeRange b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    if (a.end() != b.first) throw std::invalid_argument("NodeRange + needs adjacent ranges");
    return {a.first, a.count + b.count};
  }
  friend bool operator==(NodeRange a, NodeRange b) = default;
};

// A spike emitted in one time step; multiplicity > 1 means several spikes at the same time (as
// produced by Poisson sources or spike generators with repeated times).
struct Spike {
  std::uint32_t node = 0;
  std::uint32_t multiplicity = 1;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Milliseconds to whole time steps, rounding to the nearest step like NEST's Time class does for
// on-grid quantities (delays, refractory periods, device windows).
inline std::int64_t ms_to_steps(double ms, double h) {
  if (ms == kInf) return std::numeric_limits<std::int64_t>::max() / 4;
  return static_cast<std::int64_t>(std::llround(ms / h));
}

}  // namespace l2l::spiking
