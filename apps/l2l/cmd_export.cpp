// `l2l export`: one CSV or JSON file per table.
#include <iostream>

#include "command.hpp"
#include "l2l/core/error.hpp"
#include "l2l/storage/export.hpp"

namespace l2l::cli {
namespace {

const RegisterCommand export_cmd(50, [](CLI::App& app) {
  struct Args {
    std::string store, csv, json;
    std::int64_t run = 0;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("export", "write the tables of a run store as CSV or JSON files");
  sub->add_option("store", a->store, "run store (.db)")->required();
  auto* csv = sub->add_option("--csv", a->csv,
                              "directory for runs.csv, generations.csv, evaluations.csv, ...");
  auto* json = sub->add_option("--json", a->json, "directory for runs.json, generations.json, ...");
  csv->excludes(json);
  sub->add_option("--run", a->run, "only this run id (e.g. one inner run of a nested experiment)");
  return [a]() {
    if (a->csv.empty() && a->json.empty()) throw UsageError("export needs --csv DIR or --json DIR");
    auto store = RunStore::open_reader(a->store);
    std::optional<std::int64_t> only;
    if (a->run) only = a->run;
    const auto files = a->csv.empty() ? export_store(*store, a->json, ExportFormat::json, only)
                                      : export_store(*store, a->csv, ExportFormat::csv, only);
    for (const auto& f : files) std::cout << f << "\n";
    return kExitOk;
  };
});

}  // namespace
}  // namespace l2l::cli
