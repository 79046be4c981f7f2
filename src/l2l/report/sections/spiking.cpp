// Spiking networks' section: spike rasters and population rates of recorded simulations, from
// evaluation artifacts named `raster` or `*.raster` (format in docs/report.md).
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "l2l/report/chart_data.hpp"
#include "l2l/report/page_text.hpp"
#include "l2l/report/report_section.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

class SpikingSection : public ReportSection {
 public:
  std::string name() const override { return "spiking"; }
  int order() const override { return 200; }
  json collect(SectionContext& ctx) const override;
  void write(Page& p, const json& s) const override;
  std::string_view script() const override;
};

json SpikingSection::collect(SectionContext& ctx) const {
  const auto& opt = ctx.options();
  const auto list = ctx.artifacts_named(
      [](const std::string& n) {
        return n == "raster" || (n.size() >= 7 && n.compare(n.size() - 7, 7, ".raster") == 0);
      },
      true);
  json rasters = json::array();
  std::size_t kept = 0;
  for (const auto* a : list) {
    if (kept >= opt.max_artifacts) break;
    const auto j = ctx.optional_json_artifact(*a, "spike raster");
    if (j.is_null()) continue;
    const auto where = fmt::format("raster '{}' (generation {}{})", a->name, a->generation,
                                   a->idx ? fmt::format(", individual {}", *a->idx) : "");
    if (!j.contains("senders") || !j.contains("times") || !j["senders"].is_array() ||
        !j["times"].is_array() || j["senders"].size() != j["times"].size()) {
      ctx.warn(where + ": needs arrays 'senders' and 'times' of equal length; skipped");
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
      ctx.warn(where + ": senders must be integers >= 0 and times numbers; skipped");
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
    const std::size_t stride = senders.size() > opt.max_spikes
                                   ? (senders.size() + opt.max_spikes - 1) / opt.max_spikes
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

void SpikingSection::write(Page& p, const json& s) const {
  if (s["rasters"].empty()) return;
  p.section_start("spiking", "Spiking activity");
  p.note(
      fmt::format("{} of {} stored rasters (the newest). Spikes per neuron above, population "
                  "rates below.",
                  s["rasters"].size(), format_value(s["stored"])));
  int k = 0;
  for (const auto& r : s["rasters"]) {
    std::string what =
        fmt::format("{}, generation {}", str(r, "name"), format_value(r["generation"]));
    if (!r["index"].is_null()) what += fmt::format(", individual {}", format_value(r["index"]));
    if (!str(r, "label").empty()) what += ": " + str(r, "label");
    what += fmt::format(" - {} spikes", format_value(r["spikes_total"]));
    if (r.value("neuron_stride", 1) > 1)
      what += fmt::format(" (every {}th neuron drawn)", format_value(r["neuron_stride"]));
    p.subheading(what);
    p.chart("raster", k++, "wide");
  }
  p.section_end();
}

std::string_view SpikingSection::script() const {
  return R"l2ljs(
  builders.raster = function (W, k) {
    var r = data.spiking.rasters[k];
    var x = { field: 't', type: 'quantitative', title: 'time (ms)', scale: { domain: [r.t_start, r.t_stop], nice: false } };
    var pops = r.populations.map(function (p) { return p.name; });
    if (r.spikes.some(function (s) { return s.pop === 'other' && pops.indexOf('other') < 0; })) pops.push('other');
    var color = { field: 'pop', type: 'nominal', title: 'population', scale: { domain: pops } };
    var w = W - 160;
    return {
      vconcat: [
        {
          data: { values: r.spikes }, width: w, height: 280,
          mark: { type: 'square', size: 3, opacity: 0.8 },
          encoding: {
            x: x, y: { field: 'n', type: 'quantitative', title: 'neuron', scale: { zero: true, nice: false } },
            color: color,
            tooltip: [f6('t', 'time (ms)'), { field: 'n', title: 'neuron' }, { field: 'pop', title: 'population' }]
          }
        },
        {
          data: { values: r.rates }, width: w, height: 150,
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.2 },
          encoding: {
            x: x, y: { field: 'rate', type: 'quantitative', title: 'rate (Hz)' },
            color: color,
            tooltip: [f6('t', 'time (ms)'), { field: 'pop', title: 'population' }, f6('rate', 'rate (Hz)')]
          }
        }
      ],
      resolve: { scale: { color: 'shared' } }
    };
  };
  // Tens of thousands of marks: a canvas draws them much faster than SVG.
  builders.raster.heavy = true;
)l2ljs";
}

}  // namespace

L2L_REGISTER_REPORT_SECTION(SpikingSection);

}  // namespace l2l::report
