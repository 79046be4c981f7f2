// Ask/tell from Python: any registered optimizer driven by the user's own loop.
//
// The wrapper does what the experiment driver does around an optimizer: it numbers the
// candidates, gives each the run's evaluation seed and repairs it into the space, so a loop in
// Python sees the same candidates as an `l2l run` of the same optimizer and seed would.
#include <cmath>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <yaml-cpp/yaml.h>

#include "l2l/core/error.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/core/state.hpp"
#include "l2l/optimizers/optimizer.hpp"
#include "python_optimizee.hpp"

namespace py = pybind11;

namespace l2l::python {
namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

class AskTell {
 public:
  AskTell(const std::string& type, const py::list& entries, const std::string& options_yaml,
          std::uint64_t seed, std::vector<double> weights, const std::string& bound_policy)
      : space_(space_from_entries(entries)), seed_(seed) {
    YAML::Node node = YAML::Load(options_yaml.empty() ? "{}" : options_yaml);
    if (!node.IsMap()) node = YAML::Node(YAML::NodeType::Map);
    node["type"] = type;
    auto source = std::make_shared<ConfigSource>();
    source->file = "<python>";
    Options o(node, "optimizer", source);
    OptimizerContext ctx;
    // The same derivation as the experiment driver, so a seed means the same here and in a run.
    ctx.seed = mix_seed(seed, 0x0f71'3a2eull);
    ctx.weights = FitnessWeights(std::move(weights));
    ctx.bound_policy = parse_bound_policy(bound_policy);
    weights_ = ctx.weights;
    policy_ = ctx.bound_policy;
    opt_ = make_optimizer(o, space_, ctx);
  }

  py::array_t<double> ask() {
    if (!pending_.empty())
      throw UsageError("ask() called twice: tell() the previous batch's fitness first");
    {
      py::gil_scoped_release release;
      auto batch = opt_->ask();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& c = batch[i];
        if (c.params.size() != space_.dim())
          throw std::logic_error("optimizer proposed a candidate of the wrong size");
        c.generation = generation_;
        c.index = static_cast<std::int64_t>(i);
        c.seed = stream_seed(seed_, generation_, c.index);
        c.phase = Phase::train;
        space_.repair(c.params, policy_);
      }
      pending_ = std::move(batch);
    }
    const auto n = static_cast<py::ssize_t>(pending_.size());
    const auto d = static_cast<py::ssize_t>(space_.dim());
    py::array_t<double> xs({n, d});
    auto w = xs.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < n; ++i)
      for (py::ssize_t j = 0; j < d; ++j)
        w(i, j) = pending_[static_cast<std::size_t>(i)].params[static_cast<std::size_t>(j)];
    return xs;
  }

  // Per-candidate data mini-batch chosen by the optimizer (-1: none), for data-driven loops.
  std::vector<std::int64_t> batches() const {
    std::vector<std::int64_t> b;
    for (const auto& c : pending_) b.push_back(c.batch);
    return b;
  }
  std::vector<std::uint64_t> seeds() const {
    std::vector<std::uint64_t> s;
    for (const auto& c : pending_) s.push_back(c.seed);
    return s;
  }

  void tell(const Array& xs, const Array& fitness, std::optional<Array> outputs,
            std::optional<Array> observations) {
    if (pending_.empty()) throw UsageError("tell() without a pending ask()");
    const std::size_t n = pending_.size(), d = space_.dim(), k = weights_.size();
    if (xs.ndim() != 2 || static_cast<std::size_t>(xs.shape(0)) != n ||
        static_cast<std::size_t>(xs.shape(1)) != d)
      throw UsageError(fmt::format("xs must have shape ({}, {}): the batch from ask()", n, d));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < d; ++j)
        if (xs.data()[i * d + j] != pending_[i].params[j])
          throw UsageError(fmt::format(
              "xs[{}] differs from what ask() returned: tell() needs the asked batch, in order",
              i));
    const bool flat = fitness.ndim() == 1;
    if (static_cast<std::size_t>(fitness.size()) != n * k ||
        (!flat && (fitness.ndim() != 2 || static_cast<std::size_t>(fitness.shape(1)) != k)))
      throw UsageError(
          fmt::format("fitness must have shape ({},) or ({}, {}) for {} objective(s)", n, n, k, k));
    std::size_t m = 0;
    if (outputs) {
      if (outputs->ndim() != 2 || static_cast<std::size_t>(outputs->shape(0)) != n)
        throw UsageError(fmt::format("outputs must have shape ({}, m)", n));
      m = static_cast<std::size_t>(outputs->shape(1));
      if (!observations) throw UsageError("outputs need observations (shape (m,) or (n, m))");
      const auto sz = static_cast<std::size_t>(observations->size());
      if (sz != m && sz != n * m)
        throw UsageError(fmt::format("observations must have shape ({},) or ({}, {})", m, n, m));
    }
    std::vector<Evaluation> evals(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& e = evals[i];
      e.fitness.assign(fitness.data() + i * k, fitness.data() + (i + 1) * k);
      if (outputs) {
        e.outputs.assign(outputs->data() + i * m, outputs->data() + (i + 1) * m);
        const double* y = observations->data() +
                          (static_cast<std::size_t>(observations->size()) == m ? 0 : i * m);
        e.observations.assign(y, y + m);
      }
      validate(e, k);  // NaN or inf -> failed, handled by the optimizer's failure policy
    }
    auto batch = std::move(pending_);
    pending_.clear();
    py::gil_scoped_release release;
    opt_->tell(batch, evals);
    ++generation_;
  }

  std::optional<std::string> stop_reason() const { return opt_->stop_reason(); }
  std::optional<std::vector<double>> estimate() const { return opt_->estimate(); }
  std::string generation_info() const { return opt_->generation_info().dump(); }
  std::int64_t generation() const { return generation_; }
  std::size_t dim() const { return space_.dim(); }
  std::vector<std::string> names() const { return space_.element_names(); }

  py::bytes state() const {
    if (!pending_.empty()) throw UsageError("state() between ask() and tell(): tell() first");
    nlohmann::json j;
    j["optimizer"] = opt_->state();
    j["generation"] = generation_;
    return py::bytes(state::encode(j));
  }
  void restore(const py::bytes& b) {
    const auto j = state::decode(std::string(b));
    opt_->restore(j.at("optimizer"));
    generation_ = j.at("generation").get<std::int64_t>();
    pending_.clear();
  }

 private:
  ParameterSpace space_;
  std::uint64_t seed_;
  FitnessWeights weights_;
  BoundPolicy policy_ = BoundPolicy::clip;
  std::unique_ptr<Optimizer> opt_;
  std::vector<Candidate> pending_;
  std::int64_t generation_ = 0;
};

}  // namespace

void bind_ask_tell(py::module_& m) {
  py::class_<AskTell>(m, "AskTell")
      .def(py::init<const std::string&, const py::list&, const std::string&, std::uint64_t,
                    std::vector<double>, const std::string&>(),
           py::arg("type"), py::arg("space"), py::arg("options_yaml"), py::arg("seed"),
           py::arg("weights"), py::arg("bound_policy"))
      .def("ask", &AskTell::ask)
      .def("tell", &AskTell::tell, py::arg("xs"), py::arg("fitness"),
           py::arg("outputs") = py::none(), py::arg("observations") = py::none())
      .def("batches", &AskTell::batches)
      .def("seeds", &AskTell::seeds)
      .def("stop_reason", &AskTell::stop_reason)
      .def("estimate", &AskTell::estimate)
      .def("generation_info", &AskTell::generation_info)
      .def_property_readonly("generation", &AskTell::generation)
      .def_property_readonly("dim", &AskTell::dim)
      .def_property_readonly("names", &AskTell::names)
      .def("state", &AskTell::state)
      .def("restore", &AskTell::restore);
}

}  // namespace l2l::python
