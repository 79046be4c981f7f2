#pragma once
// Whether this process evaluates for a driver that lives in another process (worker processes of
// the `processes` evaluator, MPI ranks other than 0). Set by the evaluators' worker side; read by
// testing optimizees that must never crash the driver itself (optimizees/fault.cpp). It lives in
// core so that models can ask without reaching the evaluation layer.
namespace l2l {

bool in_worker_process();
void set_in_worker_process();

}  // namespace l2l
