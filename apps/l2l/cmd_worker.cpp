// `l2l worker`: a worker process of the `processes` evaluator. Hidden from --help: the evaluator
// starts it with a socket on descriptor 3 and sends it the experiment; people never run it.
#include "command.hpp"
#include "l2l/evaluation/worker.hpp"

namespace l2l::cli {
namespace {

// This executable implements `l2l worker`, so the process evaluator can start copies of itself.
// /proc/self/exe keeps working even when the file was replaced by a rebuild during the run.
const bool self_registered = (set_worker_executable("/proc/self/exe"), true);

const RegisterCommand worker_cmd(1000, [](CLI::App& app) {
  auto fd = std::make_shared<int>(3);
  auto* sub = app.add_subcommand("worker", "internal: a process evaluator worker");
  sub->group("");  // hidden
  sub->add_option("--fd", *fd, "control socket descriptor");
  return [fd]() { return serve_process_worker(*fd); };
});

}  // namespace
}  // namespace l2l::cli
