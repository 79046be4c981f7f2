#include "l2l/experiment/experiment.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <utility>

#include "l2l/core/interrupt.hpp"
#include "l2l/core/rng.hpp"
#include "l2l/core/state.hpp"
#include "l2l/experiment/child_runs.hpp"
#include "l2l/experiment/progress.hpp"

namespace l2l {

// The driver's own counters, checkpointed beside the optimizer state.
struct Experiment::DriverState {
  std::int64_t next_generation = 0;
  std::int64_t evaluations = 0;
  std::int64_t failed = 0;
  double best_weighted = FitnessWeights::failed_value;
  std::vector<double> best_fitness, best_params;
  std::int64_t best_generation = -1, best_index = -1;
  double stagnation_reference = FitnessWeights::failed_value;
  std::int64_t stagnant_generations = 0;
  std::int64_t failed_streak = 0;
  double elapsed = 0;

  nlohmann::json to_json() const {
    return {{"next_generation", next_generation},
            {"evaluations", evaluations},
            {"failed", failed},
            {"best_weighted",
             std::isfinite(best_weighted) ? nlohmann::json(best_weighted) : nlohmann::json()},
            {"best_fitness", best_fitness},
            {"best_params", best_params},
            {"best_generation", best_generation},
            {"best_index", best_index},
            {"stagnation_reference", std::isfinite(stagnation_reference)
                                         ? nlohmann::json(stagnation_reference)
                                         : nlohmann::json()},
            {"stagnant_generations", stagnant_generations},
            {"failed_streak", failed_streak},
            {"elapsed", elapsed}};
  }
  static DriverState from_json(const nlohmann::json& j) {
    DriverState s;
    auto num = [](const nlohmann::json& v) {
      return v.is_null() ? FitnessWeights::failed_value : v.get<double>();
    };
    s.next_generation = j.at("next_generation");
    s.evaluations = j.at("evaluations");
    s.failed = j.at("failed");
    s.best_weighted = num(j.at("best_weighted"));
    s.best_fitness = j.at("best_fitness").get<std::vector<double>>();
    s.best_params = j.at("best_params").get<std::vector<double>>();
    s.best_generation = j.at("best_generation");
    s.best_index = j.at("best_index");
    s.stagnation_reference = num(j.at("stagnation_reference"));
    s.stagnant_generations = j.at("stagnant_generations");
    s.failed_streak = j.at("failed_streak");
    s.elapsed = j.at("elapsed");
    return s;
  }
};

namespace {

std::string hostname() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

std::string timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
  return buf;
}

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// The termination keys that `l2l resume --set` may change without breaking reproducibility.
bool resumable_key(const std::string& path) {
  static const char* keys[] = {"max_generations",
                               "max_evaluations",
                               "max_seconds",
                               "target_fitness",
                               "stagnation_generations",
                               "stagnation_tolerance",
                               "max_failed_generations",
                               "test_every",
                               "final_test",
                               "artifact_every",
                               "checkpoint_every"};
  for (const char* k : keys)
    if (path == std::string("experiment.") + k) return true;
  return false;
}

}  // namespace

Experiment::Experiment(LoadedConfig config, const RunOptions& options)
    : config_(std::move(config)), options_(options) {
  // The evaluator type is part of the stored configuration, so resume knows what ran.
  {
    const YAML::Node& root = config_.root;
    if (!root["evaluator"].IsDefined() || root["evaluator"].IsNull())
      config_.root["evaluator"] = YAML::Node(YAML::NodeType::Map);
  }
  YAML::Node ev = config_.root["evaluator"];
  if (!options_.evaluator.empty()) {
    override_evaluator_type(ev, options_.evaluator);
  } else if (ev.IsMap() && !std::as_const(ev)["type"].IsDefined()) {
    ev["type"] = "threads";
  }
  Options root = config_.options();
  auto exp = root.child("experiment", "identity, termination and storage of the run");
  auto opt = root.child("optimizer", "the outer loop: `type` plus its options");
  auto otee = root.child("optimizee", "the inner loop: `type` plus its options");
  auto eval = root.child("evaluator", "how candidates are evaluated: `type` plus its options");
  root.finish();
  // After the sections' own checks (a section given as a list, an unknown section), so that
  // those errors, which have a line, come first.
  for (const char* section : {"optimizer", "optimizee"})
    if (!std::as_const(config_.root)[section].IsDefined())
      throw ConfigError(fmt::format(
          "{}: {}: section missing (an experiment needs optimizer and optimizee sections; "
          "experiment and evaluator are optional)",
          config_.source->file, section));

  const auto stem = std::filesystem::path(config_.source->file).stem().string();
  spec_ = ExperimentSpec::read(exp, stem.empty() ? "run" : stem);
  exp.finish();

  OptimizeeContext octx;
  octx.seed = spec_.seed;
  octx.config_file = config_.source->file;
  optimizee_ = make_optimizee(otee, octx);
  space_ = optimizee_->space();
  if (space_.dim() == 0) throw UsageError("the optimizee has an empty parameter space");

  const auto n_obj = optimizee_->objective_names().size();
  auto w = spec_.fitness_weights.empty() ? optimizee_->default_weights() : spec_.fitness_weights;
  if (w.size() != n_obj)
    exp.fail("fitness_weights",
             fmt::format("{} weights given but the optimizee has {} objectives", w.size(), n_obj));
  weights_ = FitnessWeights(w);

  OptimizerContext ctx;
  ctx.seed =
      mix_seed(spec_.seed, 0x0f71'3a2eull);  // the optimizer's stream, apart from evaluations
  ctx.weights = weights_;
  ctx.bound_policy = spec_.bound_policy;
  ctx.optimizee_outputs = optimizee_->returns_outputs();
  optimizer_ = make_optimizer(opt, space_, ctx);

  EvaluatorContext ectx;
  ectx.experiment_yaml = config_.text();
  ectx.config_file = config_.source->file;
  ectx.seed = spec_.seed;
  ectx.threads = options_.threads;
  evaluator_ = make_evaluator(eval, ectx);
}

Experiment::~Experiment() = default;

std::string Experiment::store_path() const {
  if (!options_.out.empty()) return options_.out;
  if (!spec_.store.empty()) return spec_.store;
  return fmt::format("runs/{}-{}.db", spec_.name, timestamp());
}

RunInfo Experiment::run_info() const {
  RunInfo info;
  info.name = spec_.name;
  info.config = config_.text();
  info.config_file = config_.source->file;
  info.seed = spec_.seed;
  info.version = L2L_VERSION;
  info.evaluator = evaluator_->name();
  info.parallelism = evaluator_->parallelism();
  info.host = hostname();
  info.space = space_.to_json();
  info.objectives = optimizee_->objective_names();
  info.weights = weights_.values();
  return info;
}

RunOutcome Experiment::run() {
  auto store = RunStore::create(store_path(), options_.overwrite);
  const auto run_id = store->add_run(run_info());
  return loop(*store, run_id, DriverState{});
}

RunOutcome Experiment::run_in(RunStore& store, const RunInfo& link) {
  RunInfo info = run_info();
  info.parent_run = link.parent_run;
  info.parent_generation = link.parent_generation;
  info.parent_index = link.parent_index;
  info.task = link.task;
  const auto run_id = store.add_run(info);
  return loop(store, run_id, DriverState{});
}

RunOutcome Experiment::continue_in(RunStore& store, std::int64_t run_id) {
  DriverState state;
  std::int64_t replay_from = -1;
  if (auto ckpt = store.checkpoint(run_id)) {
    optimizer_->restore(state::decode(ckpt->optimizer));
    state = DriverState::from_json(ckpt->driver);
    replay_from = ckpt->generation;
  }
  store.truncate_after(run_id, replay_from);
  store.update_run_status(run_id, "running", "");
  return loop(store, run_id, std::move(state));
}

RunOutcome Experiment::resume(const std::string& path, const std::vector<std::string>& sets,
                              const RunOptions& options) {
  auto store = RunStore::open_writer(path);
  const auto root = store->root_run();
  if (!root) throw UsageError(fmt::format("'{}' holds no run to resume", path));
  const RunInfo info = store->run(*root);
  for (const auto& s : sets) {
    const auto key = s.substr(0, s.find('='));
    if (!resumable_key(key))
      throw UsageError(fmt::format(
          "--set {}: only termination settings (experiment.max_generations, max_evaluations, "
          "max_seconds, target_fitness, stagnation_*, max_failed_generations, test_every, "
          "artifact_every, checkpoint_every) can change on resume; anything else would change the "
          "run",
          key));
  }
  auto cfg = load_config_text(info.config, path + " (stored configuration)", sets);
  RunOptions opts = options;
  opts.out = path;
  Experiment exp(std::move(cfg), opts);
  if (!sets.empty()) store->set_run_config(*root, exp.config_.text());
  return exp.continue_in(*store, *root);
}

RunOutcome Experiment::loop(RunStore& store, std::int64_t run_id, DriverState st) {
  using clock = std::chrono::steady_clock;
  const auto& term = spec_.termination;
  const bool single_objective = weights_.size() == 1;
  Progress progress(options_.progress);
  if (auto* recorder = dynamic_cast<RecordsChildRuns*>(optimizee_.get()))
    recorder->attach_store(store, run_id);
  RunOutcome out;
  out.store_path = store.path();
  out.run_id = run_id;
  out.param_names = space_.element_names();

  std::string stop_reason, status = "finished";
  std::string last_error;
  std::vector<Evaluation> evals;
  std::vector<double> weighted;

  auto best_raw = [&]() { return single_objective ? st.best_fitness.at(0) : st.best_weighted; };
  // Termination that holds before any generation (resuming a finished run with the same budget).
  auto budget_stop = [&]() -> std::string {
    if (st.next_generation >= term.max_generations)
      return fmt::format("reached max_generations = {}", term.max_generations);
    if (term.max_evaluations > 0 && st.evaluations >= term.max_evaluations)
      return fmt::format("reached max_evaluations = {}", term.max_evaluations);
    if (term.target_fitness && std::isfinite(st.best_weighted)) {
      const bool hit = single_objective ? !weights_.better_raw(*term.target_fitness, best_raw())
                                        : st.best_weighted >= *term.target_fitness;
      if (hit) return fmt::format("reached target_fitness = {}", *term.target_fitness);
    }
    if (term.max_seconds > 0 && st.elapsed >= term.max_seconds)
      return fmt::format("reached max_seconds = {}", term.max_seconds);
    if (term.stagnation_generations > 0 && st.stagnant_generations >= term.stagnation_generations)
      return fmt::format("no improvement for {} generations", term.stagnation_generations);
    return {};
  };

  try {
    stop_reason = budget_stop();
    if (stop_reason.empty()) {
      if (auto r = optimizer_->stop_reason()) stop_reason = *r;
    }
    const bool all_params =
        spec_.store_params == "all" || (spec_.store_params == "auto" && space_.dim() <= 1000);
    double last_checkpoint_bytes = 0;
    auto last_checkpoint = clock::now();
    while (stop_reason.empty()) {
      const auto t0 = clock::now();
      const std::int64_t g = st.next_generation;
      auto batch = optimizer_->ask();
      if (batch.empty()) {
        stop_reason = optimizer_->stop_reason().value_or("the optimizer proposed no candidates");
        break;
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& c = batch[i];
        if (c.params.size() != space_.dim())
          throw std::logic_error(fmt::format("optimizer proposed {} parameters, the space has {}",
                                             c.params.size(), space_.dim()));
        c.generation = g;
        c.index = static_cast<std::int64_t>(i);
        c.seed = stream_seed(spec_.seed, g, c.index);
        c.phase = Phase::train;
        space_.repair(c.params, spec_.bound_policy);
      }
      evals.assign(batch.size(), Evaluation{});
      evaluator_->evaluate(*optimizee_, batch, evals);
      optimizer_->tell(batch, evals);

      // Statistics of this generation.
      GenerationRecord rec;
      rec.generation = g;
      bool improved = false;
      rec.evaluations = static_cast<std::int64_t>(batch.size());
      weighted.resize(batch.size());
      std::vector<double> ok_values;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        weighted[i] = weights_.weighted(evals[i]);
        if (!evals[i].ok()) {
          ++rec.failed;
          last_error = evals[i].reason;
          continue;
        }
        ok_values.push_back(weighted[i]);
        if (rec.best_index < 0 || weighted[i] > weighted[static_cast<std::size_t>(rec.best_index)])
          rec.best_index = static_cast<std::int64_t>(i);
      }
      std::sort(ok_values.begin(), ok_values.end());
      rec.worst = ok_values.empty() ? std::nan("") : ok_values.front();
      rec.best = ok_values.empty() ? std::nan("") : ok_values.back();
      rec.q25 = quantile(ok_values, 0.25);
      rec.median = quantile(ok_values, 0.5);
      rec.q75 = quantile(ok_values, 0.75);
      rec.mean = std::nan("");
      if (!ok_values.empty()) {
        double sum = 0;
        for (double v : ok_values) sum += v;
        rec.mean = sum / static_cast<double>(ok_values.size());
      }
      if (rec.best_index >= 0) {
        const auto b = static_cast<std::size_t>(rec.best_index);
        rec.best_fitness = evals[b].fitness;
        rec.best_params = batch[b].params;
        if (weighted[b] > st.best_weighted) {
          improved = true;
          st.best_weighted = weighted[b];
          st.best_fitness = evals[b].fitness;
          st.best_params = batch[b].params;
          st.best_generation = g;
          st.best_index = rec.best_index;
        }
      }
      st.evaluations += rec.evaluations;
      st.failed += rec.failed;
      st.failed_streak = ok_values.empty() ? st.failed_streak + 1 : 0;
      if (std::isfinite(st.best_weighted) &&
          (!std::isfinite(st.stagnation_reference) ||
           st.best_weighted > st.stagnation_reference + term.stagnation_tolerance)) {
        st.stagnation_reference = st.best_weighted;
        st.stagnant_generations = 0;
      } else {
        ++st.stagnant_generations;
      }

      rec.info = optimizer_->generation_info();
      // The optimizer's estimate on held-out data, recorded under `key` (and key_<metric>).
      auto held_out = [&](Phase phase, const std::string& key) -> std::optional<Evaluation> {
        auto est = optimizer_->estimate();
        if (!est) return std::nullopt;
        std::vector<Candidate> probe(1);
        probe[0].generation = g;
        probe[0].index = -1;
        probe[0].seed = stream_seed(spec_.seed, g, phase == Phase::test ? -2 : -1);
        probe[0].phase = phase;
        probe[0].params = *est;
        space_.repair(probe[0].params, spec_.bound_policy);
        std::vector<Evaluation> result(1);
        evaluator_->evaluate(*optimizee_, probe, result);
        nlohmann::json t = {{"status", to_string(result[0].status)}};
        if (result[0].ok()) {
          t["fitness"] = result[0].fitness;
          for (const auto& [k, v] : result[0].metrics) rec.info[key + "_" + k] = v;
        } else {
          t["error"] = result[0].reason;
        }
        rec.info[key] = t;
        return result[0];
      };
      if (spec_.test_every > 0 && (g + 1) % spec_.test_every == 0) {
        if (auto v = held_out(Phase::validation, "validation")) {
          optimizer_->observe_validation(*v);
          if (v->ok()) {
            out.last_validation = v->metrics;
            out.last_validation_generation = g;
          }
        }
      }

      st.next_generation = g + 1;
      st.elapsed += std::chrono::duration<double>(clock::now() - t0).count();
      rec.seconds = std::chrono::duration<double>(clock::now() - t0).count();
      rec.elapsed = st.elapsed;

      stop_reason = budget_stop();
      if (stop_reason.empty()) {
        if (auto r = optimizer_->stop_reason()) stop_reason = *r;
      }
      if (stop_reason.empty() && st.failed_streak >= term.max_failed_generations) {
        stop_reason =
            fmt::format("every evaluation failed in the last {} generations (last error: {})",
                        st.failed_streak, last_error);
        status = "failed";
      }
      // The final number: the estimate on the test set, once, when the run ends by a stopping
      // rule (an interrupted run is not finished; its resumption will test at its end).
      if (!stop_reason.empty() && status != "failed" && spec_.final_test) {
        if (auto t = held_out(Phase::test, "final_test"); t && t->ok()) {
          out.final_test = t->metrics;
          out.final_test_generation = g;
        }
      }

      std::vector<Artifact> artifacts;
      const bool artifact_time = !stop_reason.empty() || interrupt_requested() ||
                                 (spec_.artifact_every > 0 && (g + 1) % spec_.artifact_every == 0);
      if (artifact_time) artifacts = optimizer_->artifacts();

      // Large spaces keep the best parameters only where they matter (see store_params).
      if (!all_params && !improved && !artifact_time) rec.best_params.clear();

      // Checkpoints of large states (an ensemble of networks) every generation would cost more
      // than the generations; the results do not depend on where a resumed run restarts.
      const bool checkpoint_time =
          artifact_time || (spec_.checkpoint_every > 0
                                ? (g + 1) % spec_.checkpoint_every == 0
                                : last_checkpoint_bytes < (1 << 20) ||
                                      clock::now() - last_checkpoint >= std::chrono::seconds(30));
      Checkpoint ckpt;
      ckpt.generation = g;
      if (checkpoint_time) {
        ckpt.optimizer = state::encode(optimizer_->state());
        ckpt.driver = st.to_json();
        last_checkpoint_bytes = static_cast<double>(ckpt.optimizer.size());
        last_checkpoint = clock::now();
      }
      const auto t_store = clock::now();
      store.record_generation(run_id, rec, batch, evals, weighted, ckpt, artifacts,
                              spec_.store_level, spec_.store_outputs, all_params, checkpoint_time);
      st.elapsed += std::chrono::duration<double>(clock::now() - t_store).count();

      ProgressSnapshot snap;
      snap.generation = g;
      snap.max_generations = term.max_generations;
      snap.evaluations = st.evaluations;
      snap.failed = st.failed;
      snap.evals_per_second =
          rec.seconds > 0 ? static_cast<double>(rec.evaluations) / rec.seconds : 0;
      snap.has_best = std::isfinite(st.best_weighted);
      if (snap.has_best) snap.best = best_raw();
      snap.seconds_per_generation = st.elapsed / static_cast<double>(g + 1);
      progress.update(snap);

      if (stop_reason.empty() && interrupt_requested()) {
        stop_reason = "interrupted";
        status = "interrupted";
      }
    }
  } catch (const std::exception& e) {
    progress.finish();
    store.update_run_status(run_id, "failed", e.what());
    throw;
  }
  progress.finish();
  store.update_run_status(run_id, status, stop_reason);

  out.status = status;
  out.stop_reason = stop_reason;
  out.generations = st.next_generation;
  out.evaluations = st.evaluations;
  out.failed = st.failed;
  out.best_weighted = st.best_weighted;
  out.best_fitness = st.best_fitness;
  out.best_params = st.best_params;
  out.best_generation = st.best_generation;
  out.best_index = st.best_index;
  out.seconds = st.elapsed;
  return out;
}

}  // namespace l2l
