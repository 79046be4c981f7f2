#include "l2l/report/js_assets.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "l2l/core/error.hpp"

namespace l2l::report {

namespace {

namespace fs = std::filesystem;

struct Wanted {
  const char* package;
  const char* file;
};
constexpr Wanted kWanted[] = {{"vega", "vega.min.js"},
                              {"vega-lite", "vega-lite.min.js"},
                              {"vega-embed", "vega-embed.min.js"}};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where each library lies under `dir`, if all three are there.
std::vector<fs::path> locate(const fs::path& dir) {
  std::vector<fs::path> nested, flat;
  for (const auto& w : kWanted) {
    nested.push_back(dir / w.package / "build" / w.file);
    flat.push_back(dir / w.file);
  }
  auto all_exist = [](const std::vector<fs::path>& ps) {
    for (const auto& p : ps) {
      std::error_code ec;
      if (!fs::is_regular_file(p, ec)) return false;
    }
    return true;
  };
  if (all_exist(nested)) return nested;
  if (all_exist(flat)) return flat;
  return {};
}

fs::path executable_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::vector<std::string> js_search_dirs(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return {explicit_dir};
  if (const char* env = std::getenv("L2L_JS_DIR"); env && *env) return {env};
  std::vector<std::string> dirs;
  auto add = [&](const fs::path& p) {
    if (p.empty()) return;
    const auto s = p.lexically_normal().string();
    for (const auto& d : dirs)
      if (d == s) return;
    dirs.push_back(s);
  };
  const auto exe = executable_dir();
  if (!exe.empty()) {
    add(exe / "third_party_js" / "node_modules");
    add(exe.parent_path() / "third_party_js" / "node_modules");
    add(exe.parent_path() / "share" / "l2l" / "js");
  }
#ifdef L2L_SOURCE_DIR
  add(fs::path(L2L_SOURCE_DIR) / "third_party_js" / "node_modules");
#endif
  std::error_code ec;
  const auto cwd = fs::current_path(ec);
  if (!ec) add(cwd / "third_party_js" / "node_modules");
  return dirs;
}

JsAssets load_js_assets(const std::string& explicit_dir) {
  const auto dirs = js_search_dirs(explicit_dir);
  for (const auto& d : dirs) {
    const auto paths = locate(d);
    if (paths.empty()) continue;
    JsAssets a;
    a.dir = d;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      JsLibrary lib;
      lib.name = kWanted[i].package;
      lib.path = paths[i].string();
      lib.source = slurp(paths[i]);
      if (lib.source.empty())
        throw UsageError(fmt::format("report: '{}' is empty or unreadable", lib.path));
      const auto pkg = paths[i].parent_path().parent_path() / "package.json";
      std::error_code ec;
      if (fs::is_regular_file(pkg, ec)) {
        const auto j = nlohmann::json::parse(slurp(pkg), nullptr, false);
        if (j.is_object() && j.contains("version") && j["version"].is_string())
          lib.version = j["version"].get<std::string>();
      }
      a.libraries.push_back(std::move(lib));
    }
    return a;
  }
  std::string list;
  for (const auto& d : dirs) list += "\n  " + d;
  throw UsageError(fmt::format(
      "report: the Vega-Lite JavaScript libraries (npm packages vega, vega-lite, vega-embed) were "
      "not found; searched:{}\nInstall them with `bash scripts/install-js.sh` (from the l2l "
      "source tree), or point --js-dir or L2L_JS_DIR at a node_modules folder that holds them "
      "(or at a folder with vega.min.js, vega-lite.min.js and vega-embed.min.js)",
      list));
}

}  // namespace l2l::report
