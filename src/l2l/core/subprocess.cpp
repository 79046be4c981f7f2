#include "l2l/core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "l2l/core/pipe_io.hpp"

extern char** environ;

namespace l2l {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::pair<UniqueFd, UniqueFd> make_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0)
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

std::pair<UniqueFd, UniqueFd> make_socketpair() {
  int p[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0)
    throw std::runtime_error(fmt::format("socketpair: {}", std::strerror(errno)));
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

namespace {

std::string search_path(const std::string& name, const std::string& path_var) {
  if (name.find('/') != std::string::npos) return name;
  std::size_t start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    const std::string dir = end > start ? path_var.substr(start, end - start) : std::string(".");
    const std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate))
      return candidate;
    start = end + 1;
  }
  throw SpawnError(fmt::format("'{}' not found in PATH ({})", name, path_var));
}

// Stages of the child's set-up, reported back through the error pipe.
enum ChildStage : int { stage_chdir = 1, stage_rlimit = 2, stage_exec = 3, stage_fds = 4 };

[[noreturn]] void child_fail(int errfd, int stage) {
  const int msg[2] = {stage, errno};
  [[maybe_unused]] auto n = ::write(errfd, msg, sizeof msg);
  ::_exit(127);
}

}  // namespace

pid_t spawn_process(const SpawnSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) throw SpawnError("empty command");

  // Everything the child needs is prepared here: after fork() in a multi-threaded process only
  // async-signal-safe calls are allowed, so the child must not allocate.
  std::map<std::string, std::string> envmap;
  if (spec.inherit_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string_view kv(*e);
      const auto eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view key = kv.substr(0, eq);
      bool dropped = false;
      for (const auto& prefix : spec.drop_env_prefixes)
        dropped = dropped || key.substr(0, prefix.size()) == prefix;
      if (!dropped) envmap.emplace(std::string(key), std::string(kv.substr(eq + 1)));
    }
  }
  for (const auto& [k, v] : spec.env) envmap[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : envmap) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const auto path_it = envmap.find("PATH");
  const std::string program =
      search_path(spec.program.empty() ? spec.argv[0] : spec.program,
                  path_it != envmap.end() ? path_it->second : "/usr/local/bin:/usr/bin:/bin");
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  if (!spec.cwd.empty() && !std::filesystem::is_directory(spec.cwd))
    throw SpawnError(fmt::format("working directory '{}' does not exist", spec.cwd));

  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!devnull) throw SpawnError(fmt::format("/dev/null: {}", std::strerror(errno)));
  auto [err_read, err_write] = make_pipe();

  int max_target = 2;
  for (const auto& [child_fd, _] : spec.fds) max_target = std::max(max_target, child_fd);
  std::vector<int> temps(spec.fds.size(), -1);
  const pid_t parent = ::getpid();
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(spec.address_space_limit);

  const pid_t pid = ::fork();
  if (pid < 0) throw SpawnError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    int errfd = err_write.get();
    if (spec.own_process_group) ::setpgid(0, 0);
    if (spec.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s)
      if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    // Move every source above the targets first, so mappings cannot overwrite each other.
    errfd = ::fcntl(errfd, F_DUPFD_CLOEXEC, max_target + 1);
    if (errfd < 0) ::_exit(127);
    for (std::size_t i = 0; i < spec.fds.size(); ++i) {
      temps[i] = ::fcntl(spec.fds[i].second, F_DUPFD_CLOEXEC, max_target + 1);
      if (temps[i] < 0) child_fail(errfd, stage_fds);
    }
    bool mapped[3] = {false, false, false};
    for (std::size_t i = 0; i < spec.fds.size(); ++i) {
      if (::dup2(temps[i], spec.fds[i].first) < 0) child_fail(errfd, stage_fds);
      if (spec.fds[i].first <= 2) mapped[spec.fds[i].first] = true;
    }
    for (int s = 0; s <= 2; ++s)
      if (!mapped[s] && ::dup2(devnull.get(), s) < 0) child_fail(errfd, stage_fds);
    // Everything above the targets closes at exec (errfd stays usable until then).
    if (::close_range(static_cast<unsigned>(max_target + 1), ~0u, CLOSE_RANGE_CLOEXEC) != 0) {
      for (int fd = max_target + 1; fd < 4096; ++fd)
        if (fd != errfd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    if (cwd && ::chdir(cwd) != 0) child_fail(errfd, stage_chdir);
    if (limit.rlim_cur > 0 && ::setrlimit(RLIMIT_AS, &limit) != 0) child_fail(errfd, stage_rlimit);
    ::execve(program.c_str(), argv.data(), envp.data());
    child_fail(errfd, stage_exec);
  }

  err_write.reset();
  int msg[2] = {0, 0};
  ssize_t got;
  do {
    got = ::read(err_read.get(), msg, sizeof msg);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof msg)) {
    wait_process(pid);
    const char* what = msg[0] == stage_chdir    ? "cannot enter the working directory"
                       : msg[0] == stage_rlimit ? "cannot set the memory limit"
                       : msg[0] == stage_fds    ? "cannot set up file descriptors"
                                                : "cannot execute";
    throw SpawnError(fmt::format("{} '{}': {}", what, msg[0] == stage_chdir ? spec.cwd : program,
                                 std::strerror(msg[1])));
  }
  return pid;
}

int wait_process(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 0;
  }
  return status;
}

std::optional<int> try_wait_process(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return status;
  if (r < 0) return 0;  // not our child any more (already reaped): report as ended
  return std::nullopt;
}

bool has_exited(pid_t pid) {
  siginfo_t info{};
  int r;
  do {
    r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return true;  // not our child (already reaped)
  return info.si_pid == pid;
}

void kill_process_tree(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    const char* desc = ::sigdescr_np(sig);
    return fmt::format("signal SIG{} ({}){}", abbrev ? abbrev : std::to_string(sig).c_str(),
                       desc ? desc : "?", WCOREDUMP(status) ? ", core dumped" : "");
  }
  return fmt::format("wait status {}", status);
}

bool exited_normally(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void OutputTail::append(const char* data, std::size_t n) {
  buf_.append(data, n);
  if (buf_.size() > 2 * capacity_ + 4096) {
    const auto drop = buf_.size() - capacity_;
    buf_.erase(0, drop);
    dropped_ += drop;
  }
}

std::string OutputTail::text() const {
  std::string_view v(buf_);
  std::size_t dropped = dropped_;
  if (v.size() > capacity_) {
    dropped += v.size() - capacity_;
    v.remove_prefix(v.size() - capacity_);
  }
  std::string out;
  if (dropped > 0) out = fmt::format("[... {} bytes omitted] ", dropped);
  out += printable(v, capacity_);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string printable(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  const std::size_t n = std::min(bytes.size(), max_bytes);
  for (std::size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // A complete UTF-8 sequence is kept as is.
    std::size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (c >= 0xf5) len = 0;
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(bytes[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  if (bytes.size() > n) out += fmt::format(" [... {} more bytes]", bytes.size() - n);
  return out;
}

long write_no_sigpipe(int fd, const void* data, std::size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t r = ::write(fd, data, n);
  const int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return r;
}

ProcessResult run_process(const SpawnSpec& spec_in, const std::string& input,
                          double timeout_seconds, std::size_t max_output, std::size_t stderr_tail) {
  using clock = std::chrono::steady_clock;
  SpawnSpec spec = spec_in;
  auto [in_read, in_write] = make_pipe();
  auto [out_read, out_write] = make_pipe();
  auto [err_read, err_write] = make_pipe();
  spec.fds = {{0, in_read.get()}, {1, out_write.get()}, {2, err_write.get()}};
  const auto t0 = clock::now();
  ProcessResult res;
  const pid_t pid = spawn_process(spec);
  in_read.reset();
  out_write.reset();
  err_write.reset();
  set_nonblocking(in_write.get());
  set_nonblocking(out_read.get());
  set_nonblocking(err_read.get());
  if (input.empty()) in_write.reset();

  OutputTail tail(stderr_tail);
  std::size_t written = 0;
  const auto deadline = timeout_seconds > 0
                            ? t0 + std::chrono::duration_cast<clock::duration>(
                                       std::chrono::duration<double>(timeout_seconds))
                            : clock::time_point::max();
  auto take_output = [&](const char* data, std::size_t n) {
    if (res.output.size() + n > max_output) {
      res.output_overflow = true;
      return false;
    }
    res.output.append(data, n);
    return true;
  };
  auto drain_output = [&] {
    if (read_available(out_read.get(), take_output) == ReadEnd::closed) out_read.reset();
  };

  while ((out_read || err_read) && !res.output_overflow) {
    if (clock::now() >= deadline) {
      res.timed_out = true;
      break;
    }
    std::vector<pollfd> fds;
    if (in_write) fds.push_back({in_write.get(), POLLOUT, 0});
    if (out_read) fds.push_back({out_read.get(), POLLIN, 0});
    if (err_read) fds.push_back({err_read.get(), POLLIN, 0});
    // The program may leave a background process holding its pipes open: once the program itself
    // has ended, its output is complete, so poll with a short period to notice that.
    const int n = poll_until(fds, deadline, 100);
    if (n < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (in_write && p.fd == in_write.get()) {
        if ((p.revents & (POLLERR | POLLHUP)) || !write_available(p.fd, input, written) ||
            written == input.size())
          in_write.reset();
      } else if (out_read && p.fd == out_read.get()) {
        drain_output();
      } else if (err_read && p.fd == err_read.get()) {
        drain_into(err_read, tail);
      }
    }
    if (has_exited(pid)) {
      if (out_read) drain_output();
      if (err_read) drain_into(err_read, tail);
      break;
    }
  }
  // Whatever is left of the program's process group goes with it. The program is reaped only
  // after the kill, so its pid (the group id) cannot have been reused meanwhile.
  kill_process_tree(pid);
  res.status = wait_process(pid);
  res.error_tail = tail.text();
  res.seconds = std::chrono::duration<double>(clock::now() - t0).count();
  return res;
}

}  // namespace l2l
