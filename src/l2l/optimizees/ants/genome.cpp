#include "l2l/optimizees/ants/genome.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"

namespace l2l::ants {

const std::array<const char*, kInputs>& input_names() {
  static const std::array<const char*, kInputs> names = {
      "visual wall", "visual food", "pheromone left", "pheromone middle", "pheromone right", "pain",
      "reward",      "nest left",   "nest middle",    "nest right",       "on nest"};
  return names;
}

const std::array<const char*, kOutputs>& output_names() {
  static const std::array<const char*, kOutputs> names = {"move", "rotate left", "rotate right",
                                                          "drop pheromone"};
  return names;
}

void Genome::validate() const {
  if (hidden < 1 || hidden > 1000)
    throw UsageError(
        fmt::format("ant genome: hidden neurons must be in [1, 1000], got {}", hidden));
  const auto n = layout().size();
  if (weights.size() != n || delays.size() != n)
    throw UsageError(
        fmt::format("ant genome: {} hidden neurons need {} weights and {} delays, got {} and {}",
                    hidden, n, n, weights.size(), delays.size()));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(weights[i]) || !std::isfinite(delays[i]))
      throw UsageError(fmt::format("ant genome: gene {} is not finite", i));
}

double Genome::weight_pa(std::size_t gene) const {
  return std::clamp(weights[gene], -kWeightLimit, kWeightLimit) * kWeightUnitPa;
}

int Genome::delay_ms(std::size_t gene) const {
  const double d = std::clamp(delays[gene], double(kMinDelay), double(kMaxDelay));
  return static_cast<int>(d);  // truncation toward zero; d >= 1
}

Genome random_genome(int hidden, Rng& rng) {
  Genome g;
  g.hidden = hidden;
  const auto n = g.layout().size();
  g.weights.resize(n);
  g.delays.resize(n);
  for (auto& w : g.weights) w = rng.uniform(-kWeightLimit, kWeightLimit);
  for (auto& d : g.delays) d = static_cast<double>(rng.uniform_int(kMinDelay, kMaxDelay));
  return g;
}

namespace {

std::vector<double> parse_line(const std::string& line, const std::string& name, int line_no) {
  std::vector<double> v;
  std::size_t pos = 0;
  int field = 0;
  while (pos <= line.size()) {
    std::size_t end = line.find(',', pos);
    if (end == std::string::npos) end = line.size();
    std::string cell = line.substr(pos, end - pos);
    // Trim blanks and a trailing carriage return.
    const auto b = cell.find_first_not_of(" \t\r");
    const auto e = cell.find_last_not_of(" \t\r");
    cell = b == std::string::npos ? "" : cell.substr(b, e - b + 1);
    ++field;
    if (cell.empty())
      throw UsageError(fmt::format("{}:{}: field {} is empty", name, line_no, field));
    char* stop = nullptr;
    errno = 0;
    const double x = std::strtod(cell.c_str(), &stop);
    if (stop != cell.c_str() + cell.size() || errno == ERANGE || !std::isfinite(x))
      throw UsageError(
          fmt::format("{}:{}: field {} '{}' is not a finite number", name, line_no, field, cell));
    v.push_back(x);
    pos = end + 1;
  }
  return v;
}

}  // namespace

Genome parse_genome_csv(const std::string& text, int hidden, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::vector<double>> rows;
  int line_no = 0;
  while (std::getline(in, line) && rows.size() < 2) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    rows.push_back(parse_line(line, name, line_no));
  }
  if (rows.size() < 2)
    throw UsageError(fmt::format("{}: expected a line of weights and a line of delays", name));
  Genome g;
  g.hidden = hidden;
  g.weights = std::move(rows[0]);
  g.delays = std::move(rows[1]);
  try {
    g.validate();
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("{}: {}", name, e.what()));
  }
  return g;
}

Genome read_genome_csv(const std::string& path, int hidden) {
  std::ifstream f(path);
  if (!f) throw UsageError(fmt::format("cannot open genome file '{}'", path));
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_genome_csv(ss.str(), hidden, path);
}

std::string format_genome_csv(const Genome& g) {
  std::string s;
  for (std::size_t i = 0; i < g.weights.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", g.weights[i]);
  s += "\n";
  for (std::size_t i = 0; i < g.delays.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", g.delays[i]);
  s += "\n";
  return s;
}

}  // namespace l2l::ants
