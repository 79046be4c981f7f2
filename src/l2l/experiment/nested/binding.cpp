#include "l2l/experiment/nested/binding.hpp"

#include <fmt/format.h>
#include <cctype>
#include <charconv>
#include <cmath>

#include "l2l/core/error.hpp"

namespace l2l {

namespace {

// One `${outer.NAME}` occurrence in a scalar: [begin, end) and the name.
struct Match {
  std::size_t begin, end;
  std::string name;
};

// A hand-written scanner rather than <regex>: simpler, and GCC 12's regex trips
// -Wmaybe-uninitialized in sanitizer builds.
std::vector<Match> scan(const std::string& s) {
  static const std::string open = "${outer.";
  std::vector<Match> out;
  for (std::size_t pos = s.find(open); pos != std::string::npos; pos = s.find(open, pos + 1)) {
    std::size_t k = pos + open.size();
    const std::size_t name_begin = k;
    while (k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '_')) ++k;
    if (k == name_begin || k >= s.size() || s[k] != '}' ||
        std::isdigit(static_cast<unsigned char>(s[name_begin])))
      continue;
    out.push_back({pos, k + 1, s.substr(name_begin, k - name_begin)});
  }
  return out;
}

void walk(const YAML::Node& n, const std::string& path, std::vector<Placeholder>& out) {
  if (n.IsScalar()) {
    for (const auto& m : scan(n.Scalar())) out.push_back({path, m.name});
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
    for (const auto& m : scan(s)) {
      auto v = values.find(m.name);
      if (v == values.end())
        throw UsageError(fmt::format("unbound placeholder ${{outer.{}}}", m.name));
      out += s.substr(last, m.begin - last);
      out += format_value(v->second, false);
      last = m.end;
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
