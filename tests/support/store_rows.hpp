#pragma once
// Reading a run store back in tests: the evaluations as comparable text rows, one column of a
// query, the number of stored generations. Tests compare whole stores row for row (resume vs.
// uninterrupted, one evaluator vs. another), so the row format lives in one place.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "l2l/storage/run_store.hpp"

namespace l2l::testing {

// The columns that must not depend on the evaluator or on timing: generation, index,
// parameters, fitness, status, seed.
inline constexpr const char* kEvaluationColumns =
    "generation, idx, params, fitness, weighted, status, seed";

// The same plus the error message and metrics, for runs whose failures and metrics must match
// too (serial vs. threads in one process).
inline constexpr const char* kEvaluationColumnsWithOutcome =
    "generation, idx, params, fitness, weighted, status, error, metrics, seed";

// The evaluations of a store in (generation, idx) order, each row "a|b|c|" over `columns`.
inline std::vector<std::string> evaluation_rows(const std::string& path,
                                                const std::string& columns = kEvaluationColumns) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare("SELECT " + columns + " FROM evaluations ORDER BY generation, idx");
  std::vector<std::string> out;
  while (st.step()) {
    std::string row;
    for (int c = 0; c < st.columns(); ++c) row += st.get_text(c) + "|";
    out.push_back(row);
  }
  return out;
}

// The first column of every row of `sql`, as text.
inline std::vector<std::string> column(const std::string& path, const std::string& sql) {
  auto store = RunStore::open_reader(path);
  auto st = store->db().prepare(sql);
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.get_text(0));
  return out;
}

// Generations stored so far; 0 while the store does not exist or cannot be read yet (a test
// polling a running l2l may look before the first commit).
inline std::int64_t count_generations(const std::string& path) {
  if (!std::filesystem::exists(path)) return 0;
  try {
    auto store = RunStore::open_reader(path);
    auto st = store->db().prepare("SELECT count(*) FROM generations");
    st.step();
    return st.get_int(0);
  } catch (...) {
    return 0;
  }
}

}  // namespace l2l::testing
