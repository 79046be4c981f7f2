#pragma once
// Progress on stderr: a live line on a terminal, throttled plain log lines otherwise.
#include <chrono>
#include <cstdint>
#include <string>

namespace l2l {

struct ProgressSnapshot {
  std::int64_t generation = 0;
  std::int64_t max_generations = 0;
  std::int64_t evaluations = 0;
  std::int64_t failed = 0;
  double evals_per_second = 0;
  bool has_best = false;
  double best = 0;  // raw fitness of objective 0 (or the weighted sum)
  double seconds_per_generation = 0;
};

class Progress {
 public:
  explicit Progress(bool enabled);
  void update(const ProgressSnapshot& s);
  void finish();

 private:
  bool enabled_;
  bool tty_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point last_;
  bool first_ = true;
};

}  // namespace l2l
