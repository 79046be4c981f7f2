#include "l2l/experiment/nested/nested_optimizee.hpp"

#include <fmt/format.h>
#include <cmath>
#include <filesystem>
#include <set>

#include "l2l/core/rng.hpp"
#include "l2l/experiment/experiment.hpp"
#include "l2l/experiment/nested/binding.hpp"
#include "l2l/storage/run_store.hpp"

namespace l2l {

namespace {

std::vector<std::pair<std::string, std::string>> read_overrides(Options& o, const YAML::Node& n,
                                                                const std::string& key) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!n.IsMap()) o.fail(key, "must be a mapping of inner key paths to values");
  for (auto it = n.begin(); it != n.end(); ++it) {
    YAML::Emitter e;
    e << it->second;
    out.emplace_back(it->first.Scalar(), e.c_str());
  }
  return out;
}

}  // namespace

NestedOptimizee::Config NestedOptimizee::Config::read(Options& o) {
  Config c;
  c.inner = o.raw("inner",
                  "the inner experiment: a YAML file (relative to this file) or a mapping "
                  "with experiment/optimizer/optimizee/evaluator sections; scalars may be "
                  "${outer.NAME}");
  c.inner_where = o.where("inner");
  if (!o.describing() && (!c.inner.IsDefined() || c.inner.IsNull()))
    o.fail("inner", "is required: the inner experiment (file name or mapping)");
  auto params = o.child("parameters", "outer parameters: NAME: {lo, hi, log, integer}");
  if (!o.describing()) {
    for (auto it = params.node().begin(); it != params.node().end(); ++it) {
      const auto name = it->first.Scalar();
      auto p = params.child(name, "");
      OuterParameter op;
      op.name = name;
      op.lo = p.required<double>("lo", "lower bound");
      op.hi = p.required<double>("hi", "upper bound");
      op.log = p.get<bool>("log", false, "log scale");
      op.integer = p.get<bool>("integer", false, "integer-valued");
      p.finish();
      if (!(op.lo <= op.hi)) params.fail(name, "lo must not exceed hi");
      if (op.log && op.lo <= 0) params.fail(name, "a log-scale parameter needs lo > 0");
      c.parameters.push_back(op);
    }
    if (c.parameters.empty()) o.fail("parameters", "declare at least one outer parameter");
  }
  const auto bind = o.raw("bind", "inner key path -> value (e.g. optimizer.gamma: ${outer.gamma})");
  if (bind.IsDefined() && !bind.IsNull()) c.bind = read_overrides(o, bind, "bind");
  const auto tasks = o.raw("tasks",
                           "list of tasks, each a mapping of inner key paths to values "
                           "(seeds, data subsets, functions); default: one task");
  if (tasks.IsDefined() && !tasks.IsNull()) {
    if (!tasks.IsSequence() || tasks.size() == 0)
      o.fail("tasks", "must be a non-empty list of mappings");
    for (const auto& t : tasks) c.tasks.push_back(read_overrides(o, t, "tasks"));
  }
  auto red = o.child("reduce", "how an inner run becomes one number");
  const auto rule = red.get<std::string>("rule", "final", "final | best | mean_last | auc",
                                         Check::one_of({"final", "best", "mean_last", "auc"}));
  c.reduction.rule = rule == "final"       ? ReduceRule::final_value
                     : rule == "best"      ? ReduceRule::best
                     : rule == "mean_last" ? ReduceRule::mean_last
                                           : ReduceRule::auc;
  c.reduction.metric = red.get<std::string>(
      "metric", "best",
      "per-generation value: best | median | mean (inner fitness, raw units) or "
      "validation_<name> (the inner estimate on its validation split, experiment.test_every)");
  // Before validation and test were separated the monitored metric was called test_<name>; it
  // was, and now is, the number the inner run is chosen by: the validation.
  if (c.reduction.metric.rfind("test_", 0) == 0)
    c.reduction.metric = "validation_" + c.reduction.metric.substr(5);
  if (c.reduction.metric.rfind("final_test_", 0) == 0)
    red.fail("metric",
             "the final test is the number nothing may choose by; reduce a validation_ metric");
  c.reduction.last =
      red.get<std::int64_t>("last", 5, "generations averaged by mean_last", Check::at_least(1));
  red.finish();
  const auto agg = o.get<std::string>("aggregate", "mean", "over tasks: mean | median | worst",
                                      Check::one_of({"mean", "median", "worst"}));
  c.aggregate = agg == "mean"     ? Aggregate::mean
                : agg == "median" ? Aggregate::median
                                  : Aggregate::worst;
  if (o.has("maximize") || o.describing())
    c.maximize = o.get<bool>("maximize", false,
                             "direction of the outer objective (default: the inner objective's "
                             "for best/median/mean, maximize for validation_ metrics)");
  auto cost = o.child("cost", "charged against the outer fitness");
  c.cost_per_second =
      cost.get<double>("seconds", 0.0, "cost per second of inner wall time", Check::at_least(0));
  c.cost_per_evaluation =
      cost.get<double>("evaluations", 0.0, "cost per inner evaluation", Check::at_least(0));
  cost.finish();
  c.inner_threads = o.get<int>("inner_threads", 1,
                               "threads of each inner experiment's evaluator (1: serial); outer "
                               "threads x inner threads should not exceed the cores",
                               Check::at_least(1));
  c.seed_per_candidate =
      o.get<std::string>("inner_seed", "fixed",
                         "fixed: the inner file's seed for every candidate (common random "
                         "numbers); candidate: derived from the candidate's seed",
                         Check::one_of({"fixed", "candidate"})) == "candidate";
  return c;
}

NestedOptimizee::NestedOptimizee(const Config& cfg, const OptimizeeContext& ctx) : cfg_(cfg) {
  for (const auto& p : cfg_.parameters) space_.add_scalar(p.name, p.lo, p.hi, p.log, p.integer);

  LoadedConfig inner;
  if (cfg_.inner.IsScalar()) {
    auto path = std::filesystem::path(cfg_.inner.Scalar());
    if (path.is_relative() && !ctx.config_file.empty())
      path = std::filesystem::path(ctx.config_file).parent_path() / path;
    if (!std::filesystem::exists(path))
      throw ConfigError(cfg_.inner_where + "inner experiment file '" + path.string() +
                        "' not found");
    inner = load_config_file(path.string());
  } else if (cfg_.inner.IsMap()) {
    inner.root = YAML::Clone(cfg_.inner);
    inner.source = std::make_shared<ConfigSource>();
    inner.source->file = ctx.config_file + " (inner experiment)";
  } else {
    throw ConfigError(cfg_.inner_where + "must be a file name or a mapping");
  }
  for (const auto& [path, value] : cfg_.bind) apply_override(inner, path + "=" + value);
  inner.source->overridden.clear();
  inner_root_ = inner.root;
  inner_source_ = inner.source;

  // Every placeholder names a parameter and every parameter is used.
  std::set<std::string> declared, used;
  for (const auto& p : cfg_.parameters) declared.insert(p.name);
  for (const auto& ph : find_placeholders(inner_root_)) {
    if (!declared.count(ph.name))
      throw ConfigError(
          fmt::format("{}inner {}: ${{outer.{}}} names no outer parameter (declared: {})",
                      cfg_.inner_where, ph.inner_path, ph.name, fmt::join(declared, ", ")));
    used.insert(ph.name);
  }
  for (const auto& d : declared)
    if (!used.count(d))
      throw ConfigError(fmt::format(
          "{}outer parameter '{}' is bound nowhere in the inner experiment", cfg_.inner_where, d));

  // Build every task once at the centre of the space: inner mistakes surface now, with paths.
  std::map<std::string, double> centre;
  const auto mid = space_.center();
  for (std::size_t i = 0; i < cfg_.parameters.size(); ++i) centre[cfg_.parameters[i].name] = mid[i];
  const std::size_t n_tasks = std::max<std::size_t>(1, cfg_.tasks.size());
  for (std::size_t t = 0; t < n_tasks; ++t) {
    RunOptions ro;
    ro.progress = false;
    Experiment probe(inner_config(centre, t, 0), ro);
    if (t == 0) {
      inner_first_weight_ = probe.weights()[0];
      if (probe.weights().size() != 1 && cfg_.reduction.metric.rfind("validation_", 0) != 0)
        throw ConfigError(cfg_.inner_where +
                          "multi-objective inner experiments: reduce a validation_ metric instead");
    }
  }
  const bool is_held_out = cfg_.reduction.metric.rfind("validation_", 0) == 0;
  if (!is_held_out && cfg_.reduction.metric != "best" && cfg_.reduction.metric != "median" &&
      cfg_.reduction.metric != "mean")
    throw ConfigError(cfg_.inner_where +
                      "reduce.metric must be best, median, mean or validation_<name>");
  inner_higher_is_better_ = is_held_out ? true : inner_first_weight_ > 0;
  maximize_ = cfg_.maximize.value_or(inner_higher_is_better_);
}

LoadedConfig NestedOptimizee::inner_config(const std::map<std::string, double>& values,
                                           std::size_t task, std::uint64_t candidate_seed) const {
  LoadedConfig lc;
  lc.source = std::make_shared<ConfigSource>(*inner_source_);
  lc.root = substitute(inner_root_, values);
  if (!cfg_.tasks.empty()) {
    for (const auto& [path, value] : cfg_.tasks[task]) apply_override(lc, path + "=" + value);
    lc.source->overridden.clear();
  }
  if (!lc.root["experiment"].IsMap()) lc.root["experiment"] = YAML::Node(YAML::NodeType::Map);
  YAML::Node exp = lc.root["experiment"];
  if (cfg_.seed_per_candidate)
    exp["seed"] = static_cast<std::int64_t>(mix_seed(candidate_seed, task) >> 1);
  // Inner runs live in the outer store; their own store settings would only mislead.
  exp.remove("store");
  // The inner evaluator is set by inner_threads so that outer x inner threads stay in bounds.
  YAML::Node ev(YAML::NodeType::Map);
  ev["type"] = cfg_.inner_threads > 1 ? "threads" : "serial";
  if (cfg_.inner_threads > 1) ev["threads"] = cfg_.inner_threads;
  lc.root["evaluator"] = ev;
  return lc;
}

void NestedOptimizee::attach_store(RunStore& store, std::int64_t run_id) {
  store_ = &store;
  run_id_ = run_id;
}

double NestedOptimizee::run_task(const Candidate& c, std::size_t task, Evaluation& e) {
  std::map<std::string, double> values;
  for (std::size_t i = 0; i < cfg_.parameters.size(); ++i)
    values[cfg_.parameters[i].name] = c.params[i];
  RunOptions ro;
  ro.progress = false;

  std::vector<GenerationRecord> gens;
  double seconds = 0;
  std::int64_t evaluations = 0;
  if (store_) {
    const auto t = static_cast<std::int64_t>(task);
    auto child = store_->find_child(run_id_, c.generation, c.index, t);
    if (child && store_->run(*child).status == "finished") {
      gens = store_->generations(*child);  // done before a crash: read back, not re-run
      e.metrics["inner_runs_reused"] += 1;
    } else {
      if (child) {
        // Interrupted inside this inner run: continue it from its own checkpoint.
        const auto info = store_->run(*child);
        Experiment exp(load_config_text(info.config, store_->path() + " (inner run)"), ro);
        exp.continue_in(*store_, *child);
      } else {
        Experiment exp(inner_config(values, task, c.seed), ro);
        RunInfo link;
        link.parent_run = run_id_;
        link.parent_generation = c.generation;
        link.parent_index = c.index;
        link.task = t;
        exp.run_in(*store_, link);
        child = store_->find_child(run_id_, c.generation, c.index, t);
      }
      gens = store_->generations(*child);
    }
  } else {
    // No store attached (worker processes): run in a private in-memory store.
    auto mem = RunStore::in_memory();
    Experiment exp(inner_config(values, task, c.seed), ro);
    RunInfo link;
    const auto out = exp.run_in(*mem, link);
    gens = mem->generations(out.run_id);
  }
  for (const auto& g : gens) {
    seconds = g.elapsed;
    evaluations += g.evaluations;
  }
  e.metrics["inner_seconds"] += seconds;
  e.metrics["inner_evaluations"] += static_cast<double>(evaluations);
  const auto series = metric_series(gens, cfg_.reduction.metric, inner_first_weight_);
  return reduce(series, cfg_.reduction, inner_higher_is_better_);
}

Evaluation NestedOptimizee::evaluate(const Candidate& c) {
  Evaluation e;
  const std::size_t n_tasks = std::max<std::size_t>(1, cfg_.tasks.size());
  std::vector<double> values;
  for (std::size_t t = 0; t < n_tasks; ++t) {
    values.push_back(run_task(c, t, e));
    e.metrics[fmt::format("task{}", t)] = values.back();
  }
  double f = aggregate(values, cfg_.aggregate, inner_higher_is_better_);
  const double cost = cfg_.cost_per_second * e.metrics["inner_seconds"] +
                      cfg_.cost_per_evaluation * e.metrics["inner_evaluations"];
  if (cost > 0) {
    e.metrics["cost"] = cost;
    f += maximize_ ? -cost : cost;  // the cost always makes the outer fitness worse
  }
  e.fitness = {f};
  return e;
}

nlohmann::json NestedOptimizee::describe() const {
  return {{"tasks", std::max<std::size_t>(1, cfg_.tasks.size())},
          {"metric", cfg_.reduction.metric}};
}

L2L_REGISTER_OPTIMIZEE(NestedOptimizee, "nested",
                       "learning to learn: each evaluation runs whole inner experiments with the "
                       "candidate's values bound into them");

}  // namespace l2l
