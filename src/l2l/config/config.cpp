#include "l2l/config/config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>

namespace l2l {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Two things yaml-cpp 0.7 accepts that would silently change a run: a key given twice (it keeps
// both entries and every lookup finds the first, so `population: 100` then `population: 50` runs
// with 100), and a quoted string never closed (it swallows the rest of the file, sections and
// all, into one value).
class StrictYaml {
 public:
  StrictYaml(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  void check(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) check_closed(node, path);
    if (node.IsSequence())
      for (std::size_t i = 0; i < node.size(); ++i) check(node[i], fmt::format("{}[{}]", path, i));
    if (!node.IsMap()) return;
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      const std::string key_path = path.empty() ? key : path + "." + key;
      const int line = kv.first.Mark().line + 1;
      if (kv.first.IsScalar()) {
        check_closed(kv.first, key_path);
        const auto [it, fresh] = first_line.emplace(key, line);
        if (!fresh)
          throw ConfigError(fmt::format("{}:{}: {}: key given twice (lines {} and {})", file_, line,
                                        key_path, it->second, line));
      }
      check(kv.second, key_path);
    }
  }

 private:
  // A quoted scalar starts at its opening quote; it must close before the end of the text
  // ("" and '' are escaped quotes in double- and single-quoted scalars respectively).
  void check_closed(const YAML::Node& scalar, const std::string& path) const {
    const auto pos = scalar.Mark().pos;
    if (pos < 0 || static_cast<std::size_t>(pos) >= text_.size()) return;
    const char quote = text_[static_cast<std::size_t>(pos)];
    if (quote != '"' && quote != '\'') return;
    for (std::size_t i = static_cast<std::size_t>(pos) + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;
        } else {
          return;
        }
      }
    }
    throw ConfigError(
        fmt::format("{}:{}: {}: YAML syntax error: the quoted string opened here "
                    "is never closed",
                    file_, scalar.Mark().line + 1, path.empty() ? "value" : path));
  }

  const std::string& text_;
  const std::string& file_;
};

LoadedConfig parse(const std::string& text, const std::string& name) {
  LoadedConfig cfg;
  cfg.source = std::make_shared<ConfigSource>();
  cfg.source->file = name;
  try {
    cfg.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", name, e.mark.line + 1, e.msg));
  }
  StrictYaml(text, name).check(cfg.root, "");
  if (!cfg.root.IsDefined() || cfg.root.IsNull()) cfg.root = YAML::Node(YAML::NodeType::Map);
  if (!cfg.root.IsMap())
    throw ConfigError(
        fmt::format("{}: the experiment must be a mapping with sections "
                    "experiment, optimizer, optimizee, evaluator",
                    name));
  return cfg;
}

}  // namespace

std::string LoadedConfig::text() const {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << root;
  return std::string(out.c_str()) + "\n";
}

LoadedConfig load_config_file(const std::string& path, const std::vector<std::string>& sets) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("cannot read experiment file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto cfg = load_config_text(ss.str(), path, sets);
  return cfg;
}

LoadedConfig load_config_text(const std::string& text, const std::string& name,
                              const std::vector<std::string>& sets) {
  auto cfg = parse(text, name);
  for (const auto& s : sets) apply_override(cfg, s);
  return cfg;
}

void apply_override(LoadedConfig& cfg, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set {}: expected path.to.key=value", assignment));
  const std::string path = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception&) {
    value = YAML::Node(value_text);
  }
  if (!value.IsDefined()) value = YAML::Node(YAML::NodeType::Null);

  const auto parts = split_path(path);
  if (parts.empty()) throw ConfigError(fmt::format("--set {}: empty key path", assignment));
  YAML::Node node = cfg.root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const auto& p = parts[i];
    if (node.IsSequence() && is_index(p)) {
      const auto k = std::stoul(p);
      if (k >= node.size())
        throw ConfigError(fmt::format("--set {}: index {} out of range", path, p));
      node.reset(node[k]);
      continue;
    }
    if (node.IsScalar())
      throw ConfigError(fmt::format("--set {}: '{}' is a value, not a section", path, p));
    YAML::Node child = node[p];
    if (!child.IsDefined() || child.IsNull()) {
      node[p] = YAML::Node(YAML::NodeType::Map);
      child = node[p];
    }
    node.reset(child);
  }
  const auto& last = parts.back();
  if (node.IsScalar())
    throw ConfigError(
        fmt::format("--set {}: the parent of '{}' is a value, not a section", path, last));
  if (node.IsSequence() && is_index(last)) {
    const auto k = std::stoul(last);
    if (k >= node.size()) throw ConfigError(fmt::format("--set {}: index out of range", path));
    node[k] = value;
  } else {
    node[last] = value;
  }
  cfg.source->overridden.insert(path);
}

YAML::Node lookup(const YAML::Node& root, const std::string& dotted_path) {
  YAML::Node node = root;
  for (const auto& p : split_path(dotted_path)) {
    if (node.IsSequence() && is_index(p)) {
      node.reset(node[std::stoul(p)]);
    } else if (node.IsMap()) {
      const YAML::Node& c = node;
      node.reset(c[p]);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!node.IsDefined()) return node;
  }
  return node;
}

}  // namespace l2l
