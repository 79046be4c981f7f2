#pragma once
// A summary of a stored run, shared by `l2l show` (text and --json) and the report.
#include <nlohmann/json.hpp>

#include "l2l/storage/run_store.hpp"

namespace l2l {

// {run, name, status, stop_reason, seed, generations, evaluations, failed, failures: [{reason,
//  count}], best: {weighted, fitness, params: {name: value}, generation, index},
//  last_validation: {generation, metrics: {name: value}[, on_test_set]} (if any), final_test:
//  {generation, metrics} (if any), children: [...]}
nlohmann::json summarize_run(RunStore& store, std::int64_t run_id);

}  // namespace l2l
