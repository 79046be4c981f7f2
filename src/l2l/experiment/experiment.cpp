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
#include "l2l/experiment/generation_statistics.hpp"
#include "l2l/experiment/progress.hpp"
#include "l2l/experiment/warm_start_loader.hpp"

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
  // The reason of the latest failed evaluation, for the message when every evaluation fails (not
  // checkpointed: a resumed run starts without one, as before).
  std::string last_error;

  // Takes in one generation's results: counters, the best so far, the stagnation count and the
  // failure streak. Returns whether the generation improved on the best so far.
  bool absorb(const GenerationRecord& rec, const std::vector<Candidate>& batch,
              const std::vector<Evaluation>& evals, const std::vector<double>& weighted,
              double stagnation_tolerance) {
    for (const auto& e : evals)
      if (!e.ok()) last_error = e.reason;
    bool improved = false;
    if (rec.best_index >= 0) {
      const auto b = static_cast<std::size_t>(rec.best_index);
      if (weighted[b] > best_weighted) {
        improved = true;
        best_weighted = weighted[b];
        best_fitness = evals[b].fitness;
        best_params = batch[b].params;
        best_generation = rec.generation;
        best_index = rec.best_index;
      }
    }
    evaluations += rec.evaluations;
    failed += rec.failed;
    failed_streak = rec.failed == rec.evaluations ? failed_streak + 1 : 0;
    if (std::isfinite(best_weighted) &&
        (!std::isfinite(stagnation_reference) ||
         best_weighted > stagnation_reference + stagnation_tolerance)) {
      stagnation_reference = best_weighted;
      stagnant_generations = 0;
    } else {
      ++stagnant_generations;
    }
    return improved;
  }

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
  if (!spec_.init_from.empty()) {
    // The stored configuration names the origin by its absolute path, so that `l2l resume`
    // finds it from any directory.
    auto from = InitFrom::parse(spec_.init_from);
    from.path = std::filesystem::absolute(from.path).lexically_normal().string();
    config_.root["experiment"]["init_from"] = from.text();
    init_from_ = from;
  }

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
  if (warm_start_) {
    info.origin_store = warm_start_->origin.store;
    info.origin_run = warm_start_->origin.run;
    info.origin_generation = warm_start_->origin.generation;
  }
  return info;
}

void Experiment::warm_start() {
  if (!init_from_) return;
  if (!warm_start_)
    warm_start_ = std::make_unique<LoadedWarmStart>(
        load_warm_start(*init_from_, space_, weights_, spec_.bound_policy,
                        optimizer_->warm_start_uses_history(), spec_.init_from_centre_at_mean));
  try {
    optimizer_->warm_start(warm_start_->start);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("init_from: optimizer '{}': {}",
                                 std::as_const(config_.root)["optimizer"]["type"].as<std::string>(),
                                 e.what()));
  }
}

RunOutcome Experiment::run() {
  // Before the store exists: a warm start that cannot be made leaves nothing behind.
  warm_start();
  auto store = RunStore::create(store_path(), options_.overwrite);
  const auto run_id = store->add_run(run_info());
  return loop(*store, run_id, DriverState{});
}

RunOutcome Experiment::run_in(RunStore& store, const RunInfo& link) {
  warm_start();
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
  } else {
    // Killed before its first checkpoint: a warm-started run begins again where it began.
    warm_start();
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

namespace {

// When to write the optimizer's state. Checkpoints of large states (an ensemble of networks)
// every generation would cost more than the generations; the results do not depend on where a
// resumed run restarts.
class CheckpointSchedule {
 public:
  explicit CheckpointSchedule(std::int64_t every) : every_(every) {}
  bool due(std::int64_t generation, bool artifact_time) const {
    if (artifact_time) return true;
    if (every_ > 0) return (generation + 1) % every_ == 0;
    return last_bytes_ < (1 << 20) ||
           std::chrono::steady_clock::now() - last_ >= std::chrono::seconds(30);
  }
  void saved(std::size_t bytes) {
    last_bytes_ = static_cast<double>(bytes);
    last_ = std::chrono::steady_clock::now();
  }

 private:
  std::int64_t every_;
  double last_bytes_ = 0;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

std::string Experiment::stop_rule(const DriverState& st) const {
  const auto& term = spec_.termination;
  if (st.next_generation >= term.max_generations)
    return fmt::format("reached max_generations = {}", term.max_generations);
  if (term.max_evaluations > 0 && st.evaluations >= term.max_evaluations)
    return fmt::format("reached max_evaluations = {}", term.max_evaluations);
  if (term.target_fitness && std::isfinite(st.best_weighted)) {
    const bool hit = weights_.size() == 1
                         ? !weights_.better_raw(*term.target_fitness, st.best_fitness.at(0))
                         : st.best_weighted >= *term.target_fitness;
    if (hit) return fmt::format("reached target_fitness = {}", *term.target_fitness);
  }
  if (term.max_seconds > 0 && st.elapsed >= term.max_seconds)
    return fmt::format("reached max_seconds = {}", term.max_seconds);
  if (term.stagnation_generations > 0 && st.stagnant_generations >= term.stagnation_generations)
    return fmt::format("no improvement for {} generations", term.stagnation_generations);
  if (auto r = optimizer_->stop_reason()) return *r;
  return {};
}

void Experiment::prepare(std::vector<Candidate>& batch, std::int64_t generation) const {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& c = batch[i];
    if (c.params.size() != space_.dim())
      throw std::logic_error(fmt::format("optimizer proposed {} parameters, the space has {}",
                                         c.params.size(), space_.dim()));
    c.generation = generation;
    c.index = static_cast<std::int64_t>(i);
    c.seed = stream_seed(spec_.seed, generation, c.index);
    c.phase = Phase::train;
    space_.repair(c.params, spec_.bound_policy);
  }
}

std::optional<Evaluation> Experiment::evaluate_estimate(Phase phase, const std::string& key,
                                                        GenerationRecord& rec) {
  auto est = optimizer_->estimate();
  if (!est) return std::nullopt;
  std::vector<Candidate> probe(1);
  probe[0].generation = rec.generation;
  probe[0].index = -1;
  probe[0].seed = stream_seed(spec_.seed, rec.generation, phase == Phase::test ? -2 : -1);
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
}

void Experiment::validate(GenerationRecord& rec, RunOutcome& out) {
  if (auto v = evaluate_estimate(Phase::validation, "validation", rec)) {
    optimizer_->observe_validation(*v);
    if (v->ok()) {
      out.last_validation = v->metrics;
      out.last_validation_generation = rec.generation;
    }
  }
}

void Experiment::final_test(GenerationRecord& rec, RunOutcome& out) {
  if (auto t = evaluate_estimate(Phase::test, "final_test", rec); t && t->ok()) {
    out.final_test = t->metrics;
    out.final_test_generation = rec.generation;
  }
}

ProgressSnapshot Experiment::snapshot(const DriverState& st, const GenerationRecord& rec) const {
  ProgressSnapshot snap;
  snap.generation = rec.generation;
  snap.max_generations = spec_.termination.max_generations;
  snap.evaluations = st.evaluations;
  snap.failed = st.failed;
  snap.evals_per_second = rec.seconds > 0 ? static_cast<double>(rec.evaluations) / rec.seconds : 0;
  snap.has_best = std::isfinite(st.best_weighted);
  if (snap.has_best) snap.best = weights_.size() == 1 ? st.best_fitness.at(0) : st.best_weighted;
  snap.seconds_per_generation = st.elapsed / static_cast<double>(rec.generation + 1);
  return snap;
}

RunOutcome Experiment::loop(RunStore& store, std::int64_t run_id, DriverState st) {
  using clock = std::chrono::steady_clock;
  Progress progress(options_.progress);
  if (auto* recorder = dynamic_cast<RecordsChildRuns*>(optimizee_.get()))
    recorder->attach_store(store, run_id);
  RunOutcome out;
  out.store_path = store.path();
  if (init_from_) {
    const auto row = store.run(run_id);
    if (row.origin_run)
      out.origin = fmt::format("{} run {} generation {}", row.origin_store, *row.origin_run,
                               row.origin_generation.value_or(-1));
  }
  out.run_id = run_id;
  out.param_names = space_.element_names();

  std::string stop_reason, status = "finished";
  std::vector<Evaluation> evals;
  std::vector<double> weighted;
  try {
    // A run may be over before its first generation (resuming a finished run, same budget).
    stop_reason = stop_rule(st);
    const bool all_params =
        spec_.store_params == "all" || (spec_.store_params == "auto" && space_.dim() <= 1000);
    CheckpointSchedule checkpoints(spec_.checkpoint_every);
    while (stop_reason.empty()) {
      const auto t0 = clock::now();
      const std::int64_t g = st.next_generation;
      auto batch = optimizer_->ask();
      if (batch.empty()) {
        stop_reason = optimizer_->stop_reason().value_or("the optimizer proposed no candidates");
        break;
      }
      prepare(batch, g);
      evals.assign(batch.size(), Evaluation{});
      evaluator_->evaluate(*optimizee_, batch, evals);
      optimizer_->tell(batch, evals);

      weighted.resize(batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) weighted[i] = weights_.weighted(evals[i]);
      GenerationRecord rec = generation_statistics(g, batch, evals, weighted);
      const bool improved =
          st.absorb(rec, batch, evals, weighted, spec_.termination.stagnation_tolerance);
      rec.info = optimizer_->generation_info();
      if (spec_.test_every > 0 && (g + 1) % spec_.test_every == 0) validate(rec, out);

      st.next_generation = g + 1;
      st.elapsed += std::chrono::duration<double>(clock::now() - t0).count();
      rec.seconds = std::chrono::duration<double>(clock::now() - t0).count();
      rec.elapsed = st.elapsed;

      stop_reason = stop_rule(st);
      if (stop_reason.empty() && st.failed_streak >= spec_.termination.max_failed_generations) {
        stop_reason =
            fmt::format("every evaluation failed in the last {} generations (last error: {})",
                        st.failed_streak, st.last_error);
        status = "failed";
      }
      // The final number: the estimate on the test set, once, when the run ends by a stopping
      // rule (an interrupted run is not finished; its resumption will test at its end).
      if (!stop_reason.empty() && status != "failed" && spec_.final_test) final_test(rec, out);

      const bool artifact_time = !stop_reason.empty() || interrupt_requested() ||
                                 (spec_.artifact_every > 0 && (g + 1) % spec_.artifact_every == 0);
      std::vector<Artifact> artifacts;
      if (artifact_time) artifacts = optimizer_->artifacts();
      // Large spaces keep the best parameters only where they matter (see store_params).
      if (!all_params && !improved && !artifact_time) rec.best_params.clear();

      Checkpoint ckpt;
      ckpt.generation = g;
      const bool checkpoint_time = checkpoints.due(g, artifact_time);
      if (checkpoint_time) {
        ckpt.optimizer = state::encode(optimizer_->state());
        ckpt.driver = st.to_json();
        checkpoints.saved(ckpt.optimizer.size());
      }
      // A large generation goes to the store's writer thread, which commits it while the next
      // one is evaluated; a small one is written at once (RunStore::worth_a_background_write).
      GenerationRecord brief;
      brief.generation = rec.generation;
      brief.evaluations = rec.evaluations;
      brief.seconds = rec.seconds;
      std::size_t blob_bytes = ckpt.optimizer.size();
      for (const auto& a : artifacts) blob_bytes += a.data.size();
      const auto t_store = clock::now();
      if (store.worth_a_background_write(spec_.store_level, batch.size(), blob_bytes))
        store.record_generation_async({run_id, std::move(rec), std::move(batch), std::move(evals),
                                       std::move(weighted), std::move(ckpt), std::move(artifacts),
                                       spec_.store_level, spec_.store_outputs, all_params,
                                       checkpoint_time});
      else
        store.record_generation(run_id, rec, batch, evals, weighted, ckpt, artifacts,
                                spec_.store_level, spec_.store_outputs, all_params,
                                checkpoint_time);
      st.elapsed += std::chrono::duration<double>(clock::now() - t_store).count();
      progress.update(snapshot(st, brief));

      if (stop_reason.empty() && interrupt_requested()) {
        stop_reason = "interrupted";
        status = "interrupted";
      }
    }
    store.flush();  // a failed write of the last generations fails the run here
  } catch (const std::exception& e) {
    progress.finish();
    try {
      store.update_run_status(run_id, "failed", e.what());
    } catch (const std::exception&) {
      // The store itself failed: the original error is the one to report.
    }
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
