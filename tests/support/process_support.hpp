#pragma once
// Helpers for tests that start l2l (or mpirun) as a child process and watch what it leaves
// behind: spawning with captured output, descendants of a process, waiting for them to vanish.
#include <dirent.h>
#include <fcntl.h>
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

#include "l2l/storage/run_store.hpp"

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

// Starts argv[0] (a path) in its own process group with stdout/stderr to files.
inline pid_t start_process(const std::vector<std::string>& args, const std::string& out,
                           const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, copy[0].c_str(), &fa, &attr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
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

inline std::int64_t count_generations(const std::string& path) {
  if (!std::filesystem::exists(path)) return 0;
  try {
    auto store = RunStore::open_reader(path);
    auto st = store->db().prepare("SELECT count(*) FROM generations");
    st.step();
    return st.get_int(0);
  } catch (...) {
    return 0;
  }
}

// The evaluations of a store as comparable text rows (everything that must not depend on the
// evaluator: generation, index, parameters, fitness, status, seed).
inline std::vector<std::string> evaluation_rows(const std::string& path) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare(
      "SELECT generation, idx, params, fitness, weighted, status, seed FROM evaluations "
      "ORDER BY generation, idx");
  std::vector<std::string> out;
  while (st.step()) {
    std::string row;
    for (int c = 0; c < 7; ++c) row += st.get_text(c) + "|";
    out.push_back(row);
  }
  return out;
}

inline std::vector<std::string> column(const std::string& path, const std::string& sql) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare(sql);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.get_text(0));
  return out;
}

}  // namespace l2l::testing
