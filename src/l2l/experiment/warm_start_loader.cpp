#include "l2l/experiment/warm_start_loader.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "l2l/core/error.hpp"
#include "l2l/storage/run_store.hpp"
#include "l2l/storage/vector_codec.hpp"

namespace l2l {

namespace {

std::string describe(const ParameterSpace& s) {
  std::string out;
  for (const auto& p : s.parameters()) {
    if (!out.empty()) out += ", ";
    out += p.is_array ? fmt::format("{}[{}]", p.name, p.size) : p.name;
  }
  return out;
}

bool same_names(const ParameterSpace& a, const ParameterSpace& b) {
  const auto& pa = a.parameters();
  const auto& pb = b.parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (pa[i].name != pb[i].name || pa[i].size != pb[i].size || pa[i].is_array != pb[i].is_array)
      return false;
  return true;
}

}  // namespace

InitFrom InitFrom::parse(const std::string& text) {
  InitFrom f;
  f.path = text;
  // A trailing ":N" selects the generation; a path may itself hold colons, digits after the last
  // one do not.
  const auto colon = text.rfind(':');
  if (colon != std::string::npos && colon + 1 < text.size() &&
      std::all_of(text.begin() + static_cast<std::ptrdiff_t>(colon) + 1, text.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    f.path = text.substr(0, colon);
    f.generation = std::stoll(text.substr(colon + 1));
  }
  if (f.path.empty())
    throw UsageError(fmt::format("init_from '{}': expected RUN.db or RUN.db:GENERATION", text));
  return f;
}

std::string InitFrom::text() const {
  return generation ? fmt::format("{}:{}", path, *generation) : path;
}

LoadedWarmStart load_warm_start(const InitFrom& from, const ParameterSpace& space,
                                const FitnessWeights& weights, BoundPolicy policy,
                                bool with_history, bool centre_at_mean) {
  namespace fs = std::filesystem;
  if (!fs::exists(from.path))
    throw UsageError(fmt::format("init_from: no run store at '{}'", from.path));
  LoadedWarmStart out;
  out.origin.store = fs::absolute(from.path).lexically_normal().string();
  auto store = RunStore::open_reader(from.path);
  const auto root = store->root_run();
  if (!root) throw UsageError(fmt::format("init_from: '{}' holds no run", from.path));
  const RunInfo info = store->run(*root);
  const auto stored_space = ParameterSpace::from_json(info.space);
  if (!same_names(stored_space, space))
    throw UsageError(fmt::format(
        "init_from: the parameters of '{}' ({}) do not match this run's ({}); a warm start needs "
        "the same parameter names and sizes (bounds may differ)",
        from.path, describe(stored_space), describe(space)));
  if (info.objectives.size() != weights.size())
    throw UsageError(fmt::format(
        "init_from: '{}' has {} objectives and this run has {}: its fitness cannot be weighted "
        "for this run",
        from.path, info.objectives.size(), weights.size()));

  const auto gens = store->generations(*root);
  if (gens.empty())
    throw UsageError(fmt::format("init_from: '{}' holds no completed generation", from.path));
  const std::int64_t last = gens.back().generation;
  const std::int64_t g = from.generation.value_or(last);
  if (g > last)
    throw UsageError(
        fmt::format("init_from: '{}' has generations 0 to {}, not {}", from.path, last, g));
  out.origin.run = *root;
  out.origin.generation = g;

  WarmStart& ws = out.start;
  ws.origin = fmt::format("{} run {} generation {}", from.path, *root, g);
  ws.centre_at_mean = centre_at_mean;
  ws.best.weighted = FitnessWeights::failed_value;
  auto take = [&](std::vector<double> x, const std::vector<double>& fitness,
                  std::int64_t generation) {
    if (x.size() != space.dim() || fitness.size() != weights.size()) return;
    const double w = weights.weighted(fitness);
    if (!std::isfinite(w)) return;
    space.repair(x, policy);
    if (w > ws.best.weighted) ws.best = {x, w};
    if (generation == g) ws.population.push_back({x, w});
    if (with_history) ws.history.push_back({std::move(x), w});
  };

  auto rows = store->db().prepare(
      "SELECT generation, params, fitness FROM evaluations WHERE run=?1 AND generation<=?2 AND "
      "status='ok' AND params IS NOT NULL AND length(params) > 0 ORDER BY generation, idx");
  rows.bind(1, *root).bind(2, g);
  while (rows.step()) take(column_doubles(rows, 1), column_doubles(rows, 2), rows.get_int(0));
  // store_level: generations, or parameters kept for the best only (store_params): each
  // generation's best stands in for the evaluations. (A population implies a finite best.)
  if (ws.population.empty())
    for (const auto& rec : gens)
      if (rec.generation <= g) take(rec.best_params, rec.best_fitness, rec.generation);
  if (!std::isfinite(ws.best.weighted))
    throw UsageError(fmt::format(
        "init_from: '{}' has no successful evaluation with stored parameters up to generation {}",
        from.path, g));
  std::stable_sort(ws.population.begin(), ws.population.end(),
                   [](const auto& a, const auto& b) { return a.weighted > b.weighted; });

  auto art = store->db().prepare(
      "SELECT type, data FROM artifacts WHERE run=?1 AND name='enkf_ensemble' AND generation<=?2 "
      "ORDER BY generation DESC, id DESC LIMIT 1");
  art.bind(1, *root).bind(2, g);
  if (art.step() && art.get_text(0) == "f32") {
    const auto bytes = art.get_text(1);
    const std::size_t values = bytes.size() / sizeof(float);
    if (space.dim() > 0 && values % space.dim() == 0) {
      std::vector<float> f(values);
      std::memcpy(f.data(), bytes.data(), values * sizeof(float));
      for (std::size_t j = 0; j < values / space.dim(); ++j)
        ws.ensemble.emplace_back(f.begin() + static_cast<std::ptrdiff_t>(j * space.dim()),
                                 f.begin() + static_cast<std::ptrdiff_t>((j + 1) * space.dim()));
    }
  }
  return out;
}

}  // namespace l2l
