#pragma once
// Cooling schedules for simulated annealing and parallel tempering.
//
// T_k is the temperature of cooling step k = 0, 1, 2, ... (T_0 the start temperature). With
// alpha the decay parameter, T_n the end temperature and n the schedule length:
//
//   constant                  T_k = T_0
//   multiplicative            T_k = alpha * T_{k-1}                      (L2L's DEFAULT)
//   exponential               T_k = T_0 * alpha^k                        (Kirkpatrick et al. 1983)
//   logarithmic               T_k = T_0 / (1 + alpha * ln(1 + k))        (Aarts & Korst 1989)
//   linear_multiplicative     T_k = T_0 / (1 + alpha * k)
//   quadratic_multiplicative  T_k = T_0 / (1 + alpha * k^2)
//   linear_additive           T_k = T_n + (T_0 - T_n) * (n - k) / n      (Luke 2005)
//   quadratic_additive        T_k = T_n + (T_0 - T_n) * ((n - k) / n)^2
//   exponential_additive      T_k = T_n + (T_0 - T_n) / (1 + exp(2 ln(T_0 - T_n) / n * (k - n/2)))
//   trigonometric_additive    T_k = T_n + (T_0 - T_n) / 2 * (1 + cos(k pi / n))
//
// The additive schedules hold k at n after n steps. Differences from L2L's Python code, which
// this replaces: its additive schedules multiplied by (T_0 - T_{k-1}) instead of (T_0 - T_n), so
// the temperature oscillated instead of cooling; its trigonometric schedule used pi = 3.1415;
// its simulated annealing ignored the decay parameter of the exponential (fixed 0.85), linear
// and quadratic (fixed 1) and logarithmic schedules. The exponential additive schedule, as
// published, starts at T_n + d^2/(d+1) and ends at T_n + d/(d+1) with d = T_0 - T_n, and only
// cools when d > 1 (at d = 1 it is constant, below it heats), so it is rejected otherwise.
#include <cstdint>
#include <string>
#include <vector>

#include "l2l/core/options.hpp"

namespace l2l {

enum class CoolingSchedule {
  constant,
  multiplicative,
  exponential,
  logarithmic,
  linear_multiplicative,
  quadratic_multiplicative,
  linear_additive,
  quadratic_additive,
  exponential_additive,
  trigonometric_additive,
};

const std::vector<std::string>& cooling_schedule_names();
CoolingSchedule parse_cooling_schedule(const std::string& name);
const char* to_string(CoolingSchedule s);
bool is_additive(CoolingSchedule s);

class Cooling {
 public:
  struct Config {
    CoolingSchedule schedule = CoolingSchedule::constant;
    double t0 = 1.0;
    double t_end = 0.0;
    double alpha = 0.99;
    std::int64_t length = 100;
  };

  explicit Cooling(const Config& c) : c_(c) {}

  // Reads schedule, alpha and schedule_length; t0 and t_end are read by the caller because their
  // meaning differs between annealing and tempering.
  static Config read(Options& o, const std::string& default_schedule, double default_alpha);
  // Why this configuration is not a cooling schedule: the offending field ("alpha", "t0" or
  // "t_end") and the message; an empty message if it is valid.
  struct Problem {
    std::string field;
    std::string message;
  };
  static Problem invalid(const Config& c);

  const Config& config() const { return c_; }

  // Closed form T_k.
  double temperature(std::int64_t k) const;
  // T_k from T_{k-1}: the recursion for "multiplicative", the closed form for everything else.
  double next(double previous, std::int64_t k) const;

 private:
  Config c_;
};

}  // namespace l2l
