// The report: escaping, data collection from stores of every kind, PCA, the JS library lookup,
// `l2l report` and `l2l show --follow` end to end, and the export's file formats. The pages
// themselves are checked in headless Chromium by tests/browser (CTest: report_browser).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"
#include "l2l/experiment/experiment.hpp"
#include "l2l/report/follow.hpp"
#include "l2l/report/html.hpp"
#include "l2l/report/js_assets.hpp"
#include "l2l/report/pca.hpp"
#include "l2l/report/report.hpp"
#include "l2l/report/report_data.hpp"
#include "l2l/report/report_section.hpp"
#include "l2l/storage/export.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/vector_codec.hpp"
#include "report_fixtures.hpp"
#include "support/process_support.hpp"

extern char** environ;

using namespace l2l;
using namespace l2l::report;
using l2l::testing::TempDir;
using nlohmann::json;
namespace fx = l2l::testing::fixtures;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

std::unique_ptr<RunStore> fixture_store(const TempDir& dir, const std::string& name) {
  const auto path = dir.file(name + ".db");
  {
    auto w = RunStore::create(path, true);
    fx::all().at(name)(*w);
  }
  return RunStore::open_reader(path);
}

// Libraries that stand in for Vega in tests that only look at the HTML text.
JsAssets fake_js() {
  JsAssets a;
  a.dir = "test";
  a.libraries = {{"vega", "0", "v.js", "window.vega = {}; var s = '</script><!-- x';"},
                 {"vega-lite", "0", "vl.js", "window.vegaLite = {};"},
                 {"vega-embed", "0", "ve.js", "window.vegaEmbed = function () {};"}};
  return a;
}

std::int64_t root(RunStore& s) {
  return *s.root_run();
}

// The JSON block of a page, as the page's script reads it.
json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"l2l-data\">";
  const auto a = html.find(open);
  const auto b = html.find("</script>", a);
  return json::parse(html.substr(a + open.size(), b - a - open.size()));
}

bool have_real_js() {
  try {
    load_js_assets();
    return true;
  } catch (const UsageError&) {
    return false;
  }
}

}  // namespace

TEST(ReportHtml, EscapesTextAndAttributes) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(ReportHtml, JsonForScriptCannotCloseTheScriptAndParsesBack) {
  json j = {{"k", "</script><script>alert(1)</script><!-- & \xe2\x80\xa8"}, {"<b>", {1, 2}}};
  const auto s = json_for_script(j);
  EXPECT_EQ(s.find('<'), std::string::npos);
  EXPECT_EQ(s.find('>'), std::string::npos);
  EXPECT_EQ(s.find('&'), std::string::npos);
  EXPECT_EQ(s.find("\xe2\x80\xa8"), std::string::npos);
  EXPECT_EQ(json::parse(s), j);
  // Invalid UTF-8 (e.g. from an optimizee's error message) does not throw.
  EXPECT_NO_THROW(json_for_script(json("bad \xff byte")));
}

TEST(ReportHtml, InlineScriptsCannotEndEarly) {
  const auto s = inline_script_source("a = '</SCRIPT>'; b = '<!--'; c = 1 < 2;");
  EXPECT_EQ(s, "a = '<\\/SCRIPT>'; b = '<\\!--'; c = 1 < 2;");
}

TEST(ReportData, ParsesFlatNumberArrays) {
  std::vector<double> v;
  ASSERT_TRUE(parse_number_array("[1, -2.5e3,null , 4]", v));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1], -2500);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_TRUE(parse_number_array("[]", v));
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(parse_number_array("[1,", v));
  EXPECT_FALSE(parse_number_array("{\"a\":1}", v));
  EXPECT_FALSE(parse_number_array("[1] x", v));
}

// Compares with the eigen-decomposition of the sample covariance (Eigen's dense solver).
void expect_matches_eigen(const std::vector<double>& rows, std::size_t n, std::size_t d) {
  const auto p = principal_components(rows, n, d, 2, 300);
  ASSERT_EQ(p.components.size(), 2u);
  Eigen::MatrixXd x(n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) x(i, j) = rows[i * d + j];
  const Eigen::MatrixXd c = x.rowwise() - x.colwise().mean();
  const Eigen::MatrixXd cov = c.transpose() * c / static_cast<double>(n - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  for (int k = 0; k < 2; ++k) {
    const auto col = static_cast<Eigen::Index>(d) - 1 - k;  // ascending order
    const double lambda = es.eigenvalues()(col);
    EXPECT_NEAR(p.variances[static_cast<std::size_t>(k)], lambda, 1e-8 * lambda);
    double dot = 0;
    for (std::size_t j = 0; j < d; ++j)
      dot += p.components[static_cast<std::size_t>(k)][j] *
             es.eigenvectors()(static_cast<Eigen::Index>(j), col);
    EXPECT_NEAR(std::abs(dot), 1.0, 1e-8);
  }
  EXPECT_NEAR(p.total_variance, cov.trace(), 1e-9 * cov.trace());
  // Deterministic: the same data gives the same picture.
  EXPECT_EQ(p.components, principal_components(rows, n, d, 2, 300).components);
}

TEST(ReportPca, AgreesWithADenseEigenSolver) {
  Rng rng(4);
  // Few dimensions, many points: spread mostly along (1, 1, 0), then along z.
  std::vector<double> rows;
  for (int i = 0; i < 2000; ++i) {
    const double a = rng.normal(0, 3), b = rng.normal(0, 1);
    rows.insert(rows.end(), {a / std::sqrt(2.0) + 5, a / std::sqrt(2.0) - 1, b});
  }
  expect_matches_eigen(rows, 2000, 3);
  // More dimensions than points, as for a network's weights (rank n-1).
  rows.clear();
  for (int i = 0; i < 40; ++i) {
    const double a = rng.normal(0, 2), b = rng.normal(0, 1);
    for (int j = 0; j < 300; ++j)
      rows.push_back(a * std::sin(0.1 * j) + b * std::cos(0.05 * j) + 0.1 * rng.normal());
  }
  expect_matches_eigen(rows, 40, 300);
}

// Above 1,500 samples and dimensions the components come from 1,500 evenly spaced samples: a
// planted direction is still found, and mean and total variance are those of all samples.
TEST(ReportPca, LargeCloudsUseEvenlySpacedSamples) {
  Rng rng(6);
  const std::size_t n = 3000, d = 1600;
  std::vector<double> dir(d);
  for (std::size_t j = 0; j < d; ++j) dir[j] = std::sin(0.01 * static_cast<double>(j) + 0.3);
  double norm = 0;
  for (double x : dir) norm += x * x;
  for (auto& x : dir) x /= std::sqrt(norm);
  std::vector<double> rows(n * d);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = rng.normal(0, 10);
    for (std::size_t j = 0; j < d; ++j) rows[i * d + j] = a * dir[j] + 0.1 * rng.normal() + 1.0;
  }
  const auto p = principal_components(rows, n, d, 2);
  ASSERT_EQ(p.components.size(), 2u);
  double dot = 0;
  for (std::size_t j = 0; j < d; ++j) dot += p.components[0][j] * dir[j];
  EXPECT_GT(std::abs(dot), 0.999);
  // Variance 100 along the direction, estimated from 1,500 samples: sd 100 * sqrt(2 / 1499).
  EXPECT_NEAR(p.variances[0], 100.0, 4 * 100.0 * std::sqrt(2.0 / 1499.0));
  // The total variance is exact over all samples: 100-ish planted plus d * 0.01 noise.
  double total = 0;
  for (std::size_t j = 0; j < d; ++j) {
    double m = 0, s = 0;
    for (std::size_t i = 0; i < n; ++i) m += rows[i * d + j];
    m /= static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) s += (rows[i * d + j] - m) * (rows[i * d + j] - m);
    total += s / static_cast<double>(n - 1);
    EXPECT_NEAR(p.mean[j], m, 1e-9);
  }
  EXPECT_NEAR(p.total_variance, total, 1e-9 * total);
}

TEST(ReportData, EnkfArtifactsBecomeSpectraHistogramsAndCovariance) {
  TempDir dir;
  auto store = fixture_store(dir, "enkf");
  ReportOptions opt;
  opt.cov_first = 245;
  opt.cov_size = 10;
  const auto d = collect_report_data(*store, root(*store), opt);
  const auto& e = d["enkf"];
  ASSERT_TRUE(e.is_object());
  // enkf_stats at generations 0, 5, 10, 15; each: 23 positive parameter eigenvalues (the zero
  // one is dropped from the log axis) and 24 output eigenvalues.
  std::set<std::int64_t> gens;
  std::size_t params = 0;
  for (const auto& r : e["spectrum"]) {
    gens.insert(r["g"].get<std::int64_t>());
    if (r["kind"] == "parameters") ++params;
    EXPECT_GT(r["v"].get<double>(), 0);
  }
  EXPECT_EQ(gens, (std::set<std::int64_t>{0, 5, 10, 15}));
  EXPECT_EQ(params, 4u * 23u);
  // Histograms: 3 layers x 4 generations x 30 bins; each (layer, generation) sums to 1.
  EXPECT_EQ(e["histograms"].size(), 3u * 4u * 30u);
  std::map<std::pair<std::string, std::int64_t>, double> sums;
  for (const auto& h : e["histograms"])
    sums[{h["layer"].get<std::string>(), h["g"].get<std::int64_t>()}] += h["n"].get<double>();
  for (const auto& [k, s] : sums) EXPECT_NEAR(s, 1.0, 1e-4) << k.first << " " << k.second;
  EXPECT_NE(e["histogram_source"].get<std::string>().find("enkf_mean"), std::string::npos);
  // Covariance of elements 245..254 (across the conv1/conv2 boundary), from the stored
  // ensemble: 100 cells, symmetric, positive diagonal.
  const auto& c = e["covariance"];
  ASSERT_EQ(c["cells"].size(), 100u);
  EXPECT_EQ(c["cells"][0]["a"], "conv1[245]");
  EXPECT_EQ(c["cells"][99]["a"], "conv2[4]");
  std::map<std::pair<int, int>, double> cov;
  for (const auto& x : c["cells"])
    cov[{x["i"].get<int>(), x["j"].get<int>()}] = x["v"].get<double>();
  for (int a = 0; a < 10; ++a) {
    EXPECT_GT((cov[{a, a}]), 0);
    for (int b = 0; b < 10; ++b) EXPECT_DOUBLE_EQ((cov[{a, b}]), (cov[{b, a}]));
  }
  EXPECT_NE(c["source"].get<std::string>().find("enkf_ensemble"), std::string::npos);
  // Held-out metrics and optimizer state are separate series; the final test is its own.
  std::set<std::string> metrics, keys;
  for (const auto& r : d["tests"]["rows"]) metrics.insert(r["metric"]);
  for (const auto& r : d["optimizer_info"]["rows"]) keys.insert(r["key"]);
  EXPECT_EQ(metrics, (std::set<std::string>{"validation accuracy", "validation loss",
                                            "final test accuracy"}));
  EXPECT_EQ(d["run"]["final_test"]["generation"], 15);
  EXPECT_EQ(d["run"]["final_test"]["metrics"]["accuracy"], 0.9);
  EXPECT_EQ(d["run"]["last_validation"]["generation"], 15);
  EXPECT_FALSE(d["run"]["last_validation"].contains("on_test_set"));
  EXPECT_EQ(keys, (std::set<std::string>{"ensemble_size", "misfit", "param_spread"}));
  // 1,050 parameters: projected on principal components.
  EXPECT_EQ(d["parameters"]["mode"], "pca");
  EXPECT_EQ(d["parameters"]["explained"].size(), 2u);
  EXPECT_TRUE(d["warnings"].empty()) << d["warnings"].dump();
}

TEST(ReportData, EnkfWithoutArtifactsStillShowsWhatItCan) {
  // An EnKF run stored before any artifact_every boundary: no enkf_* artifacts at all.
  TempDir dir;
  const auto path = dir.file("bare.db");
  {
    auto w = RunStore::create(path, true);
    fx::Space sp;
    sp.array("fc", 12, -1, 1);
    fx::Writer wr(*w, fx::run_info("bare", sp, "enkf", "image_classifier", {"accuracy"}, {1.0}));
    Rng rng(1);
    for (int g = 0; g < 3; ++g) {
      fx::Gen gen;
      for (int j = 0; j < 5; ++j) {
        Candidate c;
        for (int i = 0; i < 12; ++i) c.params.push_back(rng.normal(0, 0.1));
        Evaluation e;
        e.fitness = {0.5};
        gen.batch.push_back(c);
        gen.evals.push_back(e);
      }
      wr.record(g, gen);
    }
  }
  auto store = RunStore::open_reader(path);
  const auto d = collect_report_data(*store, root(*store));
  ASSERT_TRUE(d["enkf"].is_object());
  EXPECT_TRUE(d["enkf"]["spectrum"].empty());
  EXPECT_EQ(d["enkf"]["histograms"].size(), 3u * 30u);  // from the best members
  EXPECT_NE(d["enkf"]["histogram_source"].get<std::string>().find("best member"),
            std::string::npos);
  EXPECT_EQ(d["enkf"]["covariance"]["cells"].size(), 12u * 12u);  // from the last population
  const auto html = render_report(d, fake_js());
  EXPECT_NE(html.find("data-kind=\"enkf-covariance\""), std::string::npos);
  EXPECT_EQ(html.find("data-kind=\"enkf-spectrum\""), std::string::npos);
}

TEST(ReportData, SpikeRasterRatesFollowTheDocumentedFormula) {
  TempDir dir;
  const auto path = dir.file("r.db");
  {
    auto w = RunStore::create(path, true);
    fx::Space sp;
    sp.scalar("w", 0, 1);
    fx::Writer wr(*w, fx::run_info("r", sp, "ga", "spiking", {"acc"}, {1.0}));
    fx::Gen gen;
    gen.batch.resize(1);
    gen.batch[0].params = {0.5};
    Evaluation e;
    e.fitness = {1};
    // Population A: 4 neurons; 3 spikes in [0, 10) ms, 1 in [10, 20). B: 2 neurons, 1 spike.
    json r = {
        {"t_start", 0},
        {"t_stop", 20},
        {"bin", 10},
        {"populations",
         {{{"name", "A"}, {"first", 0}, {"size", 4}}, {{"name", "B"}, {"first", 4}, {"size", 2}}}},
        {"senders", {0, 1, 3, 2, 5}},
        {"times", {1.0, 2.0, 9.9, 15.0, 19.0}}};
    e.artifacts.push_back({"spiking.raster", "json", r.dump()});
    gen.evals.push_back(e);
    wr.record(0, gen);
  }
  auto store = RunStore::open_reader(path);
  const auto d = collect_report_data(*store, root(*store));
  ASSERT_EQ(d["spiking"]["rasters"].size(), 1u);
  const auto& r = d["spiking"]["rasters"][0];
  EXPECT_EQ(r["spikes"].size(), 5u);
  std::map<std::pair<std::string, double>, double> rate;
  for (const auto& x : r["rates"])
    rate[{x["pop"].get<std::string>(), x["t"].get<double>()}] = x["rate"].get<double>();
  // rate = spikes / (size x bin seconds)
  EXPECT_DOUBLE_EQ((rate[{"A", 5.0}]), 3 / (4 * 0.010));
  EXPECT_DOUBLE_EQ((rate[{"A", 15.0}]), 1 / (4 * 0.010));
  EXPECT_DOUBLE_EQ((rate[{"B", 5.0}]), 0.0);
  EXPECT_DOUBLE_EQ((rate[{"B", 15.0}]), 1 / (2 * 0.010));
}

TEST(ReportData, LargeRastersAreThinnedByNeuron) {
  TempDir dir;
  auto store = fixture_store(dir, "spiking");
  ReportOptions opt;
  opt.max_spikes = 500;
  const auto d = collect_report_data(*store, root(*store), opt);
  ASSERT_EQ(d["spiking"]["rasters"].size(), 3u);
  for (const auto& r : d["spiking"]["rasters"]) {
    const auto stride = r["neuron_stride"].get<std::int64_t>();
    EXPECT_GT(stride, 1);
    for (const auto& s : r["spikes"]) EXPECT_EQ(s["n"].get<std::int64_t>() % stride, 0);
    EXPECT_LT(r["spikes"].size(), r["spikes_total"].get<std::size_t>());
  }
  // Newest first.
  EXPECT_EQ(d["spiking"]["rasters"][0]["generation"], 4);
}

TEST(ReportData, AntArenaAndCorrelation) {
  TempDir dir;
  auto store = fixture_store(dir, "ants");
  const auto d = collect_report_data(*store, root(*store));
  ASSERT_EQ(d["ants"]["arenas"].size(), 1u);
  const auto& a = d["ants"]["arenas"][0];
  EXPECT_EQ(a["ticks"], json({0, 500, 1000}));
  EXPECT_EQ(a["ants"].size(), 3u * 15u);
  std::size_t walls = 0, nest = 0;
  for (const auto& s : a["statics"]) (s["kind"] == "wall" ? walls : nest)++;
  EXPECT_EQ(walls, 2u * 41u + 2u * 60u);
  EXPECT_EQ(nest, 29u);  // patches within radius 3 of the centre
  ASSERT_EQ(d["ants"]["correlations"].size(), 1u);
  const auto& c = d["ants"]["correlations"][0]["cells"];
  EXPECT_EQ(c.size(), 12u * 4u);
  EXPECT_TRUE(c[11 * 4]["r"].is_null());  // the constant input
}

TEST(ReportData, NestedRunsGiveInnerCurvesOfTheBestOuterIndividuals) {
  TempDir dir;
  auto store = fixture_store(dir, "nested");
  ReportOptions opt;
  opt.max_inner_runs = 3;
  const auto d = collect_report_data(*store, root(*store), opt);
  const auto& n = d["nested"];
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n["total"], 24);
  EXPECT_EQ(n["children"].size(), 24u);
  // The three selected outer individuals are the three best by outer fitness.
  std::vector<double> outer;
  std::set<std::string> selected_labels;
  for (const auto& o : n["outer"]) {
    outer.push_back(o["f"].get<double>());
    if (o["selected"].get<bool>()) selected_labels.insert(o["label"]);
  }
  EXPECT_EQ(outer.size(), 12u);
  std::sort(outer.rbegin(), outer.rend());
  for (const auto& o : n["outer"])
    EXPECT_EQ(o["selected"].get<bool>(), o["f"].get<double>() >= outer[2]);
  std::set<std::int64_t> curve_runs;
  for (const auto& c : n["curves"]) {
    curve_runs.insert(c["run"].get<std::int64_t>());
    EXPECT_TRUE(selected_labels.count(c["label"]));
  }
  EXPECT_EQ(curve_runs.size(), 6u);  // two tasks each
  // Inner loss curves: best so far never increases (lower is better).
  std::map<std::int64_t, double> last;
  for (const auto& c : n["curves"]) {
    const auto r = c["run"].get<std::int64_t>();
    if (last.count(r)) {
      EXPECT_LE(c["best_so_far"].get<double>(), last[r]);
    }
    last[r] = c["best_so_far"].get<double>();
  }
  // An inner run's own report works and names its parent.
  const auto inner = collect_report_data(*store, n["children"][0]["run"].get<std::int64_t>());
  EXPECT_EQ(inner["run"]["parent"]["run"], root(*store));
}

TEST(ReportData, FailureReasonsThatDifferOnlyInNumbersAreGrouped) {
  TempDir dir;
  const auto path = dir.file("f.db");
  RunOptions o;
  o.out = path;
  o.progress = false;
  Experiment exp(load_config_text("experiment: {name: f, seed: 3, max_generations: 6}\n"
                                  "optimizer: {type: random_search, population: 30}\n"
                                  "optimizee: {type: active_wait, seconds: 0, failure_rate: 0.3, "
                                  "nan_rate: 0.1}\n"
                                  "evaluator: {type: serial}\n",
                                  "f.yaml"),
                 o);
  exp.run();
  auto store = RunStore::open_reader(path);
  const auto d = collect_report_data(*store, root(*store));
  const auto& f = d["failures"];
  ASSERT_GT(f["total"].get<int>(), 0);
  std::int64_t sum = 0;
  for (const auto& r : f["reasons"]) sum += r["count"].get<std::int64_t>();
  EXPECT_EQ(sum, f["total"].get<std::int64_t>());
  // Two kinds of failure, whatever generation and index they name.
  ASSERT_EQ(f["reasons"].size(), 2u) << f["reasons"].dump(1);
  std::set<std::string> reasons;
  for (const auto& r : f["reasons"]) reasons.insert(r["reason"]);
  EXPECT_TRUE(reasons.count("failed: fitness[0] is nan")) << f["reasons"].dump(1);
  std::int64_t by_gen = 0;
  for (const auto& c : f["by_generation"]) by_gen += c["n"].get<std::int64_t>();
  EXPECT_EQ(by_gen, f["total"].get<std::int64_t>());
}

TEST(ReportPage, ListsTheHallOfFameBestFirst) {
  TempDir dir;
  const auto path = dir.file("hof.db");
  RunOptions o;
  o.out = path;
  o.progress = false;
  Experiment exp(load_config_text("experiment: {name: hof, seed: 5, max_generations: 4}\n"
                                  "optimizer: {type: ga, population: 12, reevaluate: true}\n"
                                  "optimizee: {type: function, preset: Rastrigin2d}\n"
                                  "evaluator: {type: serial}\n",
                                  "hof.yaml"),
                 o);
  exp.run();
  auto store = RunStore::open_reader(path);
  ReportOptions ro;
  ro.hall_of_fame = 4;
  const auto d = collect_report_data(*store, root(*store), ro);
  EXPECT_EQ(d["hall_of_fame"], hall_of_fame(*store, root(*store), 4));
  ASSERT_EQ(d["hall_of_fame"].size(), 4u);
  const auto html = render_report(d, fake_js());
  const auto section = html.find("<section id=\"hall-of-fame\">");
  ASSERT_NE(section, std::string::npos);
  // Four rows, in rank order, each with its individual's parameters.
  const auto table = html.substr(section, html.find("</section>", section) - section);
  EXPECT_EQ(count(table, "<tr><td>"), 4u);
  std::size_t at = 0;
  for (int rank = 1; rank <= 4; ++rank) {
    const auto row = table.find("<tr><td>" + std::to_string(rank) + "</td>", at);
    ASSERT_NE(row, std::string::npos) << rank;
    at = row;
  }
  EXPECT_NE(table.find("x[0] "), std::string::npos) << table;
}

TEST(ReportPage, RunStringsAreTextNeverMarkup) {
  TempDir dir;
  auto store = fixture_store(dir, "hostile");
  const auto d = collect_report_data(*store, root(*store));
  const auto html = render_report(d, fake_js());
  // Exactly our own script elements: the data block, three libraries, the report script.
  EXPECT_EQ(count(html, "<script"), 5u);
  EXPECT_EQ(count(html, "</script"), 5u);
  EXPECT_EQ(count(html, "<!--"), 0u);
  EXPECT_EQ(count(html, "<img"), 0u);
  EXPECT_EQ(html.find("onerror=\"window"), std::string::npos);
  for (const auto& s : fx::hostile_strings()) {
    if (s == "<!--" || s.find('\xe2') != std::string::npos) continue;
    EXPECT_NE(html.find(html_escape(s)), std::string::npos) << s;
  }
  // The data block gives the page's script the original strings back.
  const auto back = page_data(html);
  EXPECT_EQ(back["run"]["name"], fx::hostile_strings()[0]);
  EXPECT_EQ(
      back["parameters"]["names"],
      json(std::vector<std::string>(fx::hostile_strings().begin(), fx::hostile_strings().end())));
  // The malformed raster is a warning, shown escaped; the good one is drawn.
  ASSERT_EQ(d["warnings"].size(), 1u);
  EXPECT_EQ(d["spiking"]["rasters"].size(), 1u);
  EXPECT_NE(html.find("<li>" + html_escape(d["warnings"][0].get<std::string>()) + "</li>"),
            std::string::npos);
}

TEST(ReportPage, ARunningRunSaysSoAndCompactsBigArrays) {
  TempDir dir;
  auto store = fixture_store(dir, "running");
  const auto d = collect_report_data(*store, root(*store));
  EXPECT_EQ(d["run"]["status"], "running");
  EXPECT_EQ(d["generations"]["rows"].size(), 6u);
  const auto html = render_report(d, fake_js());
  EXPECT_NE(html.find("still going"), std::string::npos);
  EXPECT_NE(html.find("status-running"), std::string::npos);
  // The parameter rows (60 individuals x 3 + best) travel as columns.
  const auto back = page_data(html);
  ASSERT_TRUE(back["parameters"]["rows"].is_object());
  EXPECT_EQ(back["parameters"]["rows"]["l2l_columns"]["v"].size(), d["parameters"]["rows"].size());
}

// The sections of particular kinds of run register themselves from their own files; a file the
// linker dropped, or a changed order(), would silently drop or move a part of every page.
TEST(ReportSections, RegistryListsTheKindsOfRunInPageOrder) {
  std::vector<std::string> names;
  for (const auto* s : report_sections()) names.push_back(s->name());
  EXPECT_EQ(names, (std::vector<std::string>{"enkf", "spiking", "ants", "nested"}));
  // Each has its key in the data, and its chart builders are in the page script in that order.
  TempDir dir;
  auto store = fixture_store(dir, "enkf");
  const auto d = collect_report_data(*store, root(*store));
  for (const auto& n : names) EXPECT_TRUE(d.contains(n)) << n;
  const auto js = report_script();
  std::size_t last = 0;
  for (const auto* s : report_sections()) {
    ASSERT_FALSE(s->script().empty()) << s->name();
    const auto at = js.find(s->script());
    ASSERT_NE(at, std::string::npos) << s->name();
    EXPECT_GT(at, last) << s->name();
    last = at;
  }
}

TEST(ReportJs, FindsLibrariesInAFlatFolderAndExplainsWhenMissing) {
  TempDir dir;
  for (const char* f : {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"})
    std::ofstream(dir.file(f)) << "/* " << f << " */";
  const auto a = load_js_assets(dir.path().string());
  ASSERT_EQ(a.libraries.size(), 3u);
  EXPECT_EQ(a.libraries[0].name, "vega");
  EXPECT_EQ(a.libraries[2].source, "/* vega-embed.min.js */");
  try {
    load_js_assets(dir.file("nowhere"));
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("nowhere"), std::string::npos);
    EXPECT_NE(m.find("install-js.sh"), std::string::npos);
  }
  // The flag wins over L2L_JS_DIR, which wins over the default places.
  ::setenv("L2L_JS_DIR", dir.path().c_str(), 1);
  EXPECT_EQ(js_search_dirs(""), std::vector<std::string>{dir.path().string()});
  EXPECT_EQ(js_search_dirs("/x"), std::vector<std::string>{"/x"});
  ::unsetenv("L2L_JS_DIR");
  EXPECT_GT(js_search_dirs("").size(), 1u);
}

TEST(ReportCli, WritesAReportOfARealRunAndRefusesBadArguments) {
  if (!have_real_js()) GTEST_SKIP() << "Vega libraries not installed (bash scripts/install-js.sh)";
  TempDir dir;
  const auto db = dir.file("ga.db");
  auto r = run_l2l(dir, {"run", std::string(L2L_EXAMPLES_DIR) + "/rastrigin-ga.yaml", "--out", db,
                         "--set", "experiment.max_generations=5", "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_l2l(dir, {"report", db});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto html = slurp(dir.file("ga.html"));  // default name: the store's, .html
  EXPECT_NE(html.find("data-kind=\"fitness\""), std::string::npos);
  EXPECT_NE(html.find("vega-embed"), std::string::npos);
  EXPECT_EQ(page_data(html)["generations"]["total"], 5);
  EXPECT_EQ(run_l2l(dir, {"report", db, "--js-dir", dir.file("none")}).code, 2);
  EXPECT_EQ(run_l2l(dir, {"report", db, "--cov-block", "3"}).code, 2);
  EXPECT_EQ(run_l2l(dir, {"report", dir.file("missing.db")}).code, 2);
}

TEST(Follow, PrintsEveryGenerationOfAFinishedRunAndStops) {
  TempDir dir;
  auto store = fixture_store(dir, "enkf");
  std::ostringstream out;
  int sleeps = 0;
  const auto r =
      follow_run(store->path(), {0.01, 0, 0}, out, [&](double) { return ++sleeps < 100; });
  EXPECT_EQ(r.status, "finished");
  EXPECT_EQ(r.generations, 16);
  EXPECT_EQ(sleeps, 0);
  const auto text = out.str();
  // A poll that finds many generations prints the last 10 of them.
  EXPECT_NE(text.find("... 6 generations"), std::string::npos) << text;
  EXPECT_EQ(text.find("generation 6 "), std::string::npos) << text;
  EXPECT_NE(text.find("generation 7 "), std::string::npos) << text;
  EXPECT_NE(text.find("generation 16 "), std::string::npos) << text;
  EXPECT_NE(text.find("run 1 finished"), std::string::npos) << text;
}

TEST(Follow, NoticesAWriterThatDied) {
  TempDir dir;
  auto store = fixture_store(dir, "running");
  // The lock file of a writer process that no longer exists on this host.
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::ofstream(store->path() + ".lock") << "pid " << child << " on " << host;
  EXPECT_TRUE(writer_vanished(store->path()));
  std::ostringstream out;
  const auto r = follow_run(store->path(), {0.01, 0, 0}, out, [](double) { return true; });
  EXPECT_EQ(r.status, "killed");
  EXPECT_NE(out.str().find("l2l resume"), std::string::npos);
  // Our own pid is alive: following goes on until the sleep callback stops it.
  std::ofstream(store->path() + ".lock") << "pid " << getpid() << " on " << host;
  EXPECT_FALSE(writer_vanished(store->path()));
  int polls = 0;
  const auto s = follow_run(store->path(), {0.01, 0, 0}, out, [&](double) { return ++polls < 3; });
  EXPECT_EQ(s.status, "running");
  EXPECT_EQ(polls, 3);
}

TEST(Follow, FollowsALiveRunUntilItFinishes) {
  TempDir dir;
  const auto db = dir.file("live.db");
  const auto yaml = dir.file("live.yaml");
  std::ofstream(yaml) << "experiment: {name: live, seed: 1, max_generations: 6}\n"
                         "optimizer: {type: ga, population: 4}\n"
                         "optimizee: {type: active_wait, seconds: 0.03, mode: sleep}\n"
                         "evaluator: {type: serial}\n";
  // Start following first: it waits for the store to appear.
  std::thread follower([&] {
    const auto r =
        run_l2l(dir, {"show", "--follow", db, "--interval", "0.05", "--wait", "60"}, "follow");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("generation 6/6"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("run 1 finished"), std::string::npos) << r.out;
  });
  const auto r = run_l2l(dir, {"run", yaml, "--out", db, "-q"}, "run");
  EXPECT_EQ(r.code, 0) << r.err;
  follower.join();
}

TEST(Export, OneFilePerTableWithBlobSizesAndValidJson) {
  TempDir dir;
  auto store = fixture_store(dir, "enkf");
  // Invalid UTF-8 in an error message must not break the JSON export.
  {
    auto w = RunStore::open_writer(store->path());
    w->db().exec("UPDATE evaluations SET status='failed', error=X'626164FF' WHERE idx=0");
  }
  const auto csv = export_store(*store, dir.file("csv"), ExportFormat::csv);
  const auto js = export_store(*store, dir.file("json"), ExportFormat::json);
  ASSERT_EQ(csv.size(), 5u);
  ASSERT_EQ(js.size(), 5u);
  // Blob columns are sizes, named <column>_bytes, from the first line on.
  const auto ev_header = slurp(dir.file("csv/evaluations.csv")).substr(0, 200);
  EXPECT_NE(ev_header.find("outputs_bytes"), std::string::npos);
  const auto art = json::parse(slurp(dir.file("json/artifacts.json")));
  ASSERT_FALSE(art.empty());
  for (const auto& a : art) {
    EXPECT_TRUE(a.contains("data_bytes"));
    EXPECT_FALSE(a.contains("data"));
  }
  // enkf_mean of 1,050 float32 values.
  bool found = false;
  for (const auto& a : art)
    if (a["name"] == "enkf_mean") found = a["data_bytes"] == 1050 * 4;
  EXPECT_TRUE(found);
  const auto ev = json::parse(slurp(dir.file("json/evaluations.json")));
  EXPECT_EQ(ev.size(), 16u * 24u);
  EXPECT_TRUE(ev[0]["params"].is_array());  // JSON columns stay JSON
  EXPECT_TRUE(ev[0].contains("outputs_bytes"));
  const auto runs = json::parse(slurp(dir.file("json/runs.json")));
  EXPECT_TRUE(runs[0]["space"].is_array());
}
