#pragma once
// Membership of an l2l process in an MPI job started by `mpirun -n N l2l run ...` or
// `srun l2l run ...`.
//
// Every rank runs the same command. Rank 0 runs the driver: the optimizer, the only run store
// writer, the progress output. The other ranks only evaluate: they wait for rank 0 to send the
// experiment, rebuild the optimizee from it, and evaluate candidates from rank 0's work queue
// until rank 0 tells them to stop (see the `mpi` evaluator). They never open the store.
//
// The CLI's run/resume commands open an mpi::Session first; on ranks other than 0 they then call
// serve() instead of building an Experiment.
#include <string>

namespace l2l::mpi {

// Whether this l2l was built with MPI (cmake/mpi.cmake found it).
bool built_with_mpi();
// Whether an MPI launcher started this process (OpenMPI, PMI or PMIx environment variables).
bool launched();
// Ranks in the job: MPI's count once joined, else what the launcher announced, else 1.
int job_size();
int rank();  // 0 unless joined

// The command-line scope of a run inside an MPI job. Joins the job (MPI_Init) when a launcher
// started this process; on rank 0 its destructor stops ranks that are still waiting (when the run
// ended before the mpi evaluator used them) and finalizes MPI.
class Session {
 public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // This process is a rank other than 0: it must serve() instead of driving a run.
  bool serves() const;
  // Evaluates for rank 0 until it says stop; returns the process exit code.
  int serve();
};

}  // namespace l2l::mpi
