#include "l2l/experiment/progress.hpp"

#include "l2l/core/duration.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <cmath>
#include <cstdio>

namespace l2l {

Progress::Progress(bool enabled) : enabled_(enabled), tty_(::isatty(2) != 0) {}

void Progress::update(const ProgressSnapshot& s) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // A terminal line is cheap to redraw but not free: 10 Hz is plenty. Logs get one line every
  // 5 s so that a million cheap generations do not flood a Slurm output file.
  const double min_gap = tty_ ? 0.1 : 5.0;
  const bool last = s.generation + 1 >= s.max_generations;
  if (!first_ && !last && std::chrono::duration<double>(now - last_).count() < min_gap) return;
  first_ = false;
  last_ = now;
  const double eta = s.seconds_per_generation * static_cast<double>(std::max<std::int64_t>(
                                                    0, s.max_generations - s.generation - 1));
  std::string line =
      fmt::format("generation {}/{}  evaluations {} ({} failed)  {:.0f} evals/s", s.generation + 1,
                  s.max_generations, s.evaluations, s.failed, s.evals_per_second);
  line += s.has_best ? fmt::format("  best {:.6g}", s.best) : std::string("  best -");
  line += "  ETA " + format_duration(eta);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && line_open_) std::fprintf(stderr, "\n");
  line_open_ = false;
}

}  // namespace l2l
