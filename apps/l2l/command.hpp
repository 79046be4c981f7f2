#pragma once
// Subcommands of the `l2l` tool register themselves, so a new command is one new file here.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace l2l::cli {

// Adds the subcommand to `app` and returns the action to run when it was chosen (returns the
// process exit code).
using CommandSetup = std::function<std::function<int()>(CLI::App& app)>;

struct CommandEntry {
  int order;  // position in --help
  CommandSetup setup;
};

std::vector<CommandEntry>& commands();

struct RegisterCommand {
  RegisterCommand(int order, CommandSetup setup) {
    commands().push_back({order, std::move(setup)});
  }
};

// Exit codes shared by all commands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

}  // namespace l2l::cli
