// `l2l report`: a self-contained HTML report of a run store.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/core/error.hpp"
#include "l2l/report/report.hpp"

namespace l2l::cli {
namespace {

std::pair<std::size_t, std::size_t> parse_block(const std::string& s) {
  const auto colon = s.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument(s);
    const long first = std::stol(s.substr(0, colon));
    const long count = std::stol(s.substr(colon + 1));
    if (first < 0 || count < 1 || count > 200) throw std::out_of_range(s);
    return {static_cast<std::size_t>(first), static_cast<std::size_t>(count)};
  } catch (const std::exception&) {
    throw UsageError(fmt::format(
        "--cov-block '{}': expected FIRST:COUNT with FIRST >= 0 and 1 <= COUNT <= 200", s));
  }
}

const RegisterCommand report_cmd(40, [](CLI::App& app) {
  struct Args {
    std::string store, out, js_dir, cov_block = "0:32";
    std::int64_t run = 0;
    std::size_t inner = 12, small = 16;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "report",
      "write a self-contained HTML report with interactive charts (works on a running run too)");
  sub->add_option("store", a->store, "run store (.db)")->required();
  sub->add_option("-o,--out", a->out, "HTML file to write (default: the store's name with .html)");
  sub->add_option("--run", a->run, "a run id inside the store (default: the top-level run)");
  sub->add_option("--js-dir", a->js_dir,
                  "folder with the Vega libraries: a node_modules folder holding vega, vega-lite "
                  "and vega-embed, or the three .min.js files (default: $L2L_JS_DIR, then "
                  "third_party_js/node_modules near the executable or the source tree)");
  sub->add_option("--cov-block", a->cov_block,
                  "EnKF covariance heatmap: FIRST:COUNT parameter elements (default 0:32)");
  sub->add_option("--inner-runs", a->inner,
                  "nested runs: outer individuals whose inner learning curves are drawn")
      ->check(CLI::Range(1, 100));
  sub->add_option("--small-space", a->small,
                  "spaces with up to this many elements get one chart per parameter; larger "
                  "ones a PCA projection")
      ->check(CLI::Range(1, 64));
  return [a]() {
    report::ReportOptions opt;
    std::tie(opt.cov_first, opt.cov_size) = parse_block(a->cov_block);
    opt.max_inner_runs = a->inner;
    opt.small_space = a->small;
    // Find the libraries before reading anything, so a missing install fails fast.
    const auto js = report::load_js_assets(a->js_dir);
    auto store = RunStore::open_reader(a->store);
    std::string out = a->out;
    if (out.empty()) {
      std::filesystem::path p(a->store);
      p.replace_extension(".html");
      out = p.string();
    }
    const auto data = report::write_report(*store, a->run, out, js, opt);
    std::error_code ec;
    const auto size = std::filesystem::file_size(out, ec);
    std::cout << fmt::format(
        "wrote {} ({:.1f} MiB; run {} '{}', {}, {} generations)\n", out,
        ec ? 0.0 : static_cast<double>(size) / (1024.0 * 1024.0),
        data["run"]["run"].get<std::int64_t>(), data["run"]["name"].get<std::string>(),
        data["run"]["status"].get<std::string>(), data["run"]["generations"].get<std::int64_t>());
    for (const auto& w : data["warnings"])
      std::cerr << "l2l report: warning: " << w.get<std::string>() << "\n";
    return kExitOk;
  };
});

}  // namespace
}  // namespace l2l::cli
