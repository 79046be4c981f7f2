#include "l2l/report/report_data.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "l2l/report/chart_data.hpp"
#include "l2l/report/pca.hpp"
#include "l2l/report/report_section.hpp"
#include "l2l/report/section_context.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_summary.hpp"
#include "l2l/storage/vector_codec.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

std::string truncate(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t cut = n;
  // Do not cut a UTF-8 sequence in half.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

// Failure reasons that differ only in numbers (indices, generations, values) are one reason:
// "injected failure (generation 3, index 7)" and "(generation 4, index 1)" count together.
std::string reason_pattern(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const bool digit = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
    // "fitness[0] is nan" keeps its index: a digit inside brackets names an objective.
    if (digit && !(i > 0 && s[i - 1] == '[')) {
      while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                              s[i] == 'e' || s[i] == 'E'))
        ++i;
      out += '#';
      continue;
    }
    out += s[i++];
  }
  return out;
}

// The run-wide sections (fitness, failures, parameters, held-out metrics, optimizer state), then
// every registered ReportSection; all read the run through one SectionContext.
class Collector {
 public:
  Collector(RunStore& store, std::int64_t run, const ReportOptions& opt)
      : ctx_(store, run, opt),
        store_(ctx_.store()),
        run_id_(ctx_.run_id()),
        opt_(ctx_.options()),
        info_(ctx_.info()),
        scale_(ctx_.scale()),
        gens_(ctx_.generations()),
        names_(ctx_.names()) {}

  json collect();

 private:
  json run_section();
  json generation_section();
  json failure_section();
  json parameter_section();
  json info_sections(json& tests);

  SectionContext ctx_;
  // Shorthands for the parts of the context the run-wide sections read most.
  RunStore& store_;
  const std::int64_t run_id_;
  const ReportOptions& opt_;
  const RunInfo& info_;
  const Scale& scale_;
  const std::vector<GenerationRecord>& gens_;
  const std::vector<std::string>& names_;
};

json Collector::run_section() {
  json r = summarize_run(store_, run_id_);
  r["config"] = info_.config;
  r["config_file"] = info_.config_file;
  r["started"] = info_.started;
  r["finished"] = std::isfinite(info_.finished) ? json(info_.finished) : json(nullptr);
  r["space"] = info_.space;
  r["dimension"] = names_.size();
  r["optimizer"] = ctx_.optimizer_type();
  r["optimizee"] = ctx_.optimizee_type();
  r["objective_label"] = scale_.label;
  r["lower_is_better"] = scale_.lower_is_better;
  if (auto c = store_.checkpoint(run_id_)) r["checkpoint_generation"] = c->generation;
  std::int64_t artifact_bytes = 0;
  std::map<std::string, std::int64_t> counts;
  for (const auto& a : ctx_.artifacts()) {
    artifact_bytes += a.bytes;
    ++counts[a.name];
  }
  r["artifact_counts"] = counts;
  r["artifact_bytes"] = artifact_bytes;
  std::error_code ec;
  const auto size = std::filesystem::file_size(store_.path(), ec);
  r["store_bytes"] = ec ? json(nullptr) : json(size);
  auto meta = store_.db().prepare("SELECT value FROM meta WHERE key='schema_version'");
  r["schema_version"] = meta.step() ? meta.get_text(0) : std::string("?");
  return r;
}

json Collector::generation_section() {
  json rows = json::array();
  const auto picks = spread(gens_.size(), opt_.max_generation_rows);
  std::vector<double> best_so_far(gens_.size(), std::nan(""));
  double b = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < gens_.size(); ++i) {
    if (std::isfinite(gens_[i].best)) b = std::max(b, gens_[i].best);
    if (std::isfinite(b)) best_so_far[i] = b;
  }
  bool all_positive = true;
  double vmin = std::numeric_limits<double>::infinity(), vmax = 0;
  for (auto i : picks) {
    const auto& g = gens_[i];
    const double q_a = scale_(g.q25), q_b = scale_(g.q75);
    json row = {{"g", g.generation},
                {"best", num(scale_(g.best))},
                {"median", num(scale_(g.median))},
                {"mean", num(scale_(g.mean))},
                {"worst", num(scale_(g.worst))},
                {"best_so_far", num(scale_(best_so_far[i]))},
                {"lo", num(std::min(q_a, q_b))},
                {"hi", num(std::max(q_a, q_b))},
                {"evals", g.evaluations},
                {"failed", g.failed},
                {"seconds", num(g.seconds)},
                {"elapsed", num(g.elapsed)},
                {"eps", num(g.seconds > 0 ? static_cast<double>(g.evaluations) / g.seconds
                                          : std::nan(""))}};
    for (double v :
         {scale_(g.best), scale_(g.median), scale_(g.q25), scale_(g.q75), scale_(best_so_far[i])}) {
      if (!std::isfinite(v)) continue;
      if (v <= 0) all_positive = false;
      vmin = std::min(vmin, v);
      vmax = std::max(vmax, v);
    }
    rows.push_back(std::move(row));
  }
  // A log axis when values are positive and span more than three decades (e.g. a benchmark
  // function converging towards 0).
  const bool log_axis = all_positive && std::isfinite(vmin) && vmin > 0 && vmax / vmin > 1e3;
  return {{"rows", rows},          {"total", gens_.size()},
          {"shown", picks.size()}, {"log_axis", log_axis},
          {"label", scale_.label}, {"lower_is_better", scale_.lower_is_better}};
}

json Collector::failure_section() {
  std::int64_t total = 0;
  for (const auto& g : gens_) total += g.failed;
  json out = {{"total", total}, {"by_generation", json::array()}, {"reasons", json::array()}};
  if (total == 0) return out;
  struct Cell {
    std::int64_t g;
    std::string reason;
    std::int64_t n;
  };
  std::vector<Cell> cells;
  std::map<std::string, std::int64_t> totals;
  std::map<std::string, std::int64_t> first_seen;
  std::map<std::string, std::string> example;
  auto st = store_.db().prepare(
      "SELECT generation, status, coalesce(error, ''), count(*) FROM evaluations "
      "WHERE run=?1 AND status != 'ok' GROUP BY generation, status, error ORDER BY generation");
  st.bind(1, run_id_);
  std::int64_t seen = 0;
  while (st.step()) {
    const auto status = st.get_text(1), error = st.get_text(2);
    const std::string full = error.empty() ? status : status + ": " + error;
    const std::string reason = truncate(reason_pattern(full), 160);
    cells.push_back({st.get_int(0), reason, st.get_int(3)});
    totals[reason] += st.get_int(3);
    if (!first_seen.count(reason)) {
      first_seen[reason] = st.get_int(0);
      example[reason] = truncate(full, 300);
    }
    seen += st.get_int(3);
  }
  if (seen == 0) {
    // Store level `generations`: the counts are known, the reasons are not.
    const std::string r = "reason not stored (store_level: generations)";
    for (const auto& g : gens_)
      if (g.failed > 0) cells.push_back({g.generation, r, g.failed});
    totals[r] = total;
    first_seen[r] = cells.empty() ? 0 : cells.front().g;
  }
  std::vector<std::pair<std::int64_t, std::string>> ranked;
  for (const auto& [r, n] : totals) ranked.emplace_back(n, r);
  std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::set<std::string> shown;
  for (std::size_t i = 0; i < ranked.size() && i < 8; ++i) shown.insert(ranked[i].second);
  for (std::size_t i = 0; i < ranked.size() && i < 50; ++i)
    out["reasons"].push_back({{"reason", ranked[i].second},
                              {"count", ranked[i].first},
                              {"first_generation", first_seen[ranked[i].second]},
                              {"example", example[ranked[i].second]}});
  // Many failing generations: merge neighbours into buckets so the chart keeps a few bars.
  std::int64_t last_g = gens_.empty() ? 0 : gens_.back().generation;
  const std::int64_t bucket = std::max<std::int64_t>(1, (last_g + 1 + 399) / 400);
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> agg;
  for (const auto& c : cells)
    agg[{c.g / bucket * bucket, shown.count(c.reason) ? c.reason : std::string("other reasons")}] +=
        c.n;
  for (const auto& [k, n] : agg)
    out["by_generation"].push_back({{"g", k.first}, {"reason", k.second}, {"n", n}});
  out["bucket"] = bucket;
  return out;
}

json Collector::parameter_section() {
  const std::size_t d = names_.size();
  json out = {{"names", names_}, {"dimension", d}};
  if (d == 0) {
    out["mode"] = "none";
    return out;
  }
  const bool each = d <= opt_.small_space;
  out["mode"] = each ? "each" : "pca";

  // Sample the population: evenly spaced generations, each with (up to) its whole batch.
  std::vector<std::int64_t> gen_ids;
  std::int64_t per_gen = 1;
  for (const auto& g : gens_) {
    gen_ids.push_back(g.generation);
    per_gen = std::max(per_gen, g.evaluations);
  }
  // Values budget: each-mode draws d points per individual; PCA keeps n x d doubles in memory.
  const std::size_t budget =
      each ? std::max<std::size_t>(opt_.max_points / d, 50)
           : std::clamp<std::size_t>(static_cast<std::size_t>(2e7 / static_cast<double>(d)), 50,
                                     opt_.max_points);
  std::size_t n_gens = std::max<std::size_t>(2, budget / static_cast<std::size_t>(per_gen));
  n_gens = std::min<std::size_t>(n_gens, 400);
  const auto picks = spread(gen_ids.size(), n_gens);
  const std::size_t limit =
      std::max<std::size_t>(1, budget / std::max<std::size_t>(1, picks.size()));

  struct Sample {
    std::int64_t g, idx;
    double shown;  // fitness for colouring, NaN if failed
    std::vector<double> x;
  };
  std::vector<Sample> samples;
  auto st = store_.db().prepare(
      "SELECT idx, params, weighted, status FROM evaluations WHERE run=?1 AND generation=?2 "
      "ORDER BY idx LIMIT ?3");
  std::vector<double> x;
  std::size_t malformed = 0;
  for (auto p : picks) {
    st.bind(1, run_id_).bind(2, gen_ids[p]).bind(3, static_cast<std::int64_t>(limit));
    while (st.step()) {
      if (st.is_null(1)) continue;  // not stored (experiment.store_params)
      if (!try_column_doubles(st, 1, x) || x.size() != d) {
        ++malformed;
        continue;
      }
      const double w = st.get_text(3) == "ok" ? scale_(st.get_double(2)) : std::nan("");
      samples.push_back({gen_ids[p], st.get_int(0), w, x});
    }
    st.reset();
  }
  if (malformed)
    ctx_.warn(fmt::format("{} evaluations with malformed parameters skipped", malformed));
  out["sampled_generations"] = picks.size();
  out["population_points"] = samples.size();

  // Best individual of each generation (always stored, also at store level `generations`).
  const auto best_picks = spread(gens_.size(), 2000);
  if (each) {
    json rows = json::array();
    for (const auto& s : samples)
      for (std::size_t j = 0; j < d; ++j) {
        if (!std::isfinite(s.x[j])) continue;
        rows.push_back(
            {{"k", "pop"}, {"g", s.g}, {"p", names_[j]}, {"v", num(s.x[j])}, {"f", num(s.shown)}});
      }
    for (auto i : best_picks) {
      const auto& g = gens_[i];
      if (g.best_params.size() != d) continue;
      for (std::size_t j = 0; j < d; ++j)
        rows.push_back(
            {{"k", "best"}, {"g", g.generation}, {"p", names_[j]}, {"v", num(g.best_params[j])}});
    }
    out["rows"] = std::move(rows);
    return out;
  }

  // PCA in normalized coordinates, so parameters with wide bounds do not dominate.
  std::vector<double> data;
  std::size_t n = 0;
  for (const auto& s : samples) {
    const auto u = ctx_.to_unit(s.x);
    if (!std::all_of(u.begin(), u.end(), [](double v) { return std::isfinite(v); })) continue;
    data.insert(data.end(), u.begin(), u.end());
    ++n;
  }
  std::vector<std::vector<double>> best_u;
  std::vector<std::int64_t> best_g;
  for (auto i : best_picks) {
    const auto& g = gens_[i];
    if (g.best_params.size() != d) continue;
    auto u = ctx_.to_unit(g.best_params);
    if (!std::all_of(u.begin(), u.end(), [](double v) { return std::isfinite(v); })) continue;
    best_u.push_back(std::move(u));
    best_g.push_back(g.generation);
  }
  if (n < 3) {
    // No stored population (store level `generations`): the best individuals are the cloud.
    data.clear();
    n = 0;
    for (const auto& u : best_u) {
      data.insert(data.end(), u.begin(), u.end());
      ++n;
    }
    out["pca_of"] = "best individual of each generation";
  } else {
    out["pca_of"] = "sampled population";
  }
  const auto pca = principal_components(data, n, d, 2);
  json rows = json::array();
  if (pca.components.size() < 2) {
    out["mode"] = "none";
    out["why"] = "fewer than three distinct parameter vectors stored";
    return out;
  }
  std::size_t r = 0;
  for (const auto& s : samples) {
    const auto u = ctx_.to_unit(s.x);
    if (!std::all_of(u.begin(), u.end(), [](double v) { return std::isfinite(v); })) continue;
    const auto c = pca.project(u.data());
    rows.push_back({{"k", "pop"},
                    {"g", s.g},
                    {"i", s.idx},
                    {"pc1", num(c[0])},
                    {"pc2", num(c[1])},
                    {"f", num(s.shown)}});
    ++r;
  }
  for (std::size_t i = 0; i < best_u.size(); ++i) {
    const auto c = pca.project(best_u[i].data());
    rows.push_back({{"k", "best"}, {"g", best_g[i]}, {"pc1", num(c[0])}, {"pc2", num(c[1])}});
  }
  out["rows"] = std::move(rows);
  json explained = json::array();
  for (double v : pca.variances)
    explained.push_back(num(pca.total_variance > 0 ? v / pca.total_variance : 0.0));
  out["explained"] = explained;
  return out;
}

json Collector::info_sections(json& tests) {
  // Numeric keys of generations.info over the generations: optimizer hyper-state, and the
  // metrics of the optimizer's estimate on held-out data: validation_* (experiment.test_every),
  // final_test_* (once at the end) and, in stores written before the two were separated, test_*
  // (the test set, monitored).
  auto held_out_label = [](const std::string& k) -> std::string {
    if (k.rfind("validation_", 0) == 0) return "validation " + k.substr(11);
    if (k.rfind("final_test_", 0) == 0) return "final test " + k.substr(11);
    if (k.rfind("test_", 0) == 0) return "test " + k.substr(5);
    return {};
  };
  std::vector<std::string> keys, test_keys;
  std::set<std::string> seen;
  for (const auto& g : gens_) {
    if (!g.info.is_object()) continue;
    for (const auto& [k, v] : g.info.items()) {
      if (!v.is_number() || seen.count(k)) continue;
      seen.insert(k);
      (held_out_label(k).empty() ? keys : test_keys).push_back(k);
    }
  }
  const std::size_t max_keys = 16;
  if (keys.size() > max_keys) keys.resize(max_keys);
  const auto picks = spread(gens_.size(), 1500);
  json rows = json::array(), trows = json::array();
  for (auto i : picks) {
    const auto& g = gens_[i];
    if (!g.info.is_object()) continue;
    for (const auto& k : keys)
      if (auto it = g.info.find(k); it != g.info.end() && it->is_number())
        rows.push_back({{"g", g.generation}, {"key", k}, {"v", num(it->get<double>())}});
    for (const auto& k : test_keys)
      if (auto it = g.info.find(k); it != g.info.end() && it->is_number())
        trows.push_back(
            {{"g", g.generation}, {"metric", held_out_label(k)}, {"v", num(it->get<double>())}});
  }
  // The final test is a single point at the last generation, which the sampling may skip.
  if (!gens_.empty() && (picks.empty() || picks.back() != gens_.size() - 1)) {
    const auto& g = gens_.back();
    for (const auto& k : test_keys)
      if (k.rfind("final_test_", 0) == 0)
        if (auto it = g.info.find(k); it != g.info.end() && it->is_number())
          trows.push_back(
              {{"g", g.generation}, {"metric", held_out_label(k)}, {"v", num(it->get<double>())}});
  }
  tests = {{"rows", trows}, {"metrics", json::array()}};
  for (const auto& k : test_keys) tests["metrics"].push_back(held_out_label(k));
  return {{"rows", rows}, {"keys", keys}};
}

json Collector::collect() {
  json d;
  d["run"] = run_section();
  d["generations"] = generation_section();
  d["failures"] = failure_section();
  d["parameters"] = parameter_section();
  d["hall_of_fame"] = hall_of_fame(store_, run_id_, opt_.hall_of_fame);
  json tests;
  d["optimizer_info"] = info_sections(tests);
  d["tests"] = tests;
  // In page order, so their warnings are listed in the order of the page too.
  for (const auto* section : report_sections()) d[section->name()] = section->collect(ctx_);
  d["generated"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  d["warnings"] = ctx_.warnings();
  return d;
}

}  // namespace

std::vector<std::string> element_names(const nlohmann::json& space) {
  std::vector<std::string> out;
  for (const auto& p : space) {
    const auto name = p.value("name", std::string("?"));
    if (!p.value("array", false)) {
      out.push_back(name);
      continue;
    }
    for (std::size_t k = 0; k < p.value("size", std::size_t{1}); ++k)
      out.push_back(fmt::format("{}[{}]", name, k));
  }
  return out;
}

nlohmann::json collect_report_data(RunStore& store, std::int64_t run_id,
                                   const ReportOptions& options) {
  // One read transaction: a running experiment commits generations meanwhile, and the report
  // must not mix two of its states.
  store.db().exec("BEGIN");
  try {
    Collector c(store, run_id, options);
    auto d = c.collect();
    store.db().exec("COMMIT");
    return d;
  } catch (...) {
    try {
      store.db().exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

}  // namespace l2l::report
