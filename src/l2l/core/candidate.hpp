#pragma once
#include <cstdint>
#include <vector>

namespace l2l {

// Why a candidate is evaluated: optimization proper; monitoring the optimizer's current estimate
// on held-out data the run may look at and choose by (validation, experiment.test_every); or the
// final number, on data nothing in the run has seen or chosen by (test, once at the end).
// Optimizees without held-out data evaluate every phase alike.
enum class Phase : std::int8_t { train = 0, test = 1, validation = 2 };
inline const char* to_string(Phase p) {
  return p == Phase::test ? "test" : (p == Phase::validation ? "validation" : "train");
}

// One parameter set proposed by an optimizer ("individual" in L2L).
struct Candidate {
  std::int64_t generation = 0;
  std::int64_t index = 0;   // position in the generation's batch; -1 for test-phase evaluations
  std::uint64_t seed = 0;   // the evaluation's own random stream, see stream_seed()
  std::int64_t batch = -1;  // data mini-batch chosen by the optimizer, -1 when not data-driven
  Phase phase = Phase::train;
  std::vector<double> params;  // flat, in the optimizee's ParameterSpace order
};

}  // namespace l2l
