#include "l2l/spiking/spike_generator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace l2l::spiking {

SpikeGenerator::SpikeGenerator(std::size_t n, const Params&) : Population(n), times_(n) {}

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
  dirty_ = true;
}

void SpikeGenerator::set_all_spike_times(std::span<const std::uint32_t> node,
                                         std::span<const double> times_ms) {
  if (node.size() != times_ms.size())
    throw std::invalid_argument("spike_generator: nodes and times differ in length");
  for (auto& t : times_) t.clear();
  bool ordered = true;  // by (time, node): then the event list is built without sorting
  for (std::size_t k = 0; k < node.size(); ++k) {
    const double t = times_ms[k];
    if (!(t > 0.0) || !std::isfinite(t))
      throw std::invalid_argument("spike_generator: spike times must be positive and finite");
    times_.at(node[k]).push_back(t);
    if (k > 0 && (times_ms[k - 1] > t || (times_ms[k - 1] == t && node[k - 1] >= node[k])))
      ordered = false;
  }
  for (auto& t : times_)
    if (!std::is_sorted(t.begin(), t.end())) std::sort(t.begin(), t.end());
  dirty_ = true;
  if (!ordered || h_ <= 0.0) return;
  events_.clear();
  events_.reserve(node.size());
  for (std::size_t k = 0; k < node.size(); ++k)
    events_.push_back({std::max<std::int64_t>(1, ms_to_steps(times_ms[k], h_)) - 1, node[k], 1});
  dirty_ = false;
}

void SpikeGenerator::calibrate(double h) {
  if (h != h_) dirty_ = true;
  h_ = h;
}

void SpikeGenerator::prepare() {
  if (!dirty_) return;
  events_.clear();
  for (std::size_t i = 0; i < size(); ++i) {
    for (double t : times_[i]) {
      const std::int64_t step = std::max<std::int64_t>(1, ms_to_steps(t, h_)) - 1;
      if (!events_.empty() && events_.back().node == i && events_.back().step == step)
        ++events_.back().multiplicity;
      else
        events_.push_back({step, static_cast<std::uint32_t>(i), 1});
    }
  }
  std::stable_sort(events_.begin(), events_.end(),
                   [](const Event& a, const Event& b) { return a.step < b.step; });
  dirty_ = false;
}

void SpikeGenerator::update(std::size_t begin, std::size_t end, std::int64_t step, const double*,
                            const double*, const double*, SpikeSink& out) {
  auto it = std::lower_bound(events_.begin(), events_.end(), step,
                             [](const Event& e, std::int64_t s) { return e.step < s; });
  for (; it != events_.end() && it->step == step; ++it)
    if (it->node >= begin && it->node < end) out.emit(it->node, it->multiplicity);
}

}  // namespace l2l::spiking
