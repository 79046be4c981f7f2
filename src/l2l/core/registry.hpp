#pragma once
// Name -> factory registries. A new optimizer, optimizee or evaluator is one file that ends with a
// registration line such as `L2L_REGISTER_OPTIMIZER(GeneticAlgorithm, "ga", "...")`.
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "l2l/core/error.hpp"
#include "l2l/core/options.hpp"

namespace l2l {

template <class Factory>
class Registry {
 public:
  struct Entry {
    std::string name;
    std::string summary;
    std::function<void(Options&)> describe;  // runs the config reader in describe mode
    Factory create;
  };

  void add(Entry e) {
    auto name = e.name;
    entries_.insert_or_assign(std::move(name), std::move(e));
  }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  // The entry named by the section's `type` key; an unknown name is a config error at that line.
  const Entry& from_options(Options& o, const std::string& what) const {
    const auto type = o.required<std::string>("type", what + " name (see l2l list " + what + "s)");
    if (!contains(type))
      o.fail("type", fmt::format("unknown {} '{}' (known: {})", what, type, known()));
    return entries_.at(type);
  }

  std::string known() const {
    std::string s;
    for (const auto& [n, _] : entries_) s += (s.empty() ? "" : ", ") + n;
    return s;
  }

  const Entry& get(const std::string& name, const std::string& what) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      throw UsageError(fmt::format("unknown {} '{}' (known: {})", what, name, known()));
    }
    return it->second;
  }

  std::vector<const Entry*> all() const {
    std::vector<const Entry*> v;
    for (const auto& [_, e] : entries_) v.push_back(&e);
    return v;
  }

  std::vector<OptionDoc> docs(const std::string& name) const {
    const auto& e = get(name, "entry");
    Options o = Options::describe();
    e.describe(o);
    return o.docs();
  }

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace l2l
