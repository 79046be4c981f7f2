#include "l2l/report/report_section.hpp"

#include <algorithm>
#include <stdexcept>

namespace l2l::report {

namespace {

// A function-local static: sections register from static initializers in other files, which
// may run before this file's globals are constructed.
std::vector<std::unique_ptr<ReportSection>>& registered() {
  static std::vector<std::unique_ptr<ReportSection>> sections;
  return sections;
}

}  // namespace

void add_report_section(std::unique_ptr<ReportSection> section) {
  auto& all = registered();
  const auto name = section->name();
  if (std::any_of(all.begin(), all.end(), [&](const auto& s) { return s->name() == name; }))
    throw std::logic_error("report section '" + name + "' is registered twice");
  all.push_back(std::move(section));
}

std::vector<const ReportSection*> report_sections() {
  std::vector<const ReportSection*> out;
  for (const auto& s : registered()) out.push_back(s.get());
  // Registration order depends on the link order of the files; the page must not.
  std::sort(out.begin(), out.end(), [](const ReportSection* a, const ReportSection* b) {
    if (a->order() != b->order()) return a->order() < b->order();
    return a->name() < b->name();
  });
  return out;
}

}  // namespace l2l::report
