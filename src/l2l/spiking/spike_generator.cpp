#include "l2l/spiking/spike_generator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace l2l::spiking {

SpikeGenerator::SpikeGenerator(std::size_t n, const Params&)
    : Population(n), times_(n), steps_(n), cursor_(n, 0) {}

std::unique_ptr<Population> SpikeGenerator::clone() const {
  return std::make_unique<SpikeGenerator>(*this);
}

double SpikeGenerator::v_m(std::size_t) const {
  return std::numeric_limits<double>::quiet_NaN();
}

void SpikeGenerator::set_spike_times(std::size_t i, std::vector<double> times_ms) {
  for (double t : times_ms)
    if (!(t > 0.0) || !std::isfinite(t))
      throw std::invalid_argument("spike_generator: spike times must be positive and finite");
  std::sort(times_ms.begin(), times_ms.end());
  times_.at(i) = std::move(times_ms);
  if (h_ > 0.0) rebuild(i);
}

void SpikeGenerator::rebuild(std::size_t i) {
  auto& s = steps_[i];
  s.clear();
  for (double t : times_[i]) s.push_back(std::max<std::int64_t>(1, ms_to_steps(t, h_)) - 1);
  cursor_[i] = 0;
}

void SpikeGenerator::calibrate(double h) {
  if (h == h_) return;
  h_ = h;
  for (std::size_t i = 0; i < size(); ++i) rebuild(i);
}

void SpikeGenerator::update(std::size_t begin, std::size_t end, std::int64_t step, const double*,
                            const double*, SpikeSink& out) {
  for (std::size_t i = begin; i < end; ++i) {
    const auto& s = steps_[i];
    std::size_t c = cursor_[i];
    while (c < s.size() && s[c] < step) ++c;
    std::uint32_t m = 0;
    while (c < s.size() && s[c] == step) ++c, ++m;
    cursor_[i] = c;
    if (m > 0) out.emit(i, m);
  }
}

}  // namespace l2l::spiking
