#pragma once
// A section of the report that belongs to one kind of run (EnKF, spiking networks, ant colonies,
// nested runs, ...). Each is one file under src/l2l/report/sections/ that ends with a
// registration line such as `L2L_REGISTER_REPORT_SECTION(EnkfSection);`, and holds all three
// parts of its section: the data it reads from the store (collect, stored as data[name()]), the
// HTML it writes (write) and the page script's chart builders for the chart kinds it places
// (script). The generic report knows no section by name: it runs them in order() (see
// report_sections()), between its run-wide sections and the configuration.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2l/report/page.hpp"
#include "l2l/report/section_context.hpp"

namespace l2l::report {

class ReportSection {
 public:
  virtual ~ReportSection() = default;
  // The key of its data in the report data (d["enkf"]) and so in the page script (data.enkf).
  virtual std::string name() const = 0;
  // Position on the page and in the data collection; see report_sections().
  virtual int order() const = 0;
  // Its data, from the store. Null or empty data is fine: write() decides what a run without
  // this kind of result shows (usually nothing). Problems go to ctx.warn(), never exceptions.
  virtual nlohmann::json collect(SectionContext& ctx) const = 0;
  // Its HTML, from the data collect() returned (or a stored report's data).
  virtual void write(Page& page, const nlohmann::json& data) const = 0;
  // JavaScript that adds the builders of its chart kinds to the page script's `builders`
  // (`builders.kind = function (W, index) { return vegaLiteSpec; }`); see docs/report.md.
  virtual std::string_view script() const { return {}; }
};

// The registered sections in page order: ascending order(), then name. The four built in use
// 100 (enkf), 200 (spiking), 300 (ants) and 400 (nested), leaving room between them.
std::vector<const ReportSection*> report_sections();

// Registers a section; a second section of the same name is a programming error (throws).
void add_report_section(std::unique_ptr<ReportSection> section);

template <class T>
struct RegisterReportSection {
  RegisterReportSection() { add_report_section(std::make_unique<T>()); }
};

}  // namespace l2l::report

#define L2L_REGISTER_REPORT_SECTION(T) \
  static const ::l2l::report::RegisterReportSection<T> l2l_register_report_section_##T {}
