#pragma once
// `l2l report`: one self-contained HTML file per run. The page holds its data (one JSON block),
// the Vega, Vega-Lite and Vega-Embed builds and the report's own script, all inline, so it opens
// offline and never makes a network request (its Content-Security-Policy forbids them too).
// Static text (titles, tables, configuration) is written here, HTML-escaped; the charts are
// Vega-Lite specifications built by the page's script from the data block.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "l2l/report/js_assets.hpp"
#include "l2l/report/report_data.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l::report {

// The page for data from collect_report_data().
std::string render_report(const nlohmann::json& data, const JsAssets& js);

// Collects run `run_id` (0: the top-level run) of `store` and writes the page to `out_path`.
// Returns the data the page was made of.
nlohmann::json write_report(RunStore& store, std::int64_t run_id, const std::string& out_path,
                            const JsAssets& js, const ReportOptions& options = {});

// The page's stylesheet and script (report_page.cpp); the script holds the chart builders of the
// registered report sections too.
extern const char* const kReportCss;
std::string report_script();

}  // namespace l2l::report
