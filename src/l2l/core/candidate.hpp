#pragma once
#include <cstdint>
#include <vector>

namespace l2l {

// Why a candidate is evaluated: optimization proper, or a held-out test of the optimizer's current
// estimate (for example the EnKF ensemble mean's test accuracy).
enum class Phase : std::int8_t { train = 0, test = 1 };

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
