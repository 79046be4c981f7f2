#include "l2l/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "l2l/core/duration.hpp"
#include "l2l/core/error.hpp"
#include "l2l/report/html.hpp"
#include "l2l/report/page.hpp"
#include "l2l/report/page_text.hpp"
#include "l2l/report/report_section.hpp"

namespace l2l::report {

namespace {

using nlohmann::json;

std::string esc(std::string_view s) {
  return html_escape(s);
}

std::string utc_time(double unix_seconds) {
  if (!std::isfinite(unix_seconds) || unix_seconds <= 0) return "-";
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string bytes_text(double b) {
  if (b < 1024) return fmt::format("{:.0f} B", b);
  if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", b / 1024);
  if (b < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", b / (1024 * 1024));
  return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
}

// Arrays of many row objects become {"l2l_columns": {key: [values...]}}: the page's script turns
// them back into rows. Repeating every key in every row would double a report's size.
void compact(json& j) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) compact(v);
    return;
  }
  if (!j.is_array()) return;
  if (j.size() < 64 ||
      !std::all_of(j.begin(), j.end(), [](const json& r) { return r.is_object(); })) {
    for (auto& v : j) compact(v);
    return;
  }
  std::vector<std::string> keys;
  for (const auto& r : j)
    for (const auto& [k, v] : r.items())
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  json cols = json::object();
  for (const auto& k : keys) {
    json col = json::array();
    for (const auto& r : j) {
      auto it = r.find(k);
      col.push_back(it == r.end() ? json(nullptr) : *it);
    }
    cols[k] = std::move(col);
  }
  j = json{{"l2l_columns", std::move(cols)}};
}

std::string format_fitness(const json& f) {
  if (!f.is_array()) return format_value(f);
  std::string s;
  for (const auto& v : f) s += (s.empty() ? "" : ", ") + format_value(v);
  return f.size() == 1 ? s : "[" + s + "]";
}

// "accuracy 0.93, loss 0.21 (generation 270)": a held-out evaluation of the estimate.
std::string held_out_text(const json& t) {
  std::string s;
  for (const auto& [k, v] : t["metrics"].items())
    s += (s.empty() ? "" : ", ") + k + " " + format_value(v);
  return s + " (generation " + format_value(t["generation"]) + ")";
}

void fitness_sections(Page& p, const json& d) {
  const auto& g = d["generations"];
  p.section_start("fitness", "Fitness");
  if (g["rows"].empty()) {
    p.note("No generation has been stored yet.");
    p.section_end();
    return;
  }
  p.note(
      fmt::format("{} per generation: the best and the median of the successful evaluations, the "
                  "interquartile range (band) and the best so far{}.{}",
                  str(g, "label"), g.value("lower_is_better", false) ? " (lower is better)" : "",
                  g.value("shown", 0) < g.value("total", 0)
                      ? fmt::format(" {} of {} generations shown, evenly spaced.",
                                    g.value("shown", 0), g.value("total", 0))
                      : std::string()));
  p.chart("fitness");
  p.section_end();

  p.section_start("throughput", "Evaluations per second");
  p.note("Evaluations of each generation divided by its wall time (optimizer and store included).");
  p.chart("throughput");
  p.section_end();

  const auto& f = d["failures"];
  p.section_start("failures", "Failures");
  if (f.value("total", 0) == 0) {
    p.note("No evaluation failed.");
  } else {
    p.note(fmt::format(
        "{} failed evaluations{}. The eight most frequent reasons are drawn "
        "separately.",
        f.value("total", 0),
        f.value("bucket", 1) > 1
            ? fmt::format(", counted in buckets of {} generations", f.value("bucket", 1))
            : std::string()));
    p.chart("failures");
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : f["reasons"])
      rows.push_back({str(r, "reason"), format_value(r["count"]),
                      format_value(r["first_generation"]), str(r, "example")});
    p.table({"reason (numbers as #)", "count", "first generation", "first occurrence"}, rows);
  }
  p.section_end();
}

void hall_of_fame_section(Page& p, const json& d) {
  const auto& top = d["hall_of_fame"];
  if (!top.is_array() || top.empty()) return;
  p.section_start("hall-of-fame", "Hall of fame");
  p.note(fmt::format(
      "The {} best distinct individuals of the whole run (l2l show --top), told apart by their "
      "stored parameters; one evaluated several times is ranked by its mean weighted fitness.",
      top.size()));
  std::vector<std::vector<std::string>> rows;
  constexpr int kShownParameters = 8;
  for (const auto& t : top) {
    std::string params = "not stored";
    if (t["params"].is_object()) {
      params.clear();
      int shown = 0;
      for (const auto& [k, v] : t["params"].items()) {
        if (shown++ == kShownParameters) {
          params += fmt::format(", ... ({} in all)", t["params"].size());
          break;
        }
        params += (params.empty() ? "" : ", ") + k + " " + format_value(v);
      }
    }
    std::string metrics;
    for (const auto& [k, v] : t["metrics"].items())
      metrics += (metrics.empty() ? "" : ", ") + k + " " + format_value(v);
    rows.push_back({format_value(t["rank"]), format_value(t["generation"]),
                    format_value(t["index"]), format_value(t["weighted"]),
                    t["evaluations"].get<std::int64_t>() > 1
                        ? fmt::format("{} ({}x)", format_value(t["mean_weighted"]),
                                      format_value(t["evaluations"]))
                        : std::string("-"),
                    format_value(t["fitness"]), metrics, params});
  }
  p.table({"rank", "generation", "individual", "weighted fitness", "mean (evaluations)", "fitness",
           "metrics", "parameters"},
          rows);
  p.section_end();
}

void parameter_section(Page& p, const json& d) {
  const auto& ps = d["parameters"];
  p.section_start("parameters", "Parameters");
  const auto mode = str(ps, "mode");
  // Without stored population parameters (experiment.store_params: best or none) the chart has
  // only the best individuals: say so instead of counting zero points.
  const bool no_population = !ps.is_object() || ps.value("population_points", 0) == 0;
  const std::string only_best =
      "The run stores the parameters of the best individual of each generation only "
      "(experiment.store_params), so no population is shown";
  if (mode == "each") {
    p.note(no_population
               ? only_best + ": the line is the best individual of each generation."
               : fmt::format("Each parameter over the generations: the sampled population "
                             "(points, coloured by fitness; {} individuals from {} generations) "
                             "and the best individual of each generation (line).",
                             format_value(ps["population_points"]),
                             format_value(ps["sampled_generations"])));
    p.chart("parameters");
  } else if (mode == "pca") {
    const auto projected = fmt::format(
        "The {} parameters projected on the first two principal components of the {} (in "
        "normalized coordinates: 0 at the lower and 1 at the upper bound).",
        format_value(ps["dimension"]), str(ps, "pca_of"));
    p.note(no_population
               ? projected + " " + only_best +
                     ": points and line are the best individual of each generation, coloured by "
                     "generation."
               : projected + fmt::format(" Points: {} sampled individuals, coloured by "
                                         "generation; line: the best individual of each "
                                         "generation.",
                                         format_value(ps["population_points"])));
    p.chart("parameters");
  } else {
    p.note(ps.contains("why") ? str(ps, "why") : "The run has no parameters to show yet.");
  }
  p.section_end();

  hall_of_fame_section(p, d);

  const auto& t = d["tests"];
  if (!t["rows"].empty()) {
    p.section_start("tests", "Held-out metrics");
    p.note(
        "Metrics of the optimizer's estimate (e.g. the ensemble mean) on held-out data: on the "
        "validation split every experiment.test_every generations (validation_* in "
        "generations.info), and once at the end on the test set (final_test_*), which nothing in "
        "the run has seen or chosen by.");
    p.chart("tests");
    p.section_end();
  }
  const auto& oi = d["optimizer_info"];
  if (!oi["rows"].empty()) {
    p.section_start("optimizer", "Optimizer state");
    p.note("Numeric values the optimizer reports each generation (generations.info).");
    p.chart("optimizer");
    p.section_end();
  }
}

void config_sections(Page& p, const json& d, const JsAssets& js) {
  const auto& r = d["run"];
  p.section_start("configuration", "Configuration");
  p.note("The resolved configuration (file plus --set overrides) the run was started with" +
         (str(r, "config_file").empty() ? std::string(".")
                                        : " (from " + str(r, "config_file") + ")."));
  p.raw("<pre class=\"config\">" + esc(str(r, "config")) + "</pre>\n");
  std::vector<std::vector<std::string>> space;
  for (const auto& s : r["space"])
    space.push_back({str(s, "name"), s.value("array", false) ? format_value(s["size"]) : "scalar",
                     format_value(s["lo"]), format_value(s["hi"]),
                     s.value("log", false) ? "yes" : "no",
                     s.value("integer", false) ? "yes" : "no"});
  if (!space.empty()) {
    p.raw("<h3>Parameter space</h3>\n");
    p.table({"parameter", "size", "lower", "upper", "log scale", "integer"}, space, "scroll");
  }
  p.section_end();

  p.section_start("environment", "Run and environment");
  std::vector<std::pair<std::string, std::string>> kv = {
      {"run id", format_value(r["run"])},
      {"name", str(r, "name")},
      {"status", str(r, "status")},
      {"stop reason", str(r, "stop_reason", "-")},
      {"optimizer", str(r, "optimizer", "?")},
      {"optimizee", str(r, "optimizee", "?")},
      {"objectives", format_value(r["objectives"])},
      {"fitness weights", format_value(r["weights"])},
      {"seed", format_value(r["seed"])},
      {"evaluator",
       fmt::format("{} ({} in parallel)", str(r, "evaluator"), format_value(r["parallelism"]))},
      {"host", str(r, "host")},
      {"l2l version", str(r, "version")},
      {"started", utc_time(r.value("started", 0.0))},
      {"finished", r["finished"].is_null() ? "-" : utc_time(r["finished"].get<double>())},
      {"run time (sum of generations)", format_duration(r.value("elapsed_seconds", 0.0))},
      {"generations", format_value(r["generations"])},
      {"evaluations",
       fmt::format("{} ({} failed)", format_value(r["evaluations"]), format_value(r["failed"]))},
      {"last checkpoint", r.contains("checkpoint_generation")
                              ? "generation " + format_value(r["checkpoint_generation"])
                              : std::string("-")},
      {"store schema", str(r, "schema_version")},
      {"store size", r["store_bytes"].is_null() ? "-" : bytes_text(r["store_bytes"].get<double>())},
      {"artifacts", fmt::format("{} ({})",
                                r["artifact_counts"].empty() ? std::string("none")
                                                             : format_value(r["artifact_counts"]),
                                bytes_text(r.value("artifact_bytes", 0.0)))},
  };
  if (r.contains("origin"))
    kv.insert(
        kv.begin() + 1,
        {"warm-started from",
         fmt::format("{} run {} generation {} (experiment.init_from)", str(r["origin"], "store"),
                     format_value(r["origin"]["run"]), format_value(r["origin"]["generation"]))});
  if (r.contains("parent"))
    kv.insert(
        kv.begin() + 1,
        {"inner run of",
         fmt::format("run {}, generation {}, individual {}, task {}",
                     format_value(r["parent"]["run"]), format_value(r["parent"]["generation"]),
                     format_value(r["parent"]["index"]), format_value(r["parent"]["task"]))});
  const bool judged = r.contains("final_test") || r.contains("last_validation");
  if (r.contains("final_test"))
    kv.push_back({"final test of the estimate (test set)", held_out_text(r["final_test"])});
  if (r.contains("last_validation"))
    kv.push_back({r["last_validation"].value("on_test_set", false)
                      ? "held-out test of the estimate (monitored, older store)"
                      : "validation of the estimate",
                  held_out_text(r["last_validation"])});
  if (!r["best"].is_null()) {
    kv.push_back(
        {judged ? "best training fitness" : "best fitness",
         fmt::format("{} (generation {}, individual {})", format_fitness(r["best"]["fitness"]),
                     format_value(r["best"]["generation"]), format_value(r["best"]["index"]))});
  }
  std::string libs;
  for (const auto& l : js.libraries)
    libs += (libs.empty() ? "" : ", ") + l.name + (l.version.empty() ? "" : " " + l.version);
  kv.push_back({"report", fmt::format("l2l {} at {} with {}", L2L_VERSION,
                                      utc_time(d.value("generated", 0.0)), libs)});
  p.facts(kv);
  if (!r["best"].is_null()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [k, v] : r["best"]["params"].items()) {
      if (rows.size() == 200) break;
      rows.push_back({k, format_value(v)});
    }
    p.raw("<h3>Best parameters</h3>\n");
    p.table({"parameter", "value"}, rows, "scroll");
  }
  p.section_end();
}

}  // namespace

std::string render_report(const json& d, const JsAssets& js) {
  Page p;
  const auto& r = d["run"];
  const std::string name = str(r, "name");
  const std::string status = str(r, "status");

  fitness_sections(p, d);
  parameter_section(p, d);
  // The sections of particular kinds of run (one file each under sections/), in their order.
  // Each gets its own part of the data; a key missing from hand-made data reads as null.
  for (const auto* section : report_sections()) {
    const auto it = d.find(section->name());
    section->write(p, it != d.end() ? *it : json());
  }
  config_sections(p, d, js);
  if (!d["warnings"].empty()) {
    p.section_start("warnings", "Warnings");
    p.raw("<ul class=\"warnings\">\n");
    for (const auto& w : d["warnings"]) p.raw("<li>" + esc(format_value(w)) + "</li>\n");
    p.raw("</ul>\n");
    p.section_end();
  }

  std::string h;
  h.reserve(2 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: scripts and styles are inline, images only data:/blob: (PNG export).
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src "
       "'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; "
       "font-src data:\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + esc("l2l report: " + name) + "</title>\n<style>\n";
  h += kReportCss;
  h += "</style>\n</head>\n<body>\n<header>\n";
  h += "<h1><span class=\"muted\">l2l report</span> " + esc(name) +
       " <span class=\"status status-" + esc(status) + "\">" + esc(status) + "</span></h1>\n";
  // A held-out number leads: it is what the run is judged by, not one individual's training
  // fitness.
  const bool judged = r.contains("final_test") || r.contains("last_validation");
  std::string sub;
  if (r.contains("final_test")) sub += "final test " + held_out_text(r["final_test"]) + " · ";
  if (r.contains("last_validation"))
    sub += (r["last_validation"].value("on_test_set", false) ? "held-out test " : "validation ") +
           held_out_text(r["last_validation"]) + " · ";
  sub += fmt::format("run {} · {} generations · {} evaluations ({} failed)", format_value(r["run"]),
                     format_value(r["generations"]), format_value(r["evaluations"]),
                     format_value(r["failed"]));
  if (!str(r, "optimizer").empty()) sub += " · optimizer " + str(r, "optimizer");
  if (!str(r, "optimizee").empty()) sub += " · optimizee " + str(r, "optimizee");
  if (!r["best"].is_null())
    sub +=
        (judged ? " · best training fitness " : " · best ") + format_fitness(r["best"]["fitness"]);
  if (!str(r, "stop_reason").empty()) sub += " · stopped: " + str(r, "stop_reason");
  if (r.contains("origin"))
    sub += fmt::format(" · warm-started from {} (generation {})", str(r["origin"], "store"),
                       format_value(r["origin"]["generation"]));
  h += "<p class=\"sub\">" + esc(sub) + "</p>\n";
  if (status == "running")
    h += "<p class=\"banner\">" +
         esc(fmt::format("This run was still going when the report was made ({}): it shows the "
                         "{} generations stored so far. Run l2l report again for newer results.",
                         utc_time(d.value("generated", 0.0)), format_value(r["generations"]))) +
         "</p>\n";
  h += "</header>\n";
  h += p.nav();
  h += "<main>\n";
  h += p.body();
  h += "</main>\n";
  json packed = d;
  compact(packed);
  h += "<script type=\"application/json\" id=\"l2l-data\">" + json_for_script(packed) +
       "</script>\n";
  for (const auto& lib : js.libraries)
    h += "<script>/* " + esc(lib.name + " " + lib.version) + " */\n" +
         inline_script_source(lib.source) + "\n</script>\n";
  h += "<script>\n" + inline_script_source(report_script()) + "\n</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

json write_report(RunStore& store, std::int64_t run_id, const std::string& out_path,
                  const JsAssets& js, const ReportOptions& options) {
  if (run_id == 0) {
    const auto root = store.root_run();
    if (!root) throw UsageError(fmt::format("'{}' holds no run", store.path()));
    run_id = *root;
  }
  auto data = collect_report_data(store, run_id, options);
  data["store"] = store.path();
  const auto html = render_report(data, js);
  namespace fs = std::filesystem;
  const fs::path out(out_path);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  // Write beside and rename, so a browser reloading the report never sees half a file.
  const auto tmp = out_path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw UsageError(fmt::format("cannot write '{}'", tmp));
    f << html;
    if (!f) throw UsageError(fmt::format("cannot write '{}'", tmp));
  }
  fs::rename(tmp, out);
  return data;
}

}  // namespace l2l::report
