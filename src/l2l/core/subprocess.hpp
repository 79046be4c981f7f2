#pragma once
// Starting and supervising child processes without a shell: worker processes of the process
// evaluator and the user programs of the external optimizee.
//
// Children get their own process group (so a timeout kills the program and everything it started),
// die with the thread that started them (PR_SET_PDEATHSIG), start with default signal handling,
// and inherit no file descriptor except the ones asked for. Note that PR_SET_PDEATHSIG fires when
// the *thread* that forked exits, so long-lived children must be started from long-lived threads.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace l2l {

// A file descriptor closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// Close-on-exec pipe: {read end, write end}.
std::pair<UniqueFd, UniqueFd> make_pipe();
// Close-on-exec bidirectional stream socket pair.
std::pair<UniqueFd, UniqueFd> make_socketpair();
void set_nonblocking(int fd);

// Could not start the program (not found, not executable, bad working directory...).
class SpawnError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is the program; without a '/' it is searched in PATH
  std::string program;            // the file to execute when it differs from argv[0]
  std::string cwd;                // working directory; empty: the parent's
  bool inherit_env = true;        // start from the parent's environment
  std::map<std::string, std::string> env;  // variables to set (after inheriting)
  // (child fd, parent fd): descriptors the child gets. Standard descriptors not listed are
  // connected to /dev/null; every other descriptor is closed.
  std::vector<std::pair<int, int>> fds;
  // Variables with these prefixes are not inherited (by default the MPI launcher's, so that a
  // child never mistakes itself for a rank of l2l's MPI job).
  std::vector<std::string> drop_env_prefixes{"OMPI_", "PMIX_", "PMI_"};
  bool own_process_group = true;
  bool die_with_parent = true;
  std::uint64_t address_space_limit = 0;  // bytes (RLIMIT_AS); 0: unlimited
};

// Starts the program and returns its pid; throws SpawnError when it cannot be executed.
pid_t spawn_process(const SpawnSpec& spec);

// Blocks until the child ends and returns its wait status.
int wait_process(pid_t pid);
// The wait status if the child has ended, without blocking.
std::optional<int> try_wait_process(pid_t pid);
// Whether the child has ended, without reaping it (its pid stays reserved until wait_process).
bool has_exited(pid_t pid);
// SIGKILL to the child's process group (and the child itself). Call it before reaping the child.
void kill_process_tree(pid_t pid);

// "exit status 3", "signal SIGSEGV (Segmentation fault)".
std::string describe_wait_status(int status);
bool exited_normally(int status);

// The last `capacity` bytes of a stream (stderr of a worker or program).
class OutputTail {
 public:
  explicit OutputTail(std::size_t capacity = 4096) : capacity_(capacity) {}
  void append(const char* data, std::size_t n);
  void clear() {
    buf_.clear();
    dropped_ = 0;
  }
  std::size_t total() const { return dropped_ + buf_.size(); }
  // The tail as printable text: invalid bytes escaped, "[... N bytes omitted]" when truncated.
  std::string text() const;

 private:
  std::size_t capacity_;
  std::string buf_;
  std::size_t dropped_ = 0;
};

// write() that returns -1 with EPIPE instead of raising SIGPIPE when the reader is gone.
long write_no_sigpipe(int fd, const void* data, std::size_t n);

// Makes bytes safe to show in a one-line reason or a terminal: printable ASCII and UTF-8 kept,
// control characters and invalid bytes as \xNN.
std::string printable(std::string_view bytes, std::size_t max_bytes = 4096);

// Runs a program to completion, feeding `input` to its stdin and collecting stdout (up to
// max_output bytes) and the tail of stderr. On timeout or oversize output the process group is
// killed. Interrupts (EINTR) are retried, so the first Ctrl-C lets the program finish.
struct ProcessResult {
  int status = 0;  // wait status
  bool timed_out = false;
  bool output_overflow = false;
  std::string output;  // stdout
  std::string error_tail;
  double seconds = 0;
};
ProcessResult run_process(const SpawnSpec& spec, const std::string& input, double timeout_seconds,
                          std::size_t max_output, std::size_t stderr_tail);

}  // namespace l2l
