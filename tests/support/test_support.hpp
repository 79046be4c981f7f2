#pragma once
// Shared helpers for the test suite.
#include <filesystem>
#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "l2l/core/options.hpp"

namespace l2l::testing {

// Options over a YAML snippet, as if read from "test.yaml" under `path`.
inline Options options_from(const std::string& yaml, const std::string& path = "optimizer") {
  return Options(YAML::Load(yaml), path,
                 std::make_shared<ConfigSource>(ConfigSource{"test.yaml", {}}));
}

// A fresh directory under the system temp dir, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path() / "l2l-test-XXXXXX";
    std::string tmpl = base.string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace l2l::testing
