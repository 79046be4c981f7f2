#include "l2l/evaluation/worker.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <mutex>

#include <fmt/format.h>

#include "l2l/config/config.hpp"
#include "l2l/config/experiment_spec.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/wire.hpp"

namespace l2l {

namespace {

std::mutex& exe_mutex() {
  static std::mutex m;
  return m;
}
std::string& exe_path() {
  static std::string p;
  return p;
}
}  // namespace

std::unique_ptr<Optimizee> build_optimizee(const std::string& experiment_yaml,
                                           const std::string& config_file, int threads) {
  auto cfg = load_config_text(experiment_yaml, config_file.empty() ? "experiment" : config_file);
  Options root = cfg.options();
  auto exp = root.child("experiment", "");
  const auto spec = ExperimentSpec::read(exp, "run");
  auto otee = root.child("optimizee", "");
  OptimizeeContext ctx;
  ctx.seed = spec.seed;
  ctx.config_file = config_file;
  ctx.threads = std::max(1, threads);
  return make_optimizee(otee, ctx);
}

void set_worker_executable(std::string path) {
  std::lock_guard lock(exe_mutex());
  exe_path() = std::move(path);
}

std::string worker_executable() {
  if (const char* env = std::getenv("L2L_WORKER_EXE"); env && *env) return env;
  std::lock_guard lock(exe_mutex());
  return exe_path();
}

int serve_process_worker(int fd) {
  using namespace worker_message;
  set_in_worker_process();
  std::unique_ptr<Optimizee> optimizee;
  try {
    auto init = wire::read_frame(fd);
    if (!init) return 0;  // the driver went away before saying anything
    if (init->type != worker_message::init)
      throw wire::ProtocolError(fmt::format("expected an init message, got type {}", init->type));
    wire::Reader r(init->payload);
    const auto yaml = r.str();
    const auto config_file = r.str();
    const auto threads = static_cast<int>(r.i64());
    r.expect_end();
    try {
      optimizee = build_optimizee(yaml, config_file, threads);
    } catch (const std::exception& e) {
      wire::write_frame(fd, error, fmt::format("cannot build the optimizee: {}", e.what()));
      return 2;
    }
    wire::Writer hello_msg;
    hello_msg.i64(::getpid());
    wire::write_frame(fd, hello, hello_msg.bytes());

    const std::size_t n_obj = optimizee->objective_names().size();
    for (;;) {
      auto frame = wire::read_frame(fd);
      if (!frame) return 0;  // the driver closed the connection: normal end
      if (frame->type != task)
        throw wire::ProtocolError(fmt::format("unexpected message type {}", frame->type));
      wire::Reader tr(frame->payload);
      const auto batch = wire::read_candidates(tr);
      tr.expect_end();
      std::vector<Evaluation> out(batch.size());
      evaluate_chunk_guarded(*optimizee, batch, out, n_obj);
      wire::Writer w;
      wire::write(w, std::span<const Evaluation>(out));
      wire::write_frame(fd, result, w.bytes());
    }
  } catch (const std::exception& e) {
    // The driver reads this as the reason the worker ended.
    try {
      wire::write_frame(fd, error, e.what());
    } catch (...) {
    }
    std::cerr << "l2l worker: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace l2l
