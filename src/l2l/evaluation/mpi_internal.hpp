#pragma once
// Shared by the MPI job session (mpi_job.cpp) and the mpi evaluator (mpi_evaluator.cpp): message
// tags, polling, the rank-0 bookkeeping of which ranks still run. Only built with MPI.
#ifdef L2L_HAVE_MPI
#include <mpi.h>

#include <memory>
#include <string>

#include "l2l/core/options.hpp"
#include "l2l/evaluation/evaluator.hpp"

namespace l2l::mpi::detail {

// Message tags. Payloads use the wire encoding (l2l/evaluation/wire.hpp).
enum Tag : int {
  tag_config = 101,  // 0 -> r: experiment YAML, config file, --threads, poll interval
  tag_hello = 102,   // r -> 0: ready (pid, host, how many candidates it takes at once)
  tag_error = 103,   // r -> 0: cannot go on (message)
  tag_task = 104,    // 0 -> r: task id and candidates
  tag_result = 105,  // r -> 0: task id and evaluations
  tag_stop = 106,    // 0 -> r: stop now
  tag_bye = 107,     // r -> 0: stopped (sent before MPI_Finalize)
};

void join();
bool joined();
int world_rank();
int world_size();
std::string host_name();

// Sleeps between polls with a growing interval: a few immediate retries first (answers usually
// follow at once), then sleeps doubling from 1 us up to max_sleep. OpenMPI's blocking calls spin at full speed, which
// oversubscribed ranks (and other users of a shared node) cannot afford while waiting.
class Backoff {
 public:
  explicit Backoff(double max_sleep_seconds) : max_ns_(max_sleep_seconds * 1e9) {}
  void pause();
  void reset() {
    spins_ = 0;
    sleep_ns_ = 1000;
  }

 private:
  double max_ns_;
  int spins_ = 0;
  double sleep_ns_ = 1000;
};

// Non-blocking probe for a message from `source` (MPI_ANY_SOURCE allowed) with any tag.
bool probe(int source, MPI_Status& status);
// Receives the message `status` describes.
std::string receive(const MPI_Status& status);
// Blocking send (for messages to rank 0, which always polls).
void send(int dest, int tag, const std::string& bytes);
// Buffered non-blocking send: rank 0 never waits for a busy rank to post its receive.
void post(int dest, int tag, std::string bytes);
// Completes what the posted sends can complete now.
void progress_posts();

// Rank 0: which worker ranks were told to stop and acknowledged it.
void mark_stopped(int rank);
bool all_stopped();
// Rank 0: asks every rank that has not stopped to stop and waits up to `grace` seconds for them
// (draining their results); ranks still busy then are ended with MPI_Abort, printing `why`.
void stop_workers(double grace, const std::string& why);
// The reason printed if stop_workers has to abort the job (the error that ended the run).
void set_abort_reason(const std::string& why);

// The evaluator each rank uses for its share (the mpi evaluator's `local` section, default
// serial), built like a top-level evaluator but nested.
std::unique_ptr<Evaluator> make_local_evaluator(Options& local, EvaluatorContext ctx);

}  // namespace l2l::mpi::detail
#endif
