// Nested runs' section (learning to learn): the outer fitness of every outer individual that ran
// inner experiments and the inner learning curves of the best of them, from the child runs the
// store records beside the run (runs.parent_run; experiment/child_runs.hpp).
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "l2l/report/chart_data.hpp"
#include "l2l/report/fitness_scale.hpp"
#include "l2l/report/page_text.hpp"
#include "l2l/report/report_section.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

class NestedSection : public ReportSection {
 public:
  std::string name() const override { return "nested"; }
  int order() const override { return 400; }
  json collect(SectionContext& ctx) const override;
  void write(Page& p, const json& n) const override;
  std::string_view script() const override;
};

json NestedSection::collect(SectionContext& ctx) const {
  const auto& opt = ctx.options();
  struct Child {
    std::int64_t id, og, oi, task;
    std::string name, status;
    double outer = std::nan("");
  };
  std::vector<Child> children;
  auto st = ctx.store().db().prepare(
      "SELECT r.id, coalesce(r.parent_generation, -1), coalesce(r.parent_index, -1), "
      "coalesce(r.task, 0), r.name, r.status, e.weighted FROM runs r LEFT JOIN evaluations e ON "
      "e.run = r.parent_run AND e.generation = r.parent_generation AND e.idx = r.parent_index "
      "WHERE r.parent_run = ?1 ORDER BY r.id");
  st.bind(1, ctx.run_id());
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
      order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), opt.max_inner_runs)));
  json curves = json::array(), table = json::array(), outer_points = json::array();
  std::size_t drawn = 0;
  for (const auto& c : children) {
    const auto gens = ctx.store().generations(c.id);
    const RunInfo ci = ctx.store().run(c.id);
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
                       {"outer_fitness", num(ctx.scale()(c.outer))},
                       {"selected", selected.count({c.og, c.oi}) > 0}});
    if (!selected.count({c.og, c.oi}) || drawn >= 3 * opt.max_inner_runs) continue;
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
         {"f", num(ctx.scale()(outer[key]))},
         {"selected", selected.count(key) > 0},
         {"label", selected.count(key) ? json(fmt::format("outer g{} #{}", key.first, key.second))
                                       : json(nullptr)}});
  std::string inner_label = "inner fitness";
  if (!children.empty()) inner_label = Scale(ctx.store().run(children.front().id)).label;
  return {{"children", table},
          {"total", children.size()},
          {"curves", curves},
          {"outer", outer_points},
          {"inner_label", inner_label}};
}

void NestedSection::write(Page& p, const json& n) const {
  if (n.is_null()) return;
  p.section_start("nested", "Inner runs");
  p.note(
      fmt::format("{} inner runs. Left: outer fitness of each outer individual that ran inner "
                  "experiments (selected ones coloured). Right: the inner learning curves "
                  "(best so far) of the selected outer individuals - the best by outer "
                  "fitness. Click a legend entry to highlight one.",
                  format_value(n["total"])));
  p.chart("nested", 0, "wide");
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : n["children"])
    rows.push_back({format_value(c["run"]), format_value(c["outer_generation"]),
                    format_value(c["outer_index"]), format_value(c["task"]), str(c, "name"),
                    str(c, "status"), format_value(c["generations"]), format_value(c["inner_best"]),
                    format_value(c["outer_fitness"])});
  p.table({"run", "outer generation", "outer individual", "task", "name", "status", "generations",
           "inner best", "outer fitness"},
          rows, "scroll");
  p.section_end();
}

std::string_view NestedSection::script() const {
  return R"l2ljs(
  builders.nested = function (W) {
    var n = data.nested;
    // One colour per selected outer individual, in both views; its tasks are separate lines.
    var labels = n.outer.filter(function (r) { return r.label != null; }).map(function (r) { return r.label; });
    var color = { field: 'label', type: 'nominal', title: 'outer individual', scale: { domain: labels, scheme: 'tableau20' } };
    var w = Math.floor((W - 300) / 2);
    return {
      hconcat: [
        {
          data: { values: n.outer }, width: w, height: 300, title: 'outer fitness',
          mark: { type: 'circle', size: 46, opacity: 0.9 },
          encoding: {
            x: G,
            y: { field: 'f', type: 'quantitative', title: fitnessTitle, scale: { zero: false } },
            color: Object.assign({ condition: { test: 'datum.label == null', value: '#c7c7c7' } }, color),
            tooltip: [{ field: 'g', title: 'outer generation' }, { field: 'i', title: 'outer individual' }, f6('f', 'outer fitness')]
          }
        },
        {
          data: { values: n.curves }, width: w, height: 300, title: 'inner learning curves (best so far)',
          params: [{ name: 'pick', select: { type: 'point', fields: ['label'] }, bind: 'legend' }],
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'g', type: 'quantitative', title: 'inner generation' },
            y: { field: 'best_so_far', type: 'quantitative', title: n.inner_label, scale: { zero: false } },
            color: color,
            detail: { field: 'run', type: 'nominal' },
            opacity: { condition: { param: 'pick', value: 1 }, value: 0.12 },
            tooltip: [{ field: 'run', title: 'inner run' }, { field: 'label' }, { field: 'task' }, { field: 'g', title: 'inner generation' },
                      f6('best', 'best of generation'), f6('best_so_far', 'best so far')]
          }
        }
      ],
      resolve: { scale: { color: 'shared' } }
    };
  };
)l2ljs";
}

}  // namespace

L2L_REGISTER_REPORT_SECTION(NestedSection);

}  // namespace l2l::report
