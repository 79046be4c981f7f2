#pragma once
// The non-blocking pipe and socket work that every supervisor of a child process does: write
// what the child's input takes now, read what its output holds now, keep the tail of its stderr,
// and wait for any of these until a deadline. run_process (one-shot programs), the external
// optimizee's JSON-lines workers and the process evaluator's workers all pump their children
// through these functions, so EINTR, EAGAIN, EPIPE and end-of-file are handled in one place.
#include <poll.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "l2l/core/subprocess.hpp"

namespace l2l {

// Writes as much of data[written...] as `fd` takes without blocking and advances `written`.
// Returns false when the reader is gone or the write failed otherwise (never raises SIGPIPE).
bool write_available(int fd, std::string_view data, std::size_t& written);

enum class ReadEnd {
  drained,  // nothing more to read now (EAGAIN)
  closed,   // end of file: the writer closed its end
  stopped,  // `consume` returned false
  failed,   // a read error other than EAGAIN/EINTR
};
// Reads everything `fd` holds now in chunks and hands each to `consume` (which returns false to
// stop reading, e.g. when a size limit is passed).
ReadEnd read_available(int fd, const std::function<bool(const char*, std::size_t)>& consume);

// read_available into the tail of a stream (a child's stderr); resets `fd` at its end, so that
// it drops out of the next poll.
ReadEnd drain_into(UniqueFd& fd, OutputTail& tail);

// poll() until an event or the deadline, waiting at most max_wait_ms (-1: no cap);
// time_point::max() means no deadline, and a deadline already passed still polls, without
// waiting, so that ready events are not lost. Returns poll's result; -1 with errno EINTR is for
// the caller to go round again.
int poll_until(std::vector<pollfd>& fds, std::chrono::steady_clock::time_point deadline,
               int max_wait_ms);

}  // namespace l2l
