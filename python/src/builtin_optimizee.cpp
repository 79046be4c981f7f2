// The engine's built-in optimizees (function, bbob, ...) evaluated directly from Python.
//
// An ask/tell loop or a benchmark against another library needs the very objective an `l2l run`
// would evaluate, without an experiment around it: the optimizee is built from its options
// section by the same registry, and each call evaluates candidates as an evaluator would (seed,
// validation, exceptions turned into failures), so a value here is the value a run stores.
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <yaml-cpp/yaml.h>

#include "l2l/core/error.hpp"
#include "l2l/core/options.hpp"
#include "l2l/optimizees/optimizee.hpp"

namespace py = pybind11;

namespace l2l::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

class BuiltinOptimizee {
 public:
  BuiltinOptimizee(const std::string& type, const std::string& options_yaml,
                   std::uint64_t run_seed) {
    YAML::Node node;
    try {
      node = YAML::Load(options_yaml.empty() ? "{}" : options_yaml);
    } catch (const YAML::Exception& e) {
      // The options come from Python as JSON; a parse error is the caller's, not an engine bug.
      throw UsageError(fmt::format("optimizee options: {}", e.what()));
    }
    if (node.IsNull()) node = YAML::Node(YAML::NodeType::Map);
    if (!node.IsMap()) throw UsageError("optimizee options must be a mapping");
    node["type"] = type;
    auto source = std::make_shared<ConfigSource>();
    source->file = "<python>";
    Options o(node, "optimizee", source);
    OptimizeeContext ctx;
    ctx.seed = run_seed;
    opt_ = make_optimizee(o, ctx);
    space_ = opt_->space();
    if (space_.dim() == 0) throw UsageError("the optimizee has an empty parameter space");
    objectives_ = opt_->objective_names();
  }

  // The engine's normalized entries (name, size, is_array, lo, hi, log, integer), the form
  // `l2l._space.normalize_space` produces, so Python turns them back into its dict form.
  py::list space_entries() const {
    py::list l;
    for (const auto& p : space_.parameters())
      l.append(py::make_tuple(p.name, p.size, p.is_array, p.lo, p.hi, p.log_scale, p.integer));
    return l;
  }

  // Rows of xs with one seed each (seeds of size 1: the same for every row). Returns the (n, k)
  // fitness with NaN rows for failed evaluations, and the reasons (empty where ok), so one bad
  // candidate does not lose the batch: the same as a run, where it only marks the evaluation.
  py::tuple evaluate_many(const Array& xs, const std::vector<std::uint64_t>& seeds) {
    const std::size_t d = space_.dim(), k = objectives_.size();
    if (xs.ndim() != 2 || static_cast<std::size_t>(xs.shape(1)) != d)
      throw UsageError(
          fmt::format("x must have {} elements per row (the optimizee's dimension)", d));
    const auto n = static_cast<std::size_t>(xs.shape(0));
    if (seeds.size() != 1 && seeds.size() != n)
      throw UsageError(fmt::format("seed must be one integer or one per row ({})", n));
    py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
    std::vector<std::string> reasons(n);
    double* f = out.mutable_data();
    const double* x = xs.data();
    {
      // Built-in optimizees never call into Python: other Python threads keep running.
      py::gil_scoped_release release;
      for (std::size_t i = 0; i < n; ++i) {
        Candidate c;
        c.index = static_cast<std::int64_t>(i);
        c.seed = seeds.size() == 1 ? seeds[0] : seeds[i];
        c.params.assign(x + i * d, x + (i + 1) * d);
        Evaluation e;
        try {
          e = opt_->evaluate(c);
        } catch (const std::exception& ex) {
          e = Evaluation::failure(ex.what());
        }
        validate(e, k);
        for (std::size_t j = 0; j < k; ++j)
          f[i * k + j] = e.ok() ? e.fitness[j] : std::numeric_limits<double>::quiet_NaN();
        if (!e.ok()) reasons[i] = e.reason.empty() ? "failed" : e.reason;
      }
    }
    return py::make_tuple(std::move(out), std::move(reasons));
  }

  std::size_t dim() const { return space_.dim(); }
  std::vector<std::string> names() const { return space_.element_names(); }
  const std::vector<std::string>& objectives() const { return objectives_; }
  std::vector<double> weights() const { return opt_->default_weights(); }
  std::string describe() const { return opt_->describe().dump(); }

 private:
  std::unique_ptr<Optimizee> opt_;
  ParameterSpace space_;
  std::vector<std::string> objectives_;
};

}  // namespace

void bind_builtin_optimizee(py::module_& m) {
  py::class_<BuiltinOptimizee>(m, "BuiltinOptimizee")
      .def(py::init<const std::string&, const std::string&, std::uint64_t>(), py::arg("type"),
           py::arg("options_yaml"), py::arg("run_seed"))
      .def("space_entries", &BuiltinOptimizee::space_entries)
      .def("evaluate_many", &BuiltinOptimizee::evaluate_many, py::arg("xs"), py::arg("seeds"))
      .def_property_readonly("dim", &BuiltinOptimizee::dim)
      .def_property_readonly("names", &BuiltinOptimizee::names)
      .def_property_readonly("objectives", &BuiltinOptimizee::objectives)
      .def_property_readonly("weights", &BuiltinOptimizee::weights)
      .def("describe", &BuiltinOptimizee::describe);
}

}  // namespace l2l::python
