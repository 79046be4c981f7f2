#include "l2l/optimizers/cooling.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "l2l/core/error.hpp"

namespace l2l {

namespace {

struct Named {
  CoolingSchedule s;
  const char* name;
};

constexpr Named kNames[] = {
    {CoolingSchedule::constant, "constant"},
    {CoolingSchedule::multiplicative, "multiplicative"},
    {CoolingSchedule::exponential, "exponential"},
    {CoolingSchedule::logarithmic, "logarithmic"},
    {CoolingSchedule::linear_multiplicative, "linear_multiplicative"},
    {CoolingSchedule::quadratic_multiplicative, "quadratic_multiplicative"},
    {CoolingSchedule::linear_additive, "linear_additive"},
    {CoolingSchedule::quadratic_additive, "quadratic_additive"},
    {CoolingSchedule::exponential_additive, "exponential_additive"},
    {CoolingSchedule::trigonometric_additive, "trigonometric_additive"},
};

}  // namespace

const std::vector<std::string>& cooling_schedule_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& n : kNames) v.emplace_back(n.name);
    return v;
  }();
  return names;
}

CoolingSchedule parse_cooling_schedule(const std::string& name) {
  for (const auto& n : kNames)
    if (name == n.name) return n.s;
  throw UsageError(fmt::format("unknown cooling schedule '{}'", name));
}

const char* to_string(CoolingSchedule s) {
  for (const auto& n : kNames)
    if (s == n.s) return n.name;
  return "?";
}

bool is_additive(CoolingSchedule s) {
  return s == CoolingSchedule::linear_additive || s == CoolingSchedule::quadratic_additive ||
         s == CoolingSchedule::exponential_additive || s == CoolingSchedule::trigonometric_additive;
}

Cooling::Config Cooling::read(Options& o, const std::string& default_schedule,
                              double default_alpha) {
  Config c;
  c.schedule = parse_cooling_schedule(o.get<std::string>(
      "schedule", default_schedule, "cooling schedule (formulas in docs/optimizers.md)",
      Check::one_of(cooling_schedule_names())));
  c.alpha = o.get<double>("alpha", default_alpha,
                          "decay parameter of the multiplicative schedules: in (0, 1) for "
                          "multiplicative and exponential, > 0 for logarithmic, "
                          "linear_multiplicative and quadratic_multiplicative",
                          Check::positive());
  c.length = o.get<std::int64_t>("schedule_length", 100,
                                 "n: cooling steps (generations) over which an additive schedule "
                                 "goes from the start to the end temperature",
                                 Check::at_least(1));
  return c;
}

Cooling::Problem Cooling::invalid(const Config& c) {
  using S = CoolingSchedule;
  if (!(c.t0 > 0) || !std::isfinite(c.t0)) return {"t0", "the start temperature must be > 0"};
  if ((c.schedule == S::multiplicative || c.schedule == S::exponential) && !(c.alpha < 1.0))
    return {"alpha",
            fmt::format("{} cooling needs alpha < 1, got {}", to_string(c.schedule), c.alpha)};
  if (is_additive(c.schedule)) {
    if (!(c.t_end >= 0.0) || !(c.t_end < c.t0))
      return {
          "t_end",
          fmt::format("{} cooling needs 0 <= end temperature < start temperature, got {} and {}",
                      to_string(c.schedule), c.t_end, c.t0)};
    if (c.schedule == S::exponential_additive && !(c.t0 - c.t_end > 1.0))
      return {"t_end",
              fmt::format("exponential_additive cooling needs start - end temperature > 1 (its "
                          "steepness is 2 ln(T0 - Tn) / n; at a difference <= 1 it does not "
                          "cool), got {}",
                          c.t0 - c.t_end)};
  }
  return {};
}

double Cooling::temperature(std::int64_t k) const {
  using S = CoolingSchedule;
  const double kd = static_cast<double>(std::max<std::int64_t>(k, 0));
  const double n = static_cast<double>(c_.length);
  const double ka = std::min(kd, n);  // additive schedules stay at k = n after n steps
  const double d = c_.t0 - c_.t_end;
  switch (c_.schedule) {
    case S::constant:
      return c_.t0;
    case S::multiplicative:
    case S::exponential:
      return c_.t0 * std::pow(c_.alpha, kd);
    case S::logarithmic:
      return c_.t0 / (1.0 + c_.alpha * std::log1p(kd));
    case S::linear_multiplicative:
      return c_.t0 / (1.0 + c_.alpha * kd);
    case S::quadratic_multiplicative:
      return c_.t0 / (1.0 + c_.alpha * kd * kd);
    case S::linear_additive:
      return c_.t_end + d * (n - ka) / n;
    case S::quadratic_additive: {
      const double r = (n - ka) / n;
      return c_.t_end + d * r * r;
    }
    case S::exponential_additive:
      return c_.t_end + d / (1.0 + std::exp(2.0 * std::log(d) / n * (ka - n / 2.0)));
    case S::trigonometric_additive:
      return c_.t_end + d / 2.0 * (1.0 + std::cos(ka * std::numbers::pi / n));
  }
  return c_.t0;
}

double Cooling::next(double previous, std::int64_t k) const {
  if (c_.schedule == CoolingSchedule::multiplicative) return previous * c_.alpha;
  return temperature(k);
}

}  // namespace l2l
