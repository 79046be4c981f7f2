// Ant colonies' section: the arena at stored ticks (pheromone, food, nest, walls, ants and their
// trails) and the input/output correlation of the ants' brains, from the evaluation artifacts
// `ants.arena` and `ants.correlation` (formats in docs/report.md).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "l2l/report/chart_data.hpp"
#include "l2l/report/page_text.hpp"
#include "l2l/report/report_section.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

class AntsSection : public ReportSection {
 public:
  std::string name() const override { return "ants"; }
  int order() const override { return 300; }
  json collect(SectionContext& ctx) const override;
  void write(Page& p, const json& a) const override;
  std::string_view script() const override;
};

json AntsSection::collect(SectionContext& ctx) const {
  const auto& opt = ctx.options();
  const auto arenas =
      ctx.artifacts_named([](const std::string& n) { return n == "ants.arena"; }, true);
  const auto corrs =
      ctx.artifacts_named([](const std::string& n) { return n == "ants.correlation"; }, true);
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
    if (kept >= opt.max_artifacts) break;
    const auto j = ctx.optional_json_artifact(*a, "ants arena");
    if (j.is_null()) continue;
    const double x0 = number(j, "x0", 0), y0 = number(j, "y0", 0);
    const double width = number(j, "width", 0), height = number(j, "height", 0);
    if (!(width >= 1 && height >= 1 && width * height <= 4e6)) {
      ctx.warn(where(*a) + ": needs positive 'width' and 'height'; skipped");
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
      ctx.warn(where(*a) + ": no snapshots; skipped");
      continue;
    }
    const auto pick = spread(snaps.size(), opt.max_snapshots);
    double pmax = 0;
    for (auto si : pick) {
      const auto& s = snaps[si];
      const double tick = s["tick"].get<double>();
      ticks.push_back(num(tick));
      if (s.contains("pheromone") && s["pheromone"].is_array()) {
        const auto& ph = s["pheromone"];
        if (ph.size() != w * h) {
          ctx.warn(fmt::format("{}: tick {}: pheromone has {} values, width x height is {}",
                               where(*a), tick, ph.size(), w * h));
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
    if (kept >= opt.max_artifacts) break;
    const auto j = ctx.optional_json_artifact(*a, "ants correlation");
    if (j.is_null()) continue;
    if (!j.contains("inputs") || !j.contains("outputs") || !j.contains("r") ||
        !j["inputs"].is_array() || !j["outputs"].is_array() || !j["r"].is_array() ||
        j["r"].size() != j["inputs"].size()) {
      ctx.warn(where(*a) +
               ": needs 'inputs', 'outputs' and an inputs x outputs matrix 'r'; skipped");
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
      ctx.warn(where(*a) + ": each row of 'r' needs one value per output; skipped");
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

void AntsSection::write(Page& p, const json& a) const {
  if (a["arenas"].empty() && a["correlations"].empty()) return;
  p.section_start("ants", "Ant colony");
  int k = 0;
  for (const auto& ar : a["arenas"]) {
    std::string what = fmt::format("Arena of generation {}", format_value(ar["generation"]));
    if (!ar["index"].is_null()) what += fmt::format(", individual {}", format_value(ar["index"]));
    if (!ar["food_returned"].is_null())
      what += fmt::format(" - {} food returned", format_value(ar["food_returned"]));
    p.subheading(what);
    p.note(
        fmt::format("Pheromone (purple), food (green), nest (brown), walls (grey), ants "
                    "(triangles, orange when carrying food) and their recent trails. Pick the "
                    "tick below the chart ({} of {} stored snapshots).",
                    ar["ticks"].size(), format_value(ar["snapshots_stored"])));
    p.chart("arena", k++);
  }
  k = 0;
  for (const auto& c : a["correlations"]) {
    std::string what =
        fmt::format("Input/output correlation, generation {}", format_value(c["generation"]));
    if (!c["index"].is_null()) what += fmt::format(", individual {}", format_value(c["index"]));
    p.subheading(what);
    std::string n = "Pearson correlation of input and output spike counts";
    if (!c["bin_ms"].is_null()) n += fmt::format(" in {} ms bins", format_value(c["bin_ms"]));
    if (!c["ants"].is_null()) n += fmt::format(", averaged over {} ants", format_value(c["ants"]));
    p.note(n + ".");
    p.chart("correlation", k++);
  }
  p.section_end();
}

std::string_view AntsSection::script() const {
  return R"l2ljs(
  builders.arena = function (W, k) {
    var a = data.ants.arenas[k];
    var cell = Math.max(4, Math.min(14, Math.floor(Math.min((W - 220) / a.width, 640 / a.height))));
    var x = { field: 'x', type: 'quantitative', title: 'x', scale: { domain: [a.x0, a.x0 + a.width], nice: false, zero: false } };
    var y = { field: 'y', type: 'quantitative', title: 'y', scale: { domain: [a.y0, a.y0 + a.height], nice: false, zero: false } };
    var patch = [{ calculate: 'datum.x + 1', as: 'x1' }, { calculate: 'datum.y + 1', as: 'y1' }];
    var atTick = { filter: 'datum.tick == tick' };
    var ticks = a.ticks;
    function rects(values, filter, mark, extra) {
      return {
        data: { values: values },
        transform: [filter].concat(patch),
        mark: Object.assign({ type: 'rect' }, mark),
        encoding: Object.assign({ x: x, x2: { field: 'x1' }, y: y, y2: { field: 'y1' } }, extra || {})
      };
    }
    return {
      width: cell * a.width, height: cell * a.height,
      params: [{ name: 'tick', value: ticks[ticks.length - 1], bind: { input: 'select', options: ticks, name: 'tick ' } }],
      layer: [
        rects(a.cells, { filter: "datum.kind === 'pheromone' && datum.tick == tick" }, {},
              { color: { field: 'v', type: 'quantitative', title: 'pheromone',
                         scale: { scheme: 'purples', domain: [0, a.pheromone_max || 1] } },
                tooltip: [{ field: 'x' }, { field: 'y' }, f6('v', 'pheromone')] }),
        rects(a.statics, { filter: "datum.kind === 'wall'" }, { color: '#8c8c8c' }),
        rects(a.statics, { filter: "datum.kind === 'nest'" }, { color: '#a0522d', opacity: 0.75 }),
        rects(a.cells, { filter: "datum.kind === 'food' && datum.tick == tick" }, { color: '#2ca02c' },
              { tooltip: [{ field: 'x' }, { field: 'y' }, { field: 'v', title: 'food' }] }),
        {
          data: { values: a.trails },
          transform: [atTick, { calculate: 'datum.x + 0.5', as: 'cx' }, { calculate: 'datum.y + 0.5', as: 'cy' }],
          mark: { type: 'line', color: '#444', opacity: 0.35, strokeWidth: 1 },
          encoding: {
            x: { field: 'cx', type: 'quantitative' }, y: { field: 'cy', type: 'quantitative' },
            detail: { field: 'ant', type: 'nominal' }, order: { field: 'o', type: 'quantitative' }
          }
        },
        {
          data: { values: a.ants },
          transform: [atTick, { calculate: 'datum.x + 0.5', as: 'cx' }, { calculate: 'datum.y + 0.5', as: 'cy' },
                      { calculate: '-datum.heading', as: 'angle' }],
          mark: { type: 'point', shape: 'triangle-right', filled: true, size: Math.max(30, cell * cell * 1.6) },
          encoding: {
            x: { field: 'cx', type: 'quantitative' }, y: { field: 'cy', type: 'quantitative' },
            angle: { field: 'angle', type: 'quantitative', scale: null },
            color: { field: 'carrying', type: 'nominal', title: 'ant',
                     scale: { domain: ['searching', 'carrying food'], range: ['#1d2330', '#ff7f0e'] } },
            tooltip: [{ field: 'ant' }, f6('x'), f6('y'), f6('heading'), { field: 'carrying' }]
          }
        }
      ],
      resolve: { scale: { color: 'independent' } }
    };
  };

  builders.correlation = function (W, k) {
    var c = data.ants.correlations[k];
    var enc = {
      x: { field: 'output', type: 'nominal', sort: { field: 'oi', op: 'min' }, title: 'output', axis: { labelAngle: -30, labelLimit: 160 } },
      y: { field: 'input', type: 'nominal', sort: { field: 'ii', op: 'min' }, title: 'input', axis: { labelLimit: 200 } }
    };
    return {
      data: { values: c.cells },
      width: { step: 84 }, height: { step: 28 },
      layer: [
        {
          mark: 'rect',
          encoding: Object.assign({
            color: { condition: { test: 'datum.r == null', value: '#eeeeee' }, field: 'r', type: 'quantitative',
                     title: 'Pearson r', scale: { scheme: 'redblue', reverse: true, domain: [-1, 1] } },
            tooltip: [{ field: 'input' }, { field: 'output' }, f6('r', 'r')]
          }, enc)
        },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: Object.assign({
            text: { field: 'r', type: 'quantitative', format: '.2f' },
            color: { condition: { test: 'datum.r != null && abs(datum.r) > 0.6', value: '#ffffff' }, value: '#1d2330' }
          }, enc)
        }
      ]
    };
  };
)l2ljs";
}

}  // namespace

L2L_REGISTER_REPORT_SECTION(AntsSection);

}  // namespace l2l::report
