// `l2l show`: what a run store holds.
#include <cmath>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "l2l/core/duration.hpp"
#include "l2l/core/error.hpp"
#include "l2l/report/follow.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_summary.hpp"

namespace l2l::cli {
namespace {

void print_text(const nlohmann::json& s) {
  std::cout << fmt::format("run {} '{}': {}{}\n", s["run"].get<std::int64_t>(),
                           s["name"].get<std::string>(), s["status"].get<std::string>(),
                           s["stop_reason"].get<std::string>().empty()
                               ? ""
                               : " (" + s["stop_reason"].get<std::string>() + ")");
  if (s.contains("parent"))
    std::cout << fmt::format(
        "  inner run of run {} generation {} individual {} task {}\n",
        s["parent"]["run"].get<std::int64_t>(), s["parent"]["generation"].get<std::int64_t>(),
        s["parent"]["index"].get<std::int64_t>(), s["parent"]["task"].get<std::int64_t>());
  // The held-out numbers lead: they are what the run is judged by (see `l2l run`).
  auto held_out = [&](const char* key, const std::string& what) {
    if (!s.contains(key)) return;
    std::cout << "  " << what << " (generation " << s[key]["generation"].get<std::int64_t>()
              << "):";
    for (const auto& [k, v] : s[key]["metrics"].items()) std::cout << " " << k << "=" << v;
    std::cout << "\n";
  };
  held_out("final_test", "final test of the optimizer's estimate (test set)");
  held_out("last_validation",
           s.contains("last_validation") && s["last_validation"].value("on_test_set", false)
               ? "held-out test of the optimizer's estimate (an older store: "
                 "monitored on the test set)"
               : "validation of the optimizer's estimate");
  if (s.contains("origin"))
    std::cout << fmt::format("  warm-started from {} run {} generation {} (experiment.init_from)\n",
                             s["origin"]["store"].get<std::string>(),
                             s["origin"]["run"].get<std::int64_t>(),
                             s["origin"]["generation"].get<std::int64_t>());
  std::cout << fmt::format("  seed {}, evaluator {} x{}, l2l {}\n", s["seed"].get<std::uint64_t>(),
                           s["evaluator"].get<std::string>(), s["parallelism"].get<int>(),
                           s["version"].get<std::string>());
  std::cout << fmt::format("  generations {}, evaluations {} ({} failed), {}\n",
                           s["generations"].get<std::int64_t>(),
                           s["evaluations"].get<std::int64_t>(), s["failed"].get<std::int64_t>(),
                           format_duration(s["elapsed_seconds"].get<double>()));
  for (const auto& f : s["failures"])
    std::cout << fmt::format("    {} x {}: {}\n", f["count"].get<std::int64_t>(),
                             f["status"].get<std::string>(), f["reason"].get<std::string>());
  if (!s["best"].is_null()) {
    const auto& b = s["best"];
    const bool judged = s.contains("final_test") || s.contains("last_validation");
    std::cout << (judged ? "  best training fitness " : "  best fitness ") << b["fitness"].dump()
              << " (generation " << b["generation"].get<std::int64_t>() << ", individual "
              << b["index"].get<std::int64_t>() << ")\n  best parameters:";
    int shown = 0;
    for (const auto& [k, v] : b["params"].items()) {
      if (shown++ == 20) {
        std::cout << " ... (" << b["params"].size() << " in all)";
        break;
      }
      std::cout << " " << k << "=" << v.dump();
    }
    std::cout << "\n";
  }
  if (!s["children"].empty()) {
    std::cout << fmt::format("  inner runs: {}\n", s["children"].size());
    for (const auto& c : s["children"])
      std::cout << fmt::format("    run {} (generation {}, individual {}, task {}): {}\n",
                               c["run"].get<std::int64_t>(), c["generation"].get<std::int64_t>(),
                               c["index"].get<std::int64_t>(), c["task"].get<std::int64_t>(),
                               c["status"].get<std::string>());
  }
}

void print_top(const nlohmann::json& top, std::size_t n) {
  std::cout << fmt::format("hall of fame: the {} best distinct individuals{}\n", top.size(),
                           top.size() < n ? " (all the run has)" : "");
  for (const auto& t : top) {
    std::cout << fmt::format("  {:>3}. generation {} individual {}: weighted {}",
                             t["rank"].get<std::int64_t>(), t["generation"].get<std::int64_t>(),
                             t["index"].get<std::int64_t>(), t["weighted"].dump());
    if (t["evaluations"].get<std::int64_t>() > 1)
      std::cout << fmt::format(" (mean {} over {} evaluations)", t["mean_weighted"].dump(),
                               t["evaluations"].get<std::int64_t>());
    std::cout << "  fitness " << t["fitness"].dump() << "\n";
    if (!t["metrics"].empty()) {
      std::cout << "       metrics:";
      for (const auto& [k, v] : t["metrics"].items()) std::cout << " " << k << "=" << v.dump();
      std::cout << "\n";
    }
    if (t["params"].is_null()) {
      std::cout << "       parameters not stored (experiment.store_params)\n";
      continue;
    }
    std::cout << "       parameters:";
    int shown = 0;
    for (const auto& [k, v] : t["params"].items()) {
      if (shown++ == 20) {
        std::cout << " ... (" << t["params"].size() << " in all)";
        break;
      }
      std::cout << " " << k << "=" << v.dump();
    }
    std::cout << "\n";
  }
}

const RegisterCommand show_cmd(30, [](CLI::App& app) {
  struct Args {
    std::string store;
    bool json = false, follow = false;
    std::int64_t run = 0;
    std::size_t top = 0;
    std::string inner;
    double interval = 2.0, wait = 0.0;
  };
  auto a = std::make_shared<Args>();
  auto* sub =
      app.add_subcommand("show", "summarize a run store: generations, evaluations, failures, best");
  sub->add_option("store", a->store, "run store (.db)")->required();
  sub->add_flag("--json", a->json, "machine-readable JSON");
  sub->add_option("--run", a->run, "a run id inside the store (default: the top-level run)");
  sub->add_option("--top", a->top,
                  "hall of fame: the N best distinct individuals of the whole run (generation, "
                  "index, fitness, metrics, parameters where stored); an individual evaluated "
                  "several times is ranked by its mean")
      ->check(CLI::PositiveNumber);
  sub->add_option("--inner", a->inner,
                  "nested runs: only the inner runs of outer individual GENERATION:INDEX")
      ->type_name("G:I")
      ->excludes("--top");
  sub->add_flag("-f,--follow", a->follow,
                "print the progress of a running experiment until it stops (exit code: 0 "
                "finished, 1 failed or killed, 130 interrupted)")
      ->excludes("--json")
      ->excludes("--top");
  sub->add_option("--interval", a->interval, "--follow: seconds between looks at the store")
      ->check(CLI::Range(0.01, 3600.0));
  sub->add_option("--wait", a->wait,
                  "--follow: seconds to wait for the store to appear (e.g. started before l2l run)")
      ->check(CLI::Range(0.0, 86400.0));
  return [a]() {
    if (a->follow) {
      const auto r = report::follow_run(a->store, {a->interval, a->run, a->wait}, std::cout);
      if (r.status == "finished") return kExitOk;
      return r.status == "interrupted" ? kExitInterrupted : kExitFailure;
    }
    auto store = RunStore::open_reader(a->store);
    std::int64_t id = a->run;
    if (id == 0) {
      auto root = store->root_run();
      if (!root) throw UsageError(fmt::format("'{}' holds no run", a->store));
      id = *root;
    }
    if (a->top > 0) {
      const auto top = hall_of_fame(*store, id, a->top);
      if (a->json)
        std::cout << top.dump(2) << "\n";
      else
        print_top(top, a->top);
      return kExitOk;
    }
    auto s = summarize_run(*store, id);
    if (!a->inner.empty()) {
      std::int64_t g = 0, i = 0;
      if (std::sscanf(a->inner.c_str(), "%ld:%ld", &g, &i) != 2)
        throw UsageError("--inner expects GENERATION:INDEX, e.g. --inner 3:7");
      auto kept = nlohmann::json::array();
      for (const auto& c : s["children"])
        if (c["generation"].get<std::int64_t>() == g && c["index"].get<std::int64_t>() == i)
          kept.push_back(c);
      s["children"] = kept;
    }
    if (a->json)
      std::cout << s.dump(2) << "\n";
    else
      print_text(s);
    return kExitOk;
  };
});

}  // namespace
}  // namespace l2l::cli
