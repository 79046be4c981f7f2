#pragma once
// Reading typed options from a YAML section, with errors that name the file, line and key path.
//
// Each optimizer, optimizee and evaluator reads its configuration through one function
// (`Config::read(Options&)`). The same function runs in "describe" mode for `l2l list`, where
// every get() records its key, type, default and help text and returns the default, so the
// documentation can never drift from the parser.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "l2l/core/error.hpp"

namespace l2l {

// Where a configuration came from: the file name and which key paths `--set` overrode.
struct ConfigSource {
  std::string file;
  std::set<std::string> overridden;
};

class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

struct OptionDoc {
  std::string key;
  std::string type;
  std::string default_value;  // empty for required options
  std::string help;
};

// Validation of a numeric or string option.
struct Check {
  std::optional<double> min;  // inclusive
  std::optional<double> max;  // inclusive
  std::optional<double> gt;   // exclusive lower bound
  std::vector<std::string> choices;

  static Check at_least(double v) {
    Check c;
    c.min = v;
    return c;
  }
  static Check positive() {
    Check c;
    c.gt = 0.0;
    return c;
  }
  static Check range(double lo, double hi) {
    Check c;
    c.min = lo;
    c.max = hi;
    return c;
  }
  static Check probability() { return range(0.0, 1.0); }
  static Check one_of(std::vector<std::string> choices) {
    Check c;
    c.choices = std::move(choices);
    return c;
  }
  std::string describe() const;
};

class Options {
 public:
  Options(YAML::Node node, std::string path, std::shared_ptr<const ConfigSource> source);
  // An Options in describe mode: records what is read and returns defaults.
  static Options describe(std::string path = "");

  bool describing() const { return docs_ != nullptr; }
  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;

  template <class T>
  T get(const std::string& key, T def, const std::string& help, const Check& check = {}) {
    if (describing()) {
      record(key, type_name<T>(), fmt::format("{}", format_default(def)), help, check);
      return def;
    }
    used_.insert(key);
    YAML::Node n = std::as_const(node_)[key];
    if (!n.IsDefined() || n.IsNull()) return def;
    T value = convert<T>(n, key);
    validate(value, key, check);
    return value;
  }

  template <class T>
  T required(const std::string& key, const std::string& help, const Check& check = {}) {
    if (describing()) {
      record(key, type_name<T>(), "", help, check);
      return T{};
    }
    used_.insert(key);
    YAML::Node n = std::as_const(node_)[key];
    if (!n.IsDefined() || n.IsNull()) fail(key, "is required: " + help);
    T value = convert<T>(n, key);
    validate(value, key, check);
    return value;
  }

  // A nested section; absent means empty. In describe mode its options are listed as key.sub.
  Options child(const std::string& key, const std::string& help);
  // A raw YAML value for structured data validated by the caller (use fail() for errors).
  YAML::Node raw(const std::string& key, const std::string& help);
  // A list of mappings, each read as its own section "key[i]" (absent means empty). In describe
  // mode the key is documented and no element is returned.
  std::vector<Options> list(const std::string& key, const std::string& help);
  // The YAML this Options reads (for passing a section on verbatim, e.g. to worker processes).
  const YAML::Node& node() const { return node_; }

  // Rejects keys that nobody read, suggesting the nearest known key.
  void finish();

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // "file:line: " for a key (or for this section when key is empty).
  std::string where(const std::string& key) const;
  std::string key_path(const std::string& key) const;

  const std::vector<OptionDoc>& docs() const { return *docs_; }

 private:
  Options() = default;
  void record(const std::string& key, std::string type, std::string def, const std::string& help,
              const Check& check);
  template <class T>
  T convert(const YAML::Node& n, const std::string& key) const;
  template <class T>
  void validate(const T& v, const std::string& key, const Check& c) const;
  template <class T>
  static std::string type_name();
  template <class T>
  static auto format_default(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return std::string(v ? "true" : "false");
    } else if constexpr (std::is_same_v<T, std::vector<double>> ||
                         std::is_same_v<T, std::vector<std::int64_t>> ||
                         std::is_same_v<T, std::vector<std::string>>) {
      std::string s = "[";
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
      return s + "]";
    } else {
      return v;
    }
  }
  void check_number(double v, const std::string& key, const Check& c) const;
  int line_of(const std::string& key) const;  // 0-based line of `key` in this mapping, or -1

  YAML::Node node_;
  // The line of this section's own key ("optimizer:"), where errors about the section as a whole
  // (a required key missing) point; yaml-cpp marks a mapping at its first entry instead.
  int header_line_ = -1;
  std::string path_;
  std::shared_ptr<const ConfigSource> source_;
  std::set<std::string> used_;
  std::shared_ptr<std::vector<OptionDoc>> docs_;
};

// The supported option types; their conversions live in options.cpp.
#define L2L_OPTION_TYPE(T)                                                             \
  template <>                                                                          \
  T Options::convert<T>(const YAML::Node& n, const std::string& key) const;            \
  template <>                                                                          \
  void Options::validate<T>(const T& v, const std::string& key, const Check& c) const; \
  template <>                                                                          \
  std::string Options::type_name<T>();
L2L_OPTION_TYPE(bool)
L2L_OPTION_TYPE(int)
L2L_OPTION_TYPE(std::int64_t)
L2L_OPTION_TYPE(double)
L2L_OPTION_TYPE(std::string)
L2L_OPTION_TYPE(std::vector<double>)
L2L_OPTION_TYPE(std::vector<std::int64_t>)
L2L_OPTION_TYPE(std::vector<std::string>)
#undef L2L_OPTION_TYPE

}  // namespace l2l
