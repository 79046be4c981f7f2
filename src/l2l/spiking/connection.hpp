#pragma once
// How to connect two node ranges: the rule (NEST's conn_spec) and the synapse parameters
// (NEST's syn_spec), with weights and delays constant or drawn from distributions.
//
// Rules (NEST semantics):
//   all_to_all          every pre node to every post node
//   one_to_one          pre[i] -> post[i] (equal sizes)
//   fixed_indegree K    each post node gets K pre nodes drawn uniformly
//   fixed_outdegree K   each pre node gets K post nodes drawn uniformly
//   pairwise_bernoulli  each (pre, post) pair independently with probability p
// allow_autapses = false excludes node -> same node; allow_multapses = false makes the K draws
// of the fixed-degree rules distinct. Every post node (in-degree, all-to-all, one-to-one) or pre
// node (out-degree, Bernoulli) draws from its own random stream derived from the network seed,
// the connect() call's serial number and the node id, so connectivity never depends on threads.
#include <cstdint>
#include <string>
#include <vector>

#include "l2l/core/rng.hpp"

namespace l2l::spiking {

struct Distribution {
  enum class Kind { constant, uniform, normal, lognormal, exponential };
  Kind kind = Kind::constant;
  double a = 0.0;  // constant value; uniform low; normal mean; lognormal mu; exponential mean
  double b = 0.0;  // uniform high; normal sd; lognormal sigma
  // Optional bounds: values outside [lo, hi] are redrawn (NEST's redraw parameter).
  double lo = -1e300;
  double hi = 1e300;

  static Distribution constant(double v) { return {Kind::constant, v, 0.0}; }
  static Distribution uniform(double low, double high) { return {Kind::uniform, low, high}; }
  static Distribution normal(double mean, double sd) { return {Kind::normal, mean, sd}; }
  static Distribution lognormal(double mu, double sigma) { return {Kind::lognormal, mu, sigma}; }
  static Distribution exponential(double mean) { return {Kind::exponential, mean, 0.0}; }
  Distribution& bounded(double low, double high) {
    lo = low;
    hi = high;
    return *this;
  }

  bool is_constant() const { return kind == Kind::constant; }
  double sample(Rng& rng) const;
  void validate(const std::string& what) const;
};

enum class Rule { all_to_all, one_to_one, fixed_indegree, fixed_outdegree, pairwise_bernoulli };
Rule parse_rule(const std::string& name);
const char* to_string(Rule r);

struct ConnSpec {
  Rule rule = Rule::all_to_all;
  std::uint64_t degree = 0;  // K of the fixed-degree rules
  double p = 0.0;            // pairwise_bernoulli probability
  bool allow_autapses = true;
  bool allow_multapses = true;

  static ConnSpec all_to_all() { return {}; }
  static ConnSpec one_to_one() { return {Rule::one_to_one}; }
  static ConnSpec fixed_indegree(std::uint64_t k) { return {Rule::fixed_indegree, k}; }
  static ConnSpec fixed_outdegree(std::uint64_t k) { return {Rule::fixed_outdegree, k}; }
  static ConnSpec pairwise_bernoulli(double p) { return {Rule::pairwise_bernoulli, 0, p}; }
  ConnSpec& autapses(bool allow) {
    allow_autapses = allow;
    return *this;
  }
  ConnSpec& multapses(bool allow) {
    allow_multapses = allow;
    return *this;
  }
};

// Spike-timing-dependent plasticity of NEST's stdp_synapse (Guetig et al. 2003; Morrison et al.
// 2008): with weights normalized by w_max, a pre spike at t first potentiates by
//   w <- min(1, w + lambda (1 - w)^mu_plus K_plus(t_post + d))  for every post spike since the
// previous pre spike (K_plus: the pre-synaptic trace, decaying with tau_plus, +1 per pre spike),
// then depresses by
//   w <- max(0, w - alpha lambda w^mu_minus K_minus(t - d))
// (K_minus: the post-synaptic trace with tau_minus, +1 per post spike, strictly before t - d),
// and the spike is transmitted with the new weight. The whole delay d counts as dendritic, as in
// NEST. Weights must be >= 0 and w_max > 0.
struct StdpParams {
  double tau_plus = 20.0;   // ms
  double tau_minus = 20.0;  // ms (a property of the post neuron in NEST)
  double lambda = 0.01;
  double alpha = 1.0;
  double mu_plus = 1.0;
  double mu_minus = 1.0;
  double w_max = 100.0;
  void validate() const;
};

struct SynSpec {
  Distribution weight = Distribution::constant(1.0);  // pA, mV or nS depending on the target model
  Distribution delay = Distribution::constant(1.0);   // ms, rounded to whole steps (>= 1 step)
  bool stdp = false;  // static_synapse (false) or stdp_synapse (true)
  StdpParams plasticity;

  SynSpec() = default;
  SynSpec(double w, double d)
      : weight(Distribution::constant(w)), delay(Distribution::constant(d)) {}
  SynSpec(Distribution w, Distribution d) : weight(w), delay(d) {}
  SynSpec& with_stdp(const StdpParams& params) {
    stdp = true;
    plasticity = params;
    return *this;
  }
};

// The synapses of one projection in the order the rule created them.
struct Connections {
  std::vector<std::uint32_t> pre;
  std::vector<std::uint32_t> post;
  std::vector<double> weight;
  std::vector<double> delay;  // ms
  std::size_t size() const { return pre.size(); }
};

}  // namespace l2l::spiking
