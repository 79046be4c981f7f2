#pragma once
// The static HTML of a report page: sections with their titles (collected for the navigation
// bar), notes, tables and chart placeholders. Every piece of text goes through html_escape; only
// raw() writes markup as given, for the few fixed tags the writers need.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace l2l::report {

class Page {
 public:
  void raw(std::string_view s) { out_ += s; }
  void text(std::string_view s);
  void section_start(const std::string& id, const std::string& title);
  void section_end() { out_ += "</section>\n"; }
  void note(std::string_view s);
  void subheading(std::string_view s);
  // A placeholder the page's script fills with chart `kind` (a key of its `builders`) drawn from
  // item `index` of that kind's data.
  void chart(const std::string& kind, int index = 0, const std::string& cls = "");
  void table(const std::vector<std::string>& head,
             const std::vector<std::vector<std::string>>& rows, const std::string& cls = "");
  // Two-column key/value table.
  void facts(const std::vector<std::pair<std::string, std::string>>& kv);
  std::string nav() const;
  std::string& body() { return out_; }

 private:
  std::string out_;
  std::vector<std::pair<std::string, std::string>> nav_;
};

}  // namespace l2l::report
