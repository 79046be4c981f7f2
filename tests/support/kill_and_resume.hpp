#pragma once
// Killing a run mid-way: the crash-safety tests run an experiment uninterrupted and again with
// SIGKILL after some generations, then resume the killed store and compare.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "process_support.hpp"
#include "store_rows.hpp"

namespace l2l::testing {

inline void wait_for_generations(const std::string& store, std::int64_t n) {
  for (int i = 0; i < 2000 && count_generations(store) < n; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

// Runs `exp` uninterrupted into `full`, then again into `killed` with SIGKILL once `n`
// generations are stored; returns how many generations the killed run had stored. A run that
// finished (all `generations`) before the kill fails the test: it would prove nothing.
inline std::int64_t run_full_and_kill_after(const TempDir& dir, const std::string& exp,
                                            const std::string& full, const std::string& killed,
                                            std::int64_t n, std::int64_t generations = 40) {
  EXPECT_EQ(run_l2l(dir, {"run", exp, "--out", full, "-q"}).code, 0);
  const pid_t pid = start_l2l({"run", exp, "--out", killed, "-q"}, dir.file("o"), dir.file("e"));
  wait_for_generations(killed, n);
  EXPECT_EQ(kill(pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit_code(pid), 128 + SIGKILL);
  const auto before = count_generations(killed);
  EXPECT_LT(before, generations)
      << "the run finished before it was killed; the test proves nothing";
  return before;
}

}  // namespace l2l::testing
