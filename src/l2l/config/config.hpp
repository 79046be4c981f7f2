#pragma once
// Loading experiment YAML files and applying `--set path.to.key=value` overrides.
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "l2l/core/options.hpp"

namespace l2l {

struct LoadedConfig {
  YAML::Node root;
  std::shared_ptr<ConfigSource> source;
  // The resolved configuration as YAML text: what the run store keeps and resume re-reads.
  std::string text() const;
  Options options() const { return Options(root, "", source); }
};

// Parses a file; syntax errors name the file and line (ConfigError).
LoadedConfig load_config_file(const std::string& path, const std::vector<std::string>& sets = {});
LoadedConfig load_config_text(const std::string& text, const std::string& name,
                              const std::vector<std::string>& sets = {});

// Applies one "a.b.c=value" override (value parsed as YAML, so lists and numbers work).
void apply_override(LoadedConfig& cfg, const std::string& assignment);

// The value at a dotted path, or an undefined node.
YAML::Node lookup(const YAML::Node& root, const std::string& dotted_path);

}  // namespace l2l
