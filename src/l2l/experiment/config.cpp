#include "l2l/experiment/config.hpp"

#include <fmt/format.h>

#include <fstream>
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

LoadedConfig parse(const std::string& text, const std::string& name) {
  LoadedConfig cfg;
  cfg.source = std::make_shared<ConfigSource>();
  cfg.source->file = name;
  try {
    cfg.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", name, e.mark.line + 1, e.msg));
  }
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
