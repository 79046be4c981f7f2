#pragma once
// Python objects as l2l optimizees.
//
// The engine builds optimizees from configuration sections by type name, so a Python object is
// handed over as a handle: the module keeps a table handle -> object, the experiment's
// configuration names `optimizee: {type: python, object: <handle>}`, and the `python` optimizee
// (registered by this module, so only known inside a Python process) looks the object up. The
// engine runs with the GIL released; every call into Python takes it back, so with the threads
// evaluator Python optimizees run one at a time.
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "l2l/core/candidate.hpp"
#include "l2l/core/evaluation.hpp"
#include "l2l/core/parameter_space.hpp"

namespace l2l::python {

// A Python optimizee as registered from Python: the object and what was read from it once.
struct RegisteredOptimizee {
  pybind11::object object;
  ParameterSpace space;
  std::vector<std::string> objectives;
  std::vector<double> weights;
};

// Registration (GIL held by the caller).
std::int64_t register_optimizee(RegisteredOptimizee r);
void unregister_optimizee(std::int64_t handle);

// What evaluate(params, context) receives as its context.
struct EvaluationContext {
  std::int64_t generation = 0;
  std::int64_t index = 0;
  std::uint64_t seed = 0;
  std::int64_t batch = -1;
  std::string phase = "train";
};

// One call of `object.evaluate(params, context)`; the GIL must be held. Exceptions become failed
// evaluations with the formatted traceback as the reason.
Evaluation call_evaluate(const pybind11::object& object, const ParameterSpace& space,
                         const Candidate& candidate);

// Builds a ParameterSpace from normalized entries (name, size, is_array, lo, hi, log, integer).
ParameterSpace space_from_entries(const pybind11::list& entries);

void bind_optimizee(pybind11::module_& m);

}  // namespace l2l::python
