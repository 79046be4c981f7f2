// Evaluates candidates in a pool of worker processes: each worker is the l2l executable itself
// (`l2l worker`), rebuilt from the experiment's YAML, talking to the driver over a socket.
//
// A crash, abort or exit of the model costs the evaluation it was running (reason: the signal or
// exit status and the tail of the worker's output), never the run; a per-evaluation timeout kills
// the worker's whole process group; an optional address-space limit contains leaks; failed
// workers are replaced. Worker processes have their own process group (a terminal's Ctrl-C reaches
// only the driver, which finishes the generation) and die with the driver (PR_SET_PDEATHSIG).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <thread>

#include <fmt/format.h>

#include "l2l/core/pipe_io.hpp"
#include "l2l/core/subprocess.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/wire.hpp"
#include "l2l/evaluation/worker.hpp"

namespace l2l {
namespace {

using clock_type = std::chrono::steady_clock;

clock_type::duration seconds_to_duration(double s) {
  return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
}

class ProcessEvaluator final : public Evaluator {
 public:
  struct Config {
    int workers = 0;
    double timeout = 0;
    double startup_timeout = 60;
    std::int64_t memory_limit_mb = 0;
    int retries = 0;
    std::int64_t restart_every = 0;
    std::int64_t stderr_tail = 2000;
    std::string executable;
    int threads_per_worker = 1;

    static Config read(Options& o) {
      Config c;
      c.workers =
          o.get<int>("workers", 0, "worker processes; 0 = one per core (--threads overrides)",
                     Check::at_least(0));
      c.timeout = o.get<double>(
          "timeout", 0.0,
          "seconds one evaluation may take before its worker's process group is killed and the "
          "evaluation recorded as `timeout` (0: no limit)",
          Check::at_least(0));
      c.startup_timeout = o.get<double>(
          "startup_timeout", 60.0, "seconds a worker may take to start and build the optimizee",
          Check::positive());
      c.memory_limit_mb = o.get<std::int64_t>(
          "memory_limit_mb", 0,
          "address-space limit per worker in MiB (RLIMIT_AS); allocations beyond it fail "
          "(0: none)",
          Check::at_least(0));
      c.retries = o.get<int>(
          "retries", 0,
          "times an evaluation whose worker crashed, exited or timed out is tried again on a "
          "fresh worker (failures the optimizee reports itself are deterministic and not retried)",
          Check::at_least(0));
      c.restart_every = o.get<std::int64_t>(
          "restart_every", 0,
          "replace a worker after this many evaluations, for models that leak (0: never)",
          Check::at_least(0));
      c.stderr_tail = o.get<std::int64_t>(
          "stderr_tail", 2000,
          "bytes of a failed worker's output (stdout and stderr) kept in the failure reason",
          Check::at_least(0));
      c.executable = o.get<std::string>(
          "executable", "",
          "the l2l executable the workers run (default: this program; env L2L_WORKER_EXE)");
      c.threads_per_worker =
          o.get<int>("threads_per_worker", 1, "threads the optimizee may use inside one worker",
                     Check::at_least(1));
      return c;
    }
  };

  ProcessEvaluator(const Config& cfg, const EvaluatorContext& ctx) : cfg_(cfg), ctx_(ctx) {
    n_workers_ = ctx.threads > 0 ? ctx.threads : cfg.workers;
    if (n_workers_ <= 0)
      n_workers_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    executable_ = !cfg.executable.empty() ? cfg.executable : worker_executable();
    if (executable_.empty())
      throw UsageError(
          "evaluator processes: this program cannot run workers itself; set evaluator.executable "
          "(or the environment variable L2L_WORKER_EXE) to the l2l executable");
    workers_.resize(static_cast<std::size_t>(n_workers_));
    // Start every worker now, so a model that cannot start is reported before the run begins.
    for (auto& w : workers_) start(w);
    wait_until_ready();
  }

  ~ProcessEvaluator() override {
    // Closing the socket asks a worker to exit; whatever is still running after a grace period is
    // killed with its process group.
    for (auto& w : workers_) w.sock.reset();
    const auto deadline = clock_type::now() + std::chrono::seconds(2);
    for (auto& w : workers_) {
      if (w.pid <= 0) continue;
      while (!has_exited(w.pid) && clock_type::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      kill_process_tree(w.pid);
      wait_process(w.pid);
      w.pid = -1;
    }
  }

  void evaluate(Optimizee& optimizee, std::span<const Candidate> batch,
                std::span<Evaluation> out) override {
    n_objectives_ = optimizee.objective_names().size();
    // A worker still busy with a task of an earlier call (which ended in an exception) would
    // answer for candidates that no longer exist.
    for (auto& w : workers_)
      if (alive(w) && w.task) stop(w);
    const std::size_t chunk = std::max<std::size_t>(1, optimizee.batch_size());
    tasks_.clear();
    pending_.clear();
    for (std::size_t i = 0; i < batch.size(); i += chunk)
      tasks_.push_back({i, std::min(chunk, batch.size() - i), 0, false});
    for (std::size_t t = 0; t < tasks_.size(); ++t) pending_.push_back(t);
    batch_ = batch;
    out_ = out;
    remaining_ = tasks_.size();

    while (remaining_ > 0) {
      assign();
      wait_and_handle();
    }
  }

  std::string name() const override { return "processes"; }
  int parallelism() const override { return n_workers_; }

 private:
  struct Worker {
    pid_t pid = -1;
    UniqueFd sock;  // control socket, non-blocking
    UniqueFd err;   // the worker's stdout and stderr, non-blocking
    wire::FrameReader reader;
    std::string outbuf;
    std::size_t out_pos = 0;
    OutputTail tail;
    bool ready = false;
    clock_type::time_point started;
    clock_type::time_point deadline = clock_type::time_point::max();
    clock_type::time_point task_started;
    std::optional<std::size_t> task;
    std::int64_t evaluated = 0;
  };
  struct Task {
    std::size_t begin, n;
    int attempts;
    bool done;
  };

  void start(Worker& w) {
    auto [parent_sock, child_sock] = make_socketpair();
    auto [err_read, err_write] = make_pipe();
    SpawnSpec spec;
    spec.argv = {"l2l", "worker", "--fd", "3"};
    spec.program = executable_;
    spec.fds = {{1, err_write.get()}, {2, err_write.get()}, {3, child_sock.get()}};
    spec.address_space_limit = static_cast<std::uint64_t>(cfg_.memory_limit_mb) << 20;
    try {
      w.pid = spawn_process(spec);
    } catch (const SpawnError& e) {
      throw UsageError(fmt::format("evaluator processes: cannot start a worker: {}", e.what()));
    }
    w.sock = std::move(parent_sock);
    w.err = std::move(err_read);
    set_nonblocking(w.sock.get());
    set_nonblocking(w.err.get());
    w.reader = wire::FrameReader();
    w.outbuf.clear();
    w.out_pos = 0;
    w.tail = OutputTail(static_cast<std::size_t>(cfg_.stderr_tail));
    w.ready = false;
    w.started = clock_type::now();
    w.deadline = w.started + seconds_to_duration(cfg_.startup_timeout);
    w.task.reset();
    w.evaluated = 0;
    wire::Writer init;
    init.str(ctx_.experiment_yaml);
    init.str(ctx_.config_file);
    init.i64(cfg_.threads_per_worker);
    send(w, worker_message::init, init.bytes());
  }

  void send(Worker& w, std::uint8_t type, std::string_view payload) {
    w.outbuf += wire::encode_frame(type, payload);
    flush(w);
  }

  // Writes what the socket takes now; the rest goes when poll() says it is writable. A worker
  // that died stops taking anything, and poll() reports its hang-up.
  void flush(Worker& w) {
    if (!w.sock) return;
    write_available(w.sock.get(), w.outbuf, w.out_pos);
    if (w.out_pos == w.outbuf.size()) {
      w.outbuf.clear();
      w.out_pos = 0;
    }
  }

  bool alive(const Worker& w) const { return w.pid > 0; }

  void wait_until_ready() {
    for (;;) {
      bool all_ready = true;
      for (auto& w : workers_) all_ready = all_ready && alive(w) && w.ready;
      if (all_ready) return;
      wait_and_handle();
      for (auto& w : workers_) {
        if (!alive(w)) {
          const auto why = last_death_;
          for (auto& other : workers_) stop(other);
          throw UsageError(fmt::format("evaluator processes: {}", why));
        }
      }
    }
  }

  void assign() {
    for (auto& w : workers_) {
      if (pending_.empty()) return;
      if (alive(w) && w.task) continue;
      if (!alive(w)) start(w);
      const std::size_t t = pending_.front();
      pending_.pop_front();
      ++tasks_[t].attempts;
      w.task = t;
      w.tail.clear();
      wire::Writer msg;
      wire::write(msg, batch_.subspan(tasks_[t].begin, tasks_[t].n));
      send(w, worker_message::task, msg.bytes());
      if (w.ready) arm_timeout(w);
    }
  }

  void arm_timeout(Worker& w) {
    w.task_started = clock_type::now();
    w.deadline = cfg_.timeout > 0 ? w.task_started + seconds_to_duration(cfg_.timeout)
                                  : clock_type::time_point::max();
  }

  void wait_and_handle() {
    std::vector<pollfd> fds;
    std::vector<std::size_t> owner;
    auto next_deadline = clock_type::time_point::max();
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      auto& w = workers_[i];
      if (!alive(w)) continue;
      short ev = POLLIN;
      if (w.out_pos < w.outbuf.size()) ev |= POLLOUT;
      fds.push_back({w.sock.get(), ev, 0});
      owner.push_back(i);
      if (w.err) {
        fds.push_back({w.err.get(), POLLIN, 0});
        owner.push_back(i);
      }
      if (w.task || !w.ready) next_deadline = std::min(next_deadline, w.deadline);
    }
    const int n = poll_until(fds, next_deadline,
                             next_deadline == clock_type::time_point::max() ? -1 : 60'000);
    if (n < 0 && errno != EINTR)
      throw std::runtime_error(fmt::format("poll: {}", std::strerror(errno)));
    if (n > 0) {
      for (std::size_t k = 0; k < fds.size(); ++k) {
        if (!fds[k].revents) continue;
        auto& w = workers_[owner[k]];
        if (!alive(w)) continue;
        if (w.err && fds[k].fd == w.err.get()) {
          read_output(w);
        } else if (fds[k].fd == w.sock.get()) {
          if (fds[k].revents & POLLOUT) flush(w);
          if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) read_messages(w);
        }
      }
    }
    const auto now = clock_type::now();
    for (auto& w : workers_) {
      if (!alive(w) || now < w.deadline) continue;
      if (w.ready && w.task) {
        died(w, Status::timeout,
             fmt::format("timed out (timeout = {} s): the worker and its process group were killed",
                         cfg_.timeout));
      } else if (!w.ready) {
        died(w, Status::failed,
             fmt::format("worker did not start within startup_timeout = {} s",
                         cfg_.startup_timeout));
      }
    }
  }

  void read_output(Worker& w) { drain_into(w.err, w.tail); }

  void read_messages(Worker& w) {
    const auto end = read_available(w.sock.get(), [&](const char* data, std::size_t n) {
      w.reader.feed(data, n);
      return true;
    });
    const bool eof = end == ReadEnd::closed || end == ReadEnd::failed;
    try {
      while (auto frame = w.reader.next()) {
        handle(w, *frame);
        if (!alive(w)) return;
      }
    } catch (const wire::ProtocolError& e) {
      died(w, Status::failed, fmt::format("protocol error from the worker: {}", e.what()));
      return;
    }
    if (eof) died(w, Status::failed, "");
  }

  void handle(Worker& w, const wire::Frame& f) {
    switch (f.type) {
      case worker_message::hello:
        w.ready = true;
        start_failures_ = 0;
        if (w.task) {
          arm_timeout(w);
        } else {
          w.deadline = clock_type::time_point::max();
        }
        return;
      case worker_message::result: {
        if (!w.task) throw wire::ProtocolError("result without a task");
        wire::Reader r(f.payload);
        auto evals = wire::read_evaluations(r);
        r.expect_end();
        auto& t = tasks_[*w.task];
        if (evals.size() != t.n)
          throw wire::ProtocolError(
              fmt::format("{} evaluations for {} candidates", evals.size(), t.n));
        const auto who = fmt::format("pid {}", w.pid);
        for (std::size_t i = 0; i < t.n; ++i) {
          validate(evals[i], n_objectives_);
          evals[i].worker = who;
          out_[t.begin + i] = std::move(evals[i]);
        }
        t.done = true;
        --remaining_;
        w.task.reset();
        w.deadline = clock_type::time_point::max();
        // Output printed during this evaluation is of no further interest.
        read_output(w);
        w.tail.clear();
        if (++w.evaluated >= cfg_.restart_every && cfg_.restart_every > 0) stop(w);
        return;
      }
      case worker_message::error: {
        died(w, Status::failed, fmt::format("worker error: {}", f.payload));
        return;
      }
      default:
        throw wire::ProtocolError(fmt::format("unexpected message type {}", f.type));
    }
  }

  // Ends a worker that finished its work normally (restart_every, shutdown).
  void stop(Worker& w) {
    if (!alive(w)) return;
    w.sock.reset();
    kill_process_tree(w.pid);
    wait_process(w.pid);
    w.pid = -1;
    w.err.reset();
  }

  // A worker ended (crash, exit, timeout, protocol error): record why, fail or retry its task.
  void died(Worker& w, Status status, std::string why) {
    const pid_t pid = w.pid;
    const bool was_ready = w.ready;
    kill_process_tree(pid);
    if (w.err) {
      // What the worker printed before it died is the most useful part of the reason.
      set_nonblocking(w.err.get());
      read_output(w);
    }
    const int wstatus = wait_process(pid);
    w.pid = -1;
    w.sock.reset();
    w.err.reset();
    if (why.empty()) {
      why = fmt::format("worker {}: {}", was_ready ? "died" : "died at start-up",
                        describe_wait_status(wstatus));
    }
    const auto tail = w.tail.text();
    if (!tail.empty()) why += "; its output: " + tail;
    last_death_ = why;
    if (!was_ready && ++start_failures_ >= 3 && !tasks_.empty() && remaining_ > 0) {
      throw std::runtime_error(
          fmt::format("evaluator processes: workers keep dying at start-up ({} times in a row): {}",
                      start_failures_, why));
    }
    if (!w.task) return;
    const std::size_t t = *w.task;
    w.task.reset();
    // Crashes, exits, timeouts and protocol errors may be transient (load, memory pressure on
    // the node), so they are worth another attempt on a fresh worker.
    if (tasks_[t].attempts <= cfg_.retries) {
      pending_.push_front(t);
      return;
    }
    const double secs =
        was_ready ? std::chrono::duration<double>(clock_type::now() - w.task_started).count() : 0;
    const auto reason = tasks_[t].attempts > 1
                            ? fmt::format("{} (after {} attempts)", why, tasks_[t].attempts)
                            : why;
    for (std::size_t i = 0; i < tasks_[t].n; ++i) {
      auto& e = out_[tasks_[t].begin + i];
      e = Evaluation::failure(reason, status);
      e.seconds = secs;
      e.worker = fmt::format("pid {}", pid);
    }
    tasks_[t].done = true;
    --remaining_;
  }

  Config cfg_;
  EvaluatorContext ctx_;
  int n_workers_ = 1;
  std::string executable_;
  std::vector<Worker> workers_;
  std::vector<Task> tasks_;
  std::deque<std::size_t> pending_;
  std::span<const Candidate> batch_;
  std::span<Evaluation> out_;
  std::size_t remaining_ = 0;
  std::size_t n_objectives_ = 1;
  int start_failures_ = 0;
  std::string last_death_;
};

L2L_REGISTER_EVALUATOR(ProcessEvaluator, "processes",
                       "worker processes: a crash or hang costs one evaluation, not the run");

}  // namespace
}  // namespace l2l
