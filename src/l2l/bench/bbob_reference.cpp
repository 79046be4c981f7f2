#include "l2l/bench/bbob_reference.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace l2l::bench {

extern const std::string_view kBbobBest2009Csv;  // generated from data/bbob/best2009_ert.csv

namespace {

int target_exponent(double target) {
  return static_cast<int>(std::lround(std::log10(target)));
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i)
    if (i == line.size() || line[i] == ',') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

template <class T>
bool parse_number(std::string_view s, T& v) {
  const auto* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, v);
  return r.ec == std::errc() && r.ptr == end;
}

}  // namespace

BbobReferenceTable parse_bbob_reference(std::string_view csv) {
  BbobReferenceTable table;
  std::size_t line_no = 0, pos = 0;
  while (pos < csv.size()) {
    auto end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    auto line = csv.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 || line.empty()) continue;  // the header
    const auto f = split(line);
    int function = 0, dim = 0, successes = 0, trials = 0;
    double target = 0.0;
    BbobReference r;
    const bool ok = f.size() == 7 && parse_number(f[0], function) && parse_number(f[1], dim) &&
                    parse_number(f[2], target) && target > 0 && parse_number(f[5], successes) &&
                    parse_number(f[6], trials) &&
                    // A cell nobody reached names no algorithm; every other names its best.
                    (f[3] == "inf" ? successes == 0 : parse_number(f[3], r.ert) && !f[4].empty());
    if (!ok)
      throw std::runtime_error(
          fmt::format("BBOB reference table, line {}: malformed row '{}'", line_no, line));
    if (f[3] == "inf") r.ert = std::numeric_limits<double>::infinity();
    r.algorithm = std::string(f[4]);
    r.successes = successes;
    r.trials = trials;
    table[{function, dim, target_exponent(target)}] = std::move(r);
  }
  return table;
}

const BbobReferenceTable& bbob_best2009() {
  static const BbobReferenceTable table = parse_bbob_reference(kBbobBest2009Csv);
  return table;
}

std::optional<BbobReference> bbob_reference(int function, int dim, double target) {
  const auto& t = bbob_best2009();
  const auto it = t.find({function, dim, target_exponent(target)});
  if (it == t.end()) return std::nullopt;
  return it->second;
}

}  // namespace l2l::bench
