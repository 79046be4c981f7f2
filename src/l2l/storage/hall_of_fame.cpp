#include "l2l/storage/hall_of_fame.hpp"

#include "l2l/storage/vector_codec.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace l2l {

namespace {

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

nlohmann::json parse_or(const std::string& text, nlohmann::json fallback) {
  return text.empty() ? fallback : nlohmann::json::parse(text);
}

nlohmann::json named_params(const std::vector<std::string>& names, const nlohmann::json& values) {
  if (!values.is_array() || values.empty()) return nullptr;
  nlohmann::json p = nlohmann::json::object();
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) p[names[i]] = values[i];
  return p;
}

// store_level generations keeps no evaluation rows: each generation's best stands in for the
// population it came from.
nlohmann::json from_generations(RunStore& store, std::int64_t run_id, std::size_t n,
                                const std::vector<std::string>& names) {
  struct Entry {
    const GenerationRecord* best;  // the first generation that reached the best value
    double sum = 0;
    std::int64_t count = 0;
  };
  const auto gens = store.generations(run_id);
  std::map<std::vector<double>, Entry> by_params;
  std::vector<Entry> unnamed;
  for (const auto& g : gens) {
    if (!std::isfinite(g.best)) continue;
    if (g.best_params.empty()) {
      unnamed.push_back({&g, g.best, 1});
      continue;
    }
    auto [it, fresh] = by_params.try_emplace(g.best_params, Entry{&g});
    if (!fresh && g.best > it->second.best->best) it->second.best = &g;
    it->second.sum += g.best;
    ++it->second.count;
  }
  for (auto& [_, e] : by_params) unnamed.push_back(e);
  std::stable_sort(unnamed.begin(), unnamed.end(), [](const Entry& a, const Entry& b) {
    const double ma = a.sum / static_cast<double>(a.count);
    const double mb = b.sum / static_cast<double>(b.count);
    if (ma != mb) return ma > mb;
    return a.best->generation < b.best->generation;
  });
  auto out = nlohmann::json::array();
  for (std::size_t r = 0; r < unnamed.size() && r < n; ++r) {
    const auto& e = unnamed[r];
    out.push_back({{"rank", r + 1},
                   {"generation", e.best->generation},
                   {"index", e.best->best_index},
                   {"weighted", finite_or_null(e.best->best)},
                   {"mean_weighted", finite_or_null(e.sum / static_cast<double>(e.count))},
                   {"evaluations", e.count},
                   {"fitness", e.best->best_fitness},
                   {"metrics", nlohmann::json::object()},
                   {"params", named_params(names, nlohmann::json(e.best->best_params))}});
  }
  return out;
}

}  // namespace

std::vector<std::string> flat_parameter_names(const nlohmann::json& space) {
  std::vector<std::string> n;
  for (const auto& p : space) {
    const auto name = p.at("name").get<std::string>();
    if (!p.at("array").get<bool>()) {
      n.push_back(name);
    } else {
      for (std::size_t k = 0; k < p.at("size").get<std::size_t>(); ++k)
        n.push_back(name + "[" + std::to_string(k) + "]");
    }
  }
  return n;
}

nlohmann::json hall_of_fame(RunStore& store, std::int64_t run_id, std::size_t n) {
  const auto names = flat_parameter_names(store.run(run_id).space);
  auto any = store.db().prepare("SELECT 1 FROM evaluations WHERE run=?1 LIMIT 1");
  any.bind(1, run_id);
  if (!any.step()) return from_generations(store, run_id, n, names);

  // SQLite takes the bare columns of a group from the row that holds its max(): the individual's
  // best evaluation. Rows without parameters are their own group.
  auto st = store.db().prepare(
      "SELECT generation, idx, fitness, metrics, params, max(weighted), avg(weighted), count(*) "
      "FROM evaluations WHERE run=?1 AND status='ok' AND weighted IS NOT NULL "
      "GROUP BY CASE WHEN params IS NULL OR length(params) = 0 "
      "THEN 'row ' || generation || ' ' || idx ELSE params END "
      "ORDER BY avg(weighted) DESC, max(weighted) DESC, generation, idx LIMIT ?2");
  st.bind(1, run_id).bind(2, static_cast<std::int64_t>(n));
  auto out = nlohmann::json::array();
  while (st.step()) {
    out.push_back(
        {{"rank", out.size() + 1},
         {"generation", st.get_int(0)},
         {"index", st.get_int(1)},
         {"weighted", finite_or_null(st.get_double(5))},
         {"mean_weighted", finite_or_null(st.get_double(6))},
         {"evaluations", st.get_int(7)},
         {"fitness", st.is_null(2) ? nlohmann::json::array() : column_doubles_json(st, 2)},
         {"metrics", parse_or(st.get_text(3), nlohmann::json::object())},
         {"params", named_params(names, st.get_text(4).empty() ? nlohmann::json()
                                                               : column_doubles_json(st, 4))}});
  }
  return out;
}

}  // namespace l2l
