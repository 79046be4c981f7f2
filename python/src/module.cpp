// The compiled half of the `l2l` Python package (`l2l._l2l`). The pure-Python package in
// python/l2l wraps it; users import `l2l`, not this module.
#include <csignal>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "l2l/config/config.hpp"
#include "l2l/core/error.hpp"
#include "l2l/core/interrupt.hpp"
#include "l2l/evaluation/evaluator.hpp"
#include "l2l/evaluation/worker.hpp"
#include "l2l/experiment/experiment.hpp"
#include "l2l/optimizees/optimizee.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "l2l/storage/hall_of_fame.hpp"
#include "l2l/storage/run_store.hpp"
#include "python_optimizee.hpp"

namespace py = pybind11;

namespace l2l::python {
void bind_ask_tell(py::module_& m);
void bind_builtin_optimizee(py::module_& m);

namespace {

// While a run started from Python's main thread executes, Ctrl-C (SIGINT) and SIGTERM go to the
// engine's handlers, as in `l2l run`: the first finishes the generation and stops with a
// checkpoint, a second ends the process. Python's own handler would only set a flag that no Python
// code looks at until the run is over. The previous handlers come back afterwards.
class SignalGuard {
 public:
  SignalGuard() {
    auto threading = py::module_::import("threading");
    active_ = threading.attr("current_thread")().is(threading.attr("main_thread")());
    if (!active_) return;
    sigaction(SIGINT, nullptr, &old_int_);
    sigaction(SIGTERM, nullptr, &old_term_);
    install_interrupt_handlers();
  }
  ~SignalGuard() {
    if (!active_) return;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  bool active_ = false;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

py::dict to_dict(const RunOutcome& o) {
  py::dict d;
  d["store_path"] = o.store_path;
  d["run_id"] = o.run_id;
  d["status"] = o.status;
  d["stop_reason"] = o.stop_reason;
  d["generations"] = o.generations;
  d["evaluations"] = o.evaluations;
  d["failed"] = o.failed;
  d["best_weighted"] = o.best_weighted;
  d["best_fitness"] = o.best_fitness;
  d["best_params"] = o.best_params;
  d["best_generation"] = o.best_generation;
  d["best_index"] = o.best_index;
  d["param_names"] = o.param_names;
  d["seconds"] = o.seconds;
  return d;
}

// Python optimizees exist only in this process: evaluators that rebuild the optimizee elsewhere
// (worker processes, MPI ranks) cannot run them. Checked on the configuration, before the
// evaluator starts any worker.
std::string section_type(const YAML::Node& root, const char* section, const char* absent) {
  if (!root.IsMap()) return absent;
  const YAML::Node s = root[section];
  if (!s.IsDefined() || !s.IsMap()) return absent;
  const YAML::Node t = s["type"];
  return t.IsDefined() && t.IsScalar() ? t.Scalar() : absent;
}

void check_evaluator(const LoadedConfig& cfg) {
  const YAML::Node& root = cfg.root;
  if (section_type(root, "optimizee", "") != "python") return;
  const std::string name = section_type(root, "evaluator", "threads");
  if (name != "serial" && name != "threads")
    throw UsageError(
        "a Python optimizee runs with the serial or threads evaluator only (the '" + name +
        "' evaluator rebuilds the optimizee in other processes, which cannot reach this Python "
        "object): pass workers=True to l2l.Experiment; see docs/python.md");
}

RunOptions run_options(const std::string& out, bool overwrite, int threads,
                       const std::string& evaluator, bool progress) {
  RunOptions o;
  o.out = out;
  o.overwrite = overwrite;
  o.threads = threads;
  o.evaluator = evaluator;
  o.progress = progress;
  return o;
}

py::dict run(const std::string& source, bool is_file, const std::string& name,
             const std::vector<std::string>& sets, const std::string& out, bool overwrite,
             int threads, const std::string& evaluator, bool progress) {
  SignalGuard signals;
  RunOutcome outcome;
  {
    // The engine's threads (and the driver) work without the GIL; Python optimizees take it back
    // for each call.
    py::gil_scoped_release release;
    clear_interrupt();
    auto cfg = is_file ? load_config_file(source, sets) : load_config_text(source, name, sets);
    check_evaluator(cfg);
    Experiment exp(std::move(cfg), run_options(out, overwrite, threads, evaluator, progress));
    outcome = exp.run();
  }
  return to_dict(outcome);
}

py::dict resume(const std::string& path, const std::vector<std::string>& sets, int threads,
                bool progress) {
  SignalGuard signals;
  RunOutcome outcome;
  {
    py::gil_scoped_release release;
    clear_interrupt();
    outcome = Experiment::resume(path, sets, run_options("", false, threads, "", progress));
  }
  return to_dict(outcome);
}

// Resuming a run of a Python optimizee: the stored configuration names the handle of an object
// of an earlier process, so the optimizee section is replaced by the new object's before the run
// continues from its checkpoint.
py::dict resume_python(const std::string& path, const std::string& optimizee_yaml,
                       const std::vector<std::string>& sets, int threads, bool progress) {
  SignalGuard signals;
  RunOutcome outcome;
  {
    py::gil_scoped_release release;
    clear_interrupt();
    auto store = RunStore::open_writer(path);
    const auto root = store->root_run();
    if (!root) throw UsageError("'" + path + "' holds no run to resume");
    const RunInfo info = store->run(*root);
    for (const auto& s : sets)
      if (s.rfind("experiment.", 0) != 0)
        throw UsageError("--set " + s +
                         ": only experiment.* termination settings can change on "
                         "resume");
    auto cfg = load_config_text(info.config, path + " (stored configuration)", sets);
    cfg.root["optimizee"] = YAML::Load(optimizee_yaml);
    check_evaluator(cfg);
    RunOptions opts = run_options(path, false, threads, "", progress);
    Experiment exp(std::move(cfg), opts);
    if (!sets.empty()) store->set_run_config(*root, exp.config().text());
    outcome = exp.continue_in(*store, *root);
  }
  return to_dict(outcome);
}

// JSON text rather than Python objects: the pure-Python store reader decodes it beside its other
// JSON columns, and `l2l show --top --json` prints the same document.
std::string hall_of_fame_json(const std::string& path, std::int64_t run, std::size_t n) {
  auto store = RunStore::open_reader(path);
  if (run == 0) {
    auto root = store->root_run();
    if (!root) throw UsageError(path + " holds no run");
    run = *root;
  }
  return hall_of_fame(*store, run, n).dump();
}

template <class R>
std::vector<std::pair<std::string, std::string>> names(const R& registry) {
  std::vector<std::pair<std::string, std::string>> v;
  for (const auto* e : registry.all()) v.emplace_back(e->name, e->summary);
  return v;
}

template <class R>
std::vector<std::tuple<std::string, std::string, std::string, std::string>> docs(
    const R& registry, const std::string& name) {
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> v;
  for (const auto& d : registry.docs(name)) v.emplace_back(d.key, d.type, d.default_value, d.help);
  return v;
}

}  // namespace
}  // namespace l2l::python

PYBIND11_MODULE(_l2l, m) {
  using namespace l2l::python;
  m.doc() = "l2l engine bindings (use the `l2l` package)";
  m.attr("__version__") = L2L_VERSION;
  py::register_exception<l2l::UsageError>(m, "UsageError", PyExc_ValueError);

  m.def("run", &run, py::arg("source"), py::arg("is_file"), py::arg("name"), py::arg("sets"),
        py::arg("out"), py::arg("overwrite"), py::arg("threads"), py::arg("evaluator"),
        py::arg("progress"));
  m.def("resume", &resume, py::arg("path"), py::arg("sets"), py::arg("threads"),
        py::arg("progress"));
  m.def("resume_python", &resume_python, py::arg("path"), py::arg("optimizee_yaml"),
        py::arg("sets"), py::arg("threads"), py::arg("progress"));
  m.def("hall_of_fame", &hall_of_fame_json, py::arg("path"), py::arg("run"), py::arg("n"));
  m.def("optimizer_names", [] { return names(l2l::optimizer_registry()); });
  m.def("optimizee_names", [] { return names(l2l::optimizee_registry()); });
  m.def("evaluator_names", [] { return names(l2l::evaluator_registry()); });
  m.def("optimizer_options",
        [](const std::string& n) { return docs(l2l::optimizer_registry(), n); });
  m.def("optimizee_options",
        [](const std::string& n) { return docs(l2l::optimizee_registry(), n); });
  m.def("evaluator_options",
        [](const std::string& n) { return docs(l2l::evaluator_registry(), n); });
  m.def("set_worker_executable", &l2l::set_worker_executable, py::arg("path"),
        "The l2l executable that the processes evaluator starts as its workers.");
  m.def("worker_executable", &l2l::worker_executable);
  bind_optimizee(m);
  bind_ask_tell(m);
  bind_builtin_optimizee(m);
}
