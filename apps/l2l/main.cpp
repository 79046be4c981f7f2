// l2l: learning to learn - gradient-free optimization of neural and spiking networks.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/core/error.hpp"

namespace l2l::cli {
std::vector<CommandEntry>& commands() {
  static std::vector<CommandEntry> c;
  return c;
}
}  // namespace l2l::cli

int main(int argc, char** argv) {
  using namespace l2l::cli;
  CLI::App app{
      "l2l - learning to learn: gradient-free optimization of artificial and spiking neural "
      "networks.\n\nAn optimizer (outer loop) proposes parameter sets, an optimizee (inner loop) "
      "evaluates them, every evaluation is recorded in a SQLite run store, and any run can be "
      "resumed.\n",
      "l2l"};
  app.set_version_flag("--version", std::string("l2l ") + L2L_VERSION);
  app.require_subcommand(1);
  auto& cmds = commands();
  std::stable_sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& c : cmds) {
    const auto before = app.get_subcommands({}).size();
    auto action = c.setup(app);
    const auto subs = app.get_subcommands({});
    if (subs.size() > before) actions.emplace_back(subs.back(), std::move(action));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const l2l::UsageError& e) {
    std::cerr << "l2l: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "l2l: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitUsage;
}
