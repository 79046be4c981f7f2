#include "l2l/core/process_role.hpp"

#include <atomic>

namespace l2l {

namespace {
std::atomic<bool> g_in_worker{false};
}

bool in_worker_process() {
  return g_in_worker.load();
}
void set_in_worker_process() {
  g_in_worker.store(true);
}

}  // namespace l2l
