#include "python_optimizee.hpp"

#include <chrono>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "l2l/core/error.hpp"
#include "l2l/core/interrupt.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace py = pybind11;

namespace l2l::python {
namespace {

// Never destroyed: the Python objects in it must not be released after the interpreter is gone.
// Only touched with the GIL held.
std::map<std::int64_t, RegisteredOptimizee>& table() {
  static auto* t = new std::map<std::int64_t, RegisteredOptimizee>();
  return *t;
}
std::int64_t next_handle = 1;

std::vector<double> to_vector(py::handle h, const char* what) {
  if (PyFloat_Check(h.ptr()) || PyLong_Check(h.ptr())) return {py::cast<double>(h)};
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!a) {
    PyErr_Clear();
    throw std::runtime_error(fmt::format("{} must be a number or a sequence of numbers, not {}",
                                         what,
                                         std::string(py::str(h.get_type().attr("__name__")))));
  }
  return std::vector<double>(a.data(), a.data() + a.size());
}

Evaluation parse_result(py::handle r) {
  Evaluation e;
  if (PyFloat_Check(r.ptr())) {
    e.fitness.assign(1, PyFloat_AS_DOUBLE(r.ptr()));
    return e;
  }
  if (!PyDict_Check(r.ptr())) {
    e.fitness = to_vector(r, "evaluate()'s result");
    return e;
  }
  auto d = py::reinterpret_borrow<py::dict>(r);
  for (auto [k, v] : d) {
    const auto key = py::cast<std::string>(k);
    if (key == "fitness") {
      e.fitness = to_vector(v, "fitness");
    } else if (key == "outputs") {
      e.outputs = to_vector(v, "outputs");
    } else if (key == "observations") {
      e.observations = to_vector(v, "observations");
    } else if (key == "metrics") {
      for (auto [mk, mv] : py::cast<py::dict>(v))
        e.metrics[py::cast<std::string>(py::str(mk))] = py::cast<double>(mv);
    } else {
      throw std::runtime_error(fmt::format(
          "evaluate() returned a dict with the unknown key '{}' (known: fitness, outputs, "
          "observations, metrics)",
          key));
    }
  }
  if (e.fitness.empty()) throw std::runtime_error("evaluate() returned a dict without 'fitness'");
  return e;
}

std::string format_traceback(py::error_already_set& err) {
  try {
    auto fmt_exc = py::module_::import("traceback").attr("format_exception");
    py::list lines = fmt_exc(err.type(), err.value(), err.trace());
    return py::cast<std::string>(py::str("").attr("join")(lines));
  } catch (...) {
    return err.what();
  }
}

class PythonOptimizee final : public Optimizee {
 public:
  struct Config {
    std::int64_t object = 0;
    std::string cls;
    static Config read(Options& o) {
      Config c;
      c.object = o.get<std::int64_t>(
          "object", c.object,
          "handle of the Python object (set by the Python module; not for YAML files)");
      c.cls = o.get<std::string>("class", c.cls, "the object's class, for the record");
      return c;
    }
  };

  PythonOptimizee(const Config& c, const OptimizeeContext&) {
    py::gil_scoped_acquire gil;
    auto it = table().find(c.object);
    if (it == table().end())
      throw UsageError(fmt::format(
          "python optimizee: no Python object with handle {} in this process. Python optimizees "
          "live in the Python process that created them: run them from Python (l2l.Experiment) "
          "with the serial or threads evaluator",
          c.object));
    object_ = it->second.object;
    space_ = it->second.space;
    objectives_ = it->second.objectives;
    weights_ = it->second.weights;
  }
  ~PythonOptimizee() override {
    py::gil_scoped_acquire gil;
    object_ = py::object();
  }

  ParameterSpace space() const override { return space_; }
  Evaluation evaluate(const Candidate& c) override {
    py::gil_scoped_acquire gil;
    return call_evaluate(object_, space_, c);
  }
  std::vector<std::string> objective_names() const override { return objectives_; }
  std::vector<double> default_weights() const override { return weights_; }

 private:
  py::object object_;
  ParameterSpace space_;
  std::vector<std::string> objectives_;
  std::vector<double> weights_;
};

L2L_REGISTER_OPTIMIZEE(PythonOptimizee, "python",
                       "a Python object with space() and evaluate(params, context) (only from "
                       "the Python module)");

}  // namespace

std::int64_t register_optimizee(RegisteredOptimizee r) {
  const auto h = next_handle++;
  table().emplace(h, std::move(r));
  return h;
}

void unregister_optimizee(std::int64_t handle) {
  table().erase(handle);
}

ParameterSpace space_from_entries(const py::list& entries) {
  ParameterSpace s;
  for (auto item : entries) {
    auto t = py::cast<py::tuple>(item);
    const auto name = py::cast<std::string>(t[0]);
    const auto size = py::cast<std::size_t>(t[1]);
    const bool is_array = py::cast<bool>(t[2]);
    const auto lo = py::cast<double>(t[3]), hi = py::cast<double>(t[4]);
    const bool log = py::cast<bool>(t[5]), integer = py::cast<bool>(t[6]);
    if (is_array)
      s.add_array(name, size, lo, hi, log, integer);
    else
      s.add_scalar(name, lo, hi, log, integer);
  }
  if (s.dim() == 0) throw UsageError("the parameter space is empty");
  return s;
}

Evaluation call_evaluate(const py::object& object, const ParameterSpace& space,
                         const Candidate& c) {
  try {
    py::dict params;
    std::size_t offset = 0;
    for (const auto& p : space.parameters()) {
      const double* x = c.params.data() + offset;
      if (p.is_array) {
        params[py::str(p.name)] = py::array_t<double>(static_cast<py::ssize_t>(p.size), x);
      } else if (p.integer) {
        params[py::str(p.name)] = py::int_(static_cast<long long>(*x));
      } else {
        params[py::str(p.name)] = py::float_(*x);
      }
      offset += p.size;
    }
    EvaluationContext ctx;
    ctx.generation = c.generation;
    ctx.index = c.index;
    ctx.seed = c.seed;
    ctx.batch = c.batch;
    ctx.phase = to_string(c.phase);
    py::object result = object.attr("evaluate")(params, py::cast(std::move(ctx)));
    return parse_result(result);
  } catch (py::error_already_set& err) {
    if (err.matches(PyExc_KeyboardInterrupt)) {
      // Ctrl-C reaches the engine only through Python code: finish the generation and stop.
      request_interrupt();
      return Evaluation::failure("interrupted (KeyboardInterrupt)");
    }
    return Evaluation::failure(format_traceback(err));
  } catch (const std::exception& ex) {
    return Evaluation::failure(std::string("python optimizee: ") + ex.what());
  }
}

void bind_optimizee(py::module_& m) {
  py::class_<EvaluationContext>(m, "EvaluationContext",
                                "Where an evaluation stands: generation, index in the batch, its "
                                "own random seed, the data mini-batch (-1: none) and the phase.")
      .def_readonly("generation", &EvaluationContext::generation)
      .def_readonly("index", &EvaluationContext::index)
      .def_readonly("seed", &EvaluationContext::seed)
      .def_readonly("batch", &EvaluationContext::batch)
      .def_readonly("phase", &EvaluationContext::phase)
      .def("__repr__", [](const EvaluationContext& c) {
        return fmt::format(
            "EvaluationContext(generation={}, index={}, seed={}, batch={}, phase={})", c.generation,
            c.index, c.seed, c.batch, c.phase);
      });

  m.def(
      "register_optimizee",
      [](py::object obj, py::list entries, std::vector<std::string> objectives,
         std::vector<double> weights) {
        if (objectives.size() != weights.size())
          throw UsageError(
              fmt::format("{} objectives but {} weights", objectives.size(), weights.size()));
        RegisteredOptimizee r;
        r.object = std::move(obj);
        r.space = space_from_entries(entries);
        r.objectives = std::move(objectives);
        r.weights = std::move(weights);
        return register_optimizee(std::move(r));
      },
      py::arg("object"), py::arg("space"), py::arg("objectives"), py::arg("weights"));
  m.def("unregister_optimizee", &unregister_optimizee, py::arg("handle"));
  m.def(
      "evaluate_once",
      [](std::int64_t handle, std::vector<double> params, std::int64_t generation,
         std::int64_t index, std::uint64_t seed) {
        auto it = table().find(handle);
        if (it == table().end()) throw UsageError("no such optimizee handle");
        Candidate c;
        c.params = std::move(params);
        c.generation = generation;
        c.index = index;
        c.seed = seed;
        const auto e = call_evaluate(it->second.object, it->second.space, c);
        return py::make_tuple(std::string(to_string(e.status)), e.reason, e.fitness);
      },
      "Evaluates one candidate through the engine's adapter (for tests and benchmarks).");
  m.def(
      "time_adapter",
      [](std::int64_t handle, std::vector<double> params, std::int64_t n) {
        auto it = table().find(handle);
        if (it == table().end()) throw UsageError("no such optimizee handle");
        const py::object object = it->second.object;
        const ParameterSpace space = it->second.space;
        Candidate c;
        c.params = std::move(params);
        std::size_t failed = 0;
        double seconds = 0;
        {
          // As the serial evaluator calls it: GIL released by the driver, taken per call.
          py::gil_scoped_release release;
          const auto t0 = std::chrono::steady_clock::now();
          for (std::int64_t i = 0; i < n; ++i) {
            c.index = i;
            py::gil_scoped_acquire gil;
            if (!call_evaluate(object, space, c).ok()) ++failed;
          }
          seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        if (failed) throw std::runtime_error("time_adapter: evaluations failed");
        return seconds;
      },
      "Seconds for n adapter calls made as the serial evaluator makes them (benchmarks).");
}

}  // namespace l2l::python
