#pragma once
// Binding outer parameters into an inner experiment configuration.
//
// Any scalar of the inner configuration may be, or contain, `${outer.NAME}`; `bind:` entries
// (inner key path -> value) add such placeholders at paths the inner file does not have. Every
// placeholder must name a declared outer parameter and every declared parameter must be used,
// so a misspelling on either side is an error naming the key path.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "l2l/core/parameter_space.hpp"

namespace l2l {

struct Placeholder {
  std::string inner_path;  // e.g. "optimizer.ensemble_size"
  std::string name;        // outer parameter name
};

// All `${outer.NAME}` occurrences in the tree (document order).
std::vector<Placeholder> find_placeholders(const YAML::Node& root);

// A deep copy of `root` with every placeholder replaced by the outer value (integers print as
// integers; a placeholder that is the whole scalar becomes a number, one inside text is spliced).
YAML::Node substitute(const YAML::Node& root, const std::map<std::string, double>& values);

// Formats a parameter value for YAML: integers without a decimal point, reals round-trip exactly.
std::string format_value(double v, bool integer);

}  // namespace l2l
