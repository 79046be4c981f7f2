#pragma once
// What the driver offers an optimizee that records runs of its own: the run store and the id of
// the run it evaluates for. Nested experiments (experiment/nested/) record their inner runs as
// child runs this way. The contract lives here, beside the driver, so that the model interface
// (optimizees/optimizee.hpp) knows nothing of stores: a model that implements it is a driver
// feature, not a model.
#include <cstdint>

namespace l2l {

class RunStore;

class RecordsChildRuns {
 public:
  virtual ~RecordsChildRuns() = default;
  // Called before the first generation of the run (and again on resume).
  virtual void attach_store(RunStore& store, std::int64_t run_id) = 0;
};

}  // namespace l2l
