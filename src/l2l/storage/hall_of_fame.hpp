#pragma once
// The hall of fame of a stored run: its N best distinct individuals over all generations, shared
// by `l2l show --top`, the report and Python's `top(n)`.
//
// Individuals are told apart by their stored parameters, so an individual evaluated several
// times (GA `reevaluate` or `average_evaluations`) appears once, ranked by the mean weighted
// fitness of its evaluations: on a noisy objective one lucky episode should not head the list.
// Where evaluations keep no parameters (`store_params: best`), each evaluation counts as its own
// individual. A store written with `store_level: generations` has no evaluation rows: its hall
// of fame is made of the generations' best individuals.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/storage/run_store.hpp"

namespace l2l {

// Best first: [{rank, generation, index (first evaluation of the individual), weighted (its best
// evaluation), mean_weighted, evaluations, fitness, metrics (of its best evaluation),
// params: {name: value} or null where not stored}].
nlohmann::json hall_of_fame(RunStore& store, std::int64_t run_id, std::size_t n);

// "x", "w[0]", "w[1]", ... in the order of a run's flat parameter vector.
std::vector<std::string> flat_parameter_names(const nlohmann::json& space);

}  // namespace l2l
