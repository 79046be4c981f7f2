#include "l2l/report/follow.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "l2l/core/duration.hpp"
#include "l2l/core/error.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l::report {

bool writer_vanished(const std::string& store_path) {
  std::ifstream in(store_path + ".lock");
  std::string word, on, host;
  long pid = 0;
  // The writer writes "pid <pid> on <host>" into the lock file (RunStore::create/open_writer).
  if (!(in >> word >> pid >> on >> host) || word != "pid" || on != "on" || pid <= 0) return false;
  char here[256] = {};
  ::gethostname(here, sizeof(here) - 1);
  if (host != here) return false;  // another machine: we cannot tell
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

namespace {

struct Row {
  std::int64_t generation, evaluations, failed;
  double best, median, seconds, elapsed;
};

std::string value(double v) {
  return std::isfinite(v) ? fmt::format("{:.6g}", v) : "-";
}

}  // namespace

FollowResult follow_run(const std::string& path, const FollowOptions& opt, std::ostream& out,
                        const std::function<bool(double)>& sleep_fn) {
  auto sleep = [&](double s) {
    if (sleep_fn) return sleep_fn(s);
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
    return true;
  };
  // The store may not exist yet when a user starts following right after `l2l run`.
  double waited = 0;
  std::unique_ptr<RunStore> store;
  std::int64_t id = opt.run;
  std::string why = fmt::format("no run store at '{}'", path);
  for (;;) {
    if (std::filesystem::exists(path)) {
      try {
        store = RunStore::open_reader(path);
        if (id == 0) {
          if (auto r = store->root_run()) id = *r;
        }
        why = fmt::format("'{}' holds no run", path);
      } catch (const std::exception& e) {
        store.reset();  // being created: schema not written yet, or locked for a moment
        why = e.what();
      }
    }
    if (store && id != 0) break;
    if (waited >= opt.wait_seconds) throw UsageError(why);
    if (!sleep(opt.interval)) return {"running", 0};
    waited += opt.interval;
  }

  RunInfo info = store->run(id);
  // Weighted fitness back in objective units when there is one objective (as `l2l run` prints).
  const double factor =
      info.weights.size() == 1 && info.weights[0] != 0 ? 1.0 / info.weights[0] : 1.0;
  std::int64_t max_generations = 0;
  try {
    const auto cfg = YAML::Load(info.config);
    if (cfg["experiment"] && cfg["experiment"]["max_generations"])
      max_generations = cfg["experiment"]["max_generations"].as<std::int64_t>();
  } catch (const std::exception&) {
  }
  out << fmt::format("following run {} '{}' in {} (status {})\n", id, info.name, path, info.status);
  out.flush();

  auto st = store->db().prepare(
      "SELECT generation, evaluations, failed, best, median, seconds, elapsed FROM generations "
      "WHERE run=?1 AND generation > ?2 ORDER BY generation");
  std::int64_t last = -1, count = 0, evaluations = 0, failed = 0;
  double best_so_far = -std::numeric_limits<double>::infinity();
  for (;;) {
    // Status first: a generation committed after this read is printed on the next poll, and
    // the final poll (status no longer running) sees every generation.
    info = store->run(id);
    std::vector<Row> rows;
    st.bind(1, id).bind(2, last);
    while (st.step())
      rows.push_back({st.get_int(0), st.get_int(1), st.get_int(2), st.get_double(3),
                      st.get_double(4), st.get_double(5), st.get_double(6)});
    st.reset();
    // A fast run adds many generations per poll: print the last few of them only.
    const std::size_t skip = rows.size() > 10 ? rows.size() - 10 : 0;
    if (skip) out << fmt::format("... {} generations\n", skip);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      evaluations += r.evaluations;
      failed += r.failed;
      if (std::isfinite(r.best)) best_so_far = std::max(best_so_far, r.best);
      ++count;
      last = r.generation;
      if (i < skip) continue;
      // Counted like `l2l run`'s progress line: generation 1 is the store's generation 0.
      std::string line = fmt::format("generation {}", r.generation + 1);
      if (max_generations > 0) line += fmt::format("/{}", max_generations);
      line += fmt::format("  evaluations {}", evaluations);
      if (failed) line += fmt::format(" ({} failed)", failed);
      line += fmt::format("  best {}  median {}  best so far {}", value(r.best * factor),
                          value(r.median * factor), value(best_so_far * factor));
      if (r.seconds > 0)
        line += fmt::format("  {:.4g} evals/s", static_cast<double>(r.evaluations) / r.seconds);
      line += "  elapsed " + format_duration(r.elapsed);
      if (max_generations > 0 && r.generation + 1 < max_generations && r.generation >= 0)
        line += "  ETA " + format_duration(r.elapsed / static_cast<double>(r.generation + 1) *
                                           static_cast<double>(max_generations - r.generation - 1));
      out << line << "\n";
    }
    out.flush();
    if (info.status != "running") {
      out << fmt::format("run {} {}{}\n", id, info.status,
                         info.stop_reason.empty() ? "" : ": " + info.stop_reason);
      return {info.status, count};
    }
    if (writer_vanished(path)) {
      // Re-read: the writer may have finished between the status read and the lock check.
      info = store->run(id);
      if (info.status == "running") {
        out << fmt::format(
            "run {}: its writer is gone but the status is still 'running': it was killed. "
            "Continue it with `l2l resume {}`\n",
            id, path);
        return {"killed", count};
      }
      continue;
    }
    if (!sleep(opt.interval)) return {info.status, count};
  }
}

}  // namespace l2l::report
