#include "l2l/storage/run_summary.hpp"

#include <cmath>

#include "l2l/storage/hall_of_fame.hpp"

namespace l2l {

namespace {
nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}
}  // namespace

nlohmann::json summarize_run(RunStore& store, std::int64_t run_id) {
  const RunInfo info = store.run(run_id);
  nlohmann::json j = {{"run", info.id},
                      {"name", info.name},
                      {"status", info.status},
                      {"stop_reason", info.stop_reason},
                      {"seed", info.seed},
                      {"version", info.version},
                      {"evaluator", info.evaluator},
                      {"parallelism", info.parallelism},
                      {"host", info.host},
                      {"objectives", info.objectives},
                      {"weights", info.weights}};
  if (info.parent_run) {
    j["parent"] = {{"run", *info.parent_run},
                   {"generation", info.parent_generation.value_or(-1)},
                   {"index", info.parent_index.value_or(-1)},
                   {"task", info.task.value_or(-1)}};
  }
  if (info.origin_run)
    j["origin"] = {{"store", info.origin_store},
                   {"run", *info.origin_run},
                   {"generation", info.origin_generation.value_or(-1)}};
  const auto gens = store.generations(run_id);
  std::int64_t evals = 0, failed = 0;
  const GenerationRecord* best = nullptr;
  for (const auto& g : gens) {
    evals += g.evaluations;
    failed += g.failed;
    if (std::isfinite(g.best) && (!best || g.best > best->best)) best = &g;
  }
  j["generations"] = gens.size();
  j["evaluations"] = evals;
  j["failed"] = failed;
  j["elapsed_seconds"] = gens.empty() ? 0.0 : gens.back().elapsed;

  auto st = store.db().prepare(
      "SELECT status, error, count(*) FROM evaluations WHERE run=?1 AND status != 'ok' "
      "GROUP BY status, error ORDER BY count(*) DESC LIMIT 20");
  st.bind(1, run_id);
  auto failures = nlohmann::json::array();
  while (st.step())
    failures.push_back(
        {{"status", st.get_text(0)}, {"reason", st.get_text(1)}, {"count", st.get_int(2)}});
  j["failures"] = failures;

  if (best) {
    const auto names = flat_parameter_names(info.space);
    nlohmann::json params = nlohmann::json::object();
    for (std::size_t i = 0; i < best->best_params.size() && i < names.size(); ++i)
      params[names[i]] = finite_or_null(best->best_params[i]);
    j["best"] = {{"weighted", finite_or_null(best->best)},
                 {"fitness", best->best_fitness},
                 {"params", params},
                 {"generation", best->generation},
                 {"index", best->best_index}};
  } else {
    j["best"] = nullptr;
  }
  // The latest validation of the optimizer's estimate (experiment.test_every) and its final test
  // (experiment.final_test). Stores written before l2l separated the two monitored the estimate
  // on the test set under "test": that is reported as the validation, marked on_test_set.
  auto latest = [&](const std::string& key, const char* as, bool legacy) {
    for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
      if (!it->info.contains(key) || it->info[key].value("status", "") != "ok") continue;
      nlohmann::json metrics = nlohmann::json::object();
      const auto prefix = key + "_";
      for (const auto& [k, v] : it->info.items())
        if (k.rfind(prefix, 0) == 0 && v.is_number()) metrics[k.substr(prefix.size())] = v;
      j[as] = {{"generation", it->generation}, {"metrics", metrics}};
      if (legacy) j[as]["on_test_set"] = true;
      return;
    }
  };
  latest("final_test", "final_test", false);
  latest("validation", "last_validation", false);
  if (!j.contains("last_validation")) latest("test", "last_validation", true);

  auto ch = store.db().prepare(
      "SELECT id, parent_generation, parent_index, task, name, status FROM runs WHERE "
      "parent_run=?1 ORDER BY id");
  ch.bind(1, run_id);
  auto children = nlohmann::json::array();
  while (ch.step())
    children.push_back({{"run", ch.get_int(0)},
                        {"generation", ch.get_int(1)},
                        {"index", ch.get_int(2)},
                        {"task", ch.get_int(3)},
                        {"name", ch.get_text(4)},
                        {"status", ch.get_text(5)}});
  j["children"] = children;
  return j;
}

}  // namespace l2l
