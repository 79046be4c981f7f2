#include "l2l/evaluation/mpi_job.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "l2l/config/config.hpp"
#include "l2l/core/error.hpp"
#include "l2l/evaluation/mpi_internal.hpp"
#include "l2l/evaluation/wire.hpp"
#include "l2l/evaluation/worker.hpp"

namespace l2l::mpi {

namespace {

int env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return -1;
  return std::atoi(v);
}

}  // namespace

bool built_with_mpi() {
#ifdef L2L_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") ||
         std::getenv("PMI_RANK") || std::getenv("PMI_SIZE");
}

int job_size() {
#ifdef L2L_HAVE_MPI
  if (detail::joined()) return detail::world_size();
#endif
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const int n = env_int(name); n > 0) return n;
  return 1;
}

int rank() {
#ifdef L2L_HAVE_MPI
  if (detail::joined()) return detail::world_rank();
#endif
  return 0;
}

#ifdef L2L_HAVE_MPI
namespace detail {

namespace {
bool g_joined = false;
int g_rank = 0, g_size = 1;

struct Posted {
  MPI_Request request;
  std::string bytes;
};
std::vector<std::unique_ptr<Posted>>& posts() {
  static std::vector<std::unique_ptr<Posted>> p;
  return p;
}
std::vector<char>& stopped() {
  static std::vector<char> s;
  return s;
}
std::string& abort_reason() {
  static std::string s;
  return s;
}
}  // namespace

void join() {
  if (g_joined) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Only the driver thread talks to MPI; rank 0's own evaluation thread never does.
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  }
  // Polling sleeps of a few microseconds are only short with a small timer slack (default 50 us).
  ::prctl(PR_SET_TIMERSLACK, 1000UL);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  stopped().assign(static_cast<std::size_t>(g_size), 0);
  g_joined = true;
}

bool joined() {
  return g_joined;
}
int world_rank() {
  return g_rank;
}
int world_size() {
  return g_size;
}

std::string host_name() {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, static_cast<std::size_t>(len));
}

void Backoff::pause() {
  // A short busy phase catches answers that follow at once (a task right after a result).
  // sched_yield would hand the core to every other runnable process first, which on a loaded or
  // oversubscribed node costs milliseconds.
  if (spins_ < 20) {
    ++spins_;
    return;
  }
  std::this_thread::sleep_for(std::chrono::nanoseconds(static_cast<long long>(sleep_ns_)));
  sleep_ns_ = std::min(sleep_ns_ * 2, std::max(1000.0, max_ns_));
}

bool probe(int source, MPI_Status& status) {
  int flag = 0;
  MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
  return flag != 0;
}

std::string receive(const MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string bytes(static_cast<std::size_t>(count), '\0');
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  return bytes;
}

void send(int dest, int tag, const std::string& bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("MPI message larger than 2 GiB");
  MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

void post(int dest, int tag, std::string bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("MPI message larger than 2 GiB");
  auto p = std::make_unique<Posted>();
  p->bytes = std::move(bytes);
  MPI_Isend(p->bytes.data(), static_cast<int>(p->bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD,
            &p->request);
  posts().push_back(std::move(p));
  progress_posts();
}

void progress_posts() {
  auto& ps = posts();
  for (std::size_t i = 0; i < ps.size();) {
    int done = 0;
    MPI_Test(&ps[i]->request, &done, MPI_STATUS_IGNORE);
    if (done) {
      ps[i] = std::move(ps.back());
      ps.pop_back();
    } else {
      ++i;
    }
  }
}

void mark_stopped(int rank) {
  if (rank > 0 && rank < static_cast<int>(stopped().size())) stopped()[rank] = 1;
}

bool all_stopped() {
  for (std::size_t r = 1; r < stopped().size(); ++r)
    if (!stopped()[r]) return false;
  return true;
}

void set_abort_reason(const std::string& why) {
  abort_reason() = why;
}

void stop_workers(double grace, const std::string& why) {
  if (!g_joined || g_rank != 0 || all_stopped()) return;
  auto& st = stopped();
  std::vector<char> asked(st.size(), 0);
  for (std::size_t r = 1; r < st.size(); ++r) {
    if (st[r]) continue;
    post(static_cast<int>(r), tag_stop, {});
    asked[r] = 1;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(grace));
  Backoff backoff(0.001);
  while (!all_stopped() && std::chrono::steady_clock::now() < deadline) {
    MPI_Status status;
    if (probe(MPI_ANY_SOURCE, status)) {
      // Results of evaluations still running when the run ended are of no use now; receiving
      // them lets their senders get to the stop message.
      (void)receive(status);
      if (status.MPI_TAG == tag_bye) mark_stopped(status.MPI_SOURCE);
      backoff.reset();
    } else {
      progress_posts();
      backoff.pause();
    }
  }
  if (all_stopped()) {
    progress_posts();
    return;
  }
  std::string busy;
  int n_busy = 0;
  for (std::size_t r = 1; r < st.size(); ++r) {
    if (st[r]) continue;
    if (++n_busy <= 8) busy += fmt::format("{}{}", busy.empty() ? "" : ", ", r);
  }
  if (n_busy > 8) busy += ", ...";
  std::string reason = !abort_reason().empty() ? abort_reason() : why;
  std::cerr
      << fmt::format(
             "l2l: {} rank(s) ({}) still busy {:.3g} s after being told to stop; aborting the "
             "MPI job{}\n",
             n_busy, busy, grace, reason.empty() ? "" : " (" + reason + ")")
      << std::flush;
  MPI_Abort(MPI_COMM_WORLD, 1);
}

std::unique_ptr<Evaluator> make_local_evaluator(Options& local, EvaluatorContext ctx) {
  YAML::Node node = local.node();
  if (node.IsMap() && !std::as_const(node)["type"].IsDefined()) node["type"] = "serial";
  if (node.IsMap() && std::as_const(node)["type"].IsScalar() &&
      std::as_const(node)["type"].Scalar() == "mpi")
    local.fail("type", "the evaluator of each rank cannot itself be mpi");
  ctx.nested = true;
  return make_evaluator(local, ctx);
}

}  // namespace detail

namespace {

std::atomic<int> g_worker_signals{0};

// Ranks other than 0 let rank 0 coordinate an interrupt (it finishes the generation and then
// stops them); a second signal ends the rank at once.
void on_worker_signal(int) {
  if (g_worker_signals.fetch_add(1) >= 1) ::_exit(130);
}

void install_worker_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_worker_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// A rank's life after rank 0 sent the experiment. Returns the exit code.
int serve_rank() {
  using namespace detail;
  set_in_worker_process();
  const int me = world_rank();

  // Waiting for rank 0 to build its experiment can take a while: poll gently.
  Backoff start_backoff(0.002);
  MPI_Status status;
  while (!probe(0, status)) start_backoff.pause();
  if (status.MPI_TAG == tag_stop) {
    (void)receive(status);
    send(0, tag_bye, {});
    return 0;
  }
  if (status.MPI_TAG != tag_config) {
    std::cerr << fmt::format("l2l: rank {}: unexpected message {} from rank 0\n", me,
                             status.MPI_TAG);
    return 1;
  }
  double poll_interval = 0.0002;
  std::unique_ptr<Optimizee> optimizee;
  std::unique_ptr<Evaluator> local;
  bool failed = false;
  auto report_error = [&](const std::string& message) {
    wire::Writer w;
    w.str(message);
    send(0, tag_error, w.bytes());
    failed = true;
  };
  try {
    const std::string bytes = receive(status);
    wire::Reader r(bytes);
    const auto yaml = r.str();
    const auto config_file = r.str();
    const auto threads = static_cast<int>(r.i64());
    poll_interval = r.f64();
    r.expect_end();
    optimizee = build_optimizee(yaml, config_file);
    auto cfg = load_config_text(yaml, config_file.empty() ? "experiment" : config_file);
    Options root = cfg.options();
    Options ev = root.child("evaluator", "");
    Options local_opts = ev.child("local", "");
    EvaluatorContext ctx;
    ctx.experiment_yaml = yaml;
    ctx.config_file = config_file;
    ctx.threads = threads;
    local = make_local_evaluator(local_opts, ctx);
    wire::Writer hello;
    hello.i64(::getpid());
    hello.str(host_name());
    hello.i64(std::max(1, local->parallelism()));
    send(0, tag_hello, hello.bytes());
  } catch (const std::exception& e) {
    report_error(e.what());
  }

  // Serve tasks until told to stop. After an error only the stop is awaited: rank 0 decides.
  Backoff backoff(poll_interval);
  const std::string label = fmt::format("rank {}", me);
  for (;;) {
    if (!probe(0, status)) {
      backoff.pause();
      continue;
    }
    backoff.reset();
    const std::string bytes = receive(status);
    if (status.MPI_TAG == tag_stop) break;
    if (status.MPI_TAG != tag_task || failed) continue;
    try {
      wire::Reader r(bytes);
      const auto task_id = r.u64();
      const auto batch = wire::read_candidates(r);
      r.expect_end();
      std::vector<Evaluation> out(batch.size());
      local->evaluate(*optimizee, batch, out);
      for (auto& e : out) {
        e.worker = (e.worker.empty() || e.worker == "serial" || e.worker == "thread")
                       ? label
                       : label + " " + e.worker;
      }
      wire::Writer w;
      w.u64(task_id);
      wire::write(w, std::span<const Evaluation>(out));
      send(0, tag_result, w.bytes());
    } catch (const std::exception& e) {
      report_error(e.what());
    }
  }
  local.reset();  // ends worker processes of a local processes evaluator
  send(0, tag_bye, {});
  // An error was reported to rank 0, which prints it and sets the job's exit status; a non-zero
  // status here would make mpirun kill rank 0 before it could.
  return 0;
}

}  // namespace
#endif  // L2L_HAVE_MPI

Session::Session() {
  if (!launched()) {
    // srun without an MPI plugin starts independent copies that would each run the experiment.
    const int tasks = env_int("SLURM_STEP_NUM_TASKS");
    if (tasks > 1 && std::getenv("SLURM_PROCID"))
      throw UsageError(fmt::format(
          "srun started {} tasks, but no MPI process-management interface reaches l2l (each "
          "task would run the whole experiment): use `srun --mpi=pmix ...` (or pmi2, whichever "
          "`srun --mpi=list` offers), see docs/cluster.md",
          tasks));
    return;
  }
#ifdef L2L_HAVE_MPI
  detail::join();
#else
  if (job_size() > 1)
    throw UsageError(
        fmt::format("l2l was started on {} MPI ranks but built without MPI: install libopenmpi-dev "
                    "(scripts/install-deps.sh) and rebuild",
                    job_size()));
#endif
}

Session::~Session() {
#ifdef L2L_HAVE_MPI
  if (!detail::joined()) return;
  if (detail::world_rank() == 0)
    detail::stop_workers(5.0, "rank 0 ended before the run used the other ranks");
  MPI_Finalize();
#endif
}

bool Session::serves() const {
  return rank() != 0;
}

int Session::serve() {
#ifdef L2L_HAVE_MPI
  install_worker_signal_handlers();
  return serve_rank();
#else
  return 0;
#endif
}

}  // namespace l2l::mpi
