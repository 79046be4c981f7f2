#pragma once
// The named, typed search space of an optimizee.
//
// Parameters are scalars or arrays, each element with bounds, optionally on a log scale or
// integer-valued. Optimizers see one contiguous vector (`flatten`) and may work in the normalized
// unit cube (`to_unit`/`from_unit`, log-aware) so they never special-case parameter types;
// `repair` maps any vector back into the space (bound policy, integer rounding).
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace l2l {

class Rng;

enum class BoundPolicy { clip, reflect };

BoundPolicy parse_bound_policy(const std::string& name);
const char* to_string(BoundPolicy p);

struct Parameter {
  std::string name;
  std::size_t size = 1;  // 1 for a scalar
  bool is_array = false;
  double lo = 0.0;
  double hi = 1.0;
  bool log_scale = false;
  bool integer = false;
};

// Parameter values by name, as the user and optimizees think of them.
using ParameterValues = std::map<std::string, std::vector<double>>;

class ParameterSpace {
 public:
  ParameterSpace& add_scalar(std::string name, double lo, double hi, bool log_scale = false,
                             bool integer = false);
  ParameterSpace& add_array(std::string name, std::size_t size, double lo, double hi,
                            bool log_scale = false, bool integer = false);

  std::size_t dim() const { return dim_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  const Parameter& parameter(const std::string& name) const;
  // Offset of a parameter's first element in the flat vector.
  std::size_t offset(const std::string& name) const;
  // Flat element names: "x" for scalars, "w[3]" for array elements.
  std::vector<std::string> element_names() const;

  double lower(std::size_t i) const { return lo_[i]; }
  double upper(std::size_t i) const { return hi_[i]; }
  bool is_integer(std::size_t i) const { return integer_[i] != 0; }
  bool is_log(std::size_t i) const { return log_[i] != 0; }
  const std::vector<double>& lower() const { return lo_; }
  const std::vector<double>& upper() const { return hi_; }

  std::vector<double> flatten(const ParameterValues& values) const;
  ParameterValues unflatten(std::span<const double> x) const;
  std::span<const double> view(std::span<const double> x, const std::string& name) const;

  // Maps x into the box with the policy and rounds integer elements. Non-finite elements become
  // the box centre so that an optimizer's NaN never reaches an optimizee.
  void repair(std::span<double> x, BoundPolicy policy) const;
  bool contains(std::span<const double> x) const;

  // Normalized coordinates: 0 at the lower and 1 at the upper bound, logarithmic where asked.
  std::vector<double> to_unit(std::span<const double> x) const;
  std::vector<double> from_unit(std::span<const double> u) const;

  std::vector<double> sample_uniform(Rng& rng) const;  // uniform in unit coordinates
  std::vector<double> center() const;

  nlohmann::json to_json() const;
  static ParameterSpace from_json(const nlohmann::json& j);

 private:
  void check_new(const std::string& name, double lo, double hi, bool log_scale) const;
  std::vector<Parameter> params_;
  std::vector<std::size_t> offsets_;
  std::vector<double> lo_, hi_;
  std::vector<char> integer_, log_;
  std::size_t dim_ = 0;
  bool any_integer_ = false;
};

}  // namespace l2l
