#pragma once
// The Vega, Vega-Lite and Vega-Embed builds that `l2l report` inlines into every report.
//
// They are npm packages installed by scripts/install-js.sh into third_party_js/node_modules (not
// committed). At report time they are looked up, in order, in: the --js-dir flag, the L2L_JS_DIR
// environment variable, third_party_js/node_modules beside or above the l2l executable, the
// source tree l2l was built from, and ./third_party_js/node_modules. A directory qualifies if it
// holds vega/build/vega.min.js, vega-lite/build/vega-lite.min.js and
// vega-embed/build/vega-embed.min.js (a node_modules folder), or the three .min.js files directly.
#include <string>
#include <vector>

namespace l2l::report {

struct JsLibrary {
  std::string name;     // "vega", "vega-lite", "vega-embed"
  std::string version;  // from the package's package.json, when found
  std::string path;
  std::string source;
};

struct JsAssets {
  std::string dir;
  std::vector<JsLibrary> libraries;  // in load order: vega, vega-lite, vega-embed
};

// The directories searched, in order. `explicit_dir` (the flag) and L2L_JS_DIR come first; when
// either is set, only it is searched, so a wrong setting is an error, not a silent fallback.
std::vector<std::string> js_search_dirs(const std::string& explicit_dir);

// Loads the libraries from the first qualifying directory; throws UsageError naming every
// directory searched and how to install the packages.
JsAssets load_js_assets(const std::string& explicit_dir = "");

}  // namespace l2l::report
