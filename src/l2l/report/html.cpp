#include "l2l/report/html.hpp"

#include <cctype>

namespace l2l::report {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string json_for_script(const nlohmann::json& j) {
  const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xe2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xa8' || text[i + 2] == '\xa9')) {
      // U+2028/U+2029: valid in JSON, line terminators in older JavaScript; keep them escaped.
      out += text[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string inline_script_source(std::string_view js) {
  std::string out;
  out.reserve(js.size());
  auto lower_match = [&](std::size_t i, std::string_view what) {
    if (i + what.size() > js.size()) return false;
    for (std::size_t k = 0; k < what.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(js[i + k])) != what[k]) return false;
    return true;
  };
  for (std::size_t i = 0; i < js.size(); ++i) {
    if (js[i] == '<' && lower_match(i, "</script")) {
      out += "<\\/";
      ++i;  // skip '/', the name follows unchanged
      continue;
    }
    if (js[i] == '<' && lower_match(i, "<!--")) {
      out += "<\\!";
      ++i;  // skip '!'
      continue;
    }
    out += js[i];
  }
  return out;
}

}  // namespace l2l::report
