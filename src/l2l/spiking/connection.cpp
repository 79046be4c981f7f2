#include "l2l/spiking/connection.hpp"

#include <cmath>
#include <stdexcept>

namespace l2l::spiking {

double Distribution::sample(Rng& rng) const {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    double v = a;
    switch (kind) {
      case Kind::constant:
        return a;
      case Kind::uniform:
        v = rng.uniform(a, b);
        break;
      case Kind::normal:
        v = rng.normal(a, b);
        break;
      case Kind::lognormal:
        v = std::exp(rng.normal(a, b));
        break;
      case Kind::exponential:
        v = rng.exponential(1.0 / a);
        break;
    }
    if (v >= lo && v <= hi) return v;
  }
  throw std::runtime_error("distribution: 1000 redraws did not fall into the bounds");
}

void Distribution::validate(const std::string& what) const {
  auto bad = [&](const char* why) { throw std::invalid_argument(what + ": " + why); };
  if (!std::isfinite(a)) bad("parameter is not finite");
  switch (kind) {
    case Kind::constant:
      break;
    case Kind::uniform:
      if (!(b >= a)) bad("uniform needs high >= low");
      break;
    case Kind::normal:
    case Kind::lognormal:
      if (!(b >= 0)) bad("standard deviation must be >= 0");
      break;
    case Kind::exponential:
      if (!(a > 0)) bad("exponential mean must be > 0");
      break;
  }
  if (!(hi >= lo)) bad("bounds must satisfy lo <= hi");
}

void StdpParams::validate() const {
  if (!(tau_plus > 0 && tau_minus > 0))
    throw std::invalid_argument("stdp: time constants must be > 0");
  if (!(lambda >= 0 && alpha >= 0))
    throw std::invalid_argument("stdp: lambda and alpha must be >= 0");
  if (!(w_max > 0)) throw std::invalid_argument("stdp: w_max must be > 0");
}

Rule parse_rule(const std::string& name) {
  if (name == "all_to_all") return Rule::all_to_all;
  if (name == "one_to_one") return Rule::one_to_one;
  if (name == "fixed_indegree") return Rule::fixed_indegree;
  if (name == "fixed_outdegree") return Rule::fixed_outdegree;
  if (name == "pairwise_bernoulli") return Rule::pairwise_bernoulli;
  throw std::invalid_argument("unknown connection rule '" + name + "'");
}

const char* to_string(Rule r) {
  switch (r) {
    case Rule::all_to_all:
      return "all_to_all";
    case Rule::one_to_one:
      return "one_to_one";
    case Rule::fixed_indegree:
      return "fixed_indegree";
    case Rule::fixed_outdegree:
      return "fixed_outdegree";
    case Rule::pairwise_bernoulli:
      return "pairwise_bernoulli";
  }
  return "?";
}

}  // namespace l2l::spiking
