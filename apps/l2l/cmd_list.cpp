// `l2l list`: the registered optimizers, optimizees and evaluators with every option.
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/config/experiment_spec.hpp"
#include "l2l/optimizees/optimizee.hpp"
#include "l2l/optimizers/optimizer.hpp"

namespace l2l::cli {
namespace {

void print_docs(const std::vector<OptionDoc>& docs) {
  for (const auto& d : docs) {
    std::cout << fmt::format("    {:<28} {:<14} {:<12} {}\n", d.key, d.type,
                             d.default_value.empty() ? "-" : d.default_value, d.help);
  }
}

template <class R>
void print_registry(const R& registry, const std::string& only) {
  for (const auto* e : registry.all()) {
    if (!only.empty() && e->name != only) continue;
    std::cout << e->name << " - " << e->summary << "\n";
    Options o = Options::describe();
    e->describe(o);
    if (!o.docs().empty()) print_docs(o.docs());
    std::cout << "\n";
  }
}

const RegisterCommand list_cmd(60, [](CLI::App& app) {
  struct Args {
    std::string what, name;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand(
      "list",
      "list optimizers, optimizees or evaluators with their options and defaults, or the "
      "options of the experiment section");
  sub->add_option("what", a->what, "optimizers | optimizees | evaluators | experiment")
      ->required()
      ->check(CLI::IsMember({"optimizers", "optimizees", "evaluators", "experiment"}));
  sub->add_option("name", a->name, "show only this one");
  return [a]() {
    if (a->what == "optimizers") {
      if (!a->name.empty()) optimizer_registry().get(a->name, "optimizer");
      print_registry(optimizer_registry(), a->name);
    } else if (a->what == "optimizees") {
      if (!a->name.empty()) optimizee_registry().get(a->name, "optimizee");
      print_registry(optimizee_registry(), a->name);
    } else if (a->what == "evaluators") {
      if (!a->name.empty()) evaluator_registry().get(a->name, "evaluator");
      print_registry(evaluator_registry(), a->name);
    } else {
      Options o = Options::describe("experiment");
      (void)ExperimentSpec::read(o, "NAME");
      std::cout << "experiment - identity, termination and storage of a run\n";
      print_docs(o.docs());
    }
    return kExitOk;
  };
});

}  // namespace
}  // namespace l2l::cli
