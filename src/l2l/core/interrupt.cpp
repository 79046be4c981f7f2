#include "l2l/core/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace l2l {

namespace {
std::atomic<int> g_signals{0};

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    static const char msg[] =
        "\nl2l: second interrupt, abandoning the current generation; the store keeps every "
        "completed generation (l2l resume continues)\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof(msg) - 1);
    ::_exit(130);
  }
  static const char msg[] =
      "\nl2l: interrupt received, finishing the current generation (press Ctrl-C again to "
      "abandon it)\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof(msg) - 1);
}
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupt_requested() {
  return g_signals.load() > 0;
}
void request_interrupt() {
  g_signals.store(1);
}
void clear_interrupt() {
  g_signals.store(0);
}

}  // namespace l2l
