#include "l2l/optimizees/nested/binding.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <regex>

#include "l2l/core/error.hpp"

namespace l2l {

namespace {

const std::regex& placeholder_re() {
  static const std::regex re(R"(\$\{outer\.([A-Za-z_][A-Za-z0-9_]*)\})");
  return re;
}

void walk(const YAML::Node& n, const std::string& path, std::vector<Placeholder>& out) {
  if (n.IsScalar()) {
    const auto& s = n.Scalar();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), placeholder_re());
         it != std::sregex_iterator(); ++it)
      out.push_back({path, (*it)[1].str()});
  } else if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const auto key = it->first.Scalar();
      walk(it->second, path.empty() ? key : path + "." + key, out);
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) walk(n[i], path + "." + std::to_string(i), out);
  }
}

}  // namespace

std::vector<Placeholder> find_placeholders(const YAML::Node& root) {
  std::vector<Placeholder> out;
  walk(root, "", out);
  return out;
}

std::string format_value(double v, bool integer) {
  if (integer || (v == std::floor(v) && std::fabs(v) < 1e15))
    return fmt::format("{}", static_cast<long long>(std::llround(v)));
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, end);
}

YAML::Node substitute(const YAML::Node& root, const std::map<std::string, double>& values) {
  if (root.IsScalar()) {
    const auto& s = root.Scalar();
    if (s.find("${outer.") == std::string::npos) return YAML::Clone(root);
    std::string out;
    std::size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), placeholder_re());
         it != std::sregex_iterator(); ++it) {
      const auto name = (*it)[1].str();
      auto v = values.find(name);
      if (v == values.end())
        throw UsageError(fmt::format("unbound placeholder ${{outer.{}}}", name));
      out += s.substr(last, static_cast<std::size_t>(it->position()) - last);
      out += format_value(v->second, false);
      last = static_cast<std::size_t>(it->position() + it->length());
    }
    out += s.substr(last);
    return YAML::Node(out);
  }
  if (root.IsMap()) {
    YAML::Node m(YAML::NodeType::Map);
    for (auto it = root.begin(); it != root.end(); ++it)
      m[it->first.Scalar()] = substitute(it->second, values);
    return m;
  }
  if (root.IsSequence()) {
    YAML::Node q(YAML::NodeType::Sequence);
    for (const auto& e : root) q.push_back(substitute(e, values));
    return q;
  }
  return YAML::Clone(root);
}

}  // namespace l2l
