#pragma once
// Random numbers for l2l.
//
// Every evaluation gets its own stream derived from (run seed, generation, index), so results do
// not depend on which thread, process or rank evaluates it. Optimizers own one stream that lives
// on the driver thread and is checkpointed with their state. The generator is xoshiro256**
// (Blackman & Vigna): small state that serializes as four integers, and fast. Distributions are
// implemented here rather than taken from <random> because the standard leaves their algorithms to
// the library, which would make stores differ between standard libraries.
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace l2l {

constexpr std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Mixes values into one 64-bit seed; distinct inputs give statistically independent streams.
constexpr std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a ^ (0x6A09E667F3BCC909ull + (b << 6) + (b >> 2));
  splitmix64(x);
  return splitmix64(x) ^ b;
}

// The seed of the evaluation (generation, index) of a run. Test-phase evaluations use index -1.
constexpr std::uint64_t stream_seed(std::uint64_t run_seed, std::int64_t generation,
                                    std::int64_t index) {
  return mix_seed(mix_seed(run_seed, static_cast<std::uint64_t>(generation)),
                  static_cast<std::uint64_t>(index));
}

class Rng {
 public:
  using result_type = std::uint64_t;
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n) without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) {
    if (n <= 1) return 0;
    __uint128_t m = static_cast<__uint128_t>((*this)()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>((*this)()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {  // inclusive bounds
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  // Standard normal by the Box-Muller transform; the second value is discarded so that the
  // generator state alone (no cached value) determines the future, which keeps checkpoints small.
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }

  bool bernoulli(double p) { return uniform() < p; }

  double exponential(double rate) {
    double u = uniform();
    while (u <= 0.0) u = uniform();
    return -std::log(u) / rate;
  }

  const State& state() const { return s_; }
  void set_state(const State& s) { s_ = s; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  State s_{};
};

}  // namespace l2l
