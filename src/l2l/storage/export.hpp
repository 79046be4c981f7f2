#pragma once
// Export of a run store to one file per table (CSV or JSON) for tools that do not read SQLite.
#include <string>
#include <vector>

#include "l2l/storage/run_store.hpp"

namespace l2l {

enum class ExportFormat { csv, json };

// Writes DIR/<table>.csv (or .json) for runs, generations, evaluations, checkpoints and
// artifacts. The vector columns (params, fitness, best_fitness, best_params) become JSON arrays
// (non-finite values null), whichever schema wrote them; other blob columns are replaced by their
// size in bytes (<column>_bytes). Returns the files.
std::vector<std::string> export_store(RunStore& store, const std::string& dir, ExportFormat fmt,
                                      std::optional<std::int64_t> only_run = std::nullopt);

}  // namespace l2l
