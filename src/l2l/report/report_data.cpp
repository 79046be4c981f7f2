#include "l2l/report/report_data.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "l2l/report/pca.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_summary.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

static_assert(std::endian::native == std::endian::little,
              "f32 artifacts are little-endian; a big-endian host would need byte swaps");

// Values for charts: 6 significant digits are plenty for a picture and halve the file size.
json num(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  double rounded = v;
  std::from_chars(buf, r.ptr, rounded);
  return rounded;
}

// Up to `k` evenly spaced indices of [0, n), always including the first and the last.
std::vector<std::size_t> spread(std::size_t n, std::size_t k) {
  std::vector<std::size_t> out;
  if (n == 0 || k == 0) return out;
  if (n <= k) {
    out.resize(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    return out;
  }
  if (k == 1) return {n - 1};
  for (std::size_t i = 0; i < k; ++i) {
    const auto idx = static_cast<std::size_t>(std::llround(
        static_cast<double>(i) * static_cast<double>(n - 1) / static_cast<double>(k - 1)));
    if (out.empty() || out.back() != idx) out.push_back(idx);
  }
  return out;
}

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

struct ArtifactMeta {
  std::int64_t id = 0, generation = 0;
  std::optional<std::int64_t> idx;
  std::string name, type;
  std::int64_t bytes = 0;
};

// Monotone "lower/higher is better" display: with one objective of weight w the charts show the
// objective itself (weighted / w); otherwise the weighted sum the optimizer maximizes.
struct Scale {
  double factor = 1.0;
  std::string label = "weighted fitness";
  bool lower_is_better = false;

  explicit Scale(const RunInfo& r) {
    if (r.weights.size() == 1 && r.weights[0] != 0 && std::isfinite(r.weights[0])) {
      factor = 1.0 / r.weights[0];
      const std::string name = r.objectives.empty() ? std::string("fitness") : r.objectives[0];
      label = name;
      lower_is_better = r.weights[0] < 0;
    }
  }
  double operator()(double weighted) const { return weighted * factor; }
};

class Collector {
 public:
  Collector(RunStore& store, std::int64_t run, const ReportOptions& opt)
      : store_(store), run_id_(run), opt_(opt), info_(store.run(run)), scale_(info_) {}

  json collect();

 private:
  void load_space();
  void load_artifact_index();
  std::string load_blob(std::int64_t id);
  std::vector<const ArtifactMeta*> artifacts_named(const std::function<bool(const std::string&)>& m,
                                                   bool newest_first) const;
  json optional_json_artifact(const ArtifactMeta& a, const char* what);
  bool decode_f32(const ArtifactMeta& a, std::vector<double>& out);

  json run_section();
  json generation_section();
  json failure_section();
  json parameter_section();
  json info_sections(json& tests);
  json enkf_section();
  json spiking_section();
  json ants_section();
  json nested_section();
  std::vector<double> to_unit(const std::vector<double>& x) const;

  void warn(std::string w) { warnings_.push_back(std::move(w)); }

  RunStore& store_;
  std::int64_t run_id_;
  const ReportOptions& opt_;
  RunInfo info_;
  Scale scale_;
  std::vector<GenerationRecord> gens_;
  std::vector<std::string> names_;
  std::vector<double> lo_, hi_;
  std::vector<bool> log_;
  struct Group {
    std::string name;
    std::size_t offset, size;
  };
  std::vector<Group> groups_;  // one per space parameter
  std::vector<ArtifactMeta> artifacts_;
  std::string optimizer_type_, optimizee_type_;
  json warnings_ = json::array();
};

void Collector::load_space() {
  std::size_t offset = 0;
  for (const auto& p : info_.space) {
    const auto name = p.value("name", std::string("?"));
    const bool arr = p.value("array", false);
    const std::size_t size = arr ? p.value("size", std::size_t{1}) : 1;
    groups_.push_back({name, offset, size});
    for (std::size_t k = 0; k < size; ++k) {
      names_.push_back(arr ? fmt::format("{}[{}]", name, k) : name);
      lo_.push_back(p.value("lo", 0.0));
      hi_.push_back(p.value("hi", 1.0));
      log_.push_back(p.value("log", false));
    }
    offset += size;
  }
}

void Collector::load_artifact_index() {
  auto st = store_.db().prepare(
      "SELECT id, generation, idx, name, type, length(data) FROM artifacts WHERE run=?1 "
      "ORDER BY generation, id");
  st.bind(1, run_id_);
  while (st.step()) {
    ArtifactMeta m;
    m.id = st.get_int(0);
    m.generation = st.get_int(1);
    if (!st.is_null(2)) m.idx = st.get_int(2);
    m.name = st.get_text(3);
    m.type = st.get_text(4);
    m.bytes = st.get_int(5);
    artifacts_.push_back(std::move(m));
  }
}

std::string Collector::load_blob(std::int64_t id) {
  auto st = store_.db().prepare("SELECT data FROM artifacts WHERE id=?1");
  st.bind(1, id);
  return st.step() ? st.get_text(0) : std::string();
}

std::vector<const ArtifactMeta*> Collector::artifacts_named(
    const std::function<bool(const std::string&)>& match, bool newest_first) const {
  std::vector<const ArtifactMeta*> out;
  for (const auto& a : artifacts_)
    if (match(a.name)) out.push_back(&a);
  if (newest_first)
    std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) {
      if (a->generation != b->generation) return a->generation > b->generation;
      return a->idx.value_or(-1) < b->idx.value_or(-1);
    });
  return out;
}

json Collector::optional_json_artifact(const ArtifactMeta& a, const char* what) {
  const auto text = load_blob(a.id);
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    warn(fmt::format("{} artifact '{}' (generation {}{}) is not a JSON object; skipped", what,
                     a.name, a.generation, a.idx ? fmt::format(", individual {}", *a.idx) : ""));
    return nullptr;
  }
  return j;
}

bool Collector::decode_f32(const ArtifactMeta& a, std::vector<double>& out) {
  const auto bytes = load_blob(a.id);
  if (bytes.size() % 4 != 0) {
    warn(fmt::format("artifact '{}' (generation {}) has {} bytes, not a float32 array; skipped",
                     a.name, a.generation, bytes.size()));
    return false;
  }
  out.resize(bytes.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    float f;
    std::memcpy(&f, bytes.data() + 4 * i, 4);
    out[i] = f;
  }
  return true;
}

std::vector<double> Collector::to_unit(const std::vector<double>& x) const {
  std::vector<double> u(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double lo = lo_[j], hi = hi_[j];
    if (log_[j] && lo > 0 && hi > lo && x[j] > 0)
      u[j] = std::log(x[j] / lo) / std::log(hi / lo);
    else if (std::isfinite(lo) && std::isfinite(hi) && hi > lo)
      u[j] = (x[j] - lo) / (hi - lo);
    else
      u[j] = x[j];
  }
  return u;
}

json Collector::run_section() {
  json r = summarize_run(store_, run_id_);
  r["config"] = info_.config;
  r["config_file"] = info_.config_file;
  r["started"] = info_.started;
  r["finished"] = std::isfinite(info_.finished) ? json(info_.finished) : json(nullptr);
  r["space"] = info_.space;
  r["dimension"] = names_.size();
  r["optimizer"] = optimizer_type_;
  r["optimizee"] = optimizee_type_;
  r["objective_label"] = scale_.label;
  r["lower_is_better"] = scale_.lower_is_better;
  if (auto c = store_.checkpoint(run_id_)) r["checkpoint_generation"] = c->generation;
  std::int64_t artifact_bytes = 0;
  std::map<std::string, std::int64_t> counts;
  for (const auto& a : artifacts_) {
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
      if (st.get_text(1).empty()) continue;  // not stored (experiment.store_params)
      if (!parse_number_array(st.get_text(1), x) || x.size() != d) {
        ++malformed;
        continue;
      }
      const double w = st.get_text(3) == "ok" ? scale_(st.get_double(2)) : std::nan("");
      samples.push_back({gen_ids[p], st.get_int(0), w, x});
    }
    st.reset();
  }
  if (malformed) warn(fmt::format("{} evaluations with malformed parameters skipped", malformed));
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
    const auto u = to_unit(s.x);
    if (!std::all_of(u.begin(), u.end(), [](double v) { return std::isfinite(v); })) continue;
    data.insert(data.end(), u.begin(), u.end());
    ++n;
  }
  std::vector<std::vector<double>> best_u;
  std::vector<std::int64_t> best_g;
  for (auto i : best_picks) {
    const auto& g = gens_[i];
    if (g.best_params.size() != d) continue;
    auto u = to_unit(g.best_params);
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
    const auto u = to_unit(s.x);
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

json Collector::enkf_section() {
  auto named = [&](const char* n) {
    return artifacts_named([n](const std::string& s) { return s == n; }, false);
  };
  const auto stats = named("enkf_stats"), means = named("enkf_mean"), ens = named("enkf_ensemble");
  const bool is_enkf =
      optimizer_type_ == "enkf" || !stats.empty() || !means.empty() || !ens.empty();
  if (!is_enkf) return nullptr;
  json out = json::object();

  // Eigenvalue spectra over generations.
  json spec = json::array();
  for (auto i : spread(stats.size(), opt_.spectrum_generations)) {
    const auto& a = *stats[i];
    const auto j = optional_json_artifact(a, "enkf_stats");
    if (j.is_null()) continue;
    for (const auto& [key, kind] : {std::pair{"parameter_covariance_eigenvalues", "parameters"},
                                    std::pair{"output_covariance_eigenvalues", "outputs"}}) {
      if (!j.contains(key) || !j[key].is_array()) continue;
      std::vector<double> ev;
      for (const auto& v : j[key])
        if (v.is_number()) ev.push_back(v.get<double>());
      std::sort(ev.begin(), ev.end(), std::greater<>());
      const double top = ev.empty() ? 0 : ev.front();
      for (std::size_t r = 0; r < ev.size() && r < 300; ++r) {
        if (!(ev[r] > top * 1e-12) || !(ev[r] > 0)) break;  // numerically zero: off a log axis
        spec.push_back({{"g", a.generation}, {"kind", kind}, {"rank", r + 1}, {"v", num(ev[r])}});
      }
    }
  }
  out["spectrum"] = spec;

  // Weight histograms per layer (space parameter) of the ensemble mean over generations.
  json hist = json::array();
  std::string hist_source;
  std::vector<std::pair<std::int64_t, std::vector<double>>> vectors;
  for (auto i : spread(means.size(), opt_.histogram_generations)) {
    std::vector<double> v;
    if (!decode_f32(*means[i], v)) continue;
    if (v.size() != names_.size()) {
      warn(fmt::format("enkf_mean of generation {} has {} values, the space {}; skipped",
                       means[i]->generation, v.size(), names_.size()));
      continue;
    }
    vectors.emplace_back(means[i]->generation, std::move(v));
  }
  if (!vectors.empty()) {
    hist_source = "ensemble mean (enkf_mean artifacts)";
  } else {
    for (auto i : spread(gens_.size(), opt_.histogram_generations))
      if (gens_[i].best_params.size() == names_.size() && !names_.empty())
        vectors.emplace_back(gens_[i].generation, gens_[i].best_params);
    hist_source = "best member of each generation (no enkf_mean artifacts stored)";
  }
  // Layers: array parameters; all scalars together form one more group.
  std::vector<Group> layers;
  std::vector<std::size_t> scalar_idx;
  for (const auto& g : groups_) {
    if (g.size > 1)
      layers.push_back(g);
    else
      scalar_idx.push_back(g.offset);
  }
  const std::size_t bins = std::max<std::size_t>(opt_.histogram_bins, 2);
  auto histogram = [&](const std::string& layer, const std::vector<std::size_t>& idx) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& [g, v] : vectors)
      for (auto k : idx)
        if (std::isfinite(v[k])) lo = std::min(lo, v[k]), hi = std::max(hi, v[k]);
    if (!std::isfinite(lo)) return;
    if (hi <= lo) hi = lo + 1e-9 + std::abs(lo) * 1e-6;
    const double w = (hi - lo) / static_cast<double>(bins);
    for (const auto& [g, v] : vectors) {
      std::vector<std::size_t> count(bins, 0);
      std::size_t n = 0;
      for (auto k : idx) {
        if (!std::isfinite(v[k])) continue;
        auto b = static_cast<std::size_t>((v[k] - lo) / w);
        count[std::min(b, bins - 1)]++;
        ++n;
      }
      for (std::size_t b = 0; b < bins; ++b)
        hist.push_back(
            {{"layer", layer},
             {"g", g},
             {"x0", num(lo + static_cast<double>(b) * w)},
             {"x1", num(lo + static_cast<double>(b + 1) * w)},
             {"n", num(n ? static_cast<double>(count[b]) / static_cast<double>(n) : 0.0)}});
    }
  };
  if (!vectors.empty()) {
    for (const auto& l : layers) {
      std::vector<std::size_t> idx(l.size);
      std::iota(idx.begin(), idx.end(), l.offset);
      histogram(l.name, idx);
    }
    if (scalar_idx.size() > 1) histogram("scalar parameters", scalar_idx);
  }
  out["histograms"] = hist;
  out["histogram_source"] = hist_source;

  // Covariance of a block of parameters: from the stored ensemble, else from the population
  // evaluated in the last generation that has enough members.
  const std::size_t d = names_.size();
  const std::size_t first = std::min(opt_.cov_first, d), size = std::min(opt_.cov_size, d - first);
  std::vector<std::vector<double>> members;
  std::string cov_source;
  std::int64_t cov_gen = -1;
  if (!ens.empty() && size > 0) {
    const auto& a = *ens.back();
    std::vector<double> flat;
    if (decode_f32(a, flat) && d > 0 && flat.size() % d == 0) {
      const std::size_t J = flat.size() / d;
      for (std::size_t j = 0; j < J; ++j)
        members.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(j * d + first),
                             flat.begin() + static_cast<std::ptrdiff_t>(j * d + first + size));
      cov_source = fmt::format("ensemble of {} members (enkf_ensemble artifact)", J);
      cov_gen = a.generation;
    } else if (!flat.empty()) {
      warn(fmt::format("enkf_ensemble of generation {} does not fit the space; skipped",
                       a.generation));
    }
  }
  if (members.empty() && size > 0) {
    auto st = store_.db().prepare(
        "SELECT params FROM evaluations WHERE run=?1 AND generation=?2 ORDER BY idx LIMIT 5000");
    for (auto it = gens_.rbegin(); it != gens_.rend() && members.empty(); ++it) {
      if (it->evaluations < 3) continue;
      st.bind(1, run_id_).bind(2, it->generation);
      std::vector<double> x;
      while (st.step())
        if (parse_number_array(st.get_text(0), x) && x.size() == d)
          members.emplace_back(x.begin() + static_cast<std::ptrdiff_t>(first),
                               x.begin() + static_cast<std::ptrdiff_t>(first + size));
      st.reset();
      if (members.size() < 3) {
        members.clear();
        break;  // stored at level `generations`; older generations will not have more
      }
      cov_source =
          fmt::format("{} members evaluated in generation {}", members.size(), it->generation);
      cov_gen = it->generation;
    }
  }
  if (members.size() >= 2) {
    std::vector<double> mean(size, 0.0);
    for (const auto& m : members)
      for (std::size_t i = 0; i < size; ++i) mean[i] += m[i];
    for (auto& v : mean) v /= static_cast<double>(members.size());
    json cells = json::array();
    for (std::size_t a = 0; a < size; ++a)
      for (std::size_t b = 0; b < size; ++b) {
        double c = 0;
        for (const auto& m : members) c += (m[a] - mean[a]) * (m[b] - mean[b]);
        c /= static_cast<double>(members.size() - 1);
        cells.push_back({{"i", a},
                         {"j", b},
                         {"a", names_[first + a]},
                         {"b", names_[first + b]},
                         {"v", num(c)}});
      }
    out["covariance"] = {{"cells", cells},
                         {"first", first},
                         {"size", size},
                         {"generation", cov_gen},
                         {"source", cov_source}};
  }
  return out;
}

json Collector::spiking_section() {
  const auto list = artifacts_named(
      [](const std::string& n) {
        return n == "raster" || (n.size() >= 7 && n.compare(n.size() - 7, 7, ".raster") == 0);
      },
      true);
  json rasters = json::array();
  std::size_t kept = 0;
  for (const auto* a : list) {
    if (kept >= opt_.max_artifacts) break;
    const auto j = optional_json_artifact(*a, "spike raster");
    if (j.is_null()) continue;
    const auto where = fmt::format("raster '{}' (generation {}{})", a->name, a->generation,
                                   a->idx ? fmt::format(", individual {}", *a->idx) : "");
    if (!j.contains("senders") || !j.contains("times") || !j["senders"].is_array() ||
        !j["times"].is_array() || j["senders"].size() != j["times"].size()) {
      warn(where + ": needs arrays 'senders' and 'times' of equal length; skipped");
      continue;
    }
    const auto& js = j["senders"];
    const auto& jt = j["times"];
    std::vector<std::int64_t> senders;
    std::vector<double> times;
    senders.reserve(js.size());
    times.reserve(jt.size());
    bool bad = false;
    for (std::size_t k = 0; k < js.size(); ++k) {
      if (!js[k].is_number_integer() || js[k].get<std::int64_t>() < 0 || !jt[k].is_number()) {
        bad = true;
        break;
      }
      senders.push_back(js[k].get<std::int64_t>());
      times.push_back(jt[k].get<double>());
    }
    if (bad) {
      warn(where + ": senders must be integers >= 0 and times numbers; skipped");
      continue;
    }
    struct Pop {
      std::string name;
      std::int64_t first, size;
    };
    std::vector<Pop> pops;
    if (j.contains("populations") && j["populations"].is_array()) {
      for (const auto& p : j["populations"])
        if (p.is_object() && p.value("size", 0) > 0)
          pops.push_back({p.value("name", std::string("?")), p.value("first", std::int64_t{0}),
                          p.value("size", std::int64_t{0})});
    }
    std::int64_t max_id = -1;
    for (auto s : senders) max_id = std::max(max_id, s);
    if (pops.empty()) pops.push_back({"all", 0, max_id + 1});
    auto pop_of = [&](std::int64_t id) -> int {
      for (std::size_t p = 0; p < pops.size(); ++p)
        if (id >= pops[p].first && id < pops[p].first + pops[p].size) return static_cast<int>(p);
      return -1;
    };
    double t0 = j.value("t_start", std::nan("")), t1 = j.value("t_stop", std::nan(""));
    if (!std::isfinite(t0) || !std::isfinite(t1)) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (double t : times) lo = std::min(lo, t), hi = std::max(hi, t);
      if (!std::isfinite(t0)) t0 = std::isfinite(lo) ? lo : 0.0;
      if (!std::isfinite(t1)) t1 = std::isfinite(hi) ? hi : t0 + 1.0;
    }
    if (t1 <= t0) t1 = t0 + 1.0;
    double bin = j.value("bin", 5.0);
    if (!(bin > 0)) bin = 5.0;
    const auto nbins = std::min<std::size_t>(
        5000, std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil((t1 - t0) / bin))));
    bin = (t1 - t0) / static_cast<double>(nbins);
    std::vector<std::vector<std::int64_t>> counts(pops.size(), std::vector<std::int64_t>(nbins, 0));
    std::int64_t outside = 0;
    for (std::size_t k = 0; k < senders.size(); ++k) {
      const int p = pop_of(senders[k]);
      if (p < 0 || times[k] < t0 || times[k] > t1) {
        ++outside;
        continue;
      }
      auto b = static_cast<std::size_t>((times[k] - t0) / bin);
      counts[static_cast<std::size_t>(p)][std::min(b, nbins - 1)]++;
    }
    json rates = json::array();
    for (std::size_t p = 0; p < pops.size(); ++p)
      for (std::size_t b = 0; b < nbins; ++b)
        rates.push_back({{"t", num(t0 + (static_cast<double>(b) + 0.5) * bin)},
                         {"pop", pops[p].name},
                         {"rate", num(static_cast<double>(counts[p][b]) /
                                      (static_cast<double>(pops[p].size) * bin * 1e-3))}});
    // Thin by neuron (every k-th id), so the spike trains that are shown stay complete.
    const std::size_t stride = senders.size() > opt_.max_spikes
                                   ? (senders.size() + opt_.max_spikes - 1) / opt_.max_spikes
                                   : 1;
    json spikes = json::array();
    for (std::size_t k = 0; k < senders.size(); ++k) {
      if (senders[k] % static_cast<std::int64_t>(stride) != 0) continue;
      const int p = pop_of(senders[k]);
      spikes.push_back(
          {{"t", num(times[k])},
           {"n", senders[k]},
           {"pop", p >= 0 ? pops[static_cast<std::size_t>(p)].name : std::string("other")}});
    }
    json pop_list = json::array();
    for (const auto& p : pops)
      pop_list.push_back({{"name", p.name}, {"first", p.first}, {"size", p.size}});
    rasters.push_back(
        {{"name", a->name},
         {"generation", a->generation},
         {"index", a->idx ? json(*a->idx) : json(nullptr)},
         {"label", j.contains("label") && j["label"].is_string() ? j["label"] : json("")},
         {"t_start", num(t0)},
         {"t_stop", num(t1)},
         {"bin", num(bin)},
         {"populations", pop_list},
         {"spikes_total", senders.size()},
         {"spikes_outside", outside},
         {"neuron_stride", stride},
         {"spikes", spikes},
         {"rates", rates}});
    ++kept;
  }
  return {{"rasters", rasters}, {"stored", list.size()}};
}

json Collector::ants_section() {
  const auto arenas = artifacts_named([](const std::string& n) { return n == "ants.arena"; }, true);
  const auto corrs =
      artifacts_named([](const std::string& n) { return n == "ants.correlation"; }, true);
  json out = {{"arenas", json::array()}, {"correlations", json::array()}};
  auto where = [](const ArtifactMeta& a) {
    return fmt::format("'{}' (generation {}{})", a.name, a.generation,
                       a.idx ? fmt::format(", individual {}", *a.idx) : "");
  };
  auto number = [](const json& j, const char* k, double dflt) {
    return j.is_object() && j.contains(k) && j[k].is_number() ? j[k].get<double>() : dflt;
  };
  std::size_t kept = 0;
  for (const auto* a : arenas) {
    if (kept >= opt_.max_artifacts) break;
    const auto j = optional_json_artifact(*a, "ants arena");
    if (j.is_null()) continue;
    const double x0 = number(j, "x0", 0), y0 = number(j, "y0", 0);
    const double width = number(j, "width", 0), height = number(j, "height", 0);
    if (!(width >= 1 && height >= 1 && width * height <= 4e6)) {
      warn(where(*a) + ": needs positive 'width' and 'height'; skipped");
      continue;
    }
    const auto w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
    json cells = json::array(), ants = json::array(), trails = json::array(), ticks = json::array();
    json statics = json::array();
    if (j.contains("walls") && j["walls"].is_array())
      for (const auto& p : j["walls"])
        if (p.is_array() && p.size() >= 2 && p[0].is_number() && p[1].is_number())
          statics.push_back(
              {{"kind", "wall"}, {"x", num(p[0].get<double>())}, {"y", num(p[1].get<double>())}});
    json nest = nullptr;
    if (j.contains("nest") && j["nest"].is_object()) {
      const auto& n = j["nest"];
      const double nx = number(n, "x", std::nan("")), ny = number(n, "y", std::nan(""));
      const double r = number(n, "radius", 1);
      if (std::isfinite(nx) && std::isfinite(ny)) {
        nest = {{"x", num(nx)}, {"y", num(ny)}, {"radius", num(r)}};
        // The nest as patches within its radius, drawn like every other patch.
        for (double dx = -std::ceil(r); dx <= std::ceil(r); ++dx)
          for (double dy = -std::ceil(r); dy <= std::ceil(r); ++dy)
            if (dx * dx + dy * dy <= r * r)
              statics.push_back({{"kind", "nest"},
                                 {"x", num(std::round(nx) + dx)},
                                 {"y", num(std::round(ny) + dy)}});
      }
    }
    std::vector<json> snaps;
    if (j.contains("snapshots") && j["snapshots"].is_array())
      for (const auto& s : j["snapshots"])
        if (s.is_object() && s.contains("tick") && s["tick"].is_number()) snaps.push_back(s);
    std::stable_sort(snaps.begin(), snaps.end(), [](const json& p, const json& q) {
      return p["tick"].get<double>() < q["tick"].get<double>();
    });
    if (snaps.empty()) {
      warn(where(*a) + ": no snapshots; skipped");
      continue;
    }
    const auto pick = spread(snaps.size(), opt_.max_snapshots);
    double pmax = 0;
    for (auto si : pick) {
      const auto& s = snaps[si];
      const double tick = s["tick"].get<double>();
      ticks.push_back(num(tick));
      if (s.contains("pheromone") && s["pheromone"].is_array()) {
        const auto& ph = s["pheromone"];
        if (ph.size() != w * h) {
          warn(fmt::format("{}: tick {}: pheromone has {} values, width x height is {}", where(*a),
                           tick, ph.size(), w * h));
        } else {
          for (std::size_t k = 0; k < ph.size(); ++k) {
            if (!ph[k].is_number()) continue;
            const double v = ph[k].get<double>();
            if (!(v > 0)) continue;
            pmax = std::max(pmax, v);
            cells.push_back({{"tick", num(tick)},
                             {"kind", "pheromone"},
                             {"x", num(x0 + static_cast<double>(k % w))},
                             {"y", num(y0 + static_cast<double>(k / w))},
                             {"v", num(v)}});
          }
        }
      }
      if (s.contains("food") && s["food"].is_array())
        for (const auto& f : s["food"])
          if (f.is_object() && number(f, "amount", 1) > 0)
            cells.push_back({{"tick", num(tick)},
                             {"kind", "food"},
                             {"x", num(number(f, "x", 0))},
                             {"y", num(number(f, "y", 0))},
                             {"v", num(number(f, "amount", 1))}});
      if (s.contains("ants") && s["ants"].is_array()) {
        std::size_t id = 0;
        for (const auto& ant : s["ants"]) {
          if (!ant.is_object()) continue;
          ants.push_back(
              {{"tick", num(tick)},
               {"ant", id++},
               {"x", num(number(ant, "x", 0))},
               {"y", num(number(ant, "y", 0))},
               {"heading", num(number(ant, "heading", 0))},
               {"carrying", ant.value("carrying", false) ? "carrying food" : "searching"}});
        }
      }
      if (s.contains("trails") && s["trails"].is_array()) {
        std::size_t id = 0;
        for (const auto& tr : s["trails"]) {
          if (!tr.is_array()) continue;
          std::size_t order = 0;
          for (const auto& p : tr)
            if (p.is_array() && p.size() >= 2 && p[0].is_number() && p[1].is_number())
              trails.push_back({{"tick", num(tick)},
                                {"ant", id},
                                {"o", order++},
                                {"x", num(p[0].get<double>())},
                                {"y", num(p[1].get<double>())}});
          ++id;
        }
      }
    }
    out["arenas"].push_back(
        {{"name", a->name},
         {"generation", a->generation},
         {"index", a->idx ? json(*a->idx) : json(nullptr)},
         {"x0", num(x0)},
         {"y0", num(y0)},
         {"width", w},
         {"height", h},
         {"nest", nest},
         {"ticks", ticks},
         {"snapshots_stored", snaps.size()},
         {"pheromone_max", num(pmax)},
         {"food_returned",
          j.contains("food_returned") ? num(number(j, "food_returned", 0)) : json(nullptr)},
         {"statics", statics},
         {"cells", cells},
         {"ants", ants},
         {"trails", trails}});
    ++kept;
  }
  kept = 0;
  for (const auto* a : corrs) {
    if (kept >= opt_.max_artifacts) break;
    const auto j = optional_json_artifact(*a, "ants correlation");
    if (j.is_null()) continue;
    if (!j.contains("inputs") || !j.contains("outputs") || !j.contains("r") ||
        !j["inputs"].is_array() || !j["outputs"].is_array() || !j["r"].is_array() ||
        j["r"].size() != j["inputs"].size()) {
      warn(where(*a) + ": needs 'inputs', 'outputs' and an inputs x outputs matrix 'r'; skipped");
      continue;
    }
    json cells = json::array();
    bool ok = true;
    for (std::size_t i = 0; i < j["inputs"].size() && ok; ++i) {
      const auto& row = j["r"][i];
      if (!row.is_array() || row.size() != j["outputs"].size()) {
        ok = false;
        break;
      }
      for (std::size_t o = 0; o < row.size(); ++o) {
        const auto label = [](const json& v) {
          return v.is_string() ? v.get<std::string>() : v.dump();
        };
        cells.push_back({{"input", label(j["inputs"][i])},
                         {"output", label(j["outputs"][o])},
                         {"ii", i},
                         {"oi", o},
                         {"r", row[o].is_number() ? num(row[o].get<double>()) : json(nullptr)}});
      }
    }
    if (!ok) {
      warn(where(*a) + ": each row of 'r' needs one value per output; skipped");
      continue;
    }
    out["correlations"].push_back(
        {{"name", a->name},
         {"generation", a->generation},
         {"index", a->idx ? json(*a->idx) : json(nullptr)},
         {"bin_ms", j.contains("bin_ms") ? num(number(j, "bin_ms", 0)) : json(nullptr)},
         {"ants", j.contains("ants") ? num(number(j, "ants", 0)) : json(nullptr)},
         {"cells", cells}});
    ++kept;
  }
  return out;
}

json Collector::nested_section() {
  struct Child {
    std::int64_t id, og, oi, task;
    std::string name, status;
    double outer = std::nan("");
  };
  std::vector<Child> children;
  auto st = store_.db().prepare(
      "SELECT r.id, coalesce(r.parent_generation, -1), coalesce(r.parent_index, -1), "
      "coalesce(r.task, 0), r.name, r.status, e.weighted FROM runs r LEFT JOIN evaluations e ON "
      "e.run = r.parent_run AND e.generation = r.parent_generation AND e.idx = r.parent_index "
      "WHERE r.parent_run = ?1 ORDER BY r.id");
  st.bind(1, run_id_);
  while (st.step())
    children.push_back({st.get_int(0), st.get_int(1), st.get_int(2), st.get_int(3), st.get_text(4),
                        st.get_text(5), st.get_double(6)});
  if (children.empty()) return nullptr;
  // Selected outer individuals: the best by outer fitness (all their tasks), then the newest.
  std::vector<std::pair<std::int64_t, std::int64_t>> order;
  std::map<std::pair<std::int64_t, std::int64_t>, double> outer;
  for (const auto& c : children) {
    const auto key = std::pair{c.og, c.oi};
    if (!outer.count(key)) order.push_back(key);
    outer[key] = c.outer;
  }
  std::stable_sort(order.begin(), order.end(), [&](auto& a, auto& b) {
    const double fa = outer[a], fb = outer[b];
    if (std::isfinite(fa) != std::isfinite(fb)) return std::isfinite(fa);
    if (std::isfinite(fa) && fa != fb) return fa > fb;
    return a > b;
  });
  std::set<std::pair<std::int64_t, std::int64_t>> selected(
      order.begin(),
      order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), opt_.max_inner_runs)));
  json curves = json::array(), table = json::array(), outer_points = json::array();
  std::size_t drawn = 0;
  for (const auto& c : children) {
    const auto gens = store_.generations(c.id);
    const RunInfo ci = store_.run(c.id);
    const Scale sc(ci);
    double final_best = -std::numeric_limits<double>::infinity();
    for (const auto& g : gens)
      if (std::isfinite(g.best)) final_best = std::max(final_best, g.best);
    const auto label = fmt::format("outer g{} #{}", c.og, c.oi);
    if (table.size() < 500)
      table.push_back({{"run", c.id},
                       {"outer_generation", c.og},
                       {"outer_index", c.oi},
                       {"task", c.task},
                       {"name", c.name},
                       {"status", c.status},
                       {"generations", gens.size()},
                       {"inner_best", num(sc(final_best))},
                       {"inner_label", sc.label},
                       {"outer_fitness", num(scale_(c.outer))},
                       {"selected", selected.count({c.og, c.oi}) > 0}});
    if (!selected.count({c.og, c.oi}) || drawn >= 3 * opt_.max_inner_runs) continue;
    ++drawn;
    double best = -std::numeric_limits<double>::infinity();
    std::size_t next = 0;
    const auto picks = spread(gens.size(), 400);
    for (std::size_t i = 0; i < gens.size(); ++i) {
      if (std::isfinite(gens[i].best)) best = std::max(best, gens[i].best);
      if (next < picks.size() && picks[next] == i) {
        ++next;
        curves.push_back({{"run", c.id},
                          {"label", label},
                          {"task", c.task},
                          {"g", gens[i].generation},
                          {"best", num(sc(gens[i].best))},
                          {"best_so_far", num(sc(best))}});
      }
    }
  }
  // Outer fitness of every outer individual that ran inner experiments.
  for (const auto& key : order)
    outer_points.push_back(
        {{"g", key.first},
         {"i", key.second},
         {"f", num(scale_(outer[key]))},
         {"selected", selected.count(key) > 0},
         {"label", selected.count(key) ? json(fmt::format("outer g{} #{}", key.first, key.second))
                                       : json(nullptr)}});
  std::string inner_label = "inner fitness";
  if (!children.empty()) inner_label = Scale(store_.run(children.front().id)).label;
  return {{"children", table},
          {"total", children.size()},
          {"curves", curves},
          {"outer", outer_points},
          {"inner_label", inner_label}};
}

json Collector::collect() {
  load_space();
  try {
    const auto cfg = YAML::Load(info_.config);
    if (cfg["optimizer"] && cfg["optimizer"]["type"])
      optimizer_type_ = cfg["optimizer"]["type"].as<std::string>();
    if (cfg["optimizee"] && cfg["optimizee"]["type"])
      optimizee_type_ = cfg["optimizee"]["type"].as<std::string>();
  } catch (const std::exception&) {
    // A config that does not parse only loses the type labels.
  }
  gens_ = store_.generations(run_id_);
  load_artifact_index();

  json d;
  d["run"] = run_section();
  d["generations"] = generation_section();
  d["failures"] = failure_section();
  d["parameters"] = parameter_section();
  d["hall_of_fame"] = hall_of_fame(store_, run_id_, opt_.hall_of_fame);
  json tests;
  d["optimizer_info"] = info_sections(tests);
  d["tests"] = tests;
  d["enkf"] = enkf_section();
  d["spiking"] = spiking_section();
  d["ants"] = ants_section();
  d["nested"] = nested_section();
  d["generated"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  d["warnings"] = warnings_;
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

bool parse_number_array(std::string_view s, std::vector<double>& out) {
  out.clear();
  std::size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  };
  skip();
  if (i >= s.size() || s[i] != '[') return false;
  ++i;
  skip();
  if (i < s.size() && s[i] == ']') return true;
  while (i < s.size()) {
    skip();
    if (s.compare(i, 4, "null") == 0) {
      out.push_back(std::nan(""));
      i += 4;
    } else {
      double v = 0;
      auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
      if (ec != std::errc()) return false;
      out.push_back(v);
      i = static_cast<std::size_t>(p - s.data());
    }
    skip();
    if (i < s.size() && s[i] == ',') {
      ++i;
      continue;
    }
    if (i < s.size() && s[i] == ']') {
      ++i;
      skip();
      return i == s.size();
    }
    return false;
  }
  return false;
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
