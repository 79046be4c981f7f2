#include "l2l/core/pipe_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace l2l {

bool write_available(int fd, std::string_view data, std::size_t& written) {
  while (written < data.size()) {
    const auto w = write_no_sigpipe(fd, data.data() + written,
                                    std::min<std::size_t>(data.size() - written, 65536));
    if (w > 0) {
      written += static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    return w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

ReadEnd read_available(int fd, const std::function<bool(const char*, std::size_t)>& consume) {
  char buf[65536];
  for (;;) {
    const auto r = ::read(fd, buf, sizeof buf);
    if (r > 0) {
      if (!consume(buf, static_cast<std::size_t>(r))) return ReadEnd::stopped;
      continue;
    }
    if (r == 0) return ReadEnd::closed;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? ReadEnd::drained : ReadEnd::failed;
  }
}

ReadEnd drain_into(UniqueFd& fd, OutputTail& tail) {
  const auto end = read_available(fd.get(), [&](const char* data, std::size_t n) {
    tail.append(data, n);
    return true;
  });
  if (end == ReadEnd::closed) fd.reset();
  return end;
}

int poll_until(std::vector<pollfd>& fds, std::chrono::steady_clock::time_point deadline,
               int max_wait_ms) {
  int wait_ms = max_wait_ms;
  if (deadline != std::chrono::steady_clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // One millisecond more, so that a wake-up at the deadline finds it passed.
    const long long until = std::max<long long>(0, left.count() + 1);
    wait_ms = max_wait_ms < 0 ? static_cast<int>(std::min<long long>(until, 1 << 30))
                              : static_cast<int>(std::min<long long>(until, max_wait_ms));
  }
  return ::poll(fds.data(), fds.size(), wait_ms);
}

}  // namespace l2l
