#pragma once
// How the report keeps its data small: numbers rounded for pictures and long series thinned
// evenly. Every section that puts values into the page's data block uses these two.
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

namespace l2l::report {

// A value for a chart: 6 significant digits (plenty for a picture, half the file size); NaN and
// infinities become null, which the charts leave out.
nlohmann::json num(double v);

// Up to `k` evenly spaced indices of [0, n), always including the first and the last.
std::vector<std::size_t> spread(std::size_t n, std::size_t k);

}  // namespace l2l::report
