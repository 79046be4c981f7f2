// Evaluates candidates in parallel on a oneTBB arena of a fixed number of threads. Each
// evaluation depends only on its candidate, so the thread count never changes results.
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <thread>

#include "l2l/evaluation/evaluator.hpp"

namespace l2l {
namespace {

class ThreadEvaluator final : public Evaluator {
 public:
  struct Config {
    int threads = 0;
    static Config read(Options& o) {
      Config c;
      c.threads = o.get<int>("threads", 0, "worker threads; 0 = all cores", Check::at_least(0));
      return c;
    }
  };

  ThreadEvaluator(const Config& cfg, const EvaluatorContext& ctx)
      : threads_(ctx.threads > 0 ? ctx.threads : cfg.threads) {
    if (threads_ <= 0)
      threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    arena_ = std::make_unique<oneapi::tbb::task_arena>(threads_);
  }

  void evaluate(Optimizee& optimizee, std::span<const Candidate> batch,
                std::span<Evaluation> out) override {
    const std::size_t n_obj = optimizee.objective_names().size();
    const std::size_t chunk = std::max<std::size_t>(1, optimizee.batch_size());
    const std::size_t n_chunks = (batch.size() + chunk - 1) / chunk;
    arena_->execute([&] {
      oneapi::tbb::parallel_for(
          oneapi::tbb::blocked_range<std::size_t>(0, n_chunks, 1),
          [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
            for (std::size_t c = r.begin(); c != r.end(); ++c) {
              const std::size_t i = c * chunk, n = std::min(chunk, batch.size() - i);
              evaluate_chunk_guarded(optimizee, batch.subspan(i, n), out.subspan(i, n), n_obj);
            }
          });
    });
    for (auto& e : out) e.worker = "thread";
  }
  std::string name() const override { return "threads"; }
  int parallelism() const override { return threads_; }

 private:
  int threads_;
  std::unique_ptr<oneapi::tbb::task_arena> arena_;
};

L2L_REGISTER_EVALUATOR(ThreadEvaluator, "threads", "parallel evaluations on a oneTBB thread pool");

}  // namespace
}  // namespace l2l
