// The ensemble Kalman filter's section: eigenvalue spectra of the ensemble covariance, weight
// histograms per layer of the ensemble mean and a covariance block, from the EnKF's optimizer
// artifacts (enkf_stats, enkf_mean, enkf_ensemble; docs/report.md) or, where they are missing,
// from what every run stores.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "l2l/report/chart_data.hpp"
#include "l2l/report/page_text.hpp"
#include "l2l/report/report_section.hpp"
#include "l2l/storage/vector_codec.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

class EnkfSection : public ReportSection {
 public:
  std::string name() const override { return "enkf"; }
  int order() const override { return 100; }
  json collect(SectionContext& ctx) const override;
  void write(Page& p, const json& e) const override;
  std::string_view script() const override;
};

json EnkfSection::collect(SectionContext& ctx) const {
  const auto& opt = ctx.options();
  const auto& gens = ctx.generations();
  const auto& names = ctx.names();
  auto named = [&](const char* n) {
    return ctx.artifacts_named([n](const std::string& s) { return s == n; }, false);
  };
  const auto stats = named("enkf_stats"), means = named("enkf_mean"), ens = named("enkf_ensemble");
  const bool is_enkf =
      ctx.optimizer_type() == "enkf" || !stats.empty() || !means.empty() || !ens.empty();
  if (!is_enkf) return nullptr;
  json out = json::object();

  // Eigenvalue spectra over generations.
  json spec = json::array();
  for (auto i : spread(stats.size(), opt.spectrum_generations)) {
    const auto& a = *stats[i];
    const auto j = ctx.optional_json_artifact(a, "enkf_stats");
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
  for (auto i : spread(means.size(), opt.histogram_generations)) {
    std::vector<double> v;
    if (!ctx.decode_f32(*means[i], v)) continue;
    if (v.size() != names.size()) {
      ctx.warn(fmt::format("enkf_mean of generation {} has {} values, the space {}; skipped",
                           means[i]->generation, v.size(), names.size()));
      continue;
    }
    vectors.emplace_back(means[i]->generation, std::move(v));
  }
  if (!vectors.empty()) {
    hist_source = "ensemble mean (enkf_mean artifacts)";
  } else {
    for (auto i : spread(gens.size(), opt.histogram_generations))
      if (gens[i].best_params.size() == names.size() && !names.empty())
        vectors.emplace_back(gens[i].generation, gens[i].best_params);
    hist_source = "best member of each generation (no enkf_mean artifacts stored)";
  }
  // Layers: array parameters; all scalars together form one more group.
  std::vector<SpaceGroup> layers;
  std::vector<std::size_t> scalar_idx;
  for (const auto& g : ctx.groups()) {
    if (g.size > 1)
      layers.push_back(g);
    else
      scalar_idx.push_back(g.offset);
  }
  const std::size_t bins = std::max<std::size_t>(opt.histogram_bins, 2);
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
  const std::size_t d = names.size();
  const std::size_t first = std::min(opt.cov_first, d), size = std::min(opt.cov_size, d - first);
  std::vector<std::vector<double>> members;
  std::string cov_source;
  std::int64_t cov_gen = -1;
  if (!ens.empty() && size > 0) {
    const auto& a = *ens.back();
    std::vector<double> flat;
    if (ctx.decode_f32(a, flat) && d > 0 && flat.size() % d == 0) {
      const std::size_t J = flat.size() / d;
      for (std::size_t j = 0; j < J; ++j)
        members.emplace_back(flat.begin() + static_cast<std::ptrdiff_t>(j * d + first),
                             flat.begin() + static_cast<std::ptrdiff_t>(j * d + first + size));
      cov_source = fmt::format("ensemble of {} members (enkf_ensemble artifact)", J);
      cov_gen = a.generation;
    } else if (!flat.empty()) {
      ctx.warn(fmt::format("enkf_ensemble of generation {} does not fit the space; skipped",
                           a.generation));
    }
  }
  if (members.empty() && size > 0) {
    auto st = ctx.store().db().prepare(
        "SELECT params FROM evaluations WHERE run=?1 AND generation=?2 ORDER BY idx LIMIT 5000");
    for (auto it = gens.rbegin(); it != gens.rend() && members.empty(); ++it) {
      if (it->evaluations < 3) continue;
      st.bind(1, ctx.run_id()).bind(2, it->generation);
      std::vector<double> x;
      while (st.step())
        if (try_column_doubles(st, 0, x) && x.size() == d)
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
        cells.push_back(
            {{"i", a}, {"j", b}, {"a", names[first + a]}, {"b", names[first + b]}, {"v", num(c)}});
      }
    out["covariance"] = {{"cells", cells},
                         {"first", first},
                         {"size", size},
                         {"generation", cov_gen},
                         {"source", cov_source}};
  }
  return out;
}

void EnkfSection::write(Page& p, const json& e) const {
  if (e.is_null()) return;
  p.section_start("enkf", "Ensemble Kalman filter");
  if (!e["spectrum"].empty()) {
    p.note(
        "Eigenvalue spectrum of the ensemble covariance (parameters; and of the model "
        "outputs, where stored) at the generations with enkf_stats artifacts: a collapsing "
        "ensemble shows as a spectrum falling to zero.");
    p.chart("enkf-spectrum");
  } else {
    p.note("No eigenvalue spectra stored (enkf_stats artifacts; experiment.artifact_every).");
  }
  if (!e["histograms"].empty()) {
    p.note("Weight histograms per layer over generations, of the " + str(e, "histogram_source") +
           ": each row is one generation, darker cells hold more weights.");
    p.chart("enkf-histograms");
  }
  if (e.contains("covariance")) {
    const auto& c = e["covariance"];
    p.note(
        fmt::format("Covariance of parameters {} to {} ({} elements), from the {} (generation "
                    "{}). Choose the block with --cov-block FIRST:COUNT.",
                    format_value(c["first"]),
                    c["first"].get<std::int64_t>() + c["size"].get<std::int64_t>() - 1,
                    format_value(c["size"]), str(c, "source"), format_value(c["generation"])));
    p.chart("enkf-covariance");
  } else {
    p.note("No ensemble stored yet to compute a covariance from.");
  }
  p.section_end();
}

std::string_view EnkfSection::script() const {
  return R"l2ljs(
  builders['enkf-spectrum'] = function (W) {
    var rows = data.enkf.spectrum;
    rows.forEach(function (r) { r.kind_i = r.kind === 'parameters' ? 0 : 1; });
    var kinds = unique(rows, 'kind');
    var spec = {
      mark: { type: 'line', point: { size: 12 } },
      encoding: {
        x: { field: 'rank', type: 'quantitative', title: 'eigenvalue rank', scale: { type: 'log', nice: false } },
        y: { field: 'v', type: 'quantitative', title: 'eigenvalue', scale: { type: 'log' }, axis: { format: '.0e' } },
        color: { field: 'g', type: 'ordinal', title: 'generation', scale: { scheme: 'viridis' }, legend: TOP },
        tooltip: [{ field: 'g', title: 'generation' }, { field: 'kind' }, { field: 'rank' }, f6('v', 'eigenvalue')]
      }
    };
    if (kinds.length === 1)
      return Object.assign({ data: { values: rows }, width: Math.min(W, 760), height: 280, title: 'covariance of the ' + kinds[0] }, spec);
    return {
      data: { values: rows },
      facet: { column: { field: 'kind', type: 'nominal', title: null, sort: byIndex('kind'),
                         header: { labelExpr: "'covariance of the ' + datum.label" } } },
      resolve: { scale: { y: 'independent', x: 'independent' } },
      spec: Object.assign({ width: Math.floor(W / 2) - 90, height: 260 }, spec)
    };
  };
  function unique(rows, field) {
    var seen = new Set(), out = [];
    rows.forEach(function (r) { if (!seen.has(r[field])) { seen.add(r[field]); out.push(r[field]); } });
    return out;
  }

  builders['enkf-histograms'] = function (W) {
    var rows = data.enkf.histograms;
    var layers = ordered(rows, 'layer');
    var cols = layers.length > 1 && W > 800 ? 2 : 1;
    var inner = {
      width: Math.floor(W / cols) - 90,
      height: { step: 14 },
      transform: [{ filter: 'datum.n > 0' }],
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'x0', type: 'quantitative', title: 'weight', scale: { zero: false, nice: false } },
        x2: { field: 'x1' },
        y: { field: 'g', type: 'ordinal', title: 'generation' },
        color: { field: 'n', type: 'quantitative', title: 'fraction of the layer', scale: { scheme: 'blues' }, legend: TOP },
        tooltip: [{ field: 'layer' }, { field: 'g', title: 'generation' }, f6('x0', 'from'), f6('x1', 'to'), f6('n', 'fraction')]
      }
    };
    if (layers.length === 1) return Object.assign({ data: { values: rows }, title: String(layers[0]) }, inner);
    return {
      data: { values: rows },
      facet: { field: 'layer', type: 'nominal', title: null, sort: byIndex('layer') },
      columns: cols,
      resolve: { scale: { x: 'independent' } },
      spec: inner
    };
  };

  builders['enkf-covariance'] = function (W) {
    var c = data.enkf.covariance;
    var step = Math.max(8, Math.min(20, Math.floor(Math.min(W - 200, 700) / Math.max(c.size, 1))));
    var maxAbs = 0;
    c.cells.forEach(function (r) { if (r.v != null && Math.abs(r.v) > maxAbs) maxAbs = Math.abs(r.v); });
    if (!(maxAbs > 0)) maxAbs = 1;
    return {
      data: { values: c.cells },
      width: { step: step }, height: { step: step },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'a', type: 'nominal', sort: { field: 'i', op: 'min' }, title: null, axis: { labelAngle: -60, labelLimit: 90 } },
        y: { field: 'b', type: 'nominal', sort: { field: 'j', op: 'min' }, title: null, axis: { labelLimit: 90 } },
        color: { field: 'v', type: 'quantitative', title: 'covariance',
                 scale: { scheme: 'redblue', reverse: true, domain: [-maxAbs, maxAbs] } },
        tooltip: [{ field: 'a', title: 'row' }, { field: 'b', title: 'column' }, f6('v', 'covariance')]
      }
    };
  };
)l2ljs";
}

}  // namespace

L2L_REGISTER_REPORT_SECTION(EnkfSection);

}  // namespace l2l::report
