#pragma once
// `l2l show --follow`: the progress of a run, read from its store while another process writes it.
// Polls the store (WAL readers never block the writer) and prints one line per new generation
// until the run's status is no longer `running`. A run whose writer died (SIGKILL, power loss)
// keeps status `running` forever; the writer's lock file names its pid, so a vanished writer on
// this host ends the follow with status "killed".
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace l2l::report {

struct FollowOptions {
  double interval = 2.0;      // seconds between polls
  std::int64_t run = 0;       // 0: the top-level run
  double wait_seconds = 0.0;  // how long to wait for the store or its first run to appear
};

struct FollowResult {
  std::string status;  // finished, failed, interrupted, or killed (writer vanished)
  std::int64_t generations = 0;
};

// `sleep` is called between polls with the interval (tests pass a fake); returning false stops
// following early (status as last read).
FollowResult follow_run(const std::string& path, const FollowOptions& options, std::ostream& out,
                        const std::function<bool(double)>& sleep = {});

// True if the store's writer lock names a process on this host that no longer exists.
bool writer_vanished(const std::string& store_path);

}  // namespace l2l::report
