#pragma once
// Helpers for tests that start l2l (or mpirun) as a child process and watch what it leaves
// behind: spawning with captured output, descendants of a process, waiting for them to vanish.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

extern char** environ;

namespace l2l::testing {

struct ProcessOutcome {
  int code = -1;  // exit status, or 128 + signal
  std::string out, err;
};

inline std::string slurp_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// How a child starts. `detached`: in its own process group with stdin from /dev/null, so a
// test can signal the whole tree (mpirun and its ranks) and no child reads the terminal.
// `attached`: in the test's group with its stdin, like a command typed in a shell.
enum class Spawn { detached, attached };

// Starts args[0] (a path) with stdout/stderr to the files `out` and `err`; sets `pid` and
// returns posix_spawn's result (0 on success, else an errno value).
inline int spawn_child(const std::vector<std::string>& args, const std::string& out,
                       const std::string& err, Spawn how, pid_t& pid) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (how == Spawn::detached) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (how == Spawn::detached) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid, copy[0].c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return rc;
}

// Starts argv[0] (a path) detached with stdout/stderr to files; -1 if it could not start.
inline pid_t start_process(const std::vector<std::string>& args, const std::string& out,
                           const std::string& err) {
  pid_t pid = -1;
  return spawn_child(args, out, err, Spawn::detached, pid) == 0 ? pid : -1;
}

// Starts the l2l binary under test with `args` (after argv[0]), attached, stdout/stderr to
// files; a failed start fails the test.
inline pid_t start_l2l(const std::vector<std::string>& args, const std::string& out,
                       const std::string& err) {
  std::vector<std::string> full = {L2L_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = 0;
  EXPECT_EQ(spawn_child(full, out, err, Spawn::attached, pid), 0);
  return pid;
}

inline int wait_exit_code(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

inline ProcessOutcome run_to_end(const std::vector<std::string>& args, const std::string& dir) {
  ProcessOutcome r;
  const auto out = dir + "/stdout.txt", err = dir + "/stderr.txt";
  const pid_t pid = start_process(args, out, err);
  if (pid < 0) return r;
  r.code = wait_exit_code(pid);
  r.out = slurp_file(out);
  r.err = slurp_file(err);
  return r;
}

// Parent pid of a process from /proc (-1 if gone).
inline pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(in, s);
  const auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  char state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  if (state == 'Z') return -1;  // a zombie is as good as gone
  return ppid;
}

// Every live descendant of `root` (children, grandchildren...).
inline std::set<pid_t> descendants(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> procs;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      const pid_t pid = std::atoi(e->d_name);
      if (pid <= 0) continue;
      const pid_t ppid = parent_of(pid);
      if (ppid > 0) procs.emplace_back(pid, ppid);
    }
    closedir(d);
  }
  std::set<pid_t> out{root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, ppid] : procs)
      if (out.count(ppid) && !out.count(pid)) grew = out.insert(pid).second;
  }
  out.erase(root);
  return out;
}

inline bool alive(pid_t pid) {
  return parent_of(pid) > 0;
}

// Waits (polling, up to `seconds`) until none of `pids` is alive; returns the survivors.
inline std::set<pid_t> wait_gone(const std::set<pid_t>& pids, double seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::set<pid_t> left = pids;
  while (!left.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto it = left.begin(); it != left.end();)
      it = alive(*it) ? std::next(it) : left.erase(it);
    if (!left.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return left;
}

// Runs the l2l binary with `args` to the end, its output kept in `tag`.out and `tag`.err under
// `dir`; commands that run at the same time (a `show --follow` beside its `run`) need their
// own tags so that they do not write into each other's files.
inline ProcessOutcome run_l2l(const TempDir& dir, const std::vector<std::string>& args,
                              const std::string& tag = "cmd") {
  ProcessOutcome r;
  const auto out = dir.file(tag + ".out"), err = dir.file(tag + ".err");
  r.code = wait_exit_code(start_l2l(args, out, err));
  r.out = slurp_file(out);
  r.err = slurp_file(err);
  return r;
}

}  // namespace l2l::testing
