#include "l2l/report/chart_data.hpp"

#include <charconv>
#include <cmath>
#include <numeric>

namespace l2l::report {

nlohmann::json num(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  double rounded = v;
  std::from_chars(buf, r.ptr, rounded);
  return rounded;
}

std::vector<std::size_t> spread(std::size_t n, std::size_t k) {
  std::vector<std::size_t> out;
  if (n == 0 || k == 0) return out;
  if (n <= k) {
    out.resize(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    return out;
  }
  if (k == 1) return {n - 1};
  for (std::size_t i = 0; i < k; ++i) {
    const auto idx = static_cast<std::size_t>(std::llround(
        static_cast<double>(i) * static_cast<double>(n - 1) / static_cast<double>(k - 1)));
    if (out.empty() || out.back() != idx) out.push_back(idx);
  }
  return out;
}

}  // namespace l2l::report
