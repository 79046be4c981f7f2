// Evaluates candidates on the ranks of an MPI job (`mpirun -n N l2l run EXP --evaluator mpi`,
// `srun l2l run ...`). Rank 0 runs the driver and hands out tasks from a dynamic work queue: a
// rank gets its next task as soon as it returns a result, so slow evaluations never stall idle
// ranks. Every rank evaluates with its `local` evaluator (serial by default; `processes` keeps a
// crashing model from taking the rank, and with it the job, down). Rank 0 also evaluates on a
// thread beside the driver unless root_evaluates is false.
//
// Started without an MPI launcher (or on one rank), it evaluates everything with the local
// evaluator, so an MPI run can be resumed on a workstation.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "l2l/core/interrupt.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/mpi_internal.hpp"
#include "l2l/evaluation/mpi_job.hpp"
#include "l2l/evaluation/wire.hpp"

namespace l2l {
namespace {

std::unique_ptr<Evaluator> local_evaluator(Options& local, const EvaluatorContext& ctx) {
#ifdef L2L_HAVE_MPI
  return mpi::detail::make_local_evaluator(local, ctx);
#else
  YAML::Node node = local.node();
  if (node.IsMap() && !std::as_const(node)["type"].IsDefined()) node["type"] = "serial";
  EvaluatorContext c = ctx;
  c.nested = true;
  return make_evaluator(local, c);
#endif
}

// Rank 0's own share, evaluated on a thread so the driver thread keeps serving the other ranks.
class RootSlot {
 public:
  explicit RootSlot(Evaluator& local) : local_(local), thread_([this] { loop(); }) {}
  ~RootSlot() {
    {
      std::lock_guard lock(m_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void start(Optimizee& o, std::span<const Candidate> in, std::span<Evaluation> out) {
    {
      std::lock_guard lock(m_);
      job_ = Job{&o, in, out};
      done_.store(false);
      busy_ = true;
    }
    cv_.notify_all();
  }
  bool busy() const { return busy_; }
  // True once when the running job has finished; rethrows what it threw.
  bool collect() {
    if (!busy_ || !done_.load()) return false;
    busy_ = false;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return true;
  }
  bool wait_done(std::chrono::steady_clock::time_point deadline) {
    while (busy_ && !done_.load()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  struct Job {
    Optimizee* optimizee;
    std::span<const Candidate> in;
    std::span<Evaluation> out;
  };
  void loop() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return quit_ || job_.has_value(); });
        if (quit_) return;
        job = *job_;
        job_.reset();
      }
      try {
        local_.evaluate(*job.optimizee, job.in, job.out);
        for (auto& e : job.out)
          e.worker = (e.worker.empty() || e.worker == "serial" || e.worker == "thread")
                         ? "rank 0"
                         : "rank 0 " + e.worker;
      } catch (...) {
        error_ = std::current_exception();
      }
      done_.store(true);
    }
  }

  Evaluator& local_;
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<Job> job_;
  bool quit_ = false;
  bool busy_ = false;  // driver thread only
  std::atomic<bool> done_{false};
  std::exception_ptr error_;
  std::thread thread_;
};

class MpiEvaluator final : public Evaluator {
 public:
  struct Config {
    std::optional<Options> local;
    bool root_evaluates = true;
    double poll_interval = 0.0002;
    double shutdown_grace = 5.0;

    static Config read(Options& o) {
      Config c;
      c.local = o.child(
          "local",
          "the evaluator each rank uses for its share: `type` (serial, threads or processes) "
          "plus its options; a rank takes as many candidates at a time as it evaluates in "
          "parallel. processes keeps a crashing model from killing the rank and the job");
      if (o.describing())
        c.local->get<std::string>("type", "serial", "serial, threads or processes");
      c.root_evaluates = o.get<bool>(
          "root_evaluates", true,
          "rank 0 evaluates too, on a thread beside the driver (false: rank 0 only drives)");
      c.poll_interval = o.get<double>(
          "poll_interval", 0.0002,
          "longest sleep in seconds of a waiting rank between looks for messages (OpenMPI's "
          "blocking calls would spin a core each)",
          Check::positive());
      c.shutdown_grace = o.get<double>(
          "shutdown_grace", 5.0,
          "seconds busy ranks get to finish their evaluation when the run ends early (error, "
          "interrupt) before the job is aborted",
          Check::at_least(0));
      return c;
    }
  };

  MpiEvaluator(const Config& cfg, const EvaluatorContext& ctx) : cfg_(cfg), ctx_(ctx) {
#ifdef L2L_HAVE_MPI
    if (mpi::launched()) mpi::detail::join();
    distributed_ = mpi::detail::joined() && mpi::detail::world_size() > 1;
#endif
    if (!distributed_ || cfg_.root_evaluates) local_ = local_evaluator(*cfg_.local, ctx_);
#ifdef L2L_HAVE_MPI
    if (distributed_) connect();
#endif
    if (distributed_ && local_) root_ = std::make_unique<RootSlot>(*local_);
  }

  ~MpiEvaluator() override {
#ifdef L2L_HAVE_MPI
    if (distributed_) {
      mpi::detail::stop_workers(cfg_.shutdown_grace, "");
      if (root_ && root_->busy()) {
        const auto deadline = std::chrono::steady_clock::now() +
                              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(cfg_.shutdown_grace));
        if (!root_->wait_done(deadline)) {
          std::cerr << "l2l: rank 0's own evaluation is still running; aborting the MPI job\n";
          MPI_Abort(MPI_COMM_WORLD, 1);
        }
      }
    }
#endif
    root_.reset();
  }

  void evaluate(Optimizee& optimizee, std::span<const Candidate> batch,
                std::span<Evaluation> out) override {
    if (!distributed_) {
      local_->evaluate(optimizee, batch, out);
      return;
    }
#ifdef L2L_HAVE_MPI
    try {
      evaluate_distributed(optimizee, batch, out);
    } catch (const UsageError&) {
      throw;  // from fail(): rank 0's own evaluation is already over
    } catch (const std::exception& e) {
      fail(e.what());
    }
#endif
  }

  std::string name() const override {
    return "mpi";
  }
  int parallelism() const override {
    if (!distributed_) return local_->parallelism();
    int n = root_ ? std::max(1, local_->parallelism()) : 0;
    for (const auto& r : ranks_) n += r.capacity;
    return n;
  }

 private:
  struct RankInfo {
    int rank = 0;
    int capacity = 1;
    long long pid = 0;
    std::string host;
    std::optional<std::pair<std::size_t, std::size_t>> busy;  // candidate range
  };

#ifdef L2L_HAVE_MPI
  // Sends the experiment to every rank and waits until each has built its optimizee.
  void connect() {
    using namespace mpi::detail;
    const int size = world_size();
    ranks_.resize(static_cast<std::size_t>(size - 1));
    wire::Writer w;
    w.str(ctx_.experiment_yaml);
    w.str(ctx_.config_file);
    w.i64(ctx_.threads);
    w.f64(cfg_.poll_interval);
    for (int r = 1; r < size; ++r) {
      ranks_[static_cast<std::size_t>(r - 1)].rank = r;
      post(r, tag_config, w.bytes());
    }
    std::vector<char> answered(static_cast<std::size_t>(size), 0);
    int missing = size - 1;
    std::string first_error;
    Backoff backoff(0.001);
    while (missing > 0) {
      MPI_Status st;
      if (!probe(MPI_ANY_SOURCE, st)) {
        progress_posts();
        if (interrupt_requested()) {
          set_abort_reason("interrupted while the ranks were starting");
          stop_workers(cfg_.shutdown_grace, "");
          throw UsageError("interrupted while the MPI ranks were starting");
        }
        backoff.pause();
        continue;
      }
      backoff.reset();
      const std::string bytes = receive(st);
      const int r = st.MPI_SOURCE;
      if (r <= 0 || r >= size || answered[static_cast<std::size_t>(r)]) continue;
      wire::Reader rd(bytes);
      auto& info = ranks_[static_cast<std::size_t>(r - 1)];
      if (st.MPI_TAG == tag_hello) {
        info.pid = rd.i64();
        info.host = rd.str();
        info.capacity = static_cast<int>(std::max<std::int64_t>(1, rd.i64()));
      } else if (st.MPI_TAG == tag_error) {
        if (first_error.empty()) first_error = fmt::format("rank {}: {}", r, rd.str());
      } else {
        continue;
      }
      answered[static_cast<std::size_t>(r)] = 1;
      --missing;
    }
    if (!first_error.empty()) {
      set_abort_reason(first_error);
      stop_workers(cfg_.shutdown_grace, "");
      throw UsageError(first_error);
    }
  }

  void evaluate_distributed(Optimizee& optimizee, std::span<const Candidate> batch,
                            std::span<Evaluation> out) {
    using namespace mpi::detail;
    const std::size_t unit = std::max<std::size_t>(1, optimizee.batch_size());
    std::size_t next = 0, remaining = batch.size();
    // A task is `capacity` consecutive units of batch_size candidates (chunks stay aligned as in
    // the other evaluators).
    auto take = [&](int capacity) {
      const std::size_t b = next;
      const std::size_t e = std::min(batch.size(), b + unit * static_cast<std::size_t>(capacity));
      next = e;
      return std::make_pair(b, e);
    };
    Backoff backoff(cfg_.poll_interval);
    while (remaining > 0) {
      for (auto& r : ranks_) {
        if (next >= batch.size()) break;
        if (r.busy) continue;
        const auto [b, e] = take(r.capacity);
        wire::Writer w;
        w.u64(b);
        wire::write(w, batch.subspan(b, e - b));
        post(r.rank, tag_task, w.take());
        r.busy = std::make_pair(b, e);
      }
      if (root_ && !root_->busy() && next < batch.size()) {
        const auto [b, e] = take(std::max(1, local_->parallelism()));
        root_range_ = {b, e};
        root_->start(optimizee, batch.subspan(b, e - b), out.subspan(b, e - b));
      }

      bool progressed = false;
      MPI_Status st;
      while (probe(MPI_ANY_SOURCE, st)) {
        progressed = true;
        handle(st, out, remaining);
      }
      if (root_) {
        bool finished = false;
        try {
          finished = root_->collect();
        } catch (const std::exception& e) {
          fail(fmt::format("rank 0 ({}): {}", host_name(), e.what()));
        }
        if (finished) {
          remaining -= root_range_.second - root_range_.first;
          progressed = true;
        }
      }
      progress_posts();
      if (progressed) {
        backoff.reset();
      } else {
        backoff.pause();
      }
    }
  }

  void handle(const MPI_Status& st, std::span<Evaluation> out, std::size_t& remaining) {
    using namespace mpi::detail;
    const std::string bytes = receive(st);
    const int r = st.MPI_SOURCE;
    if (r <= 0 || r > static_cast<int>(ranks_.size())) return;
    auto& info = ranks_[static_cast<std::size_t>(r - 1)];
    wire::Reader rd(bytes);
    if (st.MPI_TAG == tag_error)
      fail(fmt::format("rank {} ({}, pid {}): {}", r, info.host, info.pid, rd.str()));
    if (st.MPI_TAG != tag_result) return;
    const auto task = rd.u64();
    auto evals = wire::read_evaluations(rd);
    rd.expect_end();
    if (!info.busy || info.busy->first != task ||
        evals.size() != info.busy->second - info.busy->first)
      fail(fmt::format("rank {}: result for an unknown task", r));
    for (std::size_t i = 0; i < evals.size(); ++i) out[task + i] = std::move(evals[i]);
    remaining -= evals.size();
    info.busy.reset();
  }

  // Ends the evaluation with an error. Rank 0's own evaluation writes into the driver's buffers,
  // so it must be over before the exception unwinds them.
  [[noreturn]] void fail(const std::string& why) {
    mpi::detail::set_abort_reason(why);
    if (root_ && root_->busy()) {
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(cfg_.shutdown_grace));
      if (!root_->wait_done(deadline)) {
        std::cerr << fmt::format("l2l: error: {}\nl2l: aborting the MPI job\n", why);
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
      try {
        root_->collect();
      } catch (...) {
      }
    }
    throw UsageError(why);
  }
#endif

  Config cfg_;
  EvaluatorContext ctx_;
  bool distributed_ = false;
  std::unique_ptr<Evaluator> local_;
  std::unique_ptr<RootSlot> root_;
  std::pair<std::size_t, std::size_t> root_range_{0, 0};
  std::vector<RankInfo> ranks_;
};

L2L_REGISTER_EVALUATOR(MpiEvaluator, "mpi",
                       "ranks of an MPI job (mpirun/srun); rank 0 drives, a dynamic work queue "
                       "feeds the others");

}  // namespace
}  // namespace l2l
