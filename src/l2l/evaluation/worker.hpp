#pragma once
// The evaluating side of out-of-process evaluators: worker processes of the `processes` evaluator
// (the hidden `l2l worker` subcommand) and the non-root ranks of an MPI job. Both rebuild the
// optimizee from the experiment's resolved YAML exactly as the driver does, so an evaluation
// gives the same result wherever it runs.
#include <cstdint>
#include <memory>
#include <string>

#include "l2l/core/process_role.hpp"  // in_worker_process(), set by the serving side
#include "l2l/optimizees/optimizee.hpp"

namespace l2l {

// The optimizee of an experiment, built as the Experiment builds it (same seed and context).
std::unique_ptr<Optimizee> build_optimizee(const std::string& experiment_yaml,
                                           const std::string& config_file, int threads = 1);

// The executable that implements `l2l worker`. The l2l tool registers itself (/proc/self/exe);
// other programs (tests, benchmarks) set the evaluator's `executable` option or L2L_WORKER_EXE.
void set_worker_executable(std::string path);
std::string worker_executable();

// Message types of the worker protocol (wire frames over a socket).
namespace worker_message {
constexpr std::uint8_t init = 1;    // driver -> worker: experiment YAML, config file, threads
constexpr std::uint8_t hello = 2;   // worker -> driver: ready (pid)
constexpr std::uint8_t error = 3;   // worker -> driver: cannot go on (message)
constexpr std::uint8_t task = 4;    // driver -> worker: candidates
constexpr std::uint8_t result = 5;  // worker -> driver: their evaluations
}  // namespace worker_message

// Serves a process evaluator on the socket `fd` until it is closed; returns the exit code.
int serve_process_worker(int fd);

}  // namespace l2l
