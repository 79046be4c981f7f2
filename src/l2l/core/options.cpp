#include "l2l/core/options.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace l2l {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string yaml_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    default:
      return "nothing";
  }
}

}  // namespace

std::string Check::describe() const {
  std::string s;
  if (min && max) {
    s = fmt::format("in [{}, {}]", *min, *max);
  } else if (min) {
    s = fmt::format(">= {}", *min);
  } else if (gt) {
    s = fmt::format("> {}", *gt);
  } else if (max) {
    s = fmt::format("<= {}", *max);
  }
  if (!choices.empty()) {
    s = "one of ";
    for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
  }
  return s;
}

Options::Options(YAML::Node node, std::string path, std::shared_ptr<const ConfigSource> source)
    : node_(std::move(node)), path_(std::move(path)), source_(std::move(source)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap())
    fail("", "must be a mapping of keys to values, got " + yaml_kind(node_));
}

Options Options::describe(std::string path) {
  Options o;
  o.path_ = std::move(path);
  o.docs_ = std::make_shared<std::vector<OptionDoc>>();
  return o;
}

bool Options::has(const std::string& key) const {
  if (describing()) return false;
  YAML::Node n = std::as_const(node_)[key];
  return n.IsDefined() && !n.IsNull();
}

std::string Options::key_path(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

std::string Options::where(const std::string& key) const {
  const std::string kp = key_path(key);
  if (source_ && source_->overridden.count(kp)) return fmt::format("--set {}: ", kp);
  std::string file = source_ ? source_->file : std::string("<config>");
  int line = -1;
  if (!describing()) {
    line = line_of(key);
    if (line < 0) line = header_line_ >= 0 ? header_line_ : node_.Mark().line;
  }
  if (line >= 0) return fmt::format("{}:{}: {}: ", file, line + 1, kp);
  return fmt::format("{}: {}: ", file, kp);
}

int Options::line_of(const std::string& key) const {
  if (key.empty() || !node_.IsMap()) return -1;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.Scalar() == key) return it->first.Mark().line;
  return -1;
}

void Options::fail(const std::string& key, const std::string& message) const {
  throw ConfigError(where(key) + message);
}

void Options::record(const std::string& key, std::string type, std::string def,
                     const std::string& help, const Check& check) {
  std::string h = help;
  const std::string c = check.describe();
  if (!c.empty()) h += " (" + c + ")";
  docs_->push_back({key_path(key), std::move(type), std::move(def), std::move(h)});
}

Options Options::child(const std::string& key, const std::string& help) {
  if (describing()) {
    docs_->push_back({key_path(key), "section", "", help});
    Options o = describe(key_path(key));
    o.docs_ = docs_;
    return o;
  }
  used_.insert(key);
  YAML::Node n = std::as_const(node_)[key];
  // A fresh node, not an assignment: YAML nodes are references into the configuration tree.
  if (!n.IsDefined() || n.IsNull())
    return Options(YAML::Node(YAML::NodeType::Map), key_path(key), source_);
  if (!n.IsMap()) fail(key, "must be a mapping, got " + yaml_kind(n));
  Options o(n, key_path(key), source_);
  o.header_line_ = line_of(key);
  return o;
}

YAML::Node Options::raw(const std::string& key, const std::string& help) {
  if (describing()) {
    docs_->push_back({key_path(key), "yaml", "", help});
    return YAML::Node();
  }
  used_.insert(key);
  return std::as_const(node_)[key];
}

std::vector<Options> Options::list(const std::string& key, const std::string& help) {
  std::vector<Options> items;
  if (describing()) {
    docs_->push_back({key_path(key), "list", "", help});
    return items;
  }
  used_.insert(key);
  YAML::Node n = node_[key];
  if (!n.IsDefined() || n.IsNull()) return items;
  if (!n.IsSequence()) fail(key, "must be a list, got " + yaml_kind(n));
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsMap())
      fail(key, fmt::format("element {} must be a mapping, got {}", i, yaml_kind(n[i])));
    items.push_back(Options(n[i], fmt::format("{}[{}]", key_path(key), i), source_));
  }
  return items;
}

void Options::finish() {
  if (describing() || !node_.IsMap()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (used_.count(key)) continue;
    std::string best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const auto& u : used_) {
      const std::size_t d = edit_distance(key, u);
      if (d < best_d) best_d = d, best = u;
    }
    std::string msg = "unknown key";
    if (!best.empty() && best_d <= std::max<std::size_t>(2, key.size() / 3))
      msg += fmt::format(" (did you mean '{}'?)", best);
    else if (!used_.empty()) {
      msg += "; known keys:";
      for (const auto& u : used_) msg += " " + u;
    }
    fail(key, msg);
  }
}

void Options::check_number(double v, const std::string& key, const Check& c) const {
  if (!std::isfinite(v)) fail(key, "must be a finite number");
  bool ok = true;
  if (c.min && v < *c.min) ok = false;
  if (c.max && v > *c.max) ok = false;
  if (c.gt && !(v > *c.gt)) ok = false;
  if (!ok) fail(key, fmt::format("value {} out of range: must be {}", v, c.describe()));
}

template <>
bool Options::convert<bool>(const YAML::Node& n, const std::string& key) const {
  bool v{};
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
    fail(key, "expected true or false, got " + yaml_kind(n));
  return v;
}

template <>
std::int64_t Options::convert<std::int64_t>(const YAML::Node& n, const std::string& key) const {
  long long v{};
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) {
    double d{};
    if (n.IsScalar() && YAML::convert<double>::decode(n, d) && std::isfinite(d) &&
        d == std::floor(d) && std::fabs(d) < 9e15)
      return static_cast<std::int64_t>(d);  // "1e4" is a fine integer
    fail(key, "expected an integer, got " + yaml_kind(n));
  }
  return v;
}

template <>
int Options::convert<int>(const YAML::Node& n, const std::string& key) const {
  const auto v = convert<std::int64_t>(n, key);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    fail(key, "integer out of range");
  return static_cast<int>(v);
}

template <>
double Options::convert<double>(const YAML::Node& n, const std::string& key) const {
  double v{};
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
    fail(key, "expected a number, got " + yaml_kind(n));
  return v;
}

template <>
std::string Options::convert<std::string>(const YAML::Node& n, const std::string& key) const {
  if (!n.IsScalar()) fail(key, "expected a string, got " + yaml_kind(n));
  return n.Scalar();
}

template <>
std::vector<double> Options::convert<std::vector<double>>(const YAML::Node& n,
                                                          const std::string& key) const {
  if (n.IsScalar()) return {convert<double>(n, key)};
  if (!n.IsSequence()) fail(key, "expected a list of numbers, got " + yaml_kind(n));
  std::vector<double> v;
  for (const auto& e : n) v.push_back(convert<double>(e, key));
  return v;
}

template <>
std::vector<std::int64_t> Options::convert<std::vector<std::int64_t>>(
    const YAML::Node& n, const std::string& key) const {
  if (n.IsScalar()) return {convert<std::int64_t>(n, key)};
  if (!n.IsSequence()) fail(key, "expected a list of integers, got " + yaml_kind(n));
  std::vector<std::int64_t> v;
  for (const auto& e : n) v.push_back(convert<std::int64_t>(e, key));
  return v;
}

template <>
std::vector<std::string> Options::convert<std::vector<std::string>>(const YAML::Node& n,
                                                                    const std::string& key) const {
  if (n.IsScalar()) return {convert<std::string>(n, key)};
  if (!n.IsSequence()) fail(key, "expected a list of strings, got " + yaml_kind(n));
  std::vector<std::string> v;
  for (const auto& e : n) v.push_back(convert<std::string>(e, key));
  return v;
}

template <>
void Options::validate<bool>(const bool&, const std::string&, const Check&) const {}
template <>
void Options::validate<int>(const int& v, const std::string& key, const Check& c) const {
  check_number(v, key, c);
}
template <>
void Options::validate<std::int64_t>(const std::int64_t& v, const std::string& key,
                                     const Check& c) const {
  check_number(static_cast<double>(v), key, c);
}
template <>
void Options::validate<double>(const double& v, const std::string& key, const Check& c) const {
  check_number(v, key, c);
}
template <>
void Options::validate<std::string>(const std::string& v, const std::string& key,
                                    const Check& c) const {
  if (!c.choices.empty() && std::find(c.choices.begin(), c.choices.end(), v) == c.choices.end())
    fail(key, fmt::format("'{}' is not allowed: must be {}", v, c.describe()));
}
template <>
void Options::validate<std::vector<double>>(const std::vector<double>& v, const std::string& key,
                                            const Check& c) const {
  for (double x : v) check_number(x, key, c);
}
template <>
void Options::validate<std::vector<std::int64_t>>(const std::vector<std::int64_t>& v,
                                                  const std::string& key, const Check& c) const {
  for (auto x : v) check_number(static_cast<double>(x), key, c);
}
template <>
void Options::validate<std::vector<std::string>>(const std::vector<std::string>& v,
                                                 const std::string& key, const Check& c) const {
  for (const auto& x : v) validate(x, key, c);
}

template <>
std::string Options::type_name<bool>() {
  return "bool";
}
template <>
std::string Options::type_name<int>() {
  return "int";
}
template <>
std::string Options::type_name<std::int64_t>() {
  return "int";
}
template <>
std::string Options::type_name<double>() {
  return "float";
}
template <>
std::string Options::type_name<std::string>() {
  return "string";
}
template <>
std::string Options::type_name<std::vector<double>>() {
  return "list of float";
}
template <>
std::string Options::type_name<std::vector<std::int64_t>>() {
  return "list of int";
}
template <>
std::string Options::type_name<std::vector<std::string>>() {
  return "list of string";
}

}  // namespace l2l
