#include "l2l/report/page.hpp"

#include <fmt/format.h>

#include "l2l/report/html.hpp"

namespace l2l::report {

void Page::text(std::string_view s) {
  out_ += html_escape(s);
}

void Page::section_start(const std::string& id, const std::string& title) {
  nav_.emplace_back(id, title);
  out_ += fmt::format("<section id=\"{}\"><h2>{}</h2>\n", id, html_escape(title));
}

void Page::note(std::string_view s) {
  out_ += fmt::format("<p class=\"note\">{}</p>\n", html_escape(s));
}

void Page::subheading(std::string_view s) {
  out_ += "<h3>" + html_escape(s) + "</h3>\n";
}

void Page::chart(const std::string& kind, int index, const std::string& cls) {
  out_ += fmt::format("<div class=\"chart{}\" data-kind=\"{}\" data-index=\"{}\"></div>\n",
                      cls.empty() ? "" : " " + cls, kind, index);
}

void Page::table(const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows, const std::string& cls) {
  out_ += fmt::format("<table{}><thead><tr>", cls.empty() ? "" : " class=\"" + cls + "\"");
  for (const auto& h : head) out_ += "<th>" + html_escape(h) + "</th>";
  out_ += "</tr></thead><tbody>\n";
  for (const auto& r : rows) {
    out_ += "<tr>";
    for (const auto& c : r) out_ += "<td>" + html_escape(c) + "</td>";
    out_ += "</tr>\n";
  }
  out_ += "</tbody></table>\n";
}

void Page::facts(const std::vector<std::pair<std::string, std::string>>& kv) {
  out_ += "<table class=\"facts\"><tbody>\n";
  for (const auto& [k, v] : kv)
    out_ += "<tr><th>" + html_escape(k) + "</th><td>" + html_escape(v) + "</td></tr>\n";
  out_ += "</tbody></table>\n";
}

std::string Page::nav() const {
  std::string s = "<nav>";
  for (const auto& [id, title] : nav_)
    s += fmt::format("<a href=\"#{}\">{}</a>", id, html_escape(title));
  return s + "</nav>\n";
}

}  // namespace l2l::report
