#pragma once
// Escaping for the report's HTML: every string that comes from a run (names, errors, YAML) goes
// through one of these, so a run can never inject markup or script into its own report.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace l2l::report {

// Text for HTML element content and quoted attribute values: & < > " ' become entities.
std::string html_escape(std::string_view s);

// JSON for a <script type="application/json"> element. JSON.parse reads it unchanged, while the
// HTML parser never sees "</script>", "<!--" or "<script" in it: <, > and & are written as \u003c,
// \u003e and \u0026 (they can only occur inside JSON strings). Invalid UTF-8 is replaced by U+FFFD.
std::string json_for_script(const nlohmann::json& j);

// JavaScript source made safe to inline between <script> and </script>: "</script" becomes
// "<\/script" and "<!--" becomes "<\!--", which mean the same inside string literals, regular
// expressions and comments (the only places such text can occur in valid JavaScript).
std::string inline_script_source(std::string_view js);

}  // namespace l2l::report
